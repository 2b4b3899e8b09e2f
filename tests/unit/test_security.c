/*
 * test_security.c - the security edge's parts without a network:
 * password hashes against Karapace's (vectors computed with Python's
 * hashlib, which Karapace uses), the authfile parser and its permission
 * rules, Basic credentials and the credential cache, reloads, the
 * Origin/Host policy, the route table's access rules and the error rows.
 * (The limits are test_limits.c.)
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "common/pwhash.h"
#include "server/auth.h"
#include "server/authfile.h"
#include "server/edge.h"
#include "server/origin.h"
#include "server/request.h"
#include "tests/unit/testutil.h"

/* ---- password hashes ---------------------------------------------------------------- */

/* hashlib.pbkdf2_hmac(alg, b"hunter2", b"NaCl", 5000) and
 * hashlib.scrypt(b"hunter2", salt=b"NaCl", n=16384, r=8, p=1), base64. */
static const struct {
    const char *alg, *hash;
} karapace_vectors[] = {
    {"sha1", "jkjq36CAjNUREsR0RjWrBBftX/4="},
    {"sha256", "ygwCQq8gGFJCS1Gxx3USpNxwwNhvz4+E0fL7DPV030g="},
    {"sha512",
     "1vxGJaPSzMFkZggnQRBcO2zHg5Cu+INzhbIXna+TxNGtUGkvUXaOOIwZsXUPpMuY+rBGA85EzthuKN8HwCycD"
     "Q=="},
    {"scrypt",
     "Bmm35hvWcs510Ng5ssXRyq3y+P8i4yIABboT5sq74LBf0YzLqZZW1JkWwMn+fIwyoFQ/cuJFfR/oq9T5hFh6v"
     "w=="},
};

static void karapace_hashes_verify(void **state)
{
    (void)state;
    assert_true(sr_pwhash_init());
    for (size_t i = 0; i < sizeof karapace_vectors / sizeof karapace_vectors[0]; i++) {
        enum sr_pwhash_alg alg;
        assert_true(sr_pwhash_alg_parse(karapace_vectors[i].alg, &alg));
        assert_string_equal(sr_pwhash_alg_name(alg), karapace_vectors[i].alg);
        assert_int_equal(sr_pwhash_check(alg, karapace_vectors[i].hash, NULL), SR_OK);
        assert_true(sr_pwhash_verify(alg, "NaCl", karapace_vectors[i].hash, "hunter2", 7));
        assert_false(sr_pwhash_verify(alg, "NaCl", karapace_vectors[i].hash, "hunter3", 7));
        assert_false(sr_pwhash_verify(alg, "NaCl", karapace_vectors[i].hash, "hunter2", 6));
        assert_false(sr_pwhash_verify(alg, "NaCm", karapace_vectors[i].hash, "hunter2", 7));
        /* and making one with the same salt gives the same text */
        char *salt = NULL, *hash = NULL;
        assert_int_equal(sr_pwhash_make(alg, "hunter2", 7, "NaCl", &salt, &hash, NULL), SR_OK);
        assert_string_equal(salt, "NaCl");
        assert_string_equal(hash, karapace_vectors[i].hash);
        free(salt);
        free(hash);
    }
    /* an empty password, and UTF-8 in password and salt */
    assert_true(sr_pwhash_verify(SR_PWHASH_SHA256, "NaCl",
                                 "7SQSF5xaMCaFeZ27h08nL3diAnDuZD95tsMxIEY2YBY=", "", 0));
    assert_true(sr_pwhash_verify(
        SR_PWHASH_SHA512, "s\xc3\xa4lt",
        "P9FBBhJGuizykO5DGYktWN2wCcwnzrVSU3v6C6A43+F7csUdJ9kA2UYRf4gULfwiRR8UQ1sH1OjlKuvHCYcJRA==",
        "p\xc3\xa4ssw\xc3\xb6rd", 10));
}

