#ifndef MODELSERVE_CEPOLL_H
#define MODELSERVE_CEPOLL_H
// Glibc's Swift overlay does not export epoll, eventfd or sched_setattr; this module does,
// with the flag macros as functions Swift can call.
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <netinet/in.h>
#include <netinet/tcp.h>

static inline uint32_t cepoll_in(void) { return EPOLLIN; }
static inline uint32_t cepoll_out(void) { return EPOLLOUT; }
static inline uint32_t cepoll_err(void) { return EPOLLERR; }
static inline uint32_t cepoll_hup(void) { return EPOLLHUP; }
static inline uint32_t cepoll_rdhup(void) { return EPOLLRDHUP; }
static inline uint32_t cepoll_et(void) { return EPOLLET; }
static inline int cepoll_cloexec(void) { return EPOLL_CLOEXEC; }
static inline int cepoll_efd_nonblock(void) { return EFD_NONBLOCK | EFD_CLOEXEC; }
static inline int cepoll_sock_nonblock_cloexec(void) { return SOCK_NONBLOCK | SOCK_CLOEXEC; }
/// accept4 with SOCK_NONBLOCK | SOCK_CLOEXEC.
int cepoll_accept(int fd, struct sockaddr *address, socklen_t *length);
/// Asks the scheduler for a short time slice for the calling thread (Linux 6.12+ EEVDF:
/// shorter slices get earlier deadlines and preempt longer ones on wakeup; older kernels
/// accept and ignore it). Returns 0, or -1 with errno set (ENOSYS where the call is absent
/// or filtered).
int cepoll_request_slice(unsigned long long nanoseconds);
#endif
