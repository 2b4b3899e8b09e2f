/*
 * tls.h - TLS for the HTTP layer through libmicrohttpd's GnuTLS support:
 * the server's certificate and key, TLS 1.2 and 1.3 only, and optionally the
 * CA that client certificates must chain to (mutual TLS).
 *
 * The certificate reaches libmicrohttpd through MHD_OPTION_HTTPS_CERT_CALLBACK
 * (sr_tls_cert_callback), not MHD_OPTION_HTTPS_MEM_CERT/KEY: libmicrohttpd
 * 0.9.75 reads those once, when the daemon starts, so a renewed certificate
 * would need a new daemon and a new listening socket. The callback hands
 * each handshake the credentials in force, and sr_tls_reload() swaps them
 * (SIGHUP) while the listener keeps running. Credentials that were once in
 * force stay allocated until sr_tls_free(): a handshake may still hold
 * them. (A few KiB per reload.)
 *
 * Client certificates: the daemon is given the client CA at start
 * (MHD_OPTION_HTTPS_MEM_TRUST) so that it asks clients for one, but the
 * verdict is ours (sr_tls_check_peer): the chain is verified against the CA
 * loaded last (so a reload replaces it too), for the TLS client purpose, at
 * the current time; the principal is the leaf's subject CN. A client that
 * sends no certificate is not refused by the handshake: it may still use
 * Basic credentials (auth.h).
 *
 * One TLS server per process: the GnuTLS callback has no user pointer, so
 * the credentials in force are process-wide; sr_tls_open() refuses a second
 * one while the first lives.
 *
 * Thread safety: sr_tls_cert_callback() and sr_tls_check_peer() run in any
 * thread at once; sr_tls_reload() from one thread at a time.
 */
#ifndef SR_SERVER_TLS_H
#define SR_SERVER_TLS_H

#include <gnutls/abstract.h>
#include <gnutls/gnutls.h>
#include <stdbool.h>
#include <stddef.h>

#include "common/error.h"

/* Only TLS 1.2 and 1.3, GnuTLS's NORMAL ciphers otherwise. */
#define SR_TLS_PRIORITIES "NORMAL:-VERS-ALL:+VERS-TLS1.3:+VERS-TLS1.2:%SERVER_PRECEDENCE"

struct sr_tls;

/* Loads cert_path (PEM: the certificate, then its chain), key_path (PEM,
 * unencrypted) and, when client_ca_path is not NULL, the CA bundle for
 * client certificates. Checks that the key belongs to the certificate.
 * Caller owns *out (sr_tls_free). Errors: SR_ERR_IO (unreadable),
 * SR_ERR_BAD_REQUEST (not PEM, no certificate, key does not match; the
 * message names the file), SR_ERR_INTERNAL (another TLS server lives). */
enum sr_err sr_tls_open(const char *cert_path, const char *key_path, const char *client_ca_path,
                        struct sr_tls **out, struct sr_error *err);
/* NULL-safe; the daemon using it must be stopped first. */
void sr_tls_free(struct sr_tls *t);

/* Loads the three files again and, when all load, puts them in force for
 * new handshakes. On error the old ones stay, and err says why. */
enum sr_err sr_tls_reload(struct sr_tls *t, struct sr_error *err);

/* For MHD_OPTION_HTTPS_CERT_CALLBACK. */
int sr_tls_cert_callback(gnutls_session_t session, const gnutls_datum_t *req_ca_dn, int nreqs,
                         const gnutls_pk_algorithm_t *pk_algos, int pk_algos_length,
                         gnutls_pcert_st **pcert, unsigned int *pcert_length,
                         gnutls_privkey_t *privkey);

/* The client CA bundle as loaded at open (PEM text, for
 * MHD_OPTION_HTTPS_MEM_TRUST), or NULL without one. Borrowed from t. */
const char *sr_tls_client_ca_pem(const struct sr_tls *t);

enum sr_tls_peer {
    SR_TLS_PEER_NONE,     /* no client certificate (or no client CA configured) */
    SR_TLS_PEER_VERIFIED, /* cn holds the subject CN */
    SR_TLS_PEER_REFUSED,  /* presented but not acceptable: *why says why (static) */
};

/* Judges the client certificate of session (a gnutls_session_t). */
enum sr_tls_peer sr_tls_check_peer(struct sr_tls *t, gnutls_session_t session, char *cn,
                                   size_t cn_cap, const char **why);

#endif