static void argon2id_round_trip(void **state)
{
    (void)state;
    assert_true(sr_pwhash_init());
    char *salt = NULL, *hash = NULL;
    assert_int_equal(sr_pwhash_make(SR_PWHASH_ARGON2ID, "s3cret", 6, NULL, &salt, &hash, NULL),
                     SR_OK);
    assert_non_null(strstr(hash, "$argon2id$v=19$m=19456,t=2,p=1$"));
    assert_non_null(strstr(hash, salt));
    assert_true(strlen(salt) >= 16);
    assert_int_equal(sr_pwhash_check(SR_PWHASH_ARGON2ID, hash, NULL), SR_OK);
    assert_true(sr_pwhash_verify(SR_PWHASH_ARGON2ID, "", hash, "s3cret", 6));
    assert_false(sr_pwhash_verify(SR_PWHASH_ARGON2ID, "", hash, "s3cres", 6));
    /* two hashes of one password differ (random salt) */
    char *salt2 = NULL, *hash2 = NULL;
    assert_int_equal(sr_pwhash_make(SR_PWHASH_ARGON2ID, "s3cret", 6, NULL, &salt2, &hash2, NULL),
                     SR_OK);
    assert_string_not_equal(hash, hash2);
    free(salt);
    free(hash);
    free(salt2);
    free(hash2);
}

static void malformed_hashes_never_match(void **state)
{
    (void)state;
    assert_true(sr_pwhash_init());
    struct sr_error err = {0};
    static const char *const bad[] = {"", "not base64!", "jkjq36CAjNUREsR0RjWrBBftX/4", "AAAA",
                                      "$argon2i$v=19$m=1,t=1,p=1$x$y"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        assert_int_equal(sr_pwhash_check(SR_PWHASH_SHA1, bad[i], &err), SR_ERR_BAD_REQUEST);
        assert_false(sr_pwhash_verify(SR_PWHASH_SHA1, "NaCl", bad[i], "hunter2", 7));
        assert_false(sr_pwhash_verify(SR_PWHASH_ARGON2ID, "", bad[i], "hunter2", 7));
    }
    assert_int_equal(sr_pwhash_check(SR_PWHASH_ARGON2ID, "jkjq36CAjNUREsR0RjWrBBftX/4=", &err),
                     SR_ERR_BAD_REQUEST);
    /* a sha1-length key is not a sha512 one */
    assert_int_equal(sr_pwhash_check(SR_PWHASH_SHA512, "jkjq36CAjNUREsR0RjWrBBftX/4=", &err),
                     SR_ERR_BAD_REQUEST);
    enum sr_pwhash_alg alg;
    assert_false(sr_pwhash_alg_parse("md5", &alg));
    assert_false(sr_pwhash_alg_parse("SHA1", &alg));
}

/* ---- the authfile -------------------------------------------------------------------- */

static const char *const GOOD_FILE =
    "{\"users\": ["
    " {\"username\": \"admin\", \"algorithm\": \"sha256\", \"salt\": \"NaCl\","
    "  \"password_hash\": \"ygwCQq8gGFJCS1Gxx3USpNxwwNhvz4+E0fL7DPV030g=\"},"
    " {\"username\": \"reader\", \"algorithm\": \"sha1\", \"salt\": \"NaCl\","
    "  \"password_hash\": \"jkjq36CAjNUREsR0RjWrBBftX/4=\", \"extra\": 1}],"
    " \"permissions\": ["
    " {\"username\": \"admin\", \"operation\": \"Write\", \"resource\": \".*\"},"
    " {\"username\": \"reader\", \"operation\": \"Read\", \"resource\": \"Subject:orders-.*\"},"
    " {\"username\": \"reader\", \"operation\": \"Write\", \"resource\": \"Subject:scratch$\"},"
    " {\"username\": \"svc\", \"operation\": \"Read\", \"resource\": \"Config:\"},"
    " {\"username\": \"svc\", \"operation\": \"Read\", \"resource\": \"Subject:\\\\d+\"}"
    "]}";

static struct sr_authfile *parse_ok(const char *text)
{
    struct sr_authfile *af = NULL;
    struct sr_error err = {0};
    if (sr_authfile_parse(text, strlen(text), "test", &af, &err) != SR_OK)
        fail_msg("%s", err.message);
    return af;
}

static bool allows(const struct sr_authfile *af, const char *who, enum sr_op op, const char *res)
{
    return sr_acl_allows(sr_authfile_acl(af, who), op, res, strlen(res));
}

