/*
 * dtoa.c - shortest round-trip decimals for doubles and floats (dtoa.h).
 *
 * The fast path is Ryu (Ulf Adams, "Ryu: fast float-to-string conversion",
 * PLDI 2018), written from the paper. A finite positive value is m * 2^e. The
 * reals that round to it form an interval; when the value is not a power of
 * two it is symmetric, [4m - 2, 4m + 2] * 2^(e - 2), closed when m is even
 * (round-half-even) and open when it is odd. Ryu scales the centre and both
 * ends by a power of ten 10^-e10 chosen so that they become 17-or-so-digit
 * integers (vr, vp, vm: their floors), computed exactly with a 128-bit
 * approximation of a power of five (dtoa_table.h; the paper proves the
 * precision enough). It then drops decimal digits from all three while the
 * interval still holds a number with one digit fewer, remembering the last
 * digit dropped from vr and whether everything dropped was zero, and finally
 * rounds vr to nearest (ties to even): the closest of the shortest decimals
 * in the interval.
 *
 * Why that is the search dtoa.h promises. Let L be the fewest digits of any
 * decimal in the interval and D_n the value correctly rounded to n digits.
 * If some L-digit decimal X is in the interval, D_L is at least as close to
 * the value as X, so (the interval being symmetric about the value, with both
 * ends alike) D_L is in it too; no shorter D_n is, by the choice of L. So the
 * search stops at n = L with D_L, which is Ryu's answer. Powers of two have a
 * lopsided interval (half as deep below); there Ryu may have to take the
 * decimal above a D_L that falls below the interval, and such values (46 of
 * the 2,098 double powers of two, no float one between 2^-10 and 2^50) take
 * the search itself (the *_slow functions, this project's original code).
 * For floats the search reads back through a double, which moves the
 * interval's ends by up to half a double ulp; a decimal of at most nine
 * digits cannot fall in that sliver when 2^-10 <= |f| < 2^50 (it would
 * differ from the float midpoint 2^s * odd, odd < 2^25, by a nonzero multiple
 * of 2^min(s,t) or 2^s / 5^|t| for its last digit's place 10^t, which in that
 * range exceeds the sliver's 2^(s-29)), so floats outside that range take the
 * search too. Java's minimum of two digits for floats: the closest 2-digit
 * decimal is in the interval whenever a 1-digit one is, so digits stop being
 * dropped at two.
 */
#include "common/dtoa.h"

#include <math.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/dtoa_table.h"

/* ---- text ------------------------------------------------------------------------ */

/* Writes the first width digits of s[0..nd), padded with zeros past nd; returns the end. */
static char *put_digits(char *p, const char *s, int nd, int width)
{
    int n = nd < width ? nd : width;
    memcpy(p, s, (size_t)n);
    memset(p + n, '0', (size_t)(width - n));
    return p + width;
}

/* Writes digits * 10^exp10 (digits > 0) in Java's format after the sign. */
static size_t format_java(bool negative, uint64_t digits, int32_t exp10, char *out)
{
    while (digits % 10 == 0) {
        digits /= 10;
        exp10++;
    }
    char d[20];
    int nd = 0;
    for (uint64_t x = digits; x; x /= 10)
        d[19 - nd++] = (char)('0' + x % 10);
    const char *s = d + 20 - nd;
    int e = exp10 + nd - 1; /* the first digit's place */
    char *p = out;
    if (negative)
        *p++ = '-';
    if (e >= 0 && e < 7) {
        p = put_digits(p, s, nd, e + 1);
        *p++ = '.';
        if (nd > e + 1) {
            memcpy(p, s + e + 1, (size_t)(nd - e - 1));
            p += nd - e - 1;
        } else {
            *p++ = '0';
        }
    } else if (e < 0 && e >= -3) {
        *p++ = '0';
        *p++ = '.';
        for (int i = 0; i < -e - 1; i++)
            *p++ = '0';
        memcpy(p, s, (size_t)nd);
        p += nd;
    } else {
        *p++ = s[0];
        *p++ = '.';
        if (nd > 1) {
            memcpy(p, s + 1, (size_t)(nd - 1));
            p += nd - 1;
        } else {
            *p++ = '0';
        }
        *p++ = 'E';
        if (e < 0) {
            *p++ = '-';
            e = -e;
        }
        if (e >= 100)
            *p++ = (char)('0' + e / 100);
        if (e >= 10)
            *p++ = (char)('0' + e / 10 % 10);
        *p++ = (char)('0' + e % 10);
    }
    *p = '\0';
    return (size_t)(p - out);
}

static size_t format_zero(bool negative, char *out)
{
    memcpy(out, negative ? "-0.0" : "0.0", negative ? 5 : 4);
    return negative ? 4 : 3;
}

/* ---- the search (reference and fallback) ------------------------------------------ */

/* This is the project's original code, kept as it was (only writing to a
 * char array): the definition the fast paths are tested against. */

/* Shortest digit string that reads back as d: digits (no dot) and decimal exponent
 * such that d = d1.d2d3... * 10^exp10. */
