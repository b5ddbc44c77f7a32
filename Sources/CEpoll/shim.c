// accept4 and syscall need _GNU_SOURCE, which a header shared with Swift cannot set
// reliably; real C functions compiled here can.
#define _GNU_SOURCE
#include <errno.h>
#include <stdint.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <unistd.h>
#include "CEpoll.h"

int cepoll_accept(int fd, struct sockaddr *address, socklen_t *length) {
    return accept4(fd, address, length, SOCK_NONBLOCK | SOCK_CLOEXEC);
}

// The kernel's struct sched_attr (uapi/linux/sched/types.h), first version: 48 bytes. glibc
// has no wrapper for sched_setattr before 2.41, hence the raw system call.
struct cepoll_sched_attr {
    uint32_t size;
    uint32_t sched_policy;
    uint64_t sched_flags;
    int32_t sched_nice;
    uint32_t sched_priority;
    uint64_t sched_runtime;
    uint64_t sched_deadline;
    uint64_t sched_period;
};

int cepoll_request_slice(unsigned long long nanoseconds) {
#ifdef SYS_sched_setattr
    struct cepoll_sched_attr attr;
    memset(&attr, 0, sizeof attr);
    attr.size = sizeof attr;
    attr.sched_policy = 0;  // SCHED_OTHER, the policy the thread already has
    errno = 0;
    int nice = getpriority(PRIO_PROCESS, 0);  // on Linux: the calling thread's
    if (nice == -1 && errno != 0) return -1;
    attr.sched_nice = nice;  // keep it: sched_setattr sets it too
    attr.sched_runtime = nanoseconds;
    return (int)syscall(SYS_sched_setattr, 0, &attr, 0);
#else
    (void)nanoseconds;
    errno = ENOSYS;
    return -1;
#endif
}
