/*
 * test_limits.c - the limits against abuse (server/limits.h) without a
 * network: the request rate's token buckets (one key, many keys, refilling,
 * Retry-After, and many threads at once), the allowance of failed password
 * checks, the size caps, and the header deadline on a real socket pair.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <poll.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "server/limits.h"

static struct sr_limits_config limits_config(unsigned rate)
{
    return (struct sr_limits_config){.per_address = 8,
                                     .header_timeout_s = 1,
                                     .idle_timeout_s = 30,
                                     .rate = rate,
                                     .max_request_line = 8192,
                                     .max_header_bytes = 32768};
}

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void sleep_ms(long ms)
{
    struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
    nanosleep(&ts, NULL);
}

/* ---- the request rate ------------------------------------------------------------ */

static void rate_limit_per_key(void **state)
{
    (void)state;
    struct sr_limits *lim = NULL;
    struct sr_limits_config cfg = limits_config(5); /* bursts of 10 */
    assert_int_equal(sr_limits_new(&cfg, &lim, NULL), SR_OK);
    unsigned wait = 0;
    for (int i = 0; i < 10; i++)
        assert_true(sr_limits_admit(lim, "p:alice", 7, &wait));
    assert_false(sr_limits_admit(lim, "p:alice", 7, &wait));
    assert_true(wait >= 1);
    /* another key has its own bucket */
    assert_true(sr_limits_admit(lim, "p:bob", 5, &wait));
    sr_limits_free(lim);

    cfg = limits_config(0); /* off */
    assert_int_equal(sr_limits_new(&cfg, &lim, NULL), SR_OK);
    for (int i = 0; i < 100000; i++)
        assert_true(sr_limits_admit(lim, "a:1.2.3.4", 9, &wait));
    sr_limits_free(lim);
}

static void rate_limit_refills_and_says_when(void **state)
{
    (void)state;
    struct sr_limits *lim = NULL;
    struct sr_limits_config cfg = limits_config(20); /* a token every 50 ms, bursts of 40 */
    assert_int_equal(sr_limits_new(&cfg, &lim, NULL), SR_OK);
    unsigned wait = 0;
    int taken = 0;
    while (sr_limits_admit(lim, "a:10.0.0.1", 10, &wait) && taken < 1000)
        taken++;
    assert_in_range(taken, 40, 41); /* a token may drip in while the loop runs */
    assert_int_equal(wait, 1);      /* under a second to the next token: "1" */
    sleep_ms(220);                  /* four tokens, and a bit */
    int again = 0;
    while (sr_limits_admit(lim, "a:10.0.0.1", 10, &wait) && again < 1000)
        again++;
    assert_in_range(again, 4, 6);
    sr_limits_free(lim);

    /* a slow rate: Retry-After is the whole wait, rounded up */
    cfg = limits_config(1);
    cfg.burst = 1;
    assert_int_equal(sr_limits_new(&cfg, &lim, NULL), SR_OK);
    assert_true(sr_limits_admit(lim, "k", 1, &wait));
    assert_false(sr_limits_admit(lim, "k", 1, &wait));
    assert_int_equal(wait, 1);
    sr_limits_free(lim);
}

/* Many threads hammering one key: the bucket gives what it holds and what
 * drips in, however the threads interleave. */
struct hammer {
    struct sr_limits *lim;
    double until;
    atomic_long admitted;
};

static void *hammer_main(void *arg)
{
    struct hammer *h = arg;
    unsigned wait;
    while (now_s() < h->until)
        if (sr_limits_admit(h->lim, "a:127.0.0.1", 11, &wait))
            atomic_fetch_add(&h->admitted, 1);
    return NULL;
}

static void rate_limit_holds_under_threads(void **state)
{
    (void)state;
    enum { THREADS = 4 };
    struct sr_limits_config cfg = limits_config(1000); /* bursts of 2000 */
    struct hammer h = {.until = 0};
    assert_int_equal(sr_limits_new(&cfg, &h.lim, NULL), SR_OK);
    atomic_init(&h.admitted, 0);
    double start = now_s();
    h.until = start + 0.5;
    pthread_t t[THREADS];
    for (int i = 0; i < THREADS; i++)
        assert_int_equal(pthread_create(&t[i], NULL, hammer_main, &h), 0);
    for (int i = 0; i < THREADS; i++)
        pthread_join(t[i], NULL);
    double elapsed = now_s() - start;
    long most = 2000 + (long)(1000 * elapsed) + 50;
    long got = atomic_load(&h.admitted);
    sr_limits_free(h.lim);
    if (got > most || got < 2000)
        fail_msg("%ld requests admitted in %.2f s; the bucket holds 2000 and refills 1000/s "
                 "(at most %ld)",
                 got, elapsed, most);
}

/* ---- failed password checks ------------------------------------------------------------ */

