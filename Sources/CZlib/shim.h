#ifndef MODELSERVE_CZLIB_SHIM_H
#define MODELSERVE_CZLIB_SHIM_H
#include <zlib.h>
#endif
