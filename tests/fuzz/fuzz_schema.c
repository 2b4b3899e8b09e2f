/*
 * fuzz_schema.c - libFuzzer harness for the schema parser (schemas/).
 *
 * The input is schema text, or a schema text, a NUL and a second schema text
 * that may use the first one's types (a Confluent schema reference). It is
 * parsed as a new registration would be (defaults validated), and when only a
 * default is wrong, again without default validation, so that the rest of
 * the model is reached too. A schema that parses must then:
 *   - give its fingerprint, the CRC-64 of its Parsing Canonical Form;
 *   - parse again from its canonical text, to the same canonical text
 *     (Schema.toString() is a fixed point of parse-then-print, but for one
 *     quirk of Java's that the canonical text keeps: has_java_alias_quirk);
 *   - give a Parsing Canonical Form that is JSON;
 *   - print its root alone (sr_node_to_text) as its canonical text (without
 *     references), and each named type alone as a text that parses back to
 *     itself;
 *   - find each named type by its full name;
 *   - with the strict (ASCII) name rule, either be rejected or print the same.
 * A violation aborts: it is a bug in the parser or the printer.
 *
 * Built twice (see the fuzz rules of the Makefile): plain, where ASan sees
 * every jansson value, and with -DFUZZ_JALLOC, where common/jalloc.h's arena
 * allocation is installed before anything else, as the server and CLI run.
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/jalloc.h"
#include "schemas/schema.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Schema texts larger than this only slow the fuzzer down. */
#define FUZZ_MAX_INPUT ((size_t)64 * 1024)

/* libFuzzer fixes this signature. */
int LLVMFuzzerInitialize(int *argc, char ***argv) /* NOLINT(readability-non-const-parameter) */
{
    (void)argc;
    (void)argv;
#ifdef FUZZ_JALLOC
    sr_jalloc_install();
#endif
    return 0;
}

static void report(const char *what, const char *a, size_t alen, const char *b, size_t blen)
{
    fprintf(stderr, "fuzz_schema: %s\n  first:  %.*s\n  second: %.*s\n", what, (int)alen,
            a ? a : "", (int)blen, b ? b : "");
    abort();
}

/* Java's Schema.Type names: a name in its own namespace that is one of these
 * is printed qualified (Name.shouldWriteFull). */
static bool is_type_name(const char *name)
{
    static const char *const names[] = {"record", "enum",   "array",   "map", "union",
                                        "fixed",  "string", "bytes",   "int", "long",
                                        "float",  "double", "boolean", "null"};
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
        if (strcmp(name, names[i]) == 0)
            return true;
    return false;
}

/* Whether s has what makes Java's Schema.toString() no fixed point, and so
 * the canonical text neither: an alias in the null namespace of a type in a
 * namespace prints as its bare name, which reads back in the type's namespace;
 * when that name is a type's name, it then prints qualified ("aliases":
 * [".enum"] in namespace n prints as ["enum"], and that as ["n.enum"]). */
static bool has_java_alias_quirk(const struct sr_schema *s)
{
    for (size_t i = 0; i < sr_schema_named_count(s); i++) {
        const struct sr_node *n = sr_schema_named(s, i);
        for (size_t k = 0; n->name.space && k < n->alias_count; k++)
            if (!n->aliases[k].space && is_type_name(n->aliases[k].name))
                return true;
    }
    return false;
}

/* Parses text again with opts; it must succeed and print as want. With the
 * alias quirk above it may print otherwise once, and then must be a fixed point. */
static void expect_fixed_point(const char *what, const char *text, size_t len,
                               const struct sr_parse_opts *opts, const char *want, size_t want_len,
                               bool quirk)
{
    struct sr_schema *s = NULL;
    struct sr_error err = {0};
    if (sr_schema_parse(text, len, opts, &s, &err) != SR_OK) {
        fprintf(stderr, "fuzz_schema: %s does not parse again: %s\n", what, err.message);
        report(what, text, len, want, want_len);
    }
    size_t got_len = 0;
    const char *got = sr_schema_canonical(s, &got_len);
    if (got_len != want_len || memcmp(got, want, want_len) != 0) {
        if (!quirk)
            report(what, want, want_len, got, got_len);
        expect_fixed_point(what, got, got_len, opts, got, got_len, false);
    }
    sr_schema_free(s);
}

