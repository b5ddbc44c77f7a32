// CEpoll is header-only; a C target needs one source file.
#include "CEpoll.h"