static void password_failures_per_address(void **state)
{
    (void)state;
    struct sr_limits *lim = NULL;
    struct sr_limits_config cfg = limits_config(0); /* the request rate is off: no matter */
    cfg.auth_failures_per_minute = 3;
    assert_int_equal(sr_limits_new(&cfg, &lim, NULL), SR_OK);
    unsigned wait = 0;
    /* asking spends nothing (a success costs nothing) */
    for (int i = 0; i < 100; i++)
        assert_true(sr_limits_may_check_password(lim, "192.0.2.7", &wait));
    for (int i = 0; i < 3; i++) {
        assert_true(sr_limits_may_check_password(lim, "192.0.2.7", &wait));
        sr_limits_password_failed(lim, "192.0.2.7");
    }
    assert_false(sr_limits_may_check_password(lim, "192.0.2.7", &wait));
    assert_in_range(wait, 19, 20); /* 3 a minute: one every 20 s */
    /* a failure while refused changes nothing for the worse */
    sr_limits_password_failed(lim, "192.0.2.7");
    assert_false(sr_limits_may_check_password(lim, "192.0.2.7", &wait));
    assert_in_range(wait, 19, 20);
    /* another address is not touched */
    assert_true(sr_limits_may_check_password(lim, "192.0.2.8", &wait));
    sr_limits_free(lim);

    cfg.auth_failures_per_minute = 0; /* off */
    assert_int_equal(sr_limits_new(&cfg, &lim, NULL), SR_OK);
    for (int i = 0; i < 1000; i++)
        sr_limits_password_failed(lim, "192.0.2.7");
    assert_true(sr_limits_may_check_password(lim, "192.0.2.7", &wait));
    sr_limits_free(lim);
}

/* ---- sizes ----------------------------------------------------------------------------- */

static void size_caps(void **state)
{
    (void)state;
    struct sr_limits *lim = NULL;
    struct sr_limits_config cfg = limits_config(0);
    struct sr_error err = {0};
    assert_int_equal(sr_limits_new(&cfg, &lim, NULL), SR_OK);
    assert_int_equal(sr_limits_check_sizes(lim, 8192, 32768, &err), SR_OK);
    assert_int_equal(sr_limits_check_sizes(lim, 8193, 10, &err), SR_ERR_URI_TOO_LONG);
    assert_non_null(strstr(err.message, "8192"));
    assert_int_equal(sr_limits_check_sizes(lim, 10, 32769, &err), SR_ERR_HEADERS_TOO_LARGE);
    assert_non_null(strstr(err.message, "32768"));
    /* room for the head, and half the header block again */
    assert_true(sr_limits_pool_bytes(lim) >= 8192 + 32768 + 16384);
    assert_int_equal(sr_limits_pool_bytes(lim) % 4096, 0);
    sr_limits_free(lim);
    /* the defaults (8k and 16k) need no more than libmicrohttpd's own 32 KiB */
    cfg.max_header_bytes = 16384;
    assert_int_equal(sr_limits_new(&cfg, &lim, NULL), SR_OK);
    assert_int_equal(sr_limits_pool_bytes(lim), 32 * 1024);
    sr_limits_free(lim);
}

/* ---- the header deadline ---------------------------------------------------------------- */

/* Whether the peer of fd sees end-of-file within ms. */
static bool sees_eof(int fd, int ms)
{
    struct pollfd p = {fd, POLLIN, 0};
    if (poll(&p, 1, ms) <= 0)
        return false;
    char c;
    return read(fd, &c, 1) == 0;
}

static void header_deadline_shuts_the_socket(void **state)
{
    (void)state;
    struct sr_limits *lim = NULL;
    struct sr_limits_config cfg = limits_config(0);
    assert_int_equal(sr_limits_new(&cfg, &lim, NULL), SR_OK);
    assert_int_equal(sr_limits_start(lim, NULL), SR_OK);
    int slow[2], quick[2];
    assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM, 0, slow), 0);
    assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM, 0, quick), 0);
    struct sr_conn *s = sr_limits_conn_open(lim, slow[0], NULL, 0);
    struct sr_conn *q = sr_limits_conn_open(lim, quick[0], NULL, 0);
    assert_non_null(s);
    sr_limits_headers_in(q); /* its header came in time */
    /* one second of deadline, four reaps a second */
    assert_false(sees_eof(slow[1], 500));
    assert_true(sees_eof(slow[1], 2000));
    assert_false(sees_eof(quick[1], 100));
    assert_int_equal(sr_limits_reaped(lim), 1);
    sr_limits_conn_close(lim, s);
    sr_limits_conn_close(lim, q);
    close(slow[0]);
    close(slow[1]);
    close(quick[0]);
    close(quick[1]);
    sr_limits_free(lim);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(rate_limit_per_key),
        cmocka_unit_test(rate_limit_refills_and_says_when),
        cmocka_unit_test(rate_limit_holds_under_threads),
        cmocka_unit_test(password_failures_per_address),
        cmocka_unit_test(size_caps),
        cmocka_unit_test(header_deadline_shuts_the_socket),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
