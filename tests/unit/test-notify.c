/* test-notify: the seccomp listener hand-over (shared/notify.c): the
   process state and the fd, in one message, to the agent's socket. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "notify.h"
#include "tap.h"

static int parse(const char *text, struct spec *sp)
{
  char *t = strdup(text);
  unsigned line;
  return spec_parse(t, strlen(t), sp, &line);
}

/* what the agent gets: the message into buf, the fd passed (or -1) */
static int agent_take(int lfd, char *buf, size_t size)
{
  char cbuf[CMSG_SPACE(sizeof(int))];
  struct iovec iov = {buf, size - 1};
  struct msghdr mh = {.msg_iov = &iov, .msg_iovlen = 1, .msg_control = cbuf, .msg_controllen = sizeof cbuf};
  struct cmsghdr *cm;
  int c = accept(lfd, NULL, NULL), fd = -1;
  ssize_t n = c < 0 ? -1 : recvmsg(c, &mh, 0);
  buf[n > 0 ? n : 0] = 0;
  for (cm = n > 0 ? CMSG_FIRSTHDR(&mh) : NULL; cm; cm = CMSG_NXTHDR(&mh, cm))
    if (cm->cmsg_type == SCM_RIGHTS) memcpy(&fd, CMSG_DATA(cm), sizeof fd);
  if (c >= 0) close(c);
  return fd;
}

int main(void)
{
  char tmpl[] = "/tmp/test-notify.XXXXXX", text[8192], msg[65536], err[1024];
  char *top = mkdtemp(tmpl);
  struct sockaddr_un sa = {.sun_family = AF_UNIX};
  struct spec sp;
  struct stat a, b;
  int lfd, pass, got;

  snprintf(sa.sun_path, sizeof sa.sun_path, "%s/agent.sock", top);
  lfd = socket(AF_UNIX, SOCK_STREAM, 0);
  ok(lfd >= 0 && bind(lfd, (struct sockaddr *)&sa, sizeof sa) == 0 && listen(lfd, 1) == 0,
     "the agent listens");

  snprintf(text, sizeof text,
           "ocispec 1\nstate.id c1\nstate.bundle /b\nannotation k v\nseccomp.listener %s\n"
           "seccomp.listenermeta a\\040\"q\"\n",
           sa.sun_path);
  ok(parse(text, &sp) == 0, "a spec with a listener");
  pass = open("/dev/null", O_RDONLY);
  ok(notify_send(&sp, 42, 7, "creating", pass, err, sizeof err) == 0, "sent");
  got = agent_take(lfd, msg, sizeof msg);
  ok(got >= 0 && fstat(got, &a) == 0 && fstat(pass, &b) == 0 && a.st_ino == b.st_ino && a.st_dev == b.st_dev,
     "the fd arrives with the message");
  ok(!strncmp(msg,
              "{\"ociVersion\":\"1.2.0\",\"fds\":[\"seccompFd\"],\"pid\":42,\"metadata\":\"a \\\"q\\\"\",",
              72),
     "version, fds, pid, metadata escaped");
  ok(strstr(msg, "\"state\":{") && strstr(msg, "\"id\":\"c1\"") && strstr(msg, "\"status\":\"creating\"") &&
         strstr(msg, "\"pid\":7,") && strstr(msg, "\"bundle\":\"/b\"") &&
         strstr(msg, "\"annotations\":{\"k\":\"v\"}"),
     "the container's state");
  ok(msg[strlen(msg) - 1] == '}' && msg[strlen(msg) - 2] == '}', "one object");
  spec_free(&sp);
  close(got);

  /* nobody listening: the path and the reason */
  unlink(sa.sun_path);
  ok(parse(text, &sp) == 0, "the same spec");
  ok(notify_send(&sp, 42, 7, "running", pass, err, sizeof err) < 0 && strstr(err, sa.sun_path) &&
         strstr(err, "connect: No such file or directory"),
     "no agent: the error names the socket");
  spec_free(&sp);

  /* a path longer than sun_path would be cut: refused, never another socket */
  snprintf(text, sizeof text, "ocispec 1\nseccomp.listener /%0120d\n", 0);
  ok(parse(text, &sp) == 0 && notify_send(&sp, 1, 1, "creating", pass, err, sizeof err) < 0 &&
         strstr(err, "File name too long"),
     "a path too long is refused");
  spec_free(&sp);

  close(pass);
  close(lfd);
  rmdir(top);
  return done();
}
