#ifndef AUTHSTATS_CISAL_SHIM_H
#define AUTHSTATS_CISAL_SHIM_H
#include <isa-l/igzip_lib.h>
#endif
