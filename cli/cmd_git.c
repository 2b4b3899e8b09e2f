/*
 * cmd_git.c - avroreg check --git BASE: the CI gate. Every .avsc file that
 * changed since git revision BASE is checked against its version at BASE,
 * with no registry needed, so a CI job can fail a pull request whose schema
 * change would be refused.
 */
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cli/cli.h"
#include "common/buf.h"
#include "compat/compat.h"

extern char **environ;

/* Runs argv (no shell), capturing stdout. *status_out is the exit status
 * (-1 if it could not run). stderr goes to ours only when show_errors. */
static int run_capture(const char *const argv[], bool show_errors, struct sr_buf *out)
{
    int fds[2];
    if (pipe(fds) != 0)
        return -1;
    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_adddup2(&fa, fds[1], STDOUT_FILENO);
    posix_spawn_file_actions_addclose(&fa, fds[0]);
    if (!show_errors)
        posix_spawn_file_actions_addopen(&fa, STDERR_FILENO, "/dev/null", 0, 0);
    pid_t pid;
    /* posix_spawnp's argv is char *const[] for history's sake; it does not write to it. */
    int rc = posix_spawnp(&pid, argv[0], &fa, NULL, (char *const *)argv, environ);
    posix_spawn_file_actions_destroy(&fa);
    close(fds[1]);
    if (rc != 0) {
        close(fds[0]);
        return -1;
    }
    char chunk[65536];
    ssize_t n;
    while ((n = read(fds[0], chunk, sizeof(chunk))) > 0)
        sr_buf_add(out, chunk, (size_t)n);
    close(fds[0]);
    int status;
    if (waitpid(pid, &status, 0) < 0 || !WIFEXITED(status))
        return -1;
    return WEXITSTATUS(status);
}

/* The .avsc files that differ between base and the working tree (NUL-separated
 * from git), added or modified, within paths. */
static int changed_files(const char *base, char **paths, int path_count, struct sr_buf *out)
{
    const char **argv = calloc((size_t)path_count + 9, sizeof(*argv));
    if (!argv)
        return -1;
    int a = 0;
    const char *fixed[] = {"git", "diff", "--name-only", "-z", "--no-renames", "--diff-filter=AM",
                           base,  "--"};
    for (size_t i = 0; i < sizeof(fixed) / sizeof(fixed[0]); i++)
        argv[a++] = fixed[i];
    for (int i = 0; i < path_count; i++)
        argv[a++] = paths[i];
    int rc = run_capture(argv, true, out);
    free((void *)argv);
    return rc;
}

struct gate {
    const char *base;
    enum sr_compat_level level;
    const char *top; /* repository root */
    int checked, incompatible, invalid;
};

static struct sr_schema *parse_text(const char *text, size_t len, struct sr_error *err)
{
    struct sr_schema *s = NULL;
    sr_schema_parse(text, len, NULL, &s, err);
    return s;
}

/* The file's content at the base revision; false when it did not exist there. */
static bool base_version(const struct gate *g, const char *file, struct sr_buf *out)
{
    struct sr_buf spec = SR_BUF_INIT;
    sr_buf_addf(&spec, "%s:%s", g->base, file);
    const char *argv[] = {"git", "show", spec.data, NULL};
    int rc = run_capture(argv, false, out);
    sr_buf_release(&spec);
    return rc == 0;
}

static void report_messages(const struct sr_strlist *msgs)
{
    for (size_t i = 0; i < msgs->count; i++)
        printf("    %s\n", msgs->items[i]);
}

/* The dotted field path a JSON-pointer location points into, e.g.
 * "/fields/2/type/0" in a record whose third field is email -> "email". */
static void field_path(const struct sr_node *node, const char *location, struct sr_buf *out)
{
    const char *p = location;
    while (node && *p == '/') {
        p++;
        if (strncmp(p, "fields/", 7) == 0 && node->type == SR_RECORD) {
            size_t i = strtoul(p + 7, (char **)&p, 10);
            if (i >= node->field_count)
                return;
            sr_buf_addf(out, "%s%s", out->len ? "." : "", node->fields[i].name);
            node = node->fields[i].type;
            if (strncmp(p, "/type", 5) == 0)
                p += 5;
        } else if (strncmp(p, "items", 5) == 0 && node->type == SR_ARRAY) {
            sr_buf_adds(out, "[]");
            node = node->items;
            p += 5;
        } else if (strncmp(p, "values", 6) == 0 && node->type == SR_MAP) {
            sr_buf_adds(out, "{}");
            node = node->values;
            p += 6;
        } else if (node->type == SR_UNION && *p >= '0' && *p <= '9') {
            size_t i = strtoul(p, (char **)&p, 10);
            node = i < node->branch_count ? node->branches[i] : NULL;
        } else {
            return;
        }
    }
}

/* One plain line per incompatibility, naming the field, for people reading CI logs. */
static void report_fields(const struct sr_node *reader, const struct sr_node *writer,
                          const char *reader_is)
{
    struct sr_compat_result r = {0};
    if (sr_compat_check(reader, writer, &r, NULL))
        return;
    if (r.exception)
        printf("  - %s\n", r.exception);
    for (size_t i = 0; i < r.count; i++) {
        struct sr_buf path = SR_BUF_INIT;
        field_path(reader, r.items[i].location, &path);
        printf("  - %s%s: %s (%s, at %s in the %s schema)\n", path.len ? "field " : "",
               path.len ? sr_buf_str(&path) : "the schema", r.items[i].message,
               sr_incompat_type_name(r.items[i].type), r.items[i].location, reader_is);
        sr_buf_release(&path);
    }
    sr_compat_result_release(&r);
}

