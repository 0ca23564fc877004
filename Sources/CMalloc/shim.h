#ifndef AUTHSTATS_CMALLOC_SHIM_H
#define AUTHSTATS_CMALLOC_SHIM_H
#if defined(__linux__)
#include <malloc.h>

/// glibc's mallopt(M_MMAP_THRESHOLD, bytes); M_MMAP_THRESHOLD is a macro.
static inline int cmalloc_set_mmap_threshold(int bytes) { return mallopt(M_MMAP_THRESHOLD, bytes); }
/// glibc's mallopt(M_TRIM_THRESHOLD, bytes): how much free memory the top of a heap keeps.
static inline int cmalloc_set_trim_threshold(int bytes) { return mallopt(M_TRIM_THRESHOLD, bytes); }
#else
static inline int cmalloc_set_mmap_threshold(int bytes) { (void)bytes; return 0; }
static inline int cmalloc_set_trim_threshold(int bytes) { (void)bytes; return 0; }
#endif
#endif
