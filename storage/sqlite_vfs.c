/*
 * sqlite_vfs.c - the default VFS with a write-ahead log's appends gathered
 * until its sync (sqlite_vfs.h).
 */
#include "storage/sqlite_vfs.h"

#include <pthread.h>
#include <sqlite3.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

/* The longest run of appends that waits; a longer write goes out at once. */
#define GATHER_MAX ((size_t)1 << 20)
/* The most one write of the run hands the default VFS. */
#define WRITE_MAX ((size_t)64 << 10)

#define VFS_NAME "avroreg-wal-gather"

/* SQLite allocates szOsFile bytes per open file: this header, then the
 * default VFS's own file behind it. */
struct gw_file {
    sqlite3_file base;
    sqlite3_file *real;
    bool wal;
    unsigned char *run; /* appends not yet written: run_len bytes at run_start */
    size_t run_len, run_cap;
    sqlite3_int64 run_start;
};

static sqlite3_vfs *default_vfs;
static sqlite3_vfs gather_vfs;
static pthread_once_t registered = PTHREAD_ONCE_INIT;
static bool usable;

static struct gw_file *as_gw(sqlite3_file *f)
{
    return (struct gw_file *)f;
}

/* Writes the waiting run out; SQLITE_OK when there was none. The unix VFS
 * writes at most 128 KiB - 1 bytes per call (it masks the length), so the run
 * goes in pieces of WRITE_MAX. */
static int write_run(struct gw_file *f)
{
    int rc = SQLITE_OK;
    for (size_t done = 0; rc == SQLITE_OK && done < f->run_len; done += WRITE_MAX) {
        size_t n = f->run_len - done < WRITE_MAX ? f->run_len - done : WRITE_MAX;
        rc = f->real->pMethods->xWrite(f->real, f->run + done, (int)n,
                                       f->run_start + (sqlite3_int64)done);
    }
    f->run_len = 0;
    return rc;
}

/* Room for need bytes in the run's buffer, grown by doubling up to GATHER_MAX. */
static bool reserve(struct gw_file *f, size_t need)
{
    if (need <= f->run_cap)
        return true;
    size_t cap = f->run_cap ? f->run_cap : WRITE_MAX;
    while (cap < need)
        cap *= 2;
    unsigned char *grown = realloc(f->run, cap);
    if (!grown)
        return false;
    f->run = grown;
    f->run_cap = cap;
    return true;
}

static int gw_close(sqlite3_file *file)
{
    struct gw_file *f = as_gw(file);
    int rc = write_run(f);
    int crc = f->real->pMethods->xClose(f->real);
    free(f->run);
    f->run = NULL;
    f->run_cap = 0;
    return rc != SQLITE_OK ? rc : crc;
}

static int gw_read(sqlite3_file *file, void *out, int amount, sqlite3_int64 offset)
{
    struct gw_file *f = as_gw(file);
    int rc = write_run(f);
    return rc != SQLITE_OK ? rc : f->real->pMethods->xRead(f->real, out, amount, offset);
}

static int gw_write(sqlite3_file *file, const void *data, int amount, sqlite3_int64 offset)
{
    struct gw_file *f = as_gw(file);
    size_t n = (size_t)amount;
    if (!f->wal)
        return f->real->pMethods->xWrite(f->real, data, amount, offset);
    bool follows = f->run_len > 0 && offset == f->run_start + (sqlite3_int64)f->run_len;
    if (!follows || f->run_len + n > GATHER_MAX) {
        int rc = write_run(f);
        if (rc != SQLITE_OK)
            return rc;
        f->run_start = offset;
    }
    if (f->run_len + n > GATHER_MAX || !reserve(f, f->run_len + n)) {
        int rc = write_run(f); /* too long, or no memory: as SQLite would write it */
        return rc != SQLITE_OK ? rc : f->real->pMethods->xWrite(f->real, data, amount, offset);
    }
    memcpy(f->run + f->run_len, data, n);
    f->run_len += n;
    return SQLITE_OK;
}

static int gw_truncate(sqlite3_file *file, sqlite3_int64 size)
{
    struct gw_file *f = as_gw(file);
    int rc = write_run(f);
    return rc != SQLITE_OK ? rc : f->real->pMethods->xTruncate(f->real, size);
}

static int gw_sync(sqlite3_file *file, int flags)
{
    struct gw_file *f = as_gw(file);
    int rc = write_run(f);
    return rc != SQLITE_OK ? rc : f->real->pMethods->xSync(f->real, flags);
}

static int gw_file_size(sqlite3_file *file, sqlite3_int64 *size)
{
    struct gw_file *f = as_gw(file);
    int rc = write_run(f);
    return rc != SQLITE_OK ? rc : f->real->pMethods->xFileSize(f->real, size);
}

static int gw_lock(sqlite3_file *file, int level)
{
    sqlite3_file *real = as_gw(file)->real;
    return real->pMethods->xLock(real, level);
}

static int gw_unlock(sqlite3_file *file, int level)
{
    sqlite3_file *real = as_gw(file)->real;
    return real->pMethods->xUnlock(real, level);
}

static int gw_check_reserved(sqlite3_file *file, int *out)
{
    sqlite3_file *real = as_gw(file)->real;
    return real->pMethods->xCheckReservedLock(real, out);
}

