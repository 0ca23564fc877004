#ifndef AUTHSTATS_CMALLOC_SHIM_H
#define AUTHSTATS_CMALLOC_SHIM_H
#if defined(__linux__)
#include <malloc.h>

/// glibc's mallopt(M_MMAP_THRESHOLD, bytes); M_MMAP_THRESHOLD is a macro.
static inline int cmalloc_set_mmap_threshold(int bytes) { return mallopt(M_MMAP_THRESHOLD, bytes); }
#else
static inline int cmalloc_set_mmap_threshold(int bytes) { (void)bytes; return 0; }
#endif
#endif
