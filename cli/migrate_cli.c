/*
 * migrate_cli.c - connections, progress and reports for export, import and
 * migrate (see migrate_cli.h).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cli/cli.h"
#include "cli/migrate_cli.h"

#define DEFAULT_URL "http://localhost:8081"
#define SHOWN_PROBLEMS 50

/* ---- connections --------------------------------------------------------------------- */

bool cli_conn_flag(struct cli_conn *c, int code, int base, const char *arg)
{
    switch (code - base) {
    case CONN_URL:
        c->url = arg;
        return true;
    case CONN_USER:
        c->user = arg;
        return true;
    case CONN_PASSWORD:
        c->password = arg;
        return true;
    case CONN_CA_FILE:
        c->ca_file = arg;
        return true;
    case CONN_INSECURE:
        c->insecure = true;
        return true;
    default:
        return false;
    }
}

static const char *env(const char *prefix, const char *name)
{
    char key[64];
    snprintf(key, sizeof(key), "AVROREG_%s_%s", prefix, name);
    const char *v = getenv(key);
    return v && *v ? v : NULL;
}

void cli_conn_env(struct cli_conn *c, const char *prefix, bool default_url)
{
    if (!c->url)
        c->url = env(prefix, "URL");
    if (!c->url && default_url)
        c->url = DEFAULT_URL;
    if (!c->user)
        c->user = env(prefix, "USER");
    if (!c->password)
        c->password = env(prefix, "PASSWORD");
}

int cli_conn_client(const struct cli_conn *c, struct avroreg_client **out)
{
    struct avroreg_client_config cfg = {.url = c->url,
                                        .username = c->user,
                                        .password = c->password,
                                        .ca_file = c->ca_file,
                                        .insecure_skip_verify = c->insecure};
    struct avroreg_error err = {0};
    if (avroreg_client_new(&cfg, out, &err)) {
        fprintf(stderr, "avroreg: %s\n", err.message);
        return CLI_USAGE;
    }
    return CLI_OK;
}

const char *cli_conn_display(const struct cli_conn *c)
{
    static char shown[512];
    const char *url = c->url ? c->url : "";
    const char *scheme = strstr(url, "://");
    const char *host = scheme ? scheme + 3 : url;
    const char *at = strchr(host, '@'), *slash = strchr(host, '/');
    if (at && (!slash || at < slash)) /* drop user:password@ */
        snprintf(shown, sizeof(shown), "%.*s%s", (int)(host - url), url, at + 1);
    else
        snprintf(shown, sizeof(shown), "%s", url);
    return shown;
}

void cli_conn_help(FILE *out, const char *url_flag, const char *prefix, const char *env_prefix)
{
    fprintf(out,
            "  --%s URL            the registry ($AVROREG_%s_URL)\n"
            "  --%suser U           basic auth user ($AVROREG_%s_USER)\n"
            "  --%spassword P       basic auth password ($AVROREG_%s_PASSWORD)\n"
            "  --%sca-file F        CA bundle to trust for https\n"
            "  --%sinsecure         do not verify the server's certificate (testing only)\n",
            url_flag, env_prefix, prefix, env_prefix, prefix, env_prefix, prefix, prefix);
}

bool cli_parse_concurrency(const char *arg, int *out)
{
    char *end = NULL;
    errno = 0;
    long n = strtol(arg, &end, 10);
    if (errno || !*arg || *end || n < 1 || n > 64)
        return false;
    *out = (int)n;
    return true;
}

double cli_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* ---- progress ------------------------------------------------------------------------ */

struct cli_progress {
    bool quiet, tty;
    bool active; /* a phase has been shown and not ended */
    enum avroreg_phase phase;
    size_t done, total;
    double started, shown; /* when the phase began, when it was last drawn */
};

static const char *phase_name(enum avroreg_phase phase)
{
    switch (phase) {
    case AVROREG_PHASE_EXPORT:
        return "read";
    case AVROREG_PHASE_IMPORT:
        return "write";
    case AVROREG_PHASE_VERIFY:
        return "verify";
    }
    return "?";
}

struct cli_progress *cli_progress_new(bool quiet)
{
    struct cli_progress *p = calloc(1, sizeof(*p));
    if (p) {
        p->quiet = quiet;
        p->tty = isatty(STDERR_FILENO);
    }
    return p;
}

static void draw(struct cli_progress *p, double now, bool final)
{
    double secs = now - p->started;
    double rate = secs > 0 ? (double)p->done / secs : 0;
    int pct = p->total ? (int)(100.0 * (double)p->done / (double)p->total) : 0;
    if (p->tty) {
        char bar[31];
        int filled = pct * 30 / 100;
        for (int i = 0; i < 30; i++)
            bar[i] = i < filled ? '#' : '.';
        bar[30] = '\0';
        fprintf(stderr, "\r%-6s [%s] %3d%% %zu/%zu  %.0f/s  %.1f s%s", phase_name(p->phase), bar,
                pct, p->done, p->total, rate, secs, final ? "\n" : "\033[K");
    } else {
        fprintf(stderr, "%s: %zu/%zu (%d%%), %.0f/s, %.1f s%s\n", phase_name(p->phase), p->done,
                p->total, pct, rate, secs, final && p->done == p->total ? ", done" : "");
    }
    fflush(stderr);
    p->shown = now;
}

