#ifndef AUTHSTATS_CBZIP2_SHIM_H
#define AUTHSTATS_CBZIP2_SHIM_H
#include <bzlib.h>
#endif
