/*
 * workq.h - a fixed pool of worker threads taking work from one FIFO queue.
 *
 * The HTTP layer hands requests that may compute or wait for long
 * (registrations, compatibility checks, lookups: anything with a body that
 * no cache answered) to the pool and suspends their connections, so the
 * connection threads stay free for cheap requests (http.c).
 *
 * Work items are intrusive: the caller embeds a struct sr_work in its own
 * record and owns it; the pool only links it in until run() is called, once,
 * on a worker thread. run() may free the record. Submitting never fails or
 * allocates. Thread-safe: submit from any thread.
 */
#ifndef SR_SERVER_WORKQ_H
#define SR_SERVER_WORKQ_H

#include <stddef.h>

#include "common/error.h"

struct sr_work {
    void (*run)(struct sr_work *w); /* called once, on a worker thread */
    struct sr_work *next;           /* the pool's */
};

struct sr_workq;

/* Starts threads (>= 1) workers. SR_ERR_NOMEM, or SR_ERR_IO when a thread
 * cannot be started (the ones started are stopped again). */
enum sr_err sr_workq_start(unsigned threads, struct sr_workq **out, struct sr_error *err);

/* Queues w (w->run set) to run on some worker, in arrival order. */
void sr_workq_submit(struct sr_workq *q, struct sr_work *w);

/* Work queued and not yet started (for metrics and tests). */
size_t sr_workq_waiting(struct sr_workq *q);

/* Runs whatever is queued, then joins the workers and frees q. NULL-safe.
 * Nothing may be submitted once it is called. */
void sr_workq_stop(struct sr_workq *q);

#endif
