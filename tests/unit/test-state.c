/* test-state: the state dir lock and the early spec save (shared/state.c). */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "state.h"
#include "tap.h"

/* state_lock in a child: its errno (0 when it got the lock) */
static int lock_in_child(const char *dir, int timeout)
{
  int st;
  pid_t p = fork();
  if (p == 0) _exit(state_lock(dir, timeout) >= 0 ? 0 : errno);
  waitpid(p, &st, 0);
  return WEXITSTATUS(st);
}

int main(void)
{
  char tmpl[] = "/tmp/test-state.XXXXXX", dir[4200], buf[64];
  char *top = mkdtemp(tmpl);
  struct stat a, b;
  int fd, fd2;

  snprintf(dir, sizeof dir, "%s/c1", top);
  ok(state_lock(dir, 0) < 0 && errno == ENOENT, "no dir: ENOENT");
  mkdir(dir, 0711);
  fd = state_lock(dir, 0);
  ok(fd >= 0, "a free dir is locked");
  ok((fcntl(fd, F_GETFD) & FD_CLOEXEC) != 0, "the lock fd is close-on-exec");
  ok(lock_in_child(dir, 50) == ETIMEDOUT, "held elsewhere: ETIMEDOUT after the wait");
  close(fd);
  ok(lock_in_child(dir, 50) == 0, "let go: the other process gets it");

  /* the dir was removed and made anew while a locker waited: it locks the new one */
  fd = state_lock(dir, 0);
  rmdir(dir);
  mkdir(dir, 0711);
  fd2 = state_lock(dir, 0);
  ok(fd2 >= 0 && fstat(fd2, &a) == 0 && stat(dir, &b) == 0 && a.st_ino == b.st_ino,
     "a lock on a removed dir does not hold the new one at that path");
  close(fd);
  close(fd2);

  ok(state_save_spec(dir, "ocispec 1\nstate.id c1\n", 22) == 0, "save the spec");
  snprintf(buf, sizeof buf, "%s", "");
  {
    char path[4300];
    snprintf(path, sizeof path, "%s/spec", dir);
    int f = open(path, O_RDONLY);
    ssize_t n = f >= 0 ? read(f, buf, sizeof buf - 1) : -1;
    if (n >= 0) buf[n] = 0;
    if (f >= 0) close(f);
    ok(!strcmp(buf, "ocispec 1\nstate.id c1\n"), "it reads back whole");
    unlink(path);
  }
  ok(state_save_spec("/nonexistent/dir", "x", 1) < 0 && errno == ENOENT, "no dir: ENOENT");
  rmdir(dir);
  rmdir(top);
  return done();
}
