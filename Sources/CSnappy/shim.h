#ifndef MODELSERVE_CSNAPPY_SHIM_H
#define MODELSERVE_CSNAPPY_SHIM_H
#include <snappy-c.h>
#endif
