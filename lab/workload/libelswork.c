/* libelswork.so: called in a loop by the worker threads of mtwork. */
#include "elswork.h"

#include <time.h>

unsigned long elswork_calls;

/* A table in the library's data, so a debugger has something to read. */
const char elswork_banner[] = "elscope lab workload library libelswork.so";

static unsigned long __attribute__((noinline)) elswork_mix(unsigned long x, unsigned int rounds)
{
    for (unsigned int i = 0; i < rounds; i++)
        x = x * 6364136223846793005UL + 1442695040888963407UL;
    return x;
}

void __attribute__((noinline)) elswork_nap(unsigned int ms)
{
    struct timespec ts = {.tv_sec = 0, .tv_nsec = (long)ms * 1000000L};

    while (nanosleep(&ts, &ts) != 0)
        ;
}

void elswork_step(struct elswork *w)
{
    w->digest = elswork_mix(w->digest ^ w->id, 1000 + 100 * w->id);
    w->steps++;
    __atomic_add_fetch(&elswork_calls, 1, __ATOMIC_RELAXED);
    elswork_nap(20 + 10 * w->id);
}
