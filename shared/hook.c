/* hook.c: fork, hand the state on stdin, exec the hook with exactly its
   own args and env, wait (killing it at its timeout). */
#include "hook.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "fd.h"
#include "stage.h"
#include "state.h"

int hook_any(const struct spec *sp, const char *kind)
{
  for (const struct rec *r = NULL; (r = spec_next(sp, "hook", r));)
    if (r->nf > 1 && !strcmp(r->f[1], kind)) return 1;
  return 0;
}

/* The child: default signals, the state on stdin, then exec. */
static __attribute__((noreturn)) void hook_exec(const struct rec *r, long long nargs, int in)
{
  char **argv = calloc((size_t)nargs + 1, sizeof *argv), **envp = calloc(r->nf, sizeof *envp);
  if (!argv || !envp) _exit(127);
  for (long long i = 0; i < nargs; i++) argv[i] = r->f[5 + i];
  for (unsigned i = 5 + (unsigned)nargs, k = 0; i < r->nf; i++) envp[k++] = r->f[i];
  if (!nargs) argv[0] = r->f[2];
  signals_reset();
  if (dup2(in, 0) < 0) _exit(127);
  /* stdio only, as runc's hooks get: no chain fd (the spec, the state dir's lock) outlives the runtime in a
     process the hook leaves behind */
  fd_close_range(3, ~0U);
  execve(r->f[2], argv, envp);
  _exit(errno == ENOENT ? 127 : 126);
}

static int wait_hook(pid_t pid, long long timeout, int *status)
{
  int pfd = (int)syscall(SYS_pidfd_open, pid, 0);
  if (timeout > 0 && pfd >= 0) {
    struct pollfd p = {.fd = pfd, .events = POLLIN};
    int r;
    do r = poll(&p, 1, (int)(timeout > 2000000 ? 2000000000 : timeout * 1000));
    while (r < 0 && errno == EINTR);
    if (r == 0) {
      kill(pid, SIGKILL);
      waitpid(pid, status, 0);
      close(pfd);
      return 1; /* timed out */
    }
  }
  if (pfd >= 0) close(pfd);
  while (waitpid(pid, status, 0) < 0)
    if (errno != EINTR) return -1;
  return 0;
}

int hook_run(const struct spec *sp, const char *kind, pid_t pid, const char *status, char *msg, size_t size)
{
  return hook_run_all(sp, kind, pid, status, msg, size, NULL);
}

int hook_run_all(const struct spec *sp, const char *kind, pid_t pid, const char *status, char *msg,
                 size_t size, void (*failed)(const char *msg))
{
  int rc = 0;
  char state[16384];
  size_t len = 0;
  int have = 0;

  for (const struct rec *r = NULL; (r = spec_next(sp, "hook", r));) {
    long long timeout, nargs;
    int p[2], st = 0, t;
    pid_t child;
    if (r->nf < 5 || strcmp(r->f[1], kind)) continue;
    timeout = stage_num(r->f[3], 1 << 30);
    nargs = stage_num(r->f[4], (long long)r->nf - 5);
    if (timeout < 0 || nargs < 0 || r->f[2][0] != '/') {
      snprintf(msg, size, "spec line %u: bad hook record", r->line);
      return -2;
    }
    if (!have) {
      len = state_json(sp, pid, status, state, sizeof state);
      have = 1;
    }
    /* the state goes through a pipe; it is small, so write it all first */
    if (pipe2(p, O_CLOEXEC) < 0) goto sys;
    if (write_all(p[1], state, len) < 0) {
      close(p[0]);
      close(p[1]);
      goto sys;
    }
    close(p[1]);
    child = fork();
    if (child < 0) {
      close(p[0]);
      goto sys;
    }
    if (child == 0) hook_exec(r, nargs, p[0]);
    close(p[0]);
    t = wait_hook(child, timeout, &st);
    if (t < 0) goto sys;
    if (t > 0)
      snprintf(msg, size, "hook %s %s: timed out after %llds", kind, r->f[2], timeout);
    else if (WIFSIGNALED(st))
      snprintf(msg, size, "hook %s %s: killed by signal %d", kind, r->f[2], WTERMSIG(st));
    else if (WEXITSTATUS(st))
      snprintf(msg, size, "hook %s %s: exit status %d", kind, r->f[2], WEXITSTATUS(st));
    else
      continue;
    goto failed;
  sys:
    snprintf(msg, size, "hook %s %s: %s", kind, r->f[2], strerror(errno));
  failed:
    rc = -1;
    if (!failed) return rc;
    failed(msg); /* poststart, poststop: warn and go on with the others */
  }
  return rc;
}
