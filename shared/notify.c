#include "notify.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "die.h"
#include "state.h"

/* The message: the process state around the container's state. NULL when it does not fit. */
static char *process_state(const struct spec *sp, pid_t pid, pid_t cpid, const char *status)
{
  const char *meta = spec_get(sp, "seccomp.listenermeta");
  size_t size = 65536, n;
  char *b = malloc(size), *st = malloc(size / 2);
  if (!b || !st) {
    free(b);
    free(st);
    return NULL;
  }
  if (!meta) meta = "";
  if (!state_json(sp, cpid, status, st, size / 2) || strlen(meta) * 6 + 1 > size / 4) {
    free(b);
    free(st);
    return NULL;
  }
  n = (size_t)snprintf(
      b, size, "{\"ociVersion\":\"1.2.0\",\"fds\":[\"seccompFd\"],\"pid\":%d,\"metadata\":\"", (int)pid);
  n += json_escape_str(b + n, size - n, meta);
  snprintf(b + n, size - n, "\",\"state\":%s}", st);
  free(st);
  return b;
}

static int fail(char *err, size_t size, const char *path, const char *what)
{
  snprintf(err, size, "seccomp listener %s: %s: %s", path, what, strerror(errno));
  return -1;
}

int notify_send(const struct spec *sp, pid_t pid, pid_t cpid, const char *status, int fd, char *err,
                size_t size)
{
  const char *path = spec_get(sp, "seccomp.listener");
  struct sockaddr_un sa = {.sun_family = AF_UNIX};
  char cbuf[CMSG_SPACE(sizeof(int))] = {0}, *msg;
  struct iovec iov;
  struct msghdr mh = {.msg_iov = &iov, .msg_iovlen = 1, .msg_control = cbuf, .msg_controllen = sizeof cbuf};
  struct cmsghdr *cm = CMSG_FIRSTHDR(&mh);
  int s, rc;

  if (!path) {
    errno = EINVAL;
    return fail(err, size, "(none)", "no seccomp.listener record");
  }
  /* a longer path would be cut, and connect to another socket */
  if (strlen(path) >= sizeof sa.sun_path) {
    errno = ENAMETOOLONG;
    return fail(err, size, path, "connect");
  }
  strcpy(sa.sun_path, path);
  if (!(msg = process_state(sp, pid, cpid, status))) {
    errno = ENOMEM;
    return fail(err, size, path, "state");
  }
  iov = (struct iovec){msg, strlen(msg)};
  cm->cmsg_level = SOL_SOCKET;
  cm->cmsg_type = SCM_RIGHTS;
  cm->cmsg_len = CMSG_LEN(sizeof(int));
  memcpy(CMSG_DATA(cm), &fd, sizeof fd);
  if ((s = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0)) < 0) {
    free(msg);
    return fail(err, size, path, "socket");
  }
  if (connect(s, (struct sockaddr *)&sa, sizeof sa) < 0)
    rc = fail(err, size, path, "connect");
  else if (sendmsg(s, &mh, MSG_NOSIGNAL) != (ssize_t)iov.iov_len)
    rc = fail(err, size, path, "send");
  else
    rc = 0;
  close(s);
  free(msg);
  return rc;
}
