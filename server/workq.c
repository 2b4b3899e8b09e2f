/*
 * workq.c - the worker pool; see workq.h.
 */
#include "server/workq.h"

#include <assert.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdlib.h>

struct sr_workq {
    pthread_mutex_t lock;
    pthread_cond_t more; /* signalled when work arrives or the pool stops */
    struct sr_work *head, *tail;
    size_t waiting;
    bool stopping;
    unsigned nthreads;
    pthread_t threads[]; /* nthreads */
};

/* The next item, or NULL once the queue is empty and the pool stops. */
static struct sr_work *take(struct sr_workq *q)
{
    pthread_mutex_lock(&q->lock);
    while (!q->head && !q->stopping)
        pthread_cond_wait(&q->more, &q->lock);
    struct sr_work *w = q->head;
    if (w) {
        q->head = w->next;
        if (!q->head)
            q->tail = NULL;
        q->waiting--;
    }
    pthread_mutex_unlock(&q->lock);
    return w;
}

static void *worker(void *arg)
{
    struct sr_workq *q = arg;
    for (struct sr_work *w; (w = take(q)) != NULL;)
        w->run(w);
    return NULL;
}

/* Wakes the workers to finish the queue and return; joins the first n. */
static void join(struct sr_workq *q, unsigned n)
{
    pthread_mutex_lock(&q->lock);
    q->stopping = true;
    pthread_cond_broadcast(&q->more);
    pthread_mutex_unlock(&q->lock);
    for (unsigned i = 0; i < n; i++)
        pthread_join(q->threads[i], NULL);
}

enum sr_err sr_workq_start(unsigned threads, struct sr_workq **out, struct sr_error *err)
{
    assert(threads >= 1 && out);
    struct sr_workq *q = calloc(1, sizeof *q + threads * sizeof q->threads[0]);
    if (!q)
        return sr_errorf(err, SR_ERR_NOMEM, "Out of memory");
    pthread_mutex_init(&q->lock, NULL);
    pthread_cond_init(&q->more, NULL);
    for (unsigned i = 0; i < threads; i++) {
        if (pthread_create(&q->threads[i], NULL, worker, q) != 0) {
            join(q, i);
            pthread_cond_destroy(&q->more);
            pthread_mutex_destroy(&q->lock);
            free(q);
            return sr_errorf(err, SR_ERR_IO, "cannot start worker thread %u of %u", i + 1, threads);
        }
    }
    q->nthreads = threads;
    *out = q;
    return SR_OK;
}

void sr_workq_submit(struct sr_workq *q, struct sr_work *w)
{
    assert(q && w && w->run);
    w->next = NULL;
    pthread_mutex_lock(&q->lock);
    assert(!q->stopping);
    if (q->tail)
        q->tail->next = w;
    else
        q->head = w;
    q->tail = w;
    q->waiting++;
    pthread_cond_signal(&q->more);
    pthread_mutex_unlock(&q->lock);
}

size_t sr_workq_waiting(struct sr_workq *q)
{
    pthread_mutex_lock(&q->lock);
    size_t n = q->waiting;
    pthread_mutex_unlock(&q->lock);
    return n;
}

void sr_workq_stop(struct sr_workq *q)
{
    if (!q)
        return;
    join(q, q->nthreads);
    pthread_cond_destroy(&q->more);
    pthread_mutex_destroy(&q->lock);
    free(q);
}
