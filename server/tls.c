/*
 * tls.c - certificates for libmicrohttpd's GnuTLS, reloadable; see tls.h.
 */
#include "server/tls.h"

#include <assert.h>
#include <gnutls/x509.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_CHAIN 16
#define MAX_PEER_CHAIN 8

/* One generation of credentials. Never freed before sr_tls_free(). */
struct creds {
    struct creds *older;
    gnutls_pcert_st pcerts[MAX_CHAIN];
    unsigned pcert_count;
    gnutls_privkey_t key;
    gnutls_x509_trust_list_t trust; /* NULL without a client CA */
};

struct sr_tls {
    char *cert_path, *key_path, *ca_path;
    char *ca_pem;                  /* as loaded at open */
    _Atomic(struct creds *) creds; /* in force; older generations hang off it */
};

static _Atomic(struct sr_tls *) live; /* the one TLS server of the process */

static void creds_free(struct creds *c)
{
    while (c) {
        struct creds *older = c->older;
        for (unsigned i = 0; i < c->pcert_count; i++)
            gnutls_pcert_deinit(&c->pcerts[i]);
        if (c->key)
            gnutls_privkey_deinit(c->key);
        if (c->trust)
            gnutls_x509_trust_list_deinit(c->trust, 1);
        free(c);
        c = older;
    }
}

/* Reads a whole file; the caller frees data->data with gnutls_free. */
static enum sr_err load_file(const char *what, const char *path, gnutls_datum_t *data,
                             struct sr_error *err)
{
    int rc = gnutls_load_file(path, data);
    if (rc < 0)
        return sr_errorf(err, SR_ERR_IO, "%s %s: cannot read it (%s)", what, path,
                         gnutls_strerror(rc));
    return SR_OK;
}

/* Whether key is the private half of the certificate's public key. */
static bool key_matches(gnutls_privkey_t key, gnutls_pubkey_t cert_key)
{
    unsigned char a[64], b[64];
    size_t na = sizeof a, nb = sizeof b;
    gnutls_pubkey_t pub = NULL;
    bool same = gnutls_pubkey_init(&pub) == 0 &&
                gnutls_pubkey_import_privkey(pub, key, 0, 0) == 0 &&
                gnutls_pubkey_get_key_id(pub, GNUTLS_KEYID_USE_SHA256, a, &na) == 0 &&
                gnutls_pubkey_get_key_id(cert_key, GNUTLS_KEYID_USE_SHA256, b, &nb) == 0 &&
                na == nb && memcmp(a, b, na) == 0;
    if (pub)
        gnutls_pubkey_deinit(pub);
    return same;
}

static enum sr_err load_chain(struct creds *c, const char *path, struct sr_error *err)
{
    gnutls_datum_t pem = {NULL, 0};
    enum sr_err rc = load_file("--tls-cert", path, &pem, err);
    if (rc != SR_OK)
        return rc;
    unsigned n = MAX_CHAIN;
    int g = gnutls_pcert_list_import_x509_raw(c->pcerts, &n, &pem, GNUTLS_X509_FMT_PEM, 0);
    gnutls_free(pem.data);
    if (g < 0 || n == 0)
        return sr_errorf(err, SR_ERR_BAD_REQUEST, "--tls-cert %s: no PEM certificate in it (%s)",
                         path, g < 0 ? gnutls_strerror(g) : "empty");
    c->pcert_count = n;
    return SR_OK;
}

static enum sr_err load_key(struct creds *c, const char *path, struct sr_error *err)
{
    gnutls_datum_t pem = {NULL, 0};
    enum sr_err rc = load_file("--tls-key", path, &pem, err);
    if (rc != SR_OK)
        return rc;
    int g = gnutls_privkey_init(&c->key);
    if (g == 0)
        g = gnutls_privkey_import_x509_raw(c->key, &pem, GNUTLS_X509_FMT_PEM, NULL, 0);
    gnutls_memset(pem.data, 0, pem.size);
    gnutls_free(pem.data);
    if (g < 0)
        return sr_errorf(err, SR_ERR_BAD_REQUEST,
                         "--tls-key %s: not an unencrypted PEM private key (%s)", path,
                         gnutls_strerror(g));
    if (!key_matches(c->key, c->pcerts[0].pubkey))
        return sr_errorf(err, SR_ERR_BAD_REQUEST,
                         "--tls-key %s: not the key of the certificate in --tls-cert", path);
    return SR_OK;
}