void cli_progress_report(enum avroreg_phase phase, size_t done, size_t total, void *user)
{
    struct cli_progress *p = user;
    if (!p || p->quiet)
        return;
    double now = cli_now();
    if (!p->active || phase != p->phase) {
        if (p->active)
            draw(p, now, true);
        p->active = true;
        p->phase = phase;
        p->started = p->shown = now;
    }
    p->done = done;
    p->total = total;
    /* a terminal is redrawn ten times a second; a log gets a line every five */
    if (now - p->shown >= (p->tty ? 0.1 : 5.0))
        draw(p, now, false);
}

void cli_progress_end(struct cli_progress *p)
{
    if (p && !p->quiet && p->active)
        draw(p, cli_now(), true);
    if (p)
        p->active = false;
}

void cli_progress_free(struct cli_progress *p)
{
    free(p);
}

/* ---- reports ----------------------------------------------------------------------------- */

static void print_problems(char *const *items, size_t count, size_t omitted, bool verbose)
{
    size_t shown = verbose || count <= SHOWN_PROBLEMS ? count : SHOWN_PROBLEMS;
    for (size_t i = 0; i < shown; i++)
        fprintf(stderr, "  %s\n", items[i]);
    if (shown < count + omitted)
        fprintf(stderr, "  ... and %zu more%s\n", count + omitted - shown,
                verbose ? "" : " (--verbose shows up to 1000)");
}

int cli_import_outcome(const char *what, enum avroreg_err rc, const struct avroreg_error *err,
                       const struct avroreg_import_report *r, bool verbose)
{
    if (rc && rc != AVROREG_ERR_CONFLICT && !r->stopped)
        return cli_fail(what, err); /* it did not get as far as a plan */
    print_problems(r->problems, r->problem_count, r->problems_omitted, verbose);
    fprintf(stderr,
            "%s: %zu registered, %zu soft-deleted, %zu removed, %zu settings; %zu already there; "
            "%zu conflicts, %zu refused; %zu not done\n",
            what, r->registered, r->deleted, r->removed, r->settings, r->unchanged, r->conflicts,
            r->refused, r->not_done);
    if (r->stopped) {
        fprintf(stderr,
                "avroreg: %s stopped: %s\n"
                "  %zu planned changes were not made; the target's global mode is %s\n"
                "  run the same command again to resume: what the target already holds is "
                "skipped\n",
                what, err->message, r->not_done, r->final_mode);
        return CLI_USAGE;
    }
    if (rc == AVROREG_ERR_CONFLICT && r->not_done) {
        fprintf(stderr,
                "avroreg: %s refused: nothing was written (--skip-conflicts imports the rest)\n",
                what);
        return CLI_FAILED;
    }
    if (rc == AVROREG_ERR_CONFLICT) {
        fprintf(stderr, "avroreg: %s incomplete: %s; everything else is on the target\n", what,
                err->message);
        return CLI_FAILED;
    }
    if (rc)
        return cli_fail(what, err);
    return CLI_OK;
}

int cli_verify_outcome(enum avroreg_err rc, const struct avroreg_error *err,
                       const struct avroreg_verify_report *r, bool verbose)
{
    if (rc && rc != AVROREG_ERR_CONFLICT)
        return cli_fail("verify", err);
    print_problems(r->problems, r->problem_count, r->problems_omitted, verbose);
    fprintf(stderr, "verify: %zu of %zu ids and %zu of %zu subjects match%s\n", r->ids - r->ids_bad,
            r->ids, r->subjects - r->subjects_bad, r->subjects,
            r->settings_bad ? "; the global settings differ" : "");
    return rc ? CLI_FAILED : CLI_OK;
}

int cli_fail(const char *what, const struct avroreg_error *err)
{
    fprintf(stderr, "avroreg: %s: %s\n", what, err->message);
    return err->code == AVROREG_ERR_CONFLICT ? CLI_FAILED : CLI_USAGE;
}

static int to_file(const char *data, size_t len, void *f)
{
    return fwrite(data, 1, len, f) == len ? 0 : -1;
}

int cli_write_snapshot(const char *path, const struct avroreg_snapshot *snap)
{
    struct avroreg_error err = {0};
    if (!path || strcmp(path, "-") == 0) {
        if (avroreg_snapshot_write(snap, to_file, stdout, &err) || fflush(stdout) != 0) {
            fprintf(stderr, "avroreg: writing to stdout: %s\n",
                    err.code == AVROREG_ERR_NOMEM ? err.message : strerror(errno));
            return CLI_USAGE;
        }
        return CLI_OK;
    }
    char tmp[4096];
    snprintf(tmp, sizeof(tmp), "%s.tmp.%ld", path, (long)getpid());
    FILE *f = fopen(tmp, "wb");
    enum avroreg_err rc = f ? avroreg_snapshot_write(snap, to_file, f, &err) : AVROREG_ERR_IO;
    bool ok = !rc && fflush(f) == 0 && fsync(fileno(f)) == 0;
    int saved = errno;
    if (f && fclose(f) != 0 && ok) {
        ok = false;
        saved = errno;
    }
    if (ok && rename(tmp, path) != 0) {
        ok = false;
        saved = errno;
    }
    if (!ok) {
        unlink(tmp);
        fprintf(stderr, "avroreg: %s: %s\n", path,
                rc == AVROREG_ERR_NOMEM ? err.message : strerror(saved));
        return CLI_USAGE;
    }
    return CLI_OK;
}

void cli_fetch_note(const char *who, const struct avroreg_snapshot_stats *st)
{
    if (st->no_listing)
        fprintf(stderr, "%s: no GET /schemas listing: read subject by subject (%zu subjects)\n",
                who, st->one_by_one);
    else if (st->one_by_one)
        fprintf(stderr, "%s: %zu subjects not in GET /schemas: read subject by subject\n", who,
                st->one_by_one);
}