static bool some(const struct sr_authfile *af, const char *who, enum sr_op op, const char *prefix)
{
    return sr_acl_allows_some(sr_authfile_acl(af, who), op, prefix, strlen(prefix));
}

static void authfile_permissions(void **state)
{
    (void)state;
    assert_true(sr_pwhash_init());
    struct sr_authfile *af = parse_ok(GOOD_FILE);
    assert_int_equal(sr_authfile_user_count(af), 2);
    assert_int_equal(sr_authfile_permission_count(af), 5);
    assert_non_null(sr_authfile_user(af, "admin"));
    assert_null(sr_authfile_user(af, "svc")); /* a certificate principal: permissions only */
    assert_true(allows(af, "admin", SR_OP_WRITE, "Config:"));
    assert_true(allows(af, "admin", SR_OP_READ, "Subject:anything"));
    /* Read only, matched from the start, not to the end (re.match) */
    assert_true(allows(af, "reader", SR_OP_READ, "Subject:orders-value"));
    assert_false(allows(af, "reader", SR_OP_WRITE, "Subject:orders-value"));
    assert_false(allows(af, "reader", SR_OP_READ, "Subject:payments-value"));
    assert_false(allows(af, "reader", SR_OP_READ, "XSubject:orders-value"));
    assert_false(allows(af, "reader", SR_OP_READ, "Config:"));
    /* Write implies Read; '$' anchors the end */
    assert_true(allows(af, "reader", SR_OP_WRITE, "Subject:scratch"));
    assert_true(allows(af, "reader", SR_OP_READ, "Subject:scratch"));
    assert_false(allows(af, "reader", SR_OP_WRITE, "Subject:scratch2"));
    /* Python's \d */
    assert_true(allows(af, "svc", SR_OP_READ, "Subject:42"));
    assert_false(allows(af, "svc", SR_OP_READ, "Subject:x42"));
    assert_true(allows(af, "svc", SR_OP_READ, "Config:"));
    assert_false(allows(af, "nobody", SR_OP_READ, "Subject:orders-value"));
    assert_null(sr_authfile_acl(af, "nobody"));
    /* some resource that starts with the prefix (GET /permissions) */
    assert_true(some(af, "admin", SR_OP_WRITE, "Subject:"));
    assert_true(some(af, "reader", SR_OP_READ, "Subject:"));
    assert_true(some(af, "reader", SR_OP_WRITE, "Subject:")); /* scratch */
    assert_false(some(af, "reader", SR_OP_READ, "Config:"));
    assert_true(some(af, "svc", SR_OP_READ, "Subject:"));
    assert_false(some(af, "svc", SR_OP_WRITE, "Subject:"));
    assert_false(some(af, "svc", SR_OP_READ, "Subject:x"));
    assert_false(some(af, "nobody", SR_OP_READ, "Subject:"));
    sr_authfile_unref(sr_authfile_ref(af));
    sr_authfile_unref(af);
}

/* Matching as Karapace's re.match does, file order kept, odd files read as
 * Karapace reads them. */
