/* mtwork: a process with a main thread and four workers ("mtwork-w0".."w3")
 * that call into the shared library libelswork.so in a loop, sleeping inside
 * the library between calls. When all workers run (and are named) it creates
 * /run/mtwork.ready holding its pid. Runs until killed. */
#define _GNU_SOURCE
#include "elswork.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define WORKERS 4

static pthread_barrier_t started;

static void *worker(void *arg)
{
    struct elswork w = {.id = (unsigned int)(unsigned long)arg, .digest = 1};
    char name[16];

    snprintf(name, sizeof(name), "mtwork-w%u", w.id);
    pthread_setname_np(pthread_self(), name);
    pthread_barrier_wait(&started);
    for (;;)
        elswork_step(&w);
    return NULL;
}

static int write_ready(const char *path)
{
    char tmp[64];
    FILE *f;

    snprintf(tmp, sizeof(tmp), "%s.tmp", path);
    f = fopen(tmp, "w");
    if (!f)
        return -1;
    fprintf(f, "%ld\n", (long)getpid());
    if (fclose(f) != 0)
        return -1;
    return rename(tmp, path);
}

int main(void)
{
    pthread_t t[WORKERS];
    int err;

    pthread_barrier_init(&started, NULL, WORKERS + 1);
    for (unsigned long i = 0; i < WORKERS; i++) {
        err = pthread_create(&t[i], NULL, worker, (void *)i);
        if (err) {
            fprintf(stderr, "mtwork: pthread_create: %s\n", strerror(err));
            return 1;
        }
    }
    pthread_barrier_wait(&started);
    if (write_ready("/run/mtwork.ready") != 0)
        perror("mtwork: /run/mtwork.ready");
    for (int i = 0; i < WORKERS; i++)
        pthread_join(t[i], NULL);
    return 0;
}
