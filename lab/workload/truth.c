/* truth: what the guest says about itself, for the lab's ground truth.
 *
 *   truth ps [PID...]
 *       every task in /proc, threads included, as TSV on stdout: header
 *       "pid\ttgid\tppid\tstate\tcomm", then one line per task sorted by
 *       tgid and pid (pid is the task's own id); leaves out this process and
 *       the processes PID... (with their threads). Tabs and newlines in a
 *       comm become '?'.
 *   truth pagemap PID ADDRS
 *       for each address in the file ADDRS (TSV, header line, address in the
 *       first column) the physical address that /proc/PID/pagemap gives it:
 *       header "pid\tva\tpa", then "PID\t0xVA\t0xPA", or "-" for pa when the
 *       page is not present (never touched).
 *   truth modsections
 *       the section addresses of every loaded module (those in /proc/modules)
 *       from /sys/module/NAME/sections/: one line "MODULE SECTION ADDRESS" per
 *       section file (names starting with '.' included), ADDRESS as the file
 *       says it (0x...; zeros unless the reader may see kernel addresses),
 *       sorted by module, then section name (byte order).
 *
 * Errors: one line on stderr, exit status 1 (2 for usage). */
#define _GNU_SOURCE
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

struct task {
    long pid, tgid, ppid;
    char state;
    char comm[64];
};

static void fail(const char *what)
{
    fprintf(stderr, "truth: %s: %s\n", what, strerror(errno));
    exit(1);
}

static int numeric(const char *s)
{
    if (!*s)
        return 0;
    for (; *s; s++)
        if (!isdigit((unsigned char)*s))
            return 0;
    return 1;
}

/* Parse /proc/TGID/task/PID/stat: "pid (comm) state ppid ...". The comm may
 * hold spaces and parentheses: it ends at the last ')'. */
static int read_task(long tgid, const char *pid, struct task *t)
{
    char path[96], buf[1024], *lp, *rp;
    ssize_t n;
    int fd;

    snprintf(path, sizeof(path), "/proc/%ld/task/%s/stat", tgid, pid);
    fd = open(path, O_RDONLY);
    if (fd < 0)
        return -1; /* gone meanwhile */
    n = read(fd, buf, sizeof(buf) - 1);
    close(fd);
    if (n <= 0)
        return -1;
    buf[n] = 0;
    lp = strchr(buf, '(');
    rp = strrchr(buf, ')');
    if (!lp || !rp || rp < lp || rp - lp - 1 >= (long)sizeof(t->comm))
        return -1;
    t->pid = strtol(pid, NULL, 10);
    t->tgid = tgid;
    memcpy(t->comm, lp + 1, (size_t)(rp - lp - 1));
    t->comm[rp - lp - 1] = 0;
    for (char *c = t->comm; *c; c++)
        if (*c == '\t' || *c == '\n')
            *c = '?';
    if (sscanf(rp + 1, " %c %ld", &t->state, &t->ppid) != 2)
        return -1;
    return 0;
}

static int by_tgid_pid(const void *a, const void *b)
{
    const struct task *x = a, *y = b;

    if (x->tgid != y->tgid)
        return x->tgid < y->tgid ? -1 : 1;
    return (x->pid > y->pid) - (x->pid < y->pid);
}

static int skipped(long tgid, int nskip, char **skip)
{
    for (int i = 0; i < nskip; i++)
        if (strtol(skip[i], NULL, 10) == tgid)
            return 1;
    return 0;
}

static int cmd_ps(int nskip, char **skip)
{
    struct task *tasks = NULL;
    size_t n = 0, cap = 0;
    long self = (long)getpid();
    DIR *proc = opendir("/proc"), *dir;
    struct dirent *p, *e;
    char path[64];

    if (!proc)
        fail("/proc");
    while ((p = readdir(proc))) {
        long tgid;

        if (!numeric(p->d_name))
            continue;
        tgid = strtol(p->d_name, NULL, 10);
        if (tgid == self || skipped(tgid, nskip, skip))
            continue;
        snprintf(path, sizeof(path), "/proc/%ld/task", tgid);
        dir = opendir(path);
        if (!dir)
            continue; /* exited meanwhile */
        while ((e = readdir(dir))) {
            if (!numeric(e->d_name))
                continue;
            if (n == cap) {
                cap = cap ? 2 * cap : 256;
                tasks = realloc(tasks, cap * sizeof(*tasks));
                if (!tasks)
                    fail("realloc");
            }
            if (read_task(tgid, e->d_name, &tasks[n]) == 0)
                n++;
        }
        closedir(dir);
    }
    closedir(proc);
    qsort(tasks, n, sizeof(*tasks), by_tgid_pid);
    printf("pid\ttgid\tppid\tstate\tcomm\n");
    for (size_t i = 0; i < n; i++)
        printf("%ld\t%ld\t%ld\t%c\t%s\n", tasks[i].pid, tasks[i].tgid, tasks[i].ppid,
               tasks[i].state, tasks[i].comm);
    free(tasks);
    if (fflush(stdout) != 0)
        fail("stdout");
    return 0;
}

