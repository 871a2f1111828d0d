/* busy: a busy loop in user space that can be started and stopped.
 *
 *   busy          spin in the foreground until killed
 *   busy start    start a spinning process in the background (its pid goes
 *                 to /run/busy.pid and to stdout); nothing when one runs
 *   busy stop     stop it (SIGTERM) and wait until it is gone
 *   busy status   print its pid, or exit 1 when none runs
 *
 * The spinning process is called "busy"; its loop is busy_spin(). */
#define _GNU_SOURCE
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static const char pid_path[] = "/run/busy.pid";

volatile unsigned long busy_counter;

static void __attribute__((noinline, noreturn)) busy_spin(void)
{
    for (;;)
        busy_counter++;
}

/* The pid of a running busy from the pid file, or 0. */
static pid_t running(void)
{
    char path[64], comm[32] = "";
    long pid = 0;
    FILE *f = fopen(pid_path, "r");

    if (!f)
        return 0;
    if (fscanf(f, "%ld", &pid) != 1)
        pid = 0;
    fclose(f);
    if (pid <= 0)
        return 0;
    snprintf(path, sizeof(path), "/proc/%ld/comm", pid);
    f = fopen(path, "r");
    if (!f)
        return 0;
    if (!fgets(comm, sizeof(comm), f))
        comm[0] = 0;
    fclose(f);
    return strcmp(comm, "busy\n") == 0 ? (pid_t)pid : 0;
}

static int start(void)
{
    pid_t pid = running();
    FILE *f;

    if (pid) {
        printf("%ld\n", (long)pid);
        return 0;
    }
    pid = fork();
    if (pid < 0) {
        perror("busy: fork");
        return 1;
    }
    if (pid == 0) {
        setsid();
        busy_spin();
    }
    f = fopen(pid_path, "w");
    if (!f || fprintf(f, "%ld\n", (long)pid) < 0 || fclose(f) != 0) {
        perror("busy: /run/busy.pid");
        kill(pid, SIGTERM);
        return 1;
    }
    printf("%ld\n", (long)pid);
    return 0;
}

static int stop(void)
{
    pid_t pid = running();
    char path[64];
    struct stat st;

    if (!pid)
        return 0;
    if (kill(pid, SIGTERM) != 0 && errno != ESRCH) {
        perror("busy: kill");
        return 1;
    }
    /* It is our child only when this process started it; otherwise wait
     * until its /proc entry goes (its parent, init, reaps it). */
    waitpid(pid, NULL, WNOHANG);
    snprintf(path, sizeof(path), "/proc/%ld", (long)pid);
    for (int i = 0; i < 500 && stat(path, &st) == 0; i++) {
        struct timespec ts = {0, 10000000L};
        nanosleep(&ts, NULL);
    }
    unlink(pid_path);
    return 0;
}

int main(int argc, char **argv)
{
    if (argc == 1)
        busy_spin();
    if (argc == 2 && strcmp(argv[1], "start") == 0)
        return start();
    if (argc == 2 && strcmp(argv[1], "stop") == 0)
        return stop();
    if (argc == 2 && strcmp(argv[1], "status") == 0) {
        pid_t pid = running();
        if (!pid)
            return 1;
        printf("%ld\n", (long)pid);
        return 0;
    }
    fprintf(stderr, "usage: busy [start|stop|status]\n");
    return 2;
}
