/* oci-kill: send a signal to a container's first process. The pid comes
   from state.json and is trusted only while its start time still matches
   (a reused pid is never signalled); the signal goes through a pidfd.
   A lifecycle program, not a stage. See oci-kill(8). */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "cgres.h"
#include "die.h"
#include "fd.h"
#include "names.h"
#include "spec.h"
#include "stage.h"
#include "state.h"

#define USAGE "oci-kill [--root=DIR] [--all] ID [SIGNAL]"

/* --all: every process in the container's cgroups (the deepest dir of each
   hierarchy the chain created), as the saved spec records them. SIGKILL
   on cgroup v2 with cgroup.kill (5.14 on): the kernel kills them all at
   once, forks racing the signal included. */
static void kill_all(const struct spec *sp, int sig)
{
  struct cgres_hier h[64];
  size_t n = cgres_dirs(sp, h, sizeof h / sizeof *h);
  for (size_t i = 0; i < n; i++) {
    if (sig == SIGKILL && !strcmp(h[i].name, "unified")) {
      char *p = xasprintf("%s/cgroup.kill", h[i].dir);
      int done = file_write_at(AT_FDCWD, p, "1") == 0;
      free(p);
      if (done) continue;
    }
    cgroup_signal(h[i].dir, sig);
  }
}

int main(int argc, char **argv)
{
  static const struct option longopts[] = {
      {"root", required_argument, 0, 'r'}, {"all", no_argument, 0, 'a'}, {0, 0, 0, 0}};
  const char *root = "/run/runc", *id;
  int opt, sig = SIGTERM, pidfd, all = 0, thaw;
  struct cstate st;
  struct spec sp;

  stage_init("oci-kill");
  while ((opt = getopt_long(argc, argv, "+r:a", longopts, NULL)) != -1) switch (opt) {
      case 'r': root = optarg; break;
      case 'a': all = 1; break;
      default: die_usage(USAGE);
    }
  argv += optind;
  if (!argv[0] || (argv[1] && argv[2])) die_usage(USAGE);
  id = argv[0];
  if (argv[1] && (sig = signal_from_name(argv[1])) < 0) die(EXIT_BADINPUT, "unknown signal \"%s\"", argv[1]);
  xstate_load(root, id, &st);
  if (!st.pid) die(EXIT_BADINPUT, "container not running");
  pidfd = (int)syscall(SYS_pidfd_open, st.pid, 0);
  /* checked again with the pidfd held: a pid reused since is never signalled */
  {
    struct cstate again;
    if (pidfd < 0 || state_load(root, id, &again) < 0 || again.pid != st.pid)
      die(EXIT_BADINPUT, "container not running");
    state_free(&again);
  }
  thaw = sig == SIGKILL && !strcmp(st.status, "paused");
  if ((all || thaw) && state_spec(st.dir, &sp) < 0) die_sys(EXIT_SYSFAIL, "read %s/spec", st.dir);
  if (all) kill_all(&sp, sig);
  /* --all: the init got it through its cgroup and may be reaped already
     (pidfd_send_signal: ESRCH); every process got it: done */
  if (syscall(SYS_pidfd_send_signal, pidfd, sig, NULL, 0) < 0 && !(errno == ESRCH && all)) {
    if (errno == ESRCH) die(EXIT_BADINPUT, "container not running");
    die_sys(EXIT_SYSFAIL, "kill container %s", id);
  }
  /* a frozen task does not die of SIGKILL until thawed: thaw it after
     signalling, as runc does, so that it can die (and be deleted) */
  if (thaw && cgres_thaw(&sp) < 0) die_sys(EXIT_SYSFAIL, "thaw container %s", id);
  return 0;
}