/* The directions a level checks against one previous version. */
static void report_by_field(enum sr_compat_level level, const struct sr_schema *now,
                            const struct sr_schema *then)
{
    bool backward =
        level != SR_LEVEL_NONE && level != SR_LEVEL_FORWARD && level != SR_LEVEL_FORWARD_TRANSITIVE;
    bool forward = level != SR_LEVEL_NONE && level != SR_LEVEL_BACKWARD &&
                   level != SR_LEVEL_BACKWARD_TRANSITIVE;
    if (forward)
        report_fields(sr_schema_root(then), sr_schema_root(now), "old");
    if (backward)
        report_fields(sr_schema_root(now), sr_schema_root(then), "new");
}

static int check_one(struct gate *g, const char *file)
{
    struct sr_buf path = SR_BUF_INIT, old = SR_BUF_INIT;
    sr_buf_addf(&path, "%s/%s", g->top, file);
    struct sr_error err = {0};
    char *text = NULL;
    size_t len = 0;
    int rc = CLI_OK;
    g->checked++;
    if (cli_read_file(path.data, &text, &len, &err)) {
        printf("%s: cannot read: %s\n", file, err.message);
        rc = CLI_USAGE;
        goto done;
    }
    struct sr_schema *now = parse_text(text, len, &err);
    if (!now) {
        printf("%s: INVALID: %s\n", file, err.message);
        g->invalid++;
        rc = CLI_FAILED;
        goto done;
    }
    struct sr_schema *then = NULL;
    if (!base_version(g, file, &old)) {
        printf("%s: new file, valid\n", file);
    } else if (!(then = parse_text(sr_buf_str(&old), old.len, &err))) {
        printf("%s: valid (its version at %s does not parse, so nothing to compare)\n", file,
               g->base);
    } else {
        struct sr_compat_prev prev = {then, 1};
        struct sr_strlist msgs = {0};
        bool ok = true;
        if (sr_compat_check_level(g->level, now, &prev, 1, &ok, &msgs, &err)) {
            printf("%s: %s\n", file, err.message);
            rc = CLI_USAGE;
        } else {
            printf("%s: %s with %s under %s\n", file, ok ? "compatible" : "INCOMPATIBLE", g->base,
                   sr_compat_level_name(g->level));
            if (!ok)
                report_by_field(g->level, now, then);
            report_messages(&msgs);
            if (!ok) {
                g->incompatible++;
                rc = CLI_FAILED;
            }
        }
        sr_strlist_release(&msgs);
    }
    sr_schema_free(then);
    sr_schema_free(now);
done:
    free(text);
    sr_buf_release(&path);
    sr_buf_release(&old);
    return rc;
}

static int repo_top(struct sr_buf *out)
{
    const char *argv[] = {"git", "rev-parse", "--show-toplevel", NULL};
    int rc = run_capture(argv, true, out);
    while (out->len && (out->data[out->len - 1] == '\n' || out->data[out->len - 1] == '\r'))
        out->data[--out->len] = '\0';
    return rc;
}

static bool revision_exists(const char *base)
{
    struct sr_buf spec = SR_BUF_INIT, out = SR_BUF_INIT;
    sr_buf_addf(&spec, "%s^{commit}", base);
    const char *argv[] = {"git", "rev-parse", "--verify", "--quiet", spec.data, NULL};
    int rc = run_capture(argv, false, &out);
    sr_buf_release(&spec);
    sr_buf_release(&out);
    return rc == 0;
}

int cli_check_git(const char *base, enum sr_compat_level level, char **paths, int path_count)
{
    struct sr_buf top = SR_BUF_INIT, files = SR_BUF_INIT;
    struct gate g = {.base = base, .level = level};
    int worst = CLI_OK;
    if (repo_top(&top) != 0 || !top.len) {
        fprintf(stderr, "avroreg: not inside a git repository\n");
        worst = CLI_USAGE;
    } else if (!revision_exists(base)) {
        fprintf(stderr, "avroreg: unknown git revision '%s'\n", base);
        worst = CLI_USAGE;
    } else if (changed_files(base, paths, path_count, &files) != 0) {
        fprintf(stderr, "avroreg: git diff against '%s' failed\n", base);
        worst = CLI_USAGE;
    }
    g.top = sr_buf_str(&top);
    bool ready = worst == CLI_OK;
    for (size_t at = 0; ready && at < files.len;) {
        const char *name = files.data + at;
        size_t n = strlen(name);
        at += n + 1;
        if (n < 5 || strcmp(name + n - 5, ".avsc") != 0)
            continue;
        int rc = check_one(&g, name);
        if (rc > worst)
            worst = rc;
    }
    if (worst != CLI_USAGE || g.checked)
        printf("%d schema file%s checked against %s: %d incompatible, %d invalid\n", g.checked,
               g.checked == 1 ? "" : "s", base, g.incompatible, g.invalid);
    sr_buf_release(&top);
    sr_buf_release(&files);
    return worst;
}