/* The Parsing Canonical Form is JSON, and the fingerprint is its CRC-64. (It
 * need not parse as a schema again: a type in the null namespace inside a
 * namespaced record loses its "namespace":"" there, as the spec says.) */
static void check_pcf(const struct sr_schema *s)
{
    size_t len = 0;
    char *pcf = sr_schema_pcf(s, &len);
    if (!pcf)
        return; /* out of memory */
    struct sr_error err = {0};
    int64_t fp = sr_schema_fingerprint(s, &err);
    if (fp != (int64_t)sr_crc64_avro(pcf, len))
        report("fingerprint is not the CRC-64 of the PCF", pcf, len, "", 0);
    json_error_t jerr;
    json_t *j = json_loadb(pcf, len, JSON_DECODE_ANY | JSON_ALLOW_NUL, &jerr);
    if (!j)
        report("the PCF is not JSON", pcf, len, jerr.text, strlen(jerr.text));
    json_decref(j);
    free(pcf);
}

/* Types printed alone: the root as the canonical text (which, with references,
 * names the referenced types instead), and each named type as a schema of its
 * own (referenced types inline, so parsed without the references). */
static void check_named(const struct sr_schema *s, const struct sr_parse_opts *with_refs)
{
    struct sr_parse_opts alone = *with_refs;
    alone.refs = NULL;
    alone.ref_count = 0;
    const struct sr_parse_opts *opts = &alone;
    size_t canon_len = 0;
    const char *canon = sr_schema_canonical(s, &canon_len);
    size_t len = 0;
    char *text = with_refs->ref_count ? NULL : sr_node_to_text(sr_schema_root(s), &len);
    if (text && (len != canon_len || memcmp(text, canon, len) != 0))
        report("root printed alone differs from the canonical text", canon, canon_len, text, len);
    free(text);
    for (size_t i = 0; i < sr_schema_named_count(s); i++) {
        const struct sr_node *n = sr_schema_named(s, i);
        if (sr_schema_find(s, n->name.full) != n)
            report("named type not found by its full name", n->name.full, strlen(n->name.full), "",
                   0);
        if (!(text = sr_node_to_text(n, &len)))
            continue;
        expect_fixed_point("named type printed alone", text, len, opts, text, len,
                           has_java_alias_quirk(s));
        free(text);
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size > FUZZ_MAX_INPUT)
        return 0;
    const char *text = (const char *)data;
    struct sr_parse_opts opts = {.validate_defaults = true};
    struct sr_schema *s = NULL, *ref = NULL;
    struct sr_error err = {0};
    const char *nul = memchr(text, '\0', size);
    if (nul) { /* a referenced schema, NUL, the schema that uses it */
        struct sr_parse_opts ref_opts = {.validate_defaults = false};
        if (sr_schema_parse(text, (size_t)(nul - text), &ref_opts, &ref, &err) != SR_OK)
            return 0;
        size -= (size_t)(nul - text) + 1;
        text = nul + 1;
        opts.refs = &ref;
        opts.ref_count = 1;
    }
    enum sr_err rc = sr_schema_parse(text, size, &opts, &s, &err);
    if (rc == SR_ERR_INVALID_SCHEMA) {
        opts.validate_defaults = false;
        rc = sr_schema_parse(text, size, &opts, &s, &err);
    }
    sr_schema_free(ref); /* s holds its own reference */
    if (rc != SR_OK)
        return 0;

    size_t canon_len = 0;
    const char *canon = sr_schema_canonical(s, &canon_len);
    if (!canon || strlen(canon) != canon_len)
        report("canonical text length", canon, canon_len, "", 0);
    expect_fixed_point("canonical text", canon, canon_len, &opts, canon, canon_len,
                       has_java_alias_quirk(s));
    check_pcf(s);
    check_named(s, &opts);

    struct sr_parse_opts strict = opts;
    strict.strict_names = true;
    struct sr_schema *st = NULL;
    if (sr_schema_parse(text, size, &strict, &st, &err) == SR_OK) {
        size_t st_len = 0;
        const char *st_canon = sr_schema_canonical(st, &st_len);
        if (st_len != canon_len || memcmp(st_canon, canon, canon_len) != 0)
            report("strict names change the canonical text", canon, canon_len, st_canon, st_len);
        sr_schema_free(st);
    }
    sr_schema_free(s);
    return 0;
}
