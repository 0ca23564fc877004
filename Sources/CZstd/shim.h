#ifndef AUTHSTATS_CZSTD_SHIM_H
#define AUTHSTATS_CZSTD_SHIM_H
#include <zstd.h>
#include <zstd_errors.h>
#endif
