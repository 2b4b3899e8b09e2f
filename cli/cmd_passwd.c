/*
 * cmd_passwd.c - avroreg passwd: an authfile entry for a user, as
 * Karapace's karapace_mkpasswd prints one, with argon2id as the default
 * algorithm (common/pwhash.h).
 *
 * The password is read from stdin (its first line), or asked for twice
 * without echo when stdin is a terminal, never taken from the command line
 * where other users could see it in the process list.
 */
#include <getopt.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

#include "cli/cli.h"
#include "common/pwhash.h"

#define MAX_PASSWORD 1024

void help_passwd(void)
{
    printf("usage: avroreg passwd [--algorithm A] [--salt S] USER\n\n"
           "Prints the authfile entry (the registry's --auth-file, Karapace's format) for\n"
           "USER, with the password read from stdin (first line), or asked for twice when\n"
           "stdin is a terminal. Add the entry to \"users\" and give the user permissions:\n"
           "  {\"username\": \"USER\", \"operation\": \"Read\" or \"Write\",\n"
           "   \"resource\": \"Subject:orders-.*\" or \"Config:\"}\n\n"
           "  --algorithm A   argon2id (default, memory-hard), or Karapace's scrypt,\n"
           "                  sha512, sha256, sha1\n"
           "  --salt S        the salt for scrypt and sha*: default random (argon2id\n"
           "                  always draws its own)\n");
}

/* Reads one line of at most MAX_PASSWORD bytes into buf (no newline).
 * false at end of input or when the line is too long. */
static bool read_line(FILE *in, char *buf, size_t cap)
{
    if (!fgets(buf, (int)cap, in))
        return false;
    size_t n = strlen(buf);
    if (n && buf[n - 1] == '\n')
        buf[--n] = '\0';
    else if (!feof(in))
        return false; /* longer than the buffer */
    if (n && buf[n - 1] == '\r')
        buf[--n] = '\0';
    return true;
}

/* Asks on the terminal with echo off. */
static bool ask(const char *prompt, char *buf, size_t cap)
{
    struct termios old, quiet;
    fputs(prompt, stderr);
    fflush(stderr);
    bool restore = tcgetattr(STDIN_FILENO, &old) == 0;
    if (restore) {
        quiet = old;
        quiet.c_lflag &= ~(tcflag_t)ECHO;
        tcsetattr(STDIN_FILENO, TCSAFLUSH, &quiet);
    }
    bool ok = read_line(stdin, buf, cap);
    if (restore)
        tcsetattr(STDIN_FILENO, TCSAFLUSH, &old);
    fputc('\n', stderr);
    return ok;
}

static int read_password(char *pw, size_t cap)
{
    if (!isatty(STDIN_FILENO)) {
        if (!read_line(stdin, pw, cap)) {
            fprintf(stderr, "avroreg passwd: no password on stdin (or longer than %d bytes)\n",
                    MAX_PASSWORD);
            return CLI_USAGE;
        }
        return CLI_OK;
    }
    char again[MAX_PASSWORD + 2];
    bool ok = ask("Password: ", pw, cap) && ask("Again: ", again, sizeof again);
    bool same = ok && strcmp(pw, again) == 0;
    memset(again, 0, sizeof again);
    if (!same) {
        fprintf(stderr, "avroreg passwd: %s\n", ok ? "the passwords differ" : "no password");
        return CLI_USAGE;
    }
    return CLI_OK;
}

static int print_entry(const char *user, enum sr_pwhash_alg alg, const char *salt, const char *hash)
{
    json_t *doc = json_pack("{s:s,s:s,s:s,s:s}", "username", user, "algorithm",
                            sr_pwhash_alg_name(alg), "salt", salt, "password_hash", hash);
    char *text = doc ? json_dumps(doc, JSON_INDENT(4) | JSON_PRESERVE_ORDER) : NULL;
    json_decref(doc);
    if (!text) {
        fprintf(stderr, "avroreg passwd: out of memory, or USER is not valid UTF-8\n");
        return CLI_USAGE;
    }
    puts(text);
    free(text);
    return CLI_OK;
}

int cmd_passwd(int argc, char **argv)
{
    static const struct option opts[] = {{"algorithm", required_argument, NULL, 'a'},
                                         {"salt", required_argument, NULL, 's'},
                                         {NULL, 0, NULL, 0}};
    enum sr_pwhash_alg alg = SR_PWHASH_DEFAULT;
    const char *salt = NULL;
    int c;
    optind = 1;
    while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
        if (c == 'a' && sr_pwhash_alg_parse(optarg, &alg))
            continue;
        if (c == 's') {
            salt = optarg;
            continue;
        }
        return help_passwd(), CLI_USAGE;
    }
    if (argc - optind != 1 || !argv[optind][0])
        return help_passwd(), CLI_USAGE;
    if (!sr_pwhash_init()) {
        fprintf(stderr, "avroreg passwd: libsodium cannot start\n");
        return CLI_USAGE;
    }
    char pw[MAX_PASSWORD + 2];
    char *made_salt = NULL, *hash = NULL;
    struct sr_error err = {0};
    int rc = read_password(pw, sizeof pw);
    if (rc == CLI_OK &&
        sr_pwhash_make(alg, pw, strlen(pw), salt, &made_salt, &hash, &err) != SR_OK) {
        fprintf(stderr, "avroreg passwd: %s\n", err.message);
        rc = CLI_USAGE;
    }
    memset(pw, 0, sizeof pw);
    if (rc == CLI_OK)
        rc = print_entry(argv[optind], alg, made_salt, hash);
    free(made_salt);
    free(hash);
    return rc;
}
