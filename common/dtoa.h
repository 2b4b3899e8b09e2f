/*
 * dtoa.h - doubles and floats as the shortest decimal that reads back as the
 * same value, in the format of Java's Double.toString (1.0, 100.0, 0.001,
 * 1.0E7, 1.0E-4, -2.5E-300).
 *
 * The digits are those of the search this project always did: for n = 1, 2,
 * ... the value correctly rounded to n significant digits (ties to even, as
 * printf("%.*e") rounds), and the first that reads back. For a float the
 * search starts at n = 2 (Java prints at least two significant digits, so
 * Float.MIN_VALUE is 1.4E-45) and "reads back" means strtod() to a double,
 * then to a float, as the JSON reader does. The text is Java's: plain
 * notation for 1e-3 <= |x| < 1e7, else d.dddE<exponent>; at least one digit
 * after the point; zero as "0.0" or "-0.0".
 *
 * sr_dtoa_double() and sr_dtoa_float() find those digits with Ryu's
 * algorithm (Ulf Adams, PLDI 2018) and print them without any allocation or
 * locale; the rare values where Ryu's interval argument does not carry over
 * to the search above (a few powers of two, and floats below 2^-10 or from
 * 2^50 up) take the search itself, which sr_dtoa_*_slow() expose for the
 * tests and the benchmark. Thread-safe.
 */
#ifndef SR_COMMON_DTOA_H
#define SR_COMMON_DTOA_H

#include <stddef.h>

/* Room for the longest text plus a NUL: "-2.2250738585072014E-308". */
#define SR_DTOA_MAX 32

/* Writes finite d's text and a NUL into out; returns its length. d must be
 * finite (NaN and the infinities are the caller's to spell). */
size_t sr_dtoa_double(double d, char out[SR_DTOA_MAX]);
/* The same for a float. */
size_t sr_dtoa_float(float f, char out[SR_DTOA_MAX]);

/* The same texts by the printf/strtod search itself: the reference the fast
 * paths are tested against, and their fallback. */
size_t sr_dtoa_double_slow(double d, char out[SR_DTOA_MAX]);
size_t sr_dtoa_float_slow(float f, char out[SR_DTOA_MAX]);

#endif
