/* test-state: the state dir lock and the early spec save (shared/state.c). */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
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

  /* state.json's created: RFC 3339 UTC made by hand (no /etc/localtime), as gmtime_r and strftime say */
  {
    char text[4400], path[4300], js[8192] = "", want[64], *c;
    struct spec sp;
    struct tm tm;
    time_t t0 = time(NULL), t1;
    int f, n;
    snprintf(text, sizeof text, "ocispec 1\nstate.dir %s\nstate.id c1\n", dir);
    {
      int p2[2];
      ok(pipe(p2) == 0 && write(p2[1], text, strlen(text)) == (ssize_t)strlen(text), "spec text");
      close(p2[1]);
      ok(spec_read(p2[0], &sp, &(unsigned){0}) == 0, "spec parsed");
      close(p2[0]);
    }
    ok(state_write(&sp, getpid(), "running") == 0, "state written");
    t1 = time(NULL);
    snprintf(path, sizeof path, "%s/state.json", dir);
    f = open(path, O_RDONLY);
    n = f >= 0 ? (int)read(f, js, sizeof js - 1) : -1;
    if (f >= 0) close(f);
    c = n > 0 ? strstr(js, "\"created\":\"") : NULL;
    ok(c != NULL, "created is there");
    int same = 0;
    for (time_t t = t0; c && t <= t1; t++) {
      gmtime_r(&t, &tm);
      strftime(want, sizeof want, "%Y-%m-%dT%H:%M:%S.", &tm);
      same |= !strncmp(c + 11, want, strlen(want)) && strlen(c + 11) > strlen(want) + 10 &&
              c[11 + strlen(want) + 9] == 'Z' && c[11 + strlen(want) + 10] == '"';
    }
    ok(same, "created is UTC with nanoseconds, as gmtime_r and strftime give it");

    /* a live init: the status from one /proc/PID/stat read; the spec read for the freezer is handed over */
    {
      struct cstate st;
      struct spec again;
      ok(state_load(top, "c1", &st) == 0 && st.pid == getpid() && !strcmp(st.status, "running"),
         "our own pid: running");
      ok(st.spec != NULL, "the spec read for the freezer is kept");
      ok(state_spec_of(&st, &again) == 0 && st.spec == NULL && !strcmp(spec_get(&again, "state.id"), "c1"),
         "and handed over");
      spec_free(&again);
      ok(state_spec_of(&st, &again) == 0 && !strcmp(spec_get(&again, "state.id"), "c1"),
         "read again when not kept");
      spec_free(&again);
      state_free(&st);
    }
    spec_free(&sp);
    unlink(path);
    snprintf(path, sizeof path, "%s/spec", dir);
    unlink(path);
  }
  rmdir(dir);
  rmdir(top);
  return done();
}
