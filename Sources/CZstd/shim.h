#ifndef AUTHSTATS_CZSTD_SHIM_H
#define AUTHSTATS_CZSTD_SHIM_H
#include <zstd.h>
#endif