static void authfile_matching_like_python(void **state)
{
    (void)state;
    assert_true(sr_pwhash_init());
    struct sr_authfile *af = parse_ok(
        "{\"users\": ["
        " {\"username\": \"u\", \"algorithm\": \"sha1\", \"salt\": \"a\","
        "  \"password_hash\": \"jkjq36CAjNUREsR0RjWrBBftX/4=\"},"
        " {\"username\": \"u\", \"algorithm\": \"sha256\", \"salt\": \"NaCl\","
        "  \"password_hash\": \"ygwCQq8gGFJCS1Gxx3USpNxwwNhvz4+E0fL7DPV030g=\"}],"
        " \"permissions\": ["
        " {\"username\": \"u\", \"operation\": \"Read\", \"resource\": \"Subject:(a|b)$\"},"
        " {\"username\": \"u\", \"operation\": \"Write\", \"resource\": \".*-audit\"},"
        " {\"username\": \"u\", \"operation\": \"Read\", \"resource\": \"Subject:\\u00f6.*\"},"
        " {\"username\": \"u\", \"operation\": \"Read\", \"resource\": \"Subject:(?:x+)+$\"},"
        " {\"username\": \"u\", \"operation\": \"Read\", \"resource\": \"subject:lower\"}"
        "], \"comment\": \"ignored\"}");
    /* a user named twice is the later entry (Karapace builds a dict) */
    const struct sr_user *u = sr_authfile_user(af, "u");
    assert_non_null(u);
    assert_int_equal(u->alg, SR_PWHASH_SHA256);
    assert_int_equal(sr_authfile_user_count(af), 2);
    /* alternation anchored at the start, '$' at the end */
    assert_true(allows(af, "u", SR_OP_READ, "Subject:a"));
    assert_true(allows(af, "u", SR_OP_READ, "Subject:b"));
    assert_false(allows(af, "u", SR_OP_READ, "Subject:ab"));
    assert_false(allows(af, "u", SR_OP_READ, "Subject:c"));
    /* ".*" reaches past the prefix; re.match needs no match of the whole */
    assert_true(allows(af, "u", SR_OP_WRITE, "Subject:orders-audit"));
    assert_true(allows(af, "u", SR_OP_WRITE, "Subject:orders-audit-2"));
    assert_false(allows(af, "u", SR_OP_WRITE, "Subject:orders"));
    /* UTF-8 in patterns and names: one character, not two bytes */
    assert_true(allows(af, "u", SR_OP_READ, "Subject:\xc3\xb6l"));
    assert_false(allows(af, "u", SR_OP_READ, "Subject:o\xcc\x88l")); /* o + combining mark */
    /* case matters, as in Python */
    assert_false(allows(af, "u", SR_OP_READ, "Subject:lower"));
    /* a pattern that backtracks without end is stopped by PCRE2's limits: no match, no hang */
    char evil[80];
    snprintf(evil, sizeof evil, "Subject:%s!",
             "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx");
    assert_false(allows(af, "u", SR_OP_READ, evil));
    assert_true(allows(af, "u", SR_OP_READ, "Subject:xxxx"));
    /* the entries as written, in file order (GET /v1/principal) */
    const struct sr_acl *acl = sr_authfile_acl(af, "u");
    assert_int_equal(sr_acl_count(acl), 5);
    enum sr_op op;
    assert_string_equal(sr_acl_entry(acl, 0, &op), "Subject:(a|b)$");
    assert_int_equal(op, SR_OP_READ);
    assert_string_equal(sr_acl_entry(acl, 1, &op), ".*-audit");
    assert_int_equal(op, SR_OP_WRITE);
    assert_int_equal(sr_acl_count(NULL), 0);
    sr_authfile_unref(af);

    /* empty lists are a valid file: nobody may do anything */
    af = parse_ok("{\"users\": [], \"permissions\": []}");
    assert_int_equal(sr_authfile_user_count(af), 0);
    assert_false(allows(af, "u", SR_OP_READ, "Subject:a"));
    sr_authfile_unref(af);
}

