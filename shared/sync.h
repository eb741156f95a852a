/* sync.h: the channel between the chain inside the container and the
   monitor (oci-ns's parent): a SOCK_SEQPACKET socketpair, one message per
   send, text verbs, an fd passed with SCM_RIGHTS where a verb carries one.

   inside -> monitor
     "error LINE"        a stage failed; LINE is its message (already on fd 2)
     "pty"  + fd         the pty master (process.terminal)
     "hook NAME"         run the NAME hooks (prestart, createRuntime) now
     "ready"             oci-exec waits for start (create mode)
     "seccomp" + fd      a seccomp notify listener for the agent (notify.h)
     "restored PID"      criu restored the init PID (run.mode restore: oci-criu)
   monitor -> inside
     "go"                uid/gid maps written, go on
     "ok" / "fail LINE"  answer to "hook" and "seccomp"
   EOF with no message: oci-exec's final execve closed the socket, so the
   container's process runs. */
#ifndef SYNC_H
#define SYNC_H

#include <sys/types.h>

int sync_send(int fd, const char *msg, int passfd);
/* Receive one message into buf (NUL-terminated). Returns its length, 0 on
   EOF, -1 on error. *passfd gets a received fd (CLOEXEC) or -1. */
ssize_t sync_recv(int fd, char *buf, size_t size, int *passfd);

#endif
