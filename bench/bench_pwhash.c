/*
 * bench_pwhash.c - what one password verification costs, per algorithm of
 * an authfile (common/pwhash.h): the price of a first authentication, before
 * the server remembers the credential. Prints one line; asserts nothing.
 */
#include <stdio.h>
#include <stdlib.h>

#include "bench/bench_util.h"
#include "common/pwhash.h"

#define RUNS 9

/* Median wall-clock milliseconds of one successful verification with alg. */
static double cost_ms(enum sr_pwhash_alg alg)
{
    char *salt = NULL, *hash = NULL;
    double ms[RUNS];
    if (sr_pwhash_make(alg, "correct horse", 13, NULL, &salt, &hash, NULL) != SR_OK) {
        fprintf(stderr, "bench_pwhash: cannot hash with %s\n", sr_pwhash_alg_name(alg));
        exit(1);
    }
    for (int i = 0; i < RUNS; i++) {
        double t0 = bench_now_ms();
        if (!sr_pwhash_verify(alg, salt, hash, "correct horse", 13)) {
            fprintf(stderr, "bench_pwhash: %s does not verify\n", sr_pwhash_alg_name(alg));
            exit(1);
        }
        ms[i] = bench_now_ms() - t0;
    }
    free(salt);
    free(hash);
    return bench_median(ms, RUNS);
}

int main(void)
{
    if (!sr_pwhash_init())
        return 1;
    double argon = cost_ms(SR_PWHASH_ARGON2ID), scrypt = cost_ms(SR_PWHASH_SCRYPT);
    double sha512 = cost_ms(SR_PWHASH_SHA512), sha256 = cost_ms(SR_PWHASH_SHA256);
    double sha1 = cost_ms(SR_PWHASH_SHA1);
    printf("one password verification (median of %d): argon2id %.1f ms (19 MiB, t=2; the "
           "default) | Karapace's scrypt %.1f ms (16 MiB), sha512 %.1f ms, sha256 %.1f ms, "
           "sha1 %.1f ms (PBKDF2, 5000 rounds)\n",
           RUNS, argon, scrypt, sha512, sha256, sha1);
    return 0;
}
