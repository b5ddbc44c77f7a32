// accept4 needs _GNU_SOURCE, which a header shared with Swift cannot set reliably; a real
// C function compiled here can.
#define _GNU_SOURCE
#include <sys/socket.h>
#include "CEpoll.h"

int cepoll_accept(int fd, struct sockaddr *address, socklen_t *length) {
    return accept4(fd, address, length, SOCK_NONBLOCK | SOCK_CLOEXEC);
}
