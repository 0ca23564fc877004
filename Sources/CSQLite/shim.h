#ifndef AUTHSTATS_CSQLITE_SHIM_H
#define AUTHSTATS_CSQLITE_SHIM_H
#include <sqlite3.h>

/// SQLITE_TRANSIENT is a macro with a cast, which Swift cannot import: SQLite copies a value
/// bound with it before the bind call returns.
static inline sqlite3_destructor_type csqlite_transient(void) { return SQLITE_TRANSIENT; }
/// SQLITE_STATIC likewise: SQLite reads a value bound with it in place, until it is bound again
/// or the bindings are cleared.
static inline sqlite3_destructor_type csqlite_static(void) { return SQLITE_STATIC; }
#endif
