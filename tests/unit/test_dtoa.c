/*
 * test_dtoa.c - shortest round-trip doubles and floats (common/dtoa.c).
 *
 * Known texts (Java's format, hard cases, the ends of the ranges), then the
 * fast paths against the printf/strtod search they replace on every power of
 * two and of ten with their neighbours, on every float of a few whole binades,
 * and on a few hundred thousand random values of each width (random bits, so
 * subnormals and huge values too, and random "money" values with two
 * decimals); every text must also read back as its value. A longer
 * cross-check runs with `bench_dtoa --check N` (bench/bench_dtoa.c).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <float.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/dtoa.h"

/* xorshift64: reproducible random bits */
static uint64_t rng_state = 0x9E3779B97F4A7C15u;

static uint64_t rng(void)
{
    rng_state ^= rng_state << 13;
    rng_state ^= rng_state >> 7;
    rng_state ^= rng_state << 17;
    return rng_state;
}

static double double_of(uint64_t bits)
{
    double d;
    memcpy(&d, &bits, sizeof(d));
    return d;
}

static float float_of(uint32_t bits)
{
    float f;
    memcpy(&f, &bits, sizeof(f));
    return f;
}

static void expect_double(double d, const char *want)
{
    char got[SR_DTOA_MAX];
    size_t n = sr_dtoa_double(d, got);
    if (strcmp(got, want) != 0 || n != strlen(want))
        fail_msg("sr_dtoa_double(%a) = %s (%zu), want %s", d, got, n, want);
}

static void expect_float(float f, const char *want)
{
    char got[SR_DTOA_MAX];
    size_t n = sr_dtoa_float(f, got);
    if (strcmp(got, want) != 0 || n != strlen(want))
        fail_msg("sr_dtoa_float(%a) = %s (%zu), want %s", (double)f, got, n, want);
}

/* The fast text equals the search's, and reads back as d. */
static void same_double(double d)
{
    char fast[SR_DTOA_MAX], slow[SR_DTOA_MAX];
    size_t n = sr_dtoa_double(d, fast);
    sr_dtoa_double_slow(d, slow);
    if (strcmp(fast, slow) != 0 || n != strlen(fast))
        fail_msg("double %a (%.17g): fast %s, search %s", d, d, fast, slow);
    if (strtod(fast, NULL) != d)
        fail_msg("double %a: %s does not read back", d, fast);
}

static void same_float(float f)
{
    char fast[SR_DTOA_MAX], slow[SR_DTOA_MAX];
    size_t n = sr_dtoa_float(f, fast);
    sr_dtoa_float_slow(f, slow);
    if (strcmp(fast, slow) != 0 || n != strlen(fast))
        fail_msg("float %a (%.9g): fast %s, search %s", (double)f, (double)f, fast, slow);
    if ((float)strtod(fast, NULL) != f)
        fail_msg("float %a: %s does not read back", (double)f, fast);
}

static void test_known_doubles(void **state)
{
    (void)state;
    expect_double(0.0, "0.0");
    expect_double(-0.0, "-0.0");
    expect_double(1.0, "1.0");
    expect_double(-1.0, "-1.0");
    expect_double(0.1, "0.1");
    expect_double(1.5, "1.5");
    expect_double(100.0, "100.0");
    expect_double(123456.789, "123456.789");
    expect_double(1234567.0, "1234567.0");
    expect_double(9999999.0, "9999999.0");
    expect_double(1e7, "1.0E7");
    expect_double(12345678.0, "1.2345678E7");
    expect_double(0.001, "0.001");
    expect_double(0.00123, "0.00123");
    expect_double(0.000999, "9.99E-4");
    expect_double(1e-4, "1.0E-4");
    expect_double(1e23, "1.0E23");
    expect_double(1e100, "1.0E100");
    expect_double(-1e-100, "-1.0E-100");
    expect_double(1.0 / 3, "0.3333333333333333");
    expect_double(2.0 / 3, "0.6666666666666666");
    /* the shortest digits, not Java 8's (which prints 4.9E-324 here) */
    expect_double(5e-324, "5.0E-324"); /* the least subnormal */
    expect_double(DBL_MIN, "2.2250738585072014E-308");
    expect_double(2.225073858507201e-308, "2.225073858507201E-308"); /* the greatest subnormal */
    expect_double(DBL_MAX, "1.7976931348623157E308");
    expect_double(9007199254740992.0, "9.007199254740992E15"); /* 2^53 */
    expect_double(9007199254740994.0, "9.007199254740994E15");
    expect_double(0.30000000000000004, "0.30000000000000004");
    expect_double(2.9802322387695312E-8, "2.9802322387695312E-8"); /* 2^-25 */
    /* values the original search needed all 17 digits for */
    expect_double(5.0000000000000004e-322, "5.0E-322");
    expect_double(1.7976931348623155e308, "1.7976931348623155E308");
}