static int gw_file_control(sqlite3_file *file, int op, void *arg)
{
    struct gw_file *f = as_gw(file);
    /* Whatever the control does to the file, it does to what SQLite wrote. */
    int rc = write_run(f);
    return rc != SQLITE_OK ? rc : f->real->pMethods->xFileControl(f->real, op, arg);
}

static int gw_sector_size(sqlite3_file *file)
{
    sqlite3_file *real = as_gw(file)->real;
    return real->pMethods->xSectorSize(real);
}

static int gw_device_characteristics(sqlite3_file *file)
{
    sqlite3_file *real = as_gw(file)->real;
    return real->pMethods->xDeviceCharacteristics(real);
}

/* Shared memory (the wal-index) and memory mapping belong to the database
 * file; they pass through, where the default VFS has them. */
static int gw_shm_map(sqlite3_file *file, int page, int size, int extend, void volatile **out)
{
    sqlite3_file *real = as_gw(file)->real;
    if (real->pMethods->iVersion < 2 || !real->pMethods->xShmMap)
        return SQLITE_IOERR_SHMMAP;
    return real->pMethods->xShmMap(real, page, size, extend, out);
}

static int gw_shm_lock(sqlite3_file *file, int offset, int n, int flags)
{
    sqlite3_file *real = as_gw(file)->real;
    if (real->pMethods->iVersion < 2 || !real->pMethods->xShmLock)
        return SQLITE_IOERR_SHMLOCK;
    return real->pMethods->xShmLock(real, offset, n, flags);
}

static void gw_shm_barrier(sqlite3_file *file)
{
    sqlite3_file *real = as_gw(file)->real;
    if (real->pMethods->iVersion >= 2 && real->pMethods->xShmBarrier)
        real->pMethods->xShmBarrier(real);
}

static int gw_shm_unmap(sqlite3_file *file, int delete_flag)
{
    sqlite3_file *real = as_gw(file)->real;
    if (real->pMethods->iVersion < 2 || !real->pMethods->xShmUnmap)
        return SQLITE_OK;
    return real->pMethods->xShmUnmap(real, delete_flag);
}

static int gw_fetch(sqlite3_file *file, sqlite3_int64 offset, int amount, void **out)
{
    struct gw_file *f = as_gw(file);
    *out = NULL;
    int rc = write_run(f);
    if (rc != SQLITE_OK || f->real->pMethods->iVersion < 3 || !f->real->pMethods->xFetch)
        return rc; /* no mapping: SQLite reads instead */
    return f->real->pMethods->xFetch(f->real, offset, amount, out);
}

static int gw_unfetch(sqlite3_file *file, sqlite3_int64 offset, void *page)
{
    sqlite3_file *real = as_gw(file)->real;
    if (real->pMethods->iVersion < 3 || !real->pMethods->xUnfetch)
        return SQLITE_OK;
    return real->pMethods->xUnfetch(real, offset, page);
}

static const sqlite3_io_methods gather_methods = {
    .iVersion = 3,
    .xClose = gw_close,
    .xRead = gw_read,
    .xWrite = gw_write,
    .xTruncate = gw_truncate,
    .xSync = gw_sync,
    .xFileSize = gw_file_size,
    .xLock = gw_lock,
    .xUnlock = gw_unlock,
    .xCheckReservedLock = gw_check_reserved,
    .xFileControl = gw_file_control,
    .xSectorSize = gw_sector_size,
    .xDeviceCharacteristics = gw_device_characteristics,
    .xShmMap = gw_shm_map,
    .xShmLock = gw_shm_lock,
    .xShmBarrier = gw_shm_barrier,
    .xShmUnmap = gw_shm_unmap,
    .xFetch = gw_fetch,
    .xUnfetch = gw_unfetch,
};

static int gw_open(sqlite3_vfs *vfs, const char *name, sqlite3_file *file, int flags,
                   int *out_flags)
{
    (void)vfs;
    struct gw_file *f = as_gw(file);
    memset(f, 0, sizeof(*f));
    f->real = (sqlite3_file *)(f + 1);
    f->wal = (flags & SQLITE_OPEN_WAL) != 0;
    int rc = default_vfs->xOpen(default_vfs, name, f->real, flags, out_flags);
    /* SQLite closes a file whose methods are set, even when opening failed. */
    f->base.pMethods = f->real->pMethods ? &gather_methods : NULL;
    return rc;
}

static void register_vfs(void)
{
    default_vfs = sqlite3_vfs_find(NULL);
    if (!default_vfs)
        return;
    /* Everything but opening is the default VFS's own, on the same settings
     * (its functions read nothing of the VFS but mxPathname and pAppData). */
    gather_vfs = *default_vfs;
    gather_vfs.pNext = NULL;
    gather_vfs.zName = VFS_NAME;
    gather_vfs.szOsFile = (int)sizeof(struct gw_file) + default_vfs->szOsFile;
    gather_vfs.xOpen = gw_open;
    usable = sqlite3_vfs_register(&gather_vfs, 0) == SQLITE_OK;
}

const char *sq_vfs_name(void)
{
    pthread_once(&registered, register_vfs);
    return usable ? VFS_NAME : NULL;
}
