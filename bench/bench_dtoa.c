/*
 * bench_dtoa.c - shortest round-trip printing of doubles and floats
 * (common/dtoa.c): Ryu next to the printf/strtod search it replaced, on the
 * same values, and a long cross-check of the two.
 *
 * Usage: bench_dtoa            one line of figures (ns per value, medians of
 *                              7 rounds, this thread's CPU time)
 *        bench_dtoa --check N  compares the two on N random doubles and N
 *                              random floats (random bits, random amounts
 *                              with two decimals, random values near 1) and
 *                              every float of 16 whole binades spread over
 *                              the fast range; prints the count, exits 1 on
 *                              the first difference. A soak: N = 100000000
 *                              takes hours.
 */
#include <math.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bench/bench_util.h"
#include "common/dtoa.h"

#define VALUES 4096
#define ROUNDS 7

static uint64_t rng_state = 0x2545F4914F6CDD1Du;

static uint64_t rng(void)
{
    rng_state ^= rng_state << 13;
    rng_state ^= rng_state >> 7;
    rng_state ^= rng_state << 17;
    return rng_state;
}

static volatile size_t sink;

static double time_doubles(const double *v, size_t (*fn)(double, char *), long n)
{
    char out[SR_DTOA_MAX];
    size_t total = 0;
    double t0 = bench_thread_ns();
    for (long i = 0; i < n; i++)
        total += fn(v[i % VALUES], out);
    sink += total;
    return (bench_thread_ns() - t0) / (double)n;
}

static double time_floats(const float *v, size_t (*fn)(float, char *), long n)
{
    char out[SR_DTOA_MAX];
    size_t total = 0;
    double t0 = bench_thread_ns();
    for (long i = 0; i < n; i++)
        total += fn(v[i % VALUES], out);
    sink += total;
    return (bench_thread_ns() - t0) / (double)n;
}

static int figures(void)
{
    /* values as data holds them: amounts with two decimals, and doubles of
     * every magnitude */
    static double dv[VALUES];
    static float fv[VALUES];
    for (size_t i = 0; i < VALUES; i++) {
        fv[i] = (float)(rng() % 1000000) / 100.0f;
        if (i % 2) {
            dv[i] = (double)(rng() % 100000000) / 100.0;
        } else {
            uint64_t bits = rng() & ~(UINT64_C(0x7FF) << 52);
            bits |= (uint64_t)(1023 - 300 + rng() % 600) << 52;
            memcpy(&dv[i], &bits, sizeof(dv[i]));
        }
    }
    double df[ROUNDS], ds[ROUNDS], ff[ROUNDS], fs[ROUNDS];
    for (int r = 0; r < ROUNDS; r++) {
        df[r] = time_doubles(dv, sr_dtoa_double, 2000000);
        ds[r] = time_doubles(dv, sr_dtoa_double_slow, 20000);
        ff[r] = time_floats(fv, sr_dtoa_float, 2000000);
        fs[r] = time_floats(fv, sr_dtoa_float_slow, 20000);
    }
    double a = bench_median(df, ROUNDS), b = bench_median(ds, ROUNDS);
    double c = bench_median(ff, ROUNDS), d = bench_median(fs, ROUNDS);
    printf("shortest round-trip text: double %.1f ns | printf/strtod search %.0f ns (%.0fx); "
           "float %.1f ns | search %.0f ns (%.0fx)\n",
           a, b, b / a, c, d, d / c);
    return 0;
}

static bool same_double(double d)
{
    char a[SR_DTOA_MAX], b[SR_DTOA_MAX];
    sr_dtoa_double(d, a);
    sr_dtoa_double_slow(d, b);
    if (strcmp(a, b) == 0 && strtod(a, NULL) == d)
        return true;
    fprintf(stderr, "bench_dtoa: double %a: Ryu %s, search %s\n", d, a, b);
    return false;
}

static bool same_float(float f)
{
    char a[SR_DTOA_MAX], b[SR_DTOA_MAX];
    sr_dtoa_float(f, a);
    sr_dtoa_float_slow(f, b);
    if (strcmp(a, b) == 0 && (float)strtod(a, NULL) == f)
        return true;
    fprintf(stderr, "bench_dtoa: float %a: Ryu %s, search %s\n", (double)f, a, b);
    return false;
}

static int check(long n)
{
    long count = 0;
    for (long i = 0; i < n; i++) {
        uint64_t bits = rng();
        double d;
        float f;
        if (i % 3 == 1) {
            d = (double)(bits % 10000000000u) / 100.0;
            f = (float)(bits % 100000000u) / 100.0f;
        } else {
            if (i % 3 == 2) {
                bits = (bits & 0x800FFFFFFFFFFFFFu) | (uint64_t)(1003 + rng() % 40) << 52;
                uint32_t fb = ((uint32_t)rng() & 0x807FFFFFu) | (uint32_t)(117 + rng() % 60) << 23;
                memcpy(&f, &fb, sizeof(f));
            } else {
                uint32_t fb = (uint32_t)(bits >> 32);
                memcpy(&f, &fb, sizeof(f));
            }
            memcpy(&d, &bits, sizeof(d));
        }
        if (isfinite(d) && !same_double(d))
            return 1;
        if (isfinite(f) && !same_float(f))
            return 1;
        count += 2;
    }
    for (uint32_t e = 117; e <= 177; e += 4) {
        for (uint32_t m = 0; m < (1u << 23); m++) {
            uint32_t fb = e << 23 | m;
            float f;
            memcpy(&f, &fb, sizeof(f));
            if (!same_float(f))
                return 1;
            count++;
        }
    }
    printf("bench_dtoa: %ld values, Ryu and the search agree\n", count);
    return 0;
}

int main(int argc, char **argv)
{
    if (argc == 1)
        return figures();
    char *end = NULL;
    long n = argc == 3 && strcmp(argv[1], "--check") == 0 ? strtol(argv[2], &end, 10) : 0;
    if (n > 0 && end && !*end)
        return check(n);
    fprintf(stderr, "usage: bench_dtoa [--check N]\n");
    return 2;
}