static void test_known_floats(void **state)
{
    (void)state;
    expect_float(0.0f, "0.0");
    expect_float(-0.0f, "-0.0");
    expect_float(1.0f, "1.0");
    expect_float(0.1f, "0.1");
    expect_float(1.5f, "1.5");
    expect_float(-12.5f, "-12.5");
    expect_float(3.14159f, "3.14159");
    expect_float(16777216.0f, "1.6777216E7");
    expect_float(1e7f, "1.0E7");
    expect_float(0.001f, "0.001");
    expect_float(1e-4f, "1.0E-4");
    expect_float(FLT_MAX, "3.4028235E38");
    expect_float(FLT_MIN, "1.1754944E-38");
    /* Java prints at least two digits: the closest two, not 1.0E-45 */
    expect_float(1.4e-45f, "1.4E-45");
    expect_float(1e10f, "1.0E10");
    expect_float(0.3f, "0.3");
    expect_float(2.7182817f, "2.7182817");
    expect_float(33554432.0f, "3.3554432E7"); /* 2^25 */
}

static void test_powers_of_two(void **state)
{
    (void)state;
    /* the lopsided intervals, and the values beside them */
    for (int e = -1074; e <= 1023; e++) {
        double p = ldexp(1.0, e);
        same_double(p);
        same_double(-p);
        same_double(nextafter(p, 0));
        if (isfinite(nextafter(p, INFINITY)))
            same_double(nextafter(p, INFINITY));
    }
    for (int e = -149; e <= 127; e++) {
        float p = ldexpf(1.0f, e);
        same_float(p);
        same_float(-p);
        same_float(nextafterf(p, 0));
        if (isfinite(nextafterf(p, INFINITY)))
            same_float(nextafterf(p, INFINITY));
    }
}

static void test_powers_of_ten(void **state)
{
    (void)state;
    char text[32];
    for (int e = -323; e <= 308; e++) {
        snprintf(text, sizeof(text), "1e%d", e);
        double p = strtod(text, NULL);
        same_double(p);
        same_double(nextafter(p, 0));
        if (isfinite(nextafter(p, INFINITY)))
            same_double(nextafter(p, INFINITY));
    }
    for (int e = -45; e <= 38; e++) {
        snprintf(text, sizeof(text), "1e%d", e);
        float p = strtof(text, NULL);
        same_float(p);
        same_float(nextafterf(p, 0));
        if (isfinite(nextafterf(p, INFINITY)))
            same_float(nextafterf(p, INFINITY));
    }
}

/* The edges of the plain notation and of the float fast path's range. */
static void test_format_edges(void **state)
{
    (void)state;
    double edges[] = {1e-3, 1e7, 1e-3 * 0.999999, 9999999.999999, 1e-10, 1e15};
    for (size_t i = 0; i < sizeof(edges) / sizeof(*edges); i++) {
        double d = edges[i];
        for (int k = 0; k < 50; k++) {
            same_double(d);
            same_float((float)d);
            d = nextafter(d, INFINITY);
        }
    }
    /* every float of the binades at each end of the fast range, strided */
    uint32_t binades[] = {116, 117, 127, 176, 177};
    for (size_t i = 0; i < sizeof(binades) / sizeof(*binades); i++)
        for (uint32_t m = 0; m < (1u << 23); m += 257)
            same_float(float_of(binades[i] << 23 | m));
}

static void test_subnormals(void **state)
{
    (void)state;
    for (uint64_t m = 1; m < 5000; m++)
        same_double(double_of(m));
    for (int i = 0; i < 20000; i++)
        same_double(double_of(rng() & ((UINT64_C(1) << 52) - 1)));
    for (uint32_t m = 1; m < (1u << 23); m += 211)
        same_float(float_of(m));
}

static void test_random_doubles(void **state)
{
    (void)state;
    for (int i = 0; i < 150000; i++) {
        double d = double_of(rng());
        if (isfinite(d))
            same_double(d);
    }
    /* amounts with two decimals, and values near 1 */
    for (int i = 0; i < 50000; i++) {
        same_double((double)(rng() % 10000000) / 100.0);
        same_double(double_of((rng() & 0x800FFFFFFFFFFFFFu) | (uint64_t)(1003 + rng() % 40) << 52));
    }
}

static void test_random_floats(void **state)
{
    (void)state;
    for (int i = 0; i < 150000; i++) {
        float f = float_of((uint32_t)rng());
        if (isfinite(f))
            same_float(f);
    }
    for (int i = 0; i < 50000; i++) {
        same_float((float)(rng() % 10000000) / 100.0f);
        same_float(float_of(((uint32_t)rng() & 0x807FFFFFu) | (uint32_t)(117 + rng() % 60) << 23));
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_known_doubles),  cmocka_unit_test(test_known_floats),
        cmocka_unit_test(test_powers_of_two),  cmocka_unit_test(test_powers_of_ten),
        cmocka_unit_test(test_format_edges),   cmocka_unit_test(test_subnormals),
        cmocka_unit_test(test_random_doubles), cmocka_unit_test(test_random_floats),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