static void shortest_digits(double d, char *digits, int *exp10)
{
    char tmp[40];
    for (int prec = 1; prec <= 17; prec++) {
        snprintf(tmp, sizeof(tmp), "%.*e", prec - 1, d);
        if (strtod(tmp, NULL) == d || prec == 17)
            break;
    }
    /* tmp looks like "d.ddde+XX" or "de+XX" */
    char *e = strchr(tmp, 'e');
    *exp10 = (int)strtol(e + 1, NULL, 10); /* snprintf's own exponent: always digits */
    size_t n = 0;
    for (char *p = tmp; p < e; p++)
        if (*p >= '0' && *p <= '9')
            digits[n++] = *p;
    while (n > 1 && digits[n - 1] == '0')
        n--;
    digits[n] = '\0';
}

size_t sr_dtoa_double_slow(double d, char out[SR_DTOA_MAX])
{
    char *p = out;
    if (d == 0)
        return format_zero(signbit(d), out);
    if (d < 0) {
        *p++ = '-';
        d = -d;
    }
    char digits[32] = {0};
    int exp10;
    shortest_digits(d, digits, &exp10);
    int nd = (int)strlen(digits);
    if (d >= 1e-3 && d < 1e7) {
        if (exp10 >= 0) {
            p = put_digits(p, digits, nd, exp10 + 1);
            *p++ = '.';
            if (nd > exp10 + 1)
                for (int i = exp10 + 1; i < nd; i++)
                    *p++ = digits[i];
            else
                *p++ = '0';
        } else {
            *p++ = '0';
            *p++ = '.';
            for (int i = 0; i < -exp10 - 1; i++)
                *p++ = '0';
            for (int i = 0; i < nd; i++)
                *p++ = digits[i];
        }
        *p = '\0';
        return (size_t)(p - out);
    }
    *p++ = digits[0];
    *p++ = '.';
    if (nd > 1)
        for (int i = 1; i < nd; i++)
            *p++ = digits[i];
    else
        *p++ = '0';
    p += sprintf(p, "E%d", exp10);
    return (size_t)(p - out);
}

size_t sr_dtoa_float_slow(float f, char out[SR_DTOA_MAX])
{
    /* The fewest digits, but at least two, that read back (through double,
     * as the JSON reader reads) as f; nine always do. That decimal is then
     * printed as the double it reads as. */
    char tmp[40];
    for (int prec = 2; prec <= 9; prec++) {
        snprintf(tmp, sizeof(tmp), "%.*e", prec - 1, (double)f);
        if ((float)strtod(tmp, NULL) == f)
            break;
    }
    return sr_dtoa_double_slow(strtod(tmp, NULL), out);
}

/* ---- Ryu ------------------------------------------------------------------------------ */

/* ceil(log2(5^e)) for e >= 1 (1 for e = 0); floor(log10(2^e)); floor(log10(5^e)).
 * Exact over the exponents used here (scripts/gen-dtoa-table checks the first). */
static inline int32_t pow5bits(int32_t e)
{
    return (int32_t)(((uint32_t)e * 1217359u) >> 19) + 1;
}

static inline int32_t log10_pow2(int32_t e)
{
    return (int32_t)(((uint32_t)e * 78913u) >> 18);
}

static inline int32_t log10_pow5(int32_t e)
{
    return (int32_t)(((uint32_t)e * 732923u) >> 20);
}

/* floor(m * mul / 2^j), mul a 128-bit table entry, j >= 64. */
static inline uint64_t mul_shift(uint64_t m, const uint64_t mul[2], int32_t j)
{
    unsigned __int128 lo = (unsigned __int128)m * mul[0];
    unsigned __int128 hi = (unsigned __int128)m * mul[1];
    return (uint64_t)(((lo >> 64) + hi) >> (j - 64));
}

static inline bool multiple_of_pow5(uint64_t x, int32_t p)
{
    int32_t count = 0;
    while (x && x % 5 == 0 && count < p) {
        x /= 5;
        count++;
    }
    return count >= p;
}

static inline bool multiple_of_pow2(uint64_t x, int32_t p)
{
    return (x & ((UINT64_C(1) << p) - 1)) == 0;
}

/*
 * Ryu's shortest decimal in the rounding interval of m2 * 2^e2 (m2 > 0): the
 * decimal with the fewest digits (at least min_digits, 1 or 2) and, among
 * those, the closest to the value, as *digits * 10^*exp10. lopsided: m2 is
 * the least mantissa of its binade, so the interval reaches half as far below.
 * Returns false when that decimal is not the value correctly rounded to its
 * length (possible only when lopsided): then the search decides.
 */
