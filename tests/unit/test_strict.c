/*
 * test_strict.c - server/strict.c's rules apart from libmicrohttpd: where a
 * target cut by a NUL is told from a whole one, and the verdicts on Host and
 * body framing (the API suite tests/api/test_edge.py sends them for real).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <string.h>

#include "server/strict.h"

/* A request line as libmicrohttpd leaves it in its buffer: the spaces and
 * the line end replaced by NULs; *target and *version point into line. */
static void split(char *line, size_t len, const char **target, const char **version)
{
    char *sp1 = memchr(line, ' ', len);
    char *sp2 = line + len - 1;
    while (*sp2 != ' ')
        sp2--;
    *sp1 = *sp2 = '\0';
    *target = sp1 + 1;
    *version = sp2 + 1;
}

static void test_target_cut(void **state)
{
    (void)state;
    char whole[] = "GET /subjects/a?x=1 HTTP/1.1";
    char cut[] = "DELETE /subjects/victim\0/versions/2 HTTP/1.1";
    const char *target, *version;
    split(whole, sizeof whole - 1, &target, &version);
    assert_false(sr_strict_target_cut(target + strlen(target), version));
    split(cut, sizeof cut - 1, &target, &version);
    assert_true(sr_strict_target_cut(target + strlen(target), version));
    assert_false(sr_strict_target_cut(NULL, version)); /* not recorded: not judged */
}

#define ADD(h, k, v) sr_strict_head_add((h), (k), strlen(k), (v), strlen(v))

static enum sr_err verdict(const struct sr_strict_head *h, bool http10)
{
    struct sr_error err = {0};
    enum sr_err rc = sr_strict_head_verdict(h, http10, &err);
    if (rc != SR_OK)
        assert_true(err.message[0] != '\0');
    return rc;
}

static void test_host(void **state)
{
    (void)state;
    struct sr_strict_head none = {0}, one = {0}, two = {0};
    ADD(&one, "host", "registry");
    ADD(&two, "Host", "a");
    ADD(&two, "HOST", "b");
    assert_int_equal(verdict(&none, false), SR_ERR_BAD_REQUEST);
    assert_int_equal(verdict(&none, true), SR_OK);
    assert_int_equal(verdict(&one, false), SR_OK);
    assert_int_equal(verdict(&two, false), SR_ERR_BAD_REQUEST);
    assert_int_equal(verdict(&two, true), SR_ERR_BAD_REQUEST);
}

static void test_framing(void **state)
{
    (void)state;
    struct {
        const char *k1, *v1, *k2, *v2;
        enum sr_err want;
    } cases[] = {
        {"Content-Length", "5", NULL, NULL, SR_OK},
        {"Content-Length", "5", "content-length", "5", SR_OK},
        {"Content-Length", "0", "Content-Length", "48", SR_ERR_BAD_REQUEST},
        {"Transfer-Encoding", "chunked", NULL, NULL, SR_OK},
        {"Transfer-Encoding", "Chunked", NULL, NULL, SR_OK},
        {"Transfer-Encoding", "gzip", NULL, NULL, SR_ERR_BAD_REQUEST},
        {"Transfer-Encoding", "gzip, chunked", NULL, NULL, SR_ERR_BAD_REQUEST},
        {"Transfer-Encoding", "chunked", "Transfer-Encoding", "chunked", SR_ERR_BAD_REQUEST},
        {"Transfer-Encoding", "chunked", "Content-Length", "3", SR_ERR_BAD_REQUEST},
        {"Content-Length", "3", "Transfer-Encoding", "chunked", SR_ERR_BAD_REQUEST},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        struct sr_strict_head h = {0};
        ADD(&h, "Host", "t");
        ADD(&h, cases[i].k1, cases[i].v1);
        if (cases[i].k2)
            ADD(&h, cases[i].k2, cases[i].v2);
        assert_int_equal(verdict(&h, false), cases[i].want);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_target_cut),
        cmocka_unit_test(test_host),
        cmocka_unit_test(test_framing),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
