/*
 * deadline.c - a per-thread deadline; see deadline.h.
 */
#include "common/deadline.h"

#include <time.h>

static _Thread_local uint64_t deadline_ns;

uint64_t sr_monotonic_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

void sr_deadline_set(uint64_t at_ns)
{
    deadline_ns = at_ns;
}

uint64_t sr_deadline_get(void)
{
    return deadline_ns;
}

bool sr_deadline_passed(void)
{
    return deadline_ns != 0 && sr_monotonic_ns() >= deadline_ns;
}