static int cmd_pagemap(const char *pid, const char *addrs)
{
    char path[64], line[256];
    unsigned long page = (unsigned long)sysconf(_SC_PAGESIZE);
    FILE *in = fopen(addrs, "r");
    int fd, first = 1;

    if (!in)
        fail(addrs);
    snprintf(path, sizeof(path), "/proc/%s/pagemap", pid);
    fd = open(path, O_RDONLY);
    if (fd < 0)
        fail(path);
    printf("pid\tva\tpa\n");
    while (fgets(line, sizeof(line), in)) {
        unsigned long va;
        uint64_t entry;
        char *end;

        if (first) { /* header */
            first = 0;
            continue;
        }
        errno = 0;
        va = strtoul(line, &end, 16);
        if (errno || end == line) {
            fprintf(stderr, "truth: %s: bad line: %s", addrs, line);
            return 1;
        }
        if (pread(fd, &entry, sizeof(entry), (off_t)(va / page * sizeof(entry))) !=
            (ssize_t)sizeof(entry))
            fail(path);
        /* Bit 63: present; bits 0-54: the page frame number (zero without
         * CAP_SYS_ADMIN). */
        if (entry >> 63) {
            uint64_t pfn = entry & ((UINT64_C(1) << 55) - 1);
            printf("%s\t0x%lx\t0x%llx\n", pid, va,
                   (unsigned long long)(pfn * page + va % page));
        } else {
            printf("%s\t0x%lx\t-\n", pid, va);
        }
    }
    fclose(in);
    close(fd);
    if (fflush(stdout) != 0)
        fail("stdout");
    return 0;
}

struct line {
    char *text;
};

static int by_text(const void *a, const void *b)
{
    return strcmp(((const struct line *)a)->text, ((const struct line *)b)->text);
}

/* One module's sections, appended to *lines. */
static void module_sections(const char *mod, struct line **lines, size_t *n, size_t *cap)
{
    char path[512], addr[64];
    struct dirent *e;
    DIR *dir;

    snprintf(path, sizeof(path), "/sys/module/%s/sections", mod);
    dir = opendir(path);
    if (!dir)
        fail(path);
    while ((e = readdir(dir))) {
        ssize_t len;
        int fd;

        if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
            continue;
        fd = openat(dirfd(dir), e->d_name, O_RDONLY);
        if (fd < 0)
            fail(e->d_name);
        len = read(fd, addr, sizeof(addr) - 1);
        close(fd);
        if (len <= 0) {
            if (len == 0)
                errno = EIO;
            fail(e->d_name);
        }
        addr[len] = 0;
        addr[strcspn(addr, "\n")] = 0;
        if (*n == *cap) {
            *cap = *cap ? 2 * *cap : 128;
            *lines = realloc(*lines, *cap * sizeof(**lines));
            if (!*lines)
                fail("realloc");
        }
        if (asprintf(&(*lines)[*n].text, "%s %s %s", mod, e->d_name, addr) < 0)
            fail("asprintf");
        (*n)++;
    }
    closedir(dir);
}

static int cmd_modsections(void)
{
    struct line *lines = NULL;
    size_t n = 0, cap = 0;
    char buf[1024], mod[256];
    FILE *in = fopen("/proc/modules", "r");

    if (!in)
        fail("/proc/modules");
    while (fgets(buf, sizeof(buf), in)) {
        if (sscanf(buf, "%255s", mod) == 1)
            module_sections(mod, &lines, &n, &cap);
    }
    fclose(in);
    /* "MODULE SECTION": module names have no spaces, so the whole line's byte
     * order is module order, then section order. */
    qsort(lines, n, sizeof(*lines), by_text);
    for (size_t i = 0; i < n; i++) {
        printf("%s\n", lines[i].text);
        free(lines[i].text);
    }
    free(lines);
    if (fflush(stdout) != 0)
        fail("stdout");
    return 0;
}

int main(int argc, char **argv)
{
    if (argc >= 2 && strcmp(argv[1], "ps") == 0)
        return cmd_ps(argc - 2, argv + 2);
    if (argc == 4 && strcmp(argv[1], "pagemap") == 0)
        return cmd_pagemap(argv[2], argv[3]);
    if (argc == 2 && strcmp(argv[1], "modsections") == 0)
        return cmd_modsections();
    fprintf(stderr, "usage: truth ps [PID...] | truth pagemap PID ADDRS | truth modsections\n");
    return 2;
}
