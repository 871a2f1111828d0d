/* libelswork.so: the shared library of the lab's mtwork process. */
#ifndef ELSWORK_H
#define ELSWORK_H

/* One worker's state; lives on the worker thread's stack. */
struct elswork {
    unsigned int id;       /* worker number, 0..3 */
    unsigned long steps;   /* calls of elswork_step so far */
    unsigned long digest;  /* result of the last computation */
};

/* Calls of elswork_step by all workers together (a data symbol of the
 * library that a debugger can read). */
extern unsigned long elswork_calls;

/* Compute a little, then sleep a few milliseconds inside the library, so a
 * halted worker's stack reads nanosleep <- elswork_nap <- elswork_step <-
 * worker. */
void elswork_step(struct elswork *w);

#endif