static void authfile_errors_say_where(void **state)
{
    (void)state;
    assert_true(sr_pwhash_init());
    static const struct {
        const char *text, *needle;
    } cases[] = {
        {"{\"users\": [], ", "not valid JSON"},
        {"[]", "must be a JSON object"},
        {"{\"permissions\": []}", "\"users\" is missing"},
        {"{\"users\": []}", "\"permissions\" is missing"},
        {"{\"users\": {}, \"permissions\": []}", "\"users\" must be an array"},
        {"{\"users\": [1], \"permissions\": []}", "users[0]: must be an object"},
        {"{\"users\": [{\"username\": \"a\", \"algorithm\": \"md5\", \"salt\": \"x\", "
         "\"password_hash\": \"x\"}], \"permissions\": []}",
         "users[0].algorithm: 'md5' is not"},
        {"{\"users\": [{\"username\": \"a\", \"algorithm\": \"sha1\", "
         "\"password_hash\": \"jkjq36CAjNUREsR0RjWrBBftX/4=\"}], \"permissions\": []}",
         "users[0].salt: is missing"},
        {"{\"users\": [{\"algorithm\": \"sha1\", \"salt\": \"x\", \"password_hash\": \"x\"}], "
         "\"permissions\": []}",
         "users[0].username: is missing"},
        {"{\"users\": [{\"username\": \"a\", \"algorithm\": \"sha1\", \"salt\": \"x\", "
         "\"password_hash\": \"AAAA\"}], \"permissions\": []}",
         "users[0].password_hash (user 'a'): a sha1 password_hash must be the base64 of 20"},
        {"{\"users\": [], \"permissions\": [{\"username\": \"a\", \"operation\": \"read\", "
         "\"resource\": \".*\"}]}",
         "permissions[0].operation: 'read' is not Read or Write"},
        {"{\"users\": [], \"permissions\": [{\"username\": \"a\", \"operation\": \"Read\", "
         "\"resource\": \"Subject:(\"}]}",
         "permissions[0].resource: 'Subject:(' is not a regular expression"},
        {"{\"users\": [], \"permissions\": [{\"username\": \"a\", \"operation\": \"Read\"}]}",
         "permissions[0].resource: is missing"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        struct sr_authfile *af = NULL;
        struct sr_error err = {0};
        assert_int_equal(
            sr_authfile_parse(cases[i].text, strlen(cases[i].text), "F.json", &af, &err),
            SR_ERR_BAD_REQUEST);
        assert_null(af);
        if (!strstr(err.message, cases[i].needle) || !strstr(err.message, "authfile F.json: "))
            fail_msg("case %zu: \"%s\" lacks \"%s\"", i, err.message, cases[i].needle);
    }
    struct sr_authfile *af = NULL;
    struct sr_error err = {0};
    assert_int_equal(sr_authfile_load("/nonexistent/auth.json", &af, &err), SR_ERR_IO);
    assert_non_null(strstr(err.message, "/nonexistent/auth.json"));
}

/* ---- Basic credentials, the cache, reloads --------------------------------------------- */

static char *write_file(const char *dir, const char *name, const char *text)
{
    static char path[512];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fputs(text, f);
    fclose(f);
    return path;
}

/* "Basic " + base64(text) into out. */
static const char *basic(const char *text, char *out, size_t cap)
{
    memcpy(out, "Basic ", 7); /* the NUL is overwritten */
    sodium_bin2base64(out + 6, cap - 6, (const unsigned char *)text, strlen(text),
                      sodium_base64_VARIANT_ORIGINAL);
    return out;
}

static enum sr_auth_verdict try_basic(struct sr_auth *a, const char *header, bool may_hash,
                                      struct sr_principal *p)
{
    const char *why = NULL;
    memset(p, 0, sizeof *p);
    enum sr_auth_verdict v = sr_auth_basic(a, header, may_hash, p, &why);
    if (v == SR_AUTH_REFUSED) {
        assert_non_null(why);
        assert_null(strstr(why, "hunter")); /* never the password */
    }
    return v;
}

static void basic_credentials_and_cache(void **state)
{
    (void)state;
    char dir[64], h[256];
    assert_non_null(tu_tempdir(dir, sizeof dir, "sr-auth-"));
    const char *path = write_file(dir, "auth.json", GOOD_FILE);
    struct sr_auth *a = NULL;
    struct sr_error err = {0};
    assert_int_equal(sr_auth_open(path, &a, &err), SR_OK);
    assert_true(sr_auth_has_file(a));
    struct sr_principal p;

    /* not remembered yet: the hash has to run */
    assert_int_equal(try_basic(a, basic("admin:hunter2", h, sizeof h), false, &p),
                     SR_AUTH_NEEDS_HASH);
    assert_int_equal(try_basic(a, h, true, &p), SR_AUTH_ACCEPTED);
    assert_string_equal(p.name, "admin");
    assert_true(sr_principal_may(&p, SR_OP_WRITE, "Config:", 7));
    sr_principal_release(&p);
    /* now remembered, with any case of the scheme and extra spaces */
    assert_int_equal(try_basic(a, h, false, &p), SR_AUTH_ACCEPTED);
    sr_principal_release(&p);
    char spaced[300];
    snprintf(spaced, sizeof spaced, "  bAsIc   %s  ", h + 6);
    assert_int_equal(try_basic(a, spaced, false, &p), SR_AUTH_ACCEPTED);
    sr_principal_release(&p);

    /* a wrong password is refused and never remembered */
    assert_int_equal(try_basic(a, basic("admin:hunter3", h, sizeof h), true, &p), SR_AUTH_REFUSED);
    assert_int_equal(try_basic(a, h, false, &p), SR_AUTH_NEEDS_HASH);
    assert_int_equal(try_basic(a, basic("ghost:hunter2", h, sizeof h), true, &p), SR_AUTH_REFUSED);
    assert_int_equal(try_basic(a, h, false, &p), SR_AUTH_NEEDS_HASH);

    /* malformed headers */
    char big[100 * 1024];
    memset(big, 'A', sizeof big - 1);
    big[sizeof big - 1] = '\0';
    memcpy(big, "Basic ", 6);
    static const char *const malformed[] = {
        "Basic",
        "Basic ",
        "Basic !!!!",
        "Basic YWRtaW4", /* no padding */
        "Bearer abc",
        "Digest username=x",
        "Basicx YWRtaW46aHVudGVyMg==",
    };
    for (size_t i = 0; i < sizeof malformed / sizeof malformed[0]; i++)
        assert_int_equal(try_basic(a, malformed[i], true, &p), SR_AUTH_REFUSED);
    assert_int_equal(try_basic(a, big, true, &p), SR_AUTH_REFUSED);
    assert_int_equal(try_basic(a, basic("no colon", h, sizeof h), true, &p), SR_AUTH_REFUSED);
    assert_int_equal(try_basic(a, basic(":hunter2", h, sizeof h), true, &p), SR_AUTH_REFUSED);

    /* a reader's permissions come with its principal */
    assert_int_equal(try_basic(a, basic("reader:hunter2", h, sizeof h), true, &p),
                     SR_AUTH_ACCEPTED);
    assert_true(sr_principal_may_subject(&p, SR_OP_READ, "orders-value"));
    assert_false(sr_principal_may_subject(&p, SR_OP_WRITE, "orders-value"));
    assert_false(sr_principal_may(&p, SR_OP_READ, "Config:", 7));

    /* a broken file keeps the old rules; the principal held keeps its own */
    write_file(dir, "auth.json", "{\"users\": [");
    assert_int_equal(sr_auth_reload(a, &err), SR_ERR_BAD_REQUEST);
    assert_non_null(strstr(err.message, "not valid JSON"));
    sr_principal_release(&p);
    assert_int_equal(try_basic(a, basic("admin:hunter2", h, sizeof h), false, &p),
                     SR_AUTH_ACCEPTED);
    sr_principal_release(&p);

    /* a good new file replaces them and forgets what was remembered */
    write_file(dir, "auth.json",
               "{\"users\": [{\"username\": \"admin\", \"algorithm\": \"sha1\", \"salt\": "
               "\"NaCl\", \"password_hash\": \"jkjq36CAjNUREsR0RjWrBBftX/4=\"}], "
               "\"permissions\": [{\"username\": \"admin\", \"operation\": \"Read\", "
               "\"resource\": \"Subject:.*\"}]}");
    assert_int_equal(sr_auth_reload(a, &err), SR_OK);
    size_t users, perms;
    sr_auth_counts(a, &users, &perms);
    assert_int_equal(users, 1);
    assert_int_equal(perms, 1);
    assert_int_equal(try_basic(a, h, false, &p), SR_AUTH_NEEDS_HASH);
    assert_int_equal(try_basic(a, h, true, &p), SR_AUTH_ACCEPTED);
    assert_false(sr_principal_may(&p, SR_OP_READ, "Config:", 7));
    sr_principal_release(&p);
    assert_int_equal(try_basic(a, basic("reader:hunter2", h, sizeof h), true, &p), SR_AUTH_REFUSED);

    /* certificates: the CN's permissions */
    sr_auth_certificate(a, "admin", &p);
    assert_true(p.by_certificate);
    assert_false(p.unrestricted);
    assert_true(sr_principal_may_subject(&p, SR_OP_READ, "x"));
    assert_false(sr_principal_may_subject(&p, SR_OP_WRITE, "x"));
    sr_principal_release(&p);

    sr_auth_free(a);
    tu_tempdir_remove(dir);
}

static void poll_sees_changes(void **state)
{
    (void)state;
    char dir[64], h[256];
    assert_non_null(tu_tempdir(dir, sizeof dir, "sr-auth-"));
    char path[512];
    snprintf(path, sizeof path, "%s", write_file(dir, "auth.json", GOOD_FILE));
    struct sr_auth *a = NULL;
    struct sr_error err = {0};
    bool tried = true;
    assert_int_equal(sr_auth_open(path, &a, &err), SR_OK);
    assert_int_equal(sr_auth_poll(a, &tried, &err), SR_OK);
    assert_false(tried);
    /* replaced by rename, as editors and config tools do */
    write_file(dir, "new.json", "{\"users\": [], \"permissions\": []}");
    char fresh[512];
    snprintf(fresh, sizeof fresh, "%s/new.json", dir);
    assert_int_equal(rename(fresh, path), 0);
    assert_int_equal(sr_auth_poll(a, &tried, &err), SR_OK);
    assert_true(tried);
    struct sr_principal p;
    assert_int_equal(try_basic(a, basic("admin:hunter2", h, sizeof h), true, &p), SR_AUTH_REFUSED);
    /* a broken change is tried once, and the rules stay */
    write_file(dir, "auth.json", "nonsense");
    assert_int_equal(sr_auth_poll(a, &tried, &err), SR_ERR_BAD_REQUEST);
    assert_true(tried);
    assert_int_equal(sr_auth_poll(a, &tried, &err), SR_OK);
    assert_false(tried);
    sr_auth_free(a);

    /* without a file: certificates may do everything, Basic nothing */
    assert_int_equal(sr_auth_open(NULL, &a, &err), SR_OK);
    assert_false(sr_auth_has_file(a));
    assert_int_equal(try_basic(a, basic("admin:hunter2", h, sizeof h), true, &p), SR_AUTH_REFUSED);
    sr_auth_certificate(a, "anyone", &p);
    assert_true(p.unrestricted);
    assert_true(sr_principal_may(&p, SR_OP_WRITE, "Config:", 7));
    sr_principal_release(&p);
    sr_auth_free(a);
    tu_tempdir_remove(dir);
}

/* ---- Origin and Host ------------------------------------------------------------------------ */

static void origin_policy(void **state)
{
    (void)state;
    struct sr_origin_policy p;
    struct sr_error err = {0};
    assert_int_equal(sr_origin_policy_parse(" https://ui.example.com , http://localhost:3000",
                                            "registry.example.com,127.0.0.1,[::1]", &p, &err),
                     SR_OK);
    assert_int_equal(p.origin_count, 2);
    assert_int_equal(p.host_count, 3);
    assert_true(sr_origin_host_allowed(&p, "registry.example.com:8081"));
    assert_true(sr_origin_host_allowed(&p, "REGISTRY.example.com"));
    assert_true(sr_origin_host_allowed(&p, "127.0.0.1:8081"));
    assert_true(sr_origin_host_allowed(&p, "[::1]:8081"));
    assert_false(sr_origin_host_allowed(&p, "evil.example.net:8081"));
    assert_false(sr_origin_host_allowed(&p, "registry.example.com.evil.net"));
    assert_true(sr_origin_host_allowed(&p, NULL));

    assert_int_equal(sr_origin_judge(&p, NULL, "x", false), SR_ORIGIN_ABSENT);
    assert_int_equal(sr_origin_judge(&p, "https://ui.example.com", "x", false), SR_ORIGIN_LISTED);
    assert_int_equal(sr_origin_judge(&p, "http://localhost:3000", "x", true), SR_ORIGIN_LISTED);
    assert_int_equal(sr_origin_judge(&p, "http://127.0.0.1:8081", "127.0.0.1:8081", false),
                     SR_ORIGIN_SAME);
    assert_int_equal(sr_origin_judge(&p, "https://reg.example.com", "reg.example.com:443", true),
                     SR_ORIGIN_SAME);
    assert_int_equal(sr_origin_judge(&p, "http://reg.example.com", "reg.example.com", true),
                     SR_ORIGIN_FOREIGN); /* scheme differs */
    assert_int_equal(sr_origin_judge(&p, "http://127.0.0.1:9999", "127.0.0.1:8081", false),
                     SR_ORIGIN_FOREIGN);
    assert_int_equal(sr_origin_judge(&p, "null", "127.0.0.1:8081", false), SR_ORIGIN_FOREIGN);
    sr_origin_policy_release(&p);

    assert_int_equal(sr_origin_policy_parse("ui.example.com", NULL, &p, &err), SR_ERR_BAD_REQUEST);
    assert_non_null(strstr(err.message, "'ui.example.com' is not an origin"));
    assert_int_equal(sr_origin_policy_parse(NULL, "a b", &p, &err), SR_ERR_BAD_REQUEST);
    assert_int_equal(sr_origin_policy_parse(NULL, NULL, &p, &err), SR_OK);
    assert_true(sr_origin_host_allowed(&p, "anything"));
    sr_origin_policy_release(&p);
}

/* ---- the route table and the error rows -------------------------------------------------------
 */

static void every_route_has_a_rule(void **state)
{
    (void)state;
    for (size_t i = 0; sr_routes[i].method; i++) {
        const struct sr_route *r = &sr_routes[i];
        if (r->access == SR_ACCESS_UNSET)
            fail_msg("%s %s has no access rule", r->method, r->pattern);
        bool writes = r->access == SR_ACCESS_SUBJECT_WRITE || r->access == SR_ACCESS_CONFIG_WRITE;
        /* every PUT and DELETE writes; GETs never do */
        if ((strcmp(r->method, "PUT") == 0 || strcmp(r->method, "DELETE") == 0) && !writes)
            fail_msg("%s %s changes data but is not a write", r->method, r->pattern);
        if (strcmp(r->method, "GET") == 0 && writes)
            fail_msg("%s %s is a read but needs Write", r->method, r->pattern);
        bool subject_rule =
            r->access == SR_ACCESS_SUBJECT_READ || r->access == SR_ACCESS_SUBJECT_WRITE;
        if (subject_rule != (strstr(r->pattern, "{subject}") != NULL))
            fail_msg("%s %s: subject rules go with {subject} routes", r->method, r->pattern);
        if (strncmp(r->pattern, "/health/", 8) == 0 && r->access != SR_ACCESS_OPEN)
            fail_msg("%s stays open", r->pattern);
    }
}

static void exposure_warning_rule(void **state)
{
    (void)state;
    assert_true(sr_edge_loopback_only("127.0.0.1"));
    assert_true(sr_edge_loopback_only("127.0.0.2"));
    assert_true(sr_edge_loopback_only("::1"));
    assert_false(sr_edge_loopback_only("0.0.0.0"));
    assert_false(sr_edge_loopback_only("::"));
    assert_false(sr_edge_loopback_only("192.0.2.1"));
}

static void error_rows(void **state)
{
    (void)state;
    assert_int_equal(sr_error_http_status(SR_ERR_UNAUTHORIZED), 401);
    assert_int_equal(sr_error_code(SR_ERR_UNAUTHORIZED), 40101);
    assert_int_equal(sr_error_http_status(SR_ERR_FORBIDDEN), 403);
    assert_int_equal(sr_error_code(SR_ERR_FORBIDDEN), 40301);
    assert_int_equal(sr_error_http_status(SR_ERR_TOO_MANY_REQUESTS), 429);
    assert_int_equal(sr_error_http_status(SR_ERR_URI_TOO_LONG), 414);
    assert_int_equal(sr_error_http_status(SR_ERR_HEADERS_TOO_LARGE), 431);
    assert_int_equal(sr_error_http_status(SR_ERR_MISDIRECTED), 421);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(karapace_hashes_verify),
        cmocka_unit_test(argon2id_round_trip),
        cmocka_unit_test(malformed_hashes_never_match),
        cmocka_unit_test(authfile_permissions),
        cmocka_unit_test(authfile_matching_like_python),
        cmocka_unit_test(authfile_errors_say_where),
        cmocka_unit_test(basic_credentials_and_cache),
        cmocka_unit_test(poll_sees_changes),
        cmocka_unit_test(origin_policy),
        cmocka_unit_test(every_route_has_a_rule),
        cmocka_unit_test(exposure_warning_rule),
        cmocka_unit_test(error_rows),
    };
    return cmocka_run_group_tests_name("security edge", tests, NULL, NULL);
}
