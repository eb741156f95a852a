#include "stage.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "chain.h"
#include "die.h"

static const struct spec *armed;

void stage_init(const char *name)
{
  extern int opterr;
  const char *fail = getenv("OCI_FAIL_STATUS");
  debug_clock_start();
  prog = name;
  opterr = 0;
  atexit(debug_done);
  if (fail) { /* bin/runc execs a lifecycle program with 1 here, as runc's status of every failure */
    long long st = stage_num(fail, 255);
    if (st > 0) die_set_exit((int)st);
    unsetenv("OCI_FAIL_STATUS"); /* not for hooks or ps */
  }
  prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);
}

long long stage_num(const char *s, long long max)
{
  char *end;
  long long v;
  if (!s || *s < '0' || *s > '9') return -1;
  errno = 0;
  v = strtoll(s, &end, 10);
  if (*end || errno || v > max) return -1;
  return v;
}

int stage_fdnum(const char *s) { return (int)stage_num(s, 1 << 20); }

void stage_teardown(const struct spec *sp, int status)
{
  char st[32];
  char *argv[] = {"oci-delete", "--force", st, NULL};
  snprintf(st, sizeof st, "--exit=%d", status);
  chain_try(sp, argv);
}

/* die()'s hook: oci-delete missing leaves nothing else to do but exit */
static void teardown(int status) { stage_teardown(armed, status); }

void stage_config(const struct spec *sp)
{
  const char *s;
  int fd;
  long long st;

  if ((s = spec_get(sp, "fd.log")) && (fd = stage_fdnum(s)) >= 0) {
    const char *fmt = spec_get(sp, "log.format");
    const char *lvl = spec_get(sp, "log.level");
    die_set_log(fd, fmt && !strcmp(fmt, "json"), lvl && !strcmp(lvl, "debug"));
    debug("start"); /* with --debug the log is a timeline of the chain */
  }
  if (spec_get_int(sp, "exit.setup", -1, &st) == 0 && st >= 0 && st < 256) die_set_exit((int)st);
  if ((s = spec_get(sp, "ns.sync")) && (fd = stage_fdnum(s)) >= 0) {
    die_set_report(fd); /* inside: the monitor tears down */
    die_set_teardown(NULL);
  } else if (spec_get(sp, "state.dir") || ((s = spec_get(sp, "run.mode")) && strcmp(s, "exec"))) {
    /* a state dir, or a chain of oci-parse's composed by hand without one (run.mode run or create):
       oci-delete removes what exists (cgroup.dir ... new records, published before the mkdir) */
    armed = sp;
    die_set_teardown(teardown);
  }
}

void stage_read(struct spec *sp)
{
  unsigned line;
  int fd = spec_fd();
  if (spec_read(fd, sp, &line) < 0) {
    if (errno == EINVAL) die(EXIT_BADINPUT, "spec line %u: malformed spec on fd %d", line, fd);
    die_sys(EXIT_SYSFAIL, "read spec from fd %d", fd);
  }
  stage_config(sp);
}

/* The kernel's struct for rt_sigaction(2). glibc refuses to touch the two
   signals it reserves (32 and 33), but an ignored one is inherited across
   execve like any other (GNU make leaves them ignored), so go to the
   kernel directly. */
struct ksigaction {
  void (*handler)(int);
  unsigned long flags;
  void (*restorer)(void);
  unsigned long mask;
};

int signals_reset(void)
{
  struct ksigaction dfl = {.handler = SIG_DFL};
  sigset_t none;
  for (int sig = 1; sig <= 64; sig++)
    if (sig != SIGKILL && sig != SIGSTOP) syscall(SYS_rt_sigaction, sig, &dfl, NULL, sizeof dfl.mask);
  sigemptyset(&none);
  return sigprocmask(SIG_SETMASK, &none, NULL);
}
