/* mapper: maps a file and anonymous memory, touches only some of their pages
 * and leaves the others never touched (demand paging), writes the addresses
 * it chose to /run/mapper.addrs, then sleeps until killed; SIGUSR1 makes it
 * spin on a CPU for 5 s (touching none of those pages).
 *
 * The file /run/mapper.data (tmpfs) has FILE_PAGES pages; page N starts with
 * "ELSCOPE-FILE-PAGE-NN". It is mapped MAP_SHARED: pages 0 and 1 are read,
 * page 2 is written (it then starts with "ELSCOPE-FILE-WRITTEN-02"), pages 32
 * and 63 are never touched. (The kernel's fault-around may map neighbours of
 * a read page within the same 64 KiB; the untouched pages are in other 64 KiB
 * blocks.)
 *
 * The anonymous mapping has ANON_PAGES pages (8 MiB, MADV_NOHUGEPAGE so one
 * write does not bring a 2 MiB page): pages 0, 256 and 1025 are written (each
 * then starts with "ELSCOPE-ANON-PAGE-NNNN"), page 512 is only read (so it
 * maps the kernel's shared zero page), pages 768 and 2047 are never touched.
 *
 * /run/mapper.addrs is a TSV file: header "va\tkind", then one line per
 * chosen page: its address (0x...) and one of file-read, file-written,
 * file-untouched, anon-written, anon-zero, anon-untouched. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <signal.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#define FILE_PAGES 64
#define ANON_PAGES 2048

static const char data_path[] = "/run/mapper.data";
static const char addrs_path[] = "/run/mapper.addrs";

/* Reads go through this so the compiler keeps them. */
volatile unsigned char mapper_sink;

static void die(const char *what)
{
    fprintf(stderr, "mapper: %s: %s\n", what, strerror(errno));
    exit(1);
}

static int make_file(size_t page)
{
    char *buf = calloc(1, page);
    int fd;

    if (!buf)
        die("calloc");
    fd = open(data_path, O_RDWR | O_CREAT | O_TRUNC, 0644);
    if (fd < 0)
        die(data_path);
    for (unsigned int i = 0; i < FILE_PAGES; i++) {
        memset(buf, 0x40 + (int)(i % 26), page);
        snprintf(buf, page, "ELSCOPE-FILE-PAGE-%02u\n", i);
        if (write(fd, buf, page) != (ssize_t)page)
            die("write /run/mapper.data");
    }
    free(buf);
    return fd;
}

static void note(FILE *f, const void *va, const char *kind)
{
    fprintf(f, "0x%lx\t%s\n", (unsigned long)va, kind);
}

static volatile sig_atomic_t spin_requested;

static void on_usr1(int sig)
{
    (void)sig;
    spin_requested = 1;
}

/*
 * SIGUSR1: spin on a CPU for 5 s, so that a debugger halting the machine
 * finds a CPU running this process (its TTBR0 holds our tables). The loop
 * touches no page of the mappings above: their pagemap stays as written.
 */
static void __attribute__((noinline)) mapper_spin(void)
{
    struct timespec t0, t;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    do
        clock_gettime(CLOCK_MONOTONIC, &t);
    while (t.tv_sec - t0.tv_sec < 5);
}

static void __attribute__((noinline)) mapper_wait(void)
{
    for (;;) {
        pause();
        if (spin_requested) {
            spin_requested = 0;
            mapper_spin();
        }
    }
}

int main(void)
{
    size_t page = (size_t)sysconf(_SC_PAGESIZE);
    unsigned char *file, *anon;
    char tmp[64];
    FILE *f;
    int fd;

    fd = make_file(page);
    file = mmap(NULL, FILE_PAGES * page, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    if (file == MAP_FAILED)
        die("mmap /run/mapper.data");
    anon = mmap(NULL, ANON_PAGES * page, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS,
                -1, 0);
    if (anon == MAP_FAILED)
        die("mmap anonymous");
    if (madvise(anon, ANON_PAGES * page, MADV_NOHUGEPAGE) != 0 && errno != EINVAL)
        die("madvise MADV_NOHUGEPAGE");

    mapper_sink = file[0 * page];
    mapper_sink = file[1 * page + 7];
    snprintf((char *)file + 2 * page, page, "ELSCOPE-FILE-WRITTEN-02\n");
    static const unsigned int written[] = {0, 256, 1025};
    for (unsigned int i = 0; i < sizeof(written) / sizeof(written[0]); i++)
        snprintf((char *)anon + written[i] * page, page, "ELSCOPE-ANON-PAGE-%04u\n", written[i]);
    mapper_sink = anon[512 * page];

    snprintf(tmp, sizeof(tmp), "%s.tmp", addrs_path);
    f = fopen(tmp, "w");
    if (!f)
        die(tmp);
    fprintf(f, "va\tkind\n");
    note(f, file + 0 * page, "file-read");
    note(f, file + 1 * page, "file-read");
    note(f, file + 2 * page, "file-written");
    note(f, file + 32 * page, "file-untouched");
    note(f, file + 63 * page, "file-untouched");
    note(f, anon + 0 * page, "anon-written");
    note(f, anon + 256 * page, "anon-written");
    note(f, anon + 1025 * page, "anon-written");
    note(f, anon + 512 * page, "anon-zero");
    note(f, anon + 768 * page, "anon-untouched");
    note(f, anon + 2047 * page, "anon-untouched");
    if (fclose(f) != 0)
        die(tmp);
    if (rename(tmp, addrs_path) != 0)
        die(addrs_path);
    struct sigaction sa = { .sa_handler = on_usr1 };
    sigemptyset(&sa.sa_mask);
    if (sigaction(SIGUSR1, &sa, NULL) != 0)
        die("sigaction SIGUSR1");
    mapper_wait();
    return 0;
}
