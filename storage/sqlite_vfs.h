/*
 * sqlite_vfs.h - the SQLite VFS the store opens its databases with: the
 * platform's default VFS, except that a write-ahead log's appends are
 * gathered and written with one call when SQLite syncs the log.
 *
 * SQLite writes every frame of a commit to the WAL with two pwrite() calls
 * (the frame header, then the page), then fdatasync(); a registration's
 * commit writes about ten pages, a group commit of several many more, and
 * on a virtual machine each system call is dear. Here a run of contiguous
 * appends waits in memory (up to 1 MiB) and goes out in 64 KiB pwrite()s just
 * before the sync, so what reaches the disk, and when it is durable, is
 * exactly as before: sync still returns only once every frame is on disk.
 * Anything that could observe the file first (a read, its size, a
 * truncation, a non-contiguous write, closing it) writes the run out
 * before it goes ahead, so SQLite never sees the file differ from what it
 * wrote. Readers on other connections find new frames through the
 * wal-index, which SQLite updates only after the sync: they read nothing
 * that is still waiting.
 *
 * Contract: the store sets synchronous=FULL (sqlite.c), so every commit
 * syncs the log. Files other than write-ahead logs pass straight through.
 */
#ifndef SR_STORAGE_SQLITE_VFS_H
#define SR_STORAGE_SQLITE_VFS_H

/* The VFS's name for sqlite3_open_v2(), registered on first use (thread
 * safe); NULL when it could not be registered (then the default serves). */
const char *sq_vfs_name(void);

#endif