static enum sr_err load_trust(struct creds *c, const char *path, char **pem_out,
                              struct sr_error *err)
{
    gnutls_datum_t pem = {NULL, 0};
    enum sr_err rc = load_file("--tls-client-ca", path, &pem, err);
    if (rc != SR_OK)
        return rc;
    int g = gnutls_x509_trust_list_init(&c->trust, 0);
    if (g == 0)
        g = gnutls_x509_trust_list_add_trust_mem(c->trust, &pem, NULL, GNUTLS_X509_FMT_PEM, 0, 0);
    if (g <= 0) {
        gnutls_free(pem.data);
        return sr_errorf(err, SR_ERR_BAD_REQUEST,
                         "--tls-client-ca %s: no PEM certificate in it%s%s", path,
                         g < 0 ? ": " : "", g < 0 ? gnutls_strerror(g) : "");
    }
    if (pem_out) {
        *pem_out = strndup((const char *)pem.data, pem.size);
        if (!*pem_out)
            rc = sr_errorf(err, SR_ERR_NOMEM, "out of memory");
    }
    gnutls_free(pem.data);
    return rc;
}

/* A new generation from the three paths. */
static enum sr_err creds_load(const struct sr_tls *t, struct creds **out, char **ca_pem_out,
                              struct sr_error *err)
{
    struct creds *c = calloc(1, sizeof *c);
    if (!c)
        return sr_errorf(err, SR_ERR_NOMEM, "out of memory");
    enum sr_err rc = load_chain(c, t->cert_path, err);
    if (rc == SR_OK)
        rc = load_key(c, t->key_path, err);
    if (rc == SR_OK && t->ca_path)
        rc = load_trust(c, t->ca_path, ca_pem_out, err);
    if (rc != SR_OK) {
        creds_free(c);
        return rc;
    }
    *out = c;
    return SR_OK;
}

enum sr_err sr_tls_open(const char *cert_path, const char *key_path, const char *client_ca_path,
                        struct sr_tls **out, struct sr_error *err)
{
    struct sr_tls *t = calloc(1, sizeof *t);
    if (!t)
        return sr_errorf(err, SR_ERR_NOMEM, "out of memory");
    enum sr_err rc = SR_OK;
    struct creds *c = NULL;
    t->cert_path = strdup(cert_path);
    t->key_path = strdup(key_path);
    t->ca_path = client_ca_path ? strdup(client_ca_path) : NULL;
    if (!t->cert_path || !t->key_path || (client_ca_path && !t->ca_path))
        rc = sr_errorf(err, SR_ERR_NOMEM, "out of memory");
    if (rc == SR_OK)
        rc = creds_load(t, &c, &t->ca_pem, err);
    struct sr_tls *none = NULL;
    if (rc == SR_OK && !atomic_compare_exchange_strong(&live, &none, t))
        rc = sr_errorf(err, SR_ERR_INTERNAL, "a TLS server is already running in this process");
    if (rc != SR_OK) {
        creds_free(c);
        free(t->ca_pem);
        free(t->cert_path);
        free(t->key_path);
        free(t->ca_path);
        free(t);
        return rc;
    }
    atomic_store(&t->creds, c);
    *out = t;
    return SR_OK;
}

void sr_tls_free(struct sr_tls *t)
{
    if (!t)
        return;
    struct sr_tls *self = t;
    atomic_compare_exchange_strong(&live, &self, NULL);
    creds_free(atomic_load(&t->creds));
    free(t->ca_pem);
    free(t->cert_path);
    free(t->key_path);
    free(t->ca_path);
    free(t);
}

