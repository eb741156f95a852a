/* oci-start: start a created container. Its init blocks reading
   ROOT/ID/exec.fifo; one byte written there lets it go on to the
   container's program. Then the poststart hooks run. A lifecycle program,
   not a stage. See oci-start(8). */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <poll.h>
#include <sys/ioctl.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "die.h"
#include "fd.h"
#include "hook.h"
#include "spec.h"
#include "stage.h"
#include "state.h"

#define USAGE "oci-start [--root=DIR] ID"

/* The program was executed; before the poststart hooks, let it take its first steps: wait until it first
   sleeps, stops or exits (it leaves the R and D states), at most 100 ms. A hook then sees a program that
   started, not one still being loaded (the runtime-tools poststart test has both append to one file). */
static void settle(pid_t pid)
{
  unsigned long long start = state_starttime(pid);
  for (int ms = 0; start && ms < 100; ms++) {
    char path[64], buf[512], *p;
    struct timespec t = {0, 1000000L};
    snprintf(path, sizeof path, "/proc/%d/stat", (int)pid);
    if (file_read_at(AT_FDCWD, path, buf, sizeof buf) <= 0 || !(p = strrchr(buf, ')')) || !p[1] ||
        (p[2] != 'R' && p[2] != 'D') || state_starttime(pid) != start)
      return;
    nanosleep(&t, NULL);
  }
}

int main(int argc, char **argv)
{
  static const struct option longopts[] = {{"root", required_argument, 0, 'r'}, {0, 0, 0, 0}};
  const char *root = "/run/runc";
  char path[4200], msg[1100];
  struct cstate st;
  struct spec sp;
  int opt, fd, rfd;

  stage_init("oci-start");
  while ((opt = getopt_long(argc, argv, "+r:", longopts, NULL)) != -1) switch (opt) {
      case 'r': root = optarg; break;
      default: die_usage(USAGE);
    }
  argv += optind;
  if (!argv[0] || argv[1]) die_usage(USAGE);
  /* one operation at a time (DESIGN.md 6): a create in progress holds the lock until its state is written,
     a concurrent start until its container runs; the status is read under the lock */
  xstate_lock(root, argv[0], 0);
  xstate_load(root, argv[0], &st);
  if (!strcmp(st.status, "stopped")) die(EXIT_BADINPUT, "cannot start a container that has stopped");
  if (!strcmp(st.status, "paused")) die(EXIT_BADINPUT, "cannot start a container in the paused state");
  if (strcmp(st.status, "created")) die(EXIT_BADINPUT, "cannot start an already running container");
  snprintf(path, sizeof path, "%s/exec.fifo", st.dir);
  /* The init holds the fifo open read-write and blocks reading it. We open
     a read end first (never blocks), then a write end (never blocks, a
     reader exists), write the byte and close the write end: the read end
     then sees POLLHUP once the last writer is gone, which is the init's
     close-on-exec fd at its execve. So start returns, and poststart runs,
     only after the container's program was executed. */
  if ((rfd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC)) < 0 ||
      (fd = open(path, O_WRONLY | O_NONBLOCK | O_CLOEXEC)) < 0) {
    if (errno == ENXIO || errno == ENOENT) die(EXIT_BADINPUT, "cannot start a container that has stopped");
    die_sys(EXIT_SYSFAIL, "open %s", path);
  }
  if (write(fd, "0", 1) != 1) die_sys(EXIT_SYSFAIL, "write %s", path);
  close(fd);
  if (unlink(path) < 0 && errno != ENOENT) die_sys(EXIT_SYSFAIL, "remove %s", path);
  {
    struct pollfd p = {.fd = rfd, .events = 0};
    int n;
    do n = poll(&p, 1, 30000);
    while (n < 0 && errno == EINTR);
    if (n == 0) die(EXIT_SYSFAIL, "start: the container's process did not start within 30s");
    if (ioctl(rfd, FIONREAD, &n) == 0 && n > 0)
      die(EXIT_SYSFAIL, "start: the container's process died before it started");
    close(rfd);
  }

  /* poststart: a failure is a warning (runtime-spec) */
  if (state_spec_of(&st, &sp) == 0) {
    if (hook_any(&sp, "poststart")) settle(st.pid);
    hook_run_all(&sp, "poststart", st.pid, "running", msg, sizeof msg, warn_line);
    spec_free(&sp);
  }
  state_free(&st);
  return 0;
}