static bool ryu(uint64_t m2, int32_t e2, bool lopsided, int min_digits, uint64_t *digits,
                int32_t *exp10)
{
    bool accept = (m2 & 1) == 0; /* round-half-even keeps the ends for even m2 */
    e2 -= 2;
    uint64_t mv = 4 * m2, mp = mv + 2, mm = mv - (lopsided ? 1 : 2);
    uint64_t vr, vp, vm;
    int32_t e10;
    bool vm_zeros = false, vr_zeros = false, vp_exact = false;
    if (e2 >= 0) {
        int32_t q = log10_pow2(e2) - (e2 > 3);
        int32_t j = -e2 + q + SR_DTOA_POW5_INV_BITS + pow5bits(q) - 1;
        e10 = q;
        vr = mul_shift(mv, SR_DTOA_POW5_INV[q], j);
        vp = mul_shift(mp, SR_DTOA_POW5_INV[q], j);
        vm = mul_shift(mm, SR_DTOA_POW5_INV[q], j);
        /* x * 2^e2 / 10^q is an integer when 5^q divides x; no x < 2^55 is a
         * multiple of 5^24 */
        if (q <= 24) {
            vr_zeros = multiple_of_pow5(mv, q);
            vm_zeros = multiple_of_pow5(mm, q);
            vp_exact = multiple_of_pow5(mp, q);
        }
    } else {
        int32_t q = log10_pow5(-e2) - (-e2 > 1);
        int32_t i = -e2 - q;
        int32_t j = q - (pow5bits(i) - SR_DTOA_POW5_BITS);
        e10 = q + e2;
        vr = mul_shift(mv, SR_DTOA_POW5[i], j);
        vp = mul_shift(mp, SR_DTOA_POW5[i], j);
        vm = mul_shift(mm, SR_DTOA_POW5[i], j);
        /* x * 5^-e2 / 2^q is an integer when 2^q divides x */
        if (q < 63) {
            vr_zeros = multiple_of_pow2(mv, q);
            vm_zeros = multiple_of_pow2(mm, q);
            vp_exact = multiple_of_pow2(mp, q);
        }
    }
    if (!accept) {
        vm_zeros = false; /* an excluded lower end: vr == vm is then too low */
        vp -= vp_exact;   /* an excluded upper end */
    }
    /* vr must keep min_digits: stop dropping below 10^min_digits */
    uint64_t keep = min_digits > 1 ? 100 : 0;
    int32_t dropped = 0;
    unsigned last = 0;
    /* Mostly neither end is exact: then two digits at a time while they can
     * go, and the last digit dropped is the higher of the two. */
    while (!vm_zeros && !vr_zeros && vp / 100 > vm / 100 && vr >= keep * 10) {
        last = (unsigned)(vr % 100 / 10);
        vr /= 100;
        vp /= 100;
        vm /= 100;
        dropped += 2;
    }
    while (vp / 10 > vm / 10 && vr >= keep) {
        vm_zeros &= vm % 10 == 0;
        vr_zeros &= last == 0;
        last = (unsigned)(vr % 10);
        vr /= 10;
        vp /= 10;
        vm /= 10;
        dropped++;
    }
    /* an exact, included lower end may be shorter still */
    while (vm_zeros && vm % 10 == 0 && vr >= keep) {
        vr_zeros &= last == 0;
        last = (unsigned)(vr % 10);
        vr /= 10;
        vp /= 10;
        vm /= 10;
        dropped++;
    }
    if (vr_zeros && last == 5 && vr % 2 == 0)
        last = 4; /* exactly half: to even */
    bool round_up = last >= 5;
    /* vr == vm below the interval: only vr + 1 is in it */
    if (vr == vm && !vm_zeros && !round_up)
        return false;
    *digits = vr + round_up;
    *exp10 = e10 + dropped;
    return true;
}

size_t sr_dtoa_double(double d, char out[SR_DTOA_MAX])
{
    uint64_t bits;
    memcpy(&bits, &d, sizeof(bits));
    bool negative = bits >> 63;
    uint64_t mant = bits & ((UINT64_C(1) << 52) - 1);
    int32_t exp = (int32_t)(bits >> 52 & 0x7FF);
    if (exp == 0 && mant == 0)
        return format_zero(negative, out);
    uint64_t m2 = exp ? mant | UINT64_C(1) << 52 : mant;
    int32_t e2 = (exp ? exp : 1) - 1075;
    uint64_t digits;
    int32_t exp10;
    if (!ryu(m2, e2, mant == 0 && exp > 1, 1, &digits, &exp10))
        return sr_dtoa_double_slow(d, out);
    return format_java(negative, digits, exp10, out);
}

size_t sr_dtoa_float(float f, char out[SR_DTOA_MAX])
{
    uint32_t bits;
    memcpy(&bits, &f, sizeof(bits));
    bool negative = bits >> 31;
    uint32_t mant = bits & ((UINT32_C(1) << 23) - 1);
    int32_t exp = (int32_t)(bits >> 23 & 0xFF);
    if (exp == 0 && mant == 0)
        return format_zero(negative, out);
    uint64_t digits;
    int32_t exp10;
    /* 2^-10 <= |f| < 2^50 (see the top of the file) */
    if (exp < 117 || exp > 176 ||
        !ryu(mant | UINT32_C(1) << 23, exp - 150, mant == 0, 2, &digits, &exp10))
        return sr_dtoa_float_slow(f, out);
    return format_java(negative, digits, exp10, out);
}