enum sr_err sr_tls_reload(struct sr_tls *t, struct sr_error *err)
{
    struct creds *fresh = NULL;
    enum sr_err rc = creds_load(t, &fresh, NULL, err);
    if (rc != SR_OK)
        return rc;
    assert(fresh);
    fresh->older = atomic_load(&t->creds);
    atomic_store(&t->creds, fresh);
    return SR_OK;
}

int sr_tls_cert_callback(gnutls_session_t session, const gnutls_datum_t *req_ca_dn, int nreqs,
                         const gnutls_pk_algorithm_t *pk_algos, int pk_algos_length,
                         gnutls_pcert_st **pcert, unsigned int *pcert_length,
                         gnutls_privkey_t *privkey)
{
    (void)session;
    (void)req_ca_dn;
    (void)nreqs;
    (void)pk_algos;
    (void)pk_algos_length;
    struct sr_tls *t = atomic_load(&live);
    struct creds *c = t ? atomic_load(&t->creds) : NULL;
    if (!c)
        return -1;
    *pcert = c->pcerts;
    *pcert_length = c->pcert_count;
    *privkey = c->key;
    return 0;
}

const char *sr_tls_client_ca_pem(const struct sr_tls *t)
{
    return t->ca_pem;
}

/* ---- client certificates ------------------------------------------------------------ */

static const char *refusal(unsigned status)
{
    if (status & GNUTLS_CERT_EXPIRED)
        return "the client certificate has expired";
    if (status & GNUTLS_CERT_NOT_ACTIVATED)
        return "the client certificate is not valid yet";
    if (status & (GNUTLS_CERT_SIGNER_NOT_FOUND | GNUTLS_CERT_SIGNER_NOT_CA))
        return "the client certificate is not issued by a trusted CA";
    if (status & GNUTLS_CERT_REVOKED)
        return "the client certificate is revoked";
    if (status & GNUTLS_CERT_PURPOSE_MISMATCH)
        return "the client certificate is not for TLS clients";
    return "the client certificate does not verify";
}

/* The CN of crt into cn; false when it has none. */
static bool common_name(gnutls_x509_crt_t crt, char *cn, size_t cap)
{
    size_t n = cap;
    if (gnutls_x509_crt_get_dn_by_oid(crt, GNUTLS_OID_X520_COMMON_NAME, 0, 0, cn, &n) < 0)
        return false;
    return n > 0 && cn[0] && strlen(cn) == n;
}

enum sr_tls_peer sr_tls_check_peer(struct sr_tls *t, gnutls_session_t session, char *cn,
                                   size_t cn_cap, const char **why)
{
    struct creds *c = atomic_load(&t->creds);
    unsigned n = 0;
    const gnutls_datum_t *raw = session ? gnutls_certificate_get_peers(session, &n) : NULL;
    if (!c->trust || !raw || n == 0)
        return SR_TLS_PEER_NONE;
    if (n > MAX_PEER_CHAIN)
        n = MAX_PEER_CHAIN;
    gnutls_x509_crt_t chain[MAX_PEER_CHAIN] = {0};
    enum sr_tls_peer verdict = SR_TLS_PEER_REFUSED;
    *why = "the client certificate cannot be read";
    unsigned imported = 0;
    for (; imported < n; imported++)
        if (gnutls_x509_crt_init(&chain[imported]) < 0 ||
            gnutls_x509_crt_import(chain[imported], &raw[imported], GNUTLS_X509_FMT_DER) < 0) {
            if (chain[imported])
                imported++;
            goto done;
        }
    gnutls_typed_vdata_st purpose = {GNUTLS_DT_KEY_PURPOSE_OID, (void *)GNUTLS_KP_TLS_WWW_CLIENT,
                                     0};
    unsigned status = 0;
    if (gnutls_x509_trust_list_verify_crt2(c->trust, chain, n, &purpose, 1, 0, &status, NULL) < 0 ||
        status != 0) {
        *why = refusal(status);
        goto done;
    }
    if (!common_name(chain[0], cn, cn_cap)) {
        *why = "the client certificate has no subject CN";
        goto done;
    }
    verdict = SR_TLS_PEER_VERIFIED;
done:
    for (unsigned i = 0; i < imported; i++)
        gnutls_x509_crt_deinit(chain[i]);
    return verdict;
}
