#ifndef AUTHSTATS_CARCHIVE_SHIM_H
#define AUTHSTATS_CARCHIVE_SHIM_H
#include <archive.h>
#include <archive_entry.h>
#endif
