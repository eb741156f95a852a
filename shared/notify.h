/* notify.h: a seccomp notify listener fd handed to the agent, as runc
   does. The container's process loads its filter with
   SECCOMP_FILTER_FLAG_NEW_LISTENER and sends the fd to the monitor on the
   sync channel ("seccomp" + fd, sync.h); the monitor, on the host's side
   (the container cannot reach a host socket after its root switch),
   connects to seccomp.listener (listenerPath) and sends the process state
   JSON with the fd as SCM_RIGHTS in one message:
     {"ociVersion":"1.2.0","fds":["seccompFd"],"pid":PID,
      "metadata":META,"state":STATE}
   STATE is the container's OCI state (state_json). */
#ifndef NOTIFY_H
#define NOTIFY_H

#include <stddef.h>
#include <sys/types.h>

#include "spec.h"

/* Send fd and the state of process pid (cpid and status are the
   container's) to the agent named by the spec. 0, or -1 with err set
   ("seccomp listener PATH: connect: No such file or directory"). */
int notify_send(const struct spec *sp, pid_t pid, pid_t cpid, const char *status, int fd, char *err,
                size_t size);

#endif
