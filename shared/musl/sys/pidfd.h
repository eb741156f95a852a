/* sys/pidfd.h for musl, which has no pidfd wrappers: the system calls themselves (glibc 2.36's names). */
#ifndef COMPAT_SYS_PIDFD_H
#define COMPAT_SYS_PIDFD_H

#include <signal.h>
#include <sys/syscall.h>
#include <sys/types.h>
#include <unistd.h>

#ifndef PIDFD_NONBLOCK
#define PIDFD_NONBLOCK 04000
#endif

static inline int pidfd_open(pid_t pid, unsigned int flags)
{
  return (int)syscall(SYS_pidfd_open, pid, flags);
}
static inline int pidfd_send_signal(int fd, int sig, siginfo_t *info, unsigned int flags)
{
  return (int)syscall(SYS_pidfd_send_signal, fd, sig, info, flags);
}
static inline int pidfd_getfd(int fd, int target, unsigned int flags)
{
  return (int)syscall(SYS_pidfd_getfd, fd, target, flags);
}

#endif
