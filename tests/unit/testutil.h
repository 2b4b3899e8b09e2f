/*
 * testutil.h - the temporary-directory fixture the unit tests share.
 *
 * tu_tempdir() makes a fresh, private directory /tmp/<prefix>XXXXXX for a test
 * (a database file and its -wal/-shm companions, a server's files) and
 * tu_tempdir_remove() deletes it with the files in it. The tests create no
 * subdirectories, so one level is all the removal walks.
 */
#ifndef SR_TESTS_TESTUTIL_H
#define SR_TESTS_TESTUTIL_H

#include <dirent.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* Makes /tmp/<prefix>XXXXXX into dir (cap bytes) and returns dir; NULL if it
 * does not fit or cannot be made. */
static inline char *tu_tempdir(char *dir, size_t cap, const char *prefix)
{
    int n = snprintf(dir, cap, "/tmp/%sXXXXXX", prefix);
    if (n < 0 || (size_t)n >= cap)
        return NULL;
    return mkdtemp(dir);
}

/* Removes dir and the files directly in it; a missing dir is no error. */
static inline void tu_tempdir_remove(const char *dir)
{
    DIR *d = opendir(dir);
    if (!d)
        return;
    const struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
            continue;
        char path[512];
        snprintf(path, sizeof(path), "%s/%s", dir, e->d_name);
        unlink(path);
    }
    closedir(d);
    rmdir(dir);
}

#endif
