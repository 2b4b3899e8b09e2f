/*
 * test_workq.c - server/workq.c (the worker pool) and common/deadline.c:
 * every item runs exactly once, one worker keeps arrival order, stop runs
 * what is still queued, several submitters at once (run under TSAN by
 * make test), and the per-thread deadline.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <unistd.h>

#include "common/deadline.h"
#include "server/workq.h"

struct item {
    struct sr_work work;
    int index;
    atomic_int runs;
    int *order; /* where it writes its index, for the order test */
    atomic_int *next_slot;
    atomic_bool *gate; /* when set, waits until *gate is true */
};

static struct item *item_of(struct sr_work *w)
{
    return (struct item *)((char *)w - offsetof(struct item, work));
}

static void run_item(struct sr_work *w)
{
    struct item *it = item_of(w);
    while (it->gate && !atomic_load(it->gate))
        usleep(100);
    if (it->order)
        it->order[atomic_fetch_add(it->next_slot, 1)] = it->index;
    atomic_fetch_add(&it->runs, 1);
}

static void test_every_item_runs_once(void **state)
{
    (void)state;
    enum { N = 1000 };
    struct item *items = calloc(N, sizeof *items);
    struct sr_workq *q = NULL;
    struct sr_error err;
    assert_int_equal(sr_workq_start(4, &q, &err), SR_OK);
    for (int i = 0; i < N; i++) {
        items[i].work.run = run_item;
        sr_workq_submit(q, &items[i].work);
    }
    sr_workq_stop(q);
    for (int i = 0; i < N; i++)
        assert_int_equal(atomic_load(&items[i].runs), 1);
    free(items);
}

static void test_one_worker_keeps_order(void **state)
{
    (void)state;
    enum { N = 200 };
    struct item items[N] = {0};
    int order[N];
    atomic_int next = 0;
    atomic_bool open = false;
    struct sr_workq *q = NULL;
    struct sr_error err;
    assert_int_equal(sr_workq_start(1, &q, &err), SR_OK);
    for (int i = 0; i < N; i++) {
        items[i] = (struct item){.work.run = run_item,
                                 .index = i,
                                 .order = order,
                                 .next_slot = &next,
                                 .gate = i == 0 ? &open : NULL};
        sr_workq_submit(q, &items[i].work);
    }
    /* the first item holds the only worker: the rest wait in the queue */
    assert_true(sr_workq_waiting(q) >= N - 1);
    atomic_store(&open, true);
    sr_workq_stop(q);
    assert_int_equal(atomic_load(&next), N);
    for (int i = 0; i < N; i++)
        assert_int_equal(order[i], i);
}

struct submitter {
    struct sr_workq *q;
    struct item *items;
    int n;
};

static void *submit_all(void *arg)
{
    struct submitter *s = arg;
    for (int i = 0; i < s->n; i++) {
        s->items[i].work.run = run_item;
        sr_workq_submit(s->q, &s->items[i].work);
    }
    return NULL;
}

static void test_many_submitters(void **state)
{
    (void)state;
    enum { THREADS = 4, EACH = 500 };
    struct item *items = calloc(THREADS * EACH, sizeof *items);
    struct sr_workq *q = NULL;
    struct sr_error err;
    assert_int_equal(sr_workq_start(3, &q, &err), SR_OK);
    pthread_t t[THREADS];
    struct submitter s[THREADS];
    for (int i = 0; i < THREADS; i++) {
        s[i] = (struct submitter){q, items + i * EACH, EACH};
        assert_int_equal(pthread_create(&t[i], NULL, submit_all, &s[i]), 0);
    }
    for (int i = 0; i < THREADS; i++)
        pthread_join(t[i], NULL);
    sr_workq_stop(q);
    for (int i = 0; i < THREADS * EACH; i++)
        assert_int_equal(atomic_load(&items[i].runs), 1);
    free(items);
}

static void test_stop_null_is_safe(void **state)
{
    (void)state;
    sr_workq_stop(NULL);
}

static void *deadline_elsewhere(void *arg)
{
    (void)arg;
    /* another thread has no deadline of its own */
    return (void *)(uintptr_t)(sr_deadline_get() == 0 && !sr_deadline_passed());
}

static void test_deadline(void **state)
{
    (void)state;
    assert_int_equal(sr_deadline_get(), 0);
    assert_false(sr_deadline_passed());
    uint64_t now = sr_monotonic_ns();
    sr_deadline_set(now + 60ull * 1000000000u);
    assert_false(sr_deadline_passed());
    pthread_t t;
    void *fine = NULL;
    assert_int_equal(pthread_create(&t, NULL, deadline_elsewhere, NULL), 0);
    pthread_join(t, &fine);
    assert_true(fine != NULL);
    sr_deadline_set(now - 1);
    assert_true(sr_deadline_passed());
    assert_int_equal(sr_deadline_get(), now - 1);
    sr_deadline_set(0);
    assert_false(sr_deadline_passed());
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_every_item_runs_once),
        cmocka_unit_test(test_one_worker_keeps_order),
        cmocka_unit_test(test_many_submitters),
        cmocka_unit_test(test_stop_null_is_safe),
        cmocka_unit_test(test_deadline),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
