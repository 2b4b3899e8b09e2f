/*
 * deadline.h - a deadline for the work a thread is doing now.
 *
 * The server's worker threads set one before they run a request and clear it
 * after (server/workq.h); long computations below the server (a compatibility
 * check, a registration before its commit) ask sr_deadline_passed() at points
 * where giving up leaves nothing half done, and fail with SR_ERR_TIMEOUT.
 * A thread that never set one has none: sr_deadline_passed() is false.
 * Thread-local; no locking.
 */
#ifndef SR_COMMON_DEADLINE_H
#define SR_COMMON_DEADLINE_H

#include <stdbool.h>
#include <stdint.h>

/* Now on CLOCK_MONOTONIC, in nanoseconds. */
uint64_t sr_monotonic_ns(void);

/* Sets this thread's deadline (a CLOCK_MONOTONIC time in ns); 0 clears it. */
void sr_deadline_set(uint64_t at_ns);

/* This thread's deadline (0: none). Work handed to another thread (a group
 * commit runs its members' work on one thread) carries it along. */
uint64_t sr_deadline_get(void);

/* Whether this thread has a deadline and it has passed. Reads the clock
 * (tens of nanoseconds): callers in tight loops ask every few thousand steps. */
bool sr_deadline_passed(void);

#endif
