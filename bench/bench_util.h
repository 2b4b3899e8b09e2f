/*
 * bench_util.h - the clocks and the median the benchmark drivers share.
 * Header-only: each benchmark source is its own program.
 */
#ifndef SR_BENCH_UTIL_H
#define SR_BENCH_UTIL_H

#include <stddef.h>
#include <stdlib.h>
#include <time.h>

/* Wall-clock milliseconds (CLOCK_MONOTONIC). */
static inline double bench_now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

/* This thread's CPU time in nanoseconds: what a loop costs, whatever else the
 * (shared, noisy) machine runs meanwhile; for loops that neither sleep nor
 * wait. */
static inline double bench_thread_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return (double)ts.tv_sec * 1e9 + (double)ts.tv_nsec;
}

static inline int bench_cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* The median of v[0..n) (n > 0); sorts v in place. */
static inline double bench_median(double *v, size_t n)
{
    qsort(v, n, sizeof(*v), bench_cmp_double);
    return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

#endif
