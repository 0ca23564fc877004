#ifndef AUTHSTATS_CZLIB_SHIM_H
#define AUTHSTATS_CZLIB_SHIM_H
#include <zlib.h>

/// deflateInit2 is a macro, which Swift cannot import.
static inline int czlib_deflateInit2(z_streamp strm, int level, int windowBits, int memLevel) {
    return deflateInit2(strm, level, Z_DEFLATED, windowBits, memLevel, Z_DEFAULT_STRATEGY);
}
/// inflateInit2 is a macro too.
static inline int czlib_inflateInit2(z_streamp strm, int windowBits) {
    return inflateInit2(strm, windowBits);
}
#endif
