#ifndef AUTHSTATS_CSQLITE_SHIM_H
#define AUTHSTATS_CSQLITE_SHIM_H
#include <sqlite3.h>

/// SQLITE_TRANSIENT is a macro with a cast, which Swift cannot import: SQLite copies a value
/// bound with it before the bind call returns.
static inline sqlite3_destructor_type csqlite_transient(void) { return SQLITE_TRANSIENT; }
/// SQLITE_STATIC likewise: SQLite reads a value bound with it in place, until it is bound again
/// or the bindings are cleared.
static inline sqlite3_destructor_type csqlite_static(void) { return SQLITE_STATIC; }

#if defined(__linux__)
#include <sys/types.h>
/// fcntl.h declares it only with _GNU_SOURCE, which Swift's Glibc module is not built with.
int sync_file_range(int fd, off_t offset, off_t nbytes, unsigned int flags);
/// Starts writing the file's dirty pages to the device without waiting for them
/// (`SYNC_FILE_RANGE_WRITE`, 2): a later fsync then waits only for what was written since.
static inline int csqlite_start_writeback(int fd) { return sync_file_range(fd, 0, 0, 2); }
#else
static inline int csqlite_start_writeback(int fd) { (void)fd; return -1; }
#endif
#endif
