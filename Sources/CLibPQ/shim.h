#ifndef MODELSERVE_CLIBPQ_SHIM_H
#define MODELSERVE_CLIBPQ_SHIM_H
#include <libpq-fe.h>
#endif
