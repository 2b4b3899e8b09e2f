/*
 * names.c - Avro's name rule in its two strengths: STRICT (Avro 1.12 for new
 * registrations: [A-Za-z_][A-Za-z0-9_]*) and Java's UTF_VALIDATOR (a Unicode
 * letter or '_', then letters, digits or '_'), which Avro 1.11 applies.
 */
#include <locale.h>
#include <pthread.h>
#include <wctype.h>

#include "schemas/schema_int.h"

static locale_t utf8_locale;
static pthread_once_t utf8_once = PTHREAD_ONCE_INIT;

static void load_utf8_locale(void)
{
    utf8_locale = newlocale(LC_CTYPE_MASK, "C.UTF-8", (locale_t)0);
}

/* Decodes one code point of valid UTF-8 (jansson validated the document). */
static const char *next_code_point(const char *s, wint_t *cp)
{
    const unsigned char *u = (const unsigned char *)s;
    if (u[0] < 0x80) {
        *cp = u[0];
        return s + 1;
    }
    int extra = u[0] >= 0xF0 ? 3 : u[0] >= 0xE0 ? 2 : 1;
    wint_t v = u[0] & (0x3F >> extra);
    for (int i = 1; i <= extra; i++) {
        if ((u[i] & 0xC0) != 0x80) {
            *cp = WEOF;
            return s + i;
        }
        v = (v << 6) | (u[i] & 0x3F);
    }
    *cp = v;
    return s + extra + 1;
}

static bool ascii_letter(wint_t c)
{
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z');
}

static bool letter(wint_t c, bool strict)
{
    if (c < 0x80 || strict)
        return ascii_letter(c);
    return utf8_locale && iswalpha_l(c, utf8_locale);
}

static bool letter_or_digit(wint_t c, bool strict)
{
    if (c < 0x80 || strict)
        return ascii_letter(c) || (c >= '0' && c <= '9');
    return utf8_locale && iswalnum_l(c, utf8_locale);
}

const char *sr_name_problem(const char *name, bool strict)
{
    if (!name)
        return "Null name";
    if (!*name)
        return "Empty name";
    pthread_once(&utf8_once, load_utf8_locale);
    wint_t c;
    const char *s = next_code_point(name, &c);
    if (c != '_' && !letter(c, strict))
        return "Illegal initial character";
    while (*s) {
        s = next_code_point(s, &c);
        if (c != '_' && !letter_or_digit(c, strict))
            return "Illegal character";
    }
    return NULL;
}
