#ifndef MODELSERVE_CZSTD_SHIM_H
#define MODELSERVE_CZSTD_SHIM_H
#include <zstd.h>
#endif
