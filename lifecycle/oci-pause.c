/* oci-pause: freeze a running container's cgroups (runc pause), or thaw a
   paused one (--resume, or when called as oci-resume: runc resume). The
   freezer is the v1 freezer hierarchy's freezer.state when the container
   has one, else cgroup v2's cgroup.freeze; it returns once the kernel says
   every task is frozen (thawed). A lifecycle program. See oci-pause(8). */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cgres.h"
#include "die.h"
#include "spec.h"
#include "stage.h"
#include "state.h"

#define USAGE "oci-pause [--root=DIR] [--resume] ID"

int main(int argc, char **argv)
{
  static const struct option longopts[] = {
      {"root", required_argument, 0, 'r'}, {"resume", no_argument, 0, 'R'}, {0, 0, 0, 0}};
  const char *root = "/run/runc", *id, *base = strrchr(argv[0], '/');
  int opt, resume = !strcmp(base ? base + 1 : argv[0], "oci-resume");
  struct cgres_hier h[64];
  const struct cgres_hier *f;
  struct cstate st;
  struct spec sp;
  size_t n;

  stage_init(resume ? "oci-resume" : "oci-pause");
  while ((opt = getopt_long(argc, argv, "+r:", longopts, NULL)) != -1) switch (opt) {
      case 'r': root = optarg; break;
      case 'R': resume = 1; break;
      default: die_usage(USAGE);
    }
  if (resume) prog = "oci-resume";
  argv += optind;
  if (!argv[0] || argv[1]) die_usage(USAGE);
  id = argv[0];
  xstate_load(root, id, &st);
  /* runc's words: pause wants a running or created container (runc 1.1 freezes a created one too; resume
     brings it back to created), resume a paused one */
  if (resume && strcmp(st.status, "paused")) die(EXIT_BADINPUT, "container not paused");
  if (!resume && !strcmp(st.status, "paused")) return 0; /* already: runc says nothing either */
  if (!resume && strcmp(st.status, "running") && strcmp(st.status, "created"))
    die(EXIT_BADINPUT, "container not running");
  if (state_spec(st.dir, &sp) < 0) die_sys(EXIT_SYSFAIL, "read %s/spec", st.dir);
  n = cgres_dirs(&sp, h, sizeof h / sizeof *h);
  if (!(f = cgres_freezer(h, n))) die(EXIT_BADINPUT, "container %s has no freezer cgroup", id);
  if (cgres_freeze(f, !resume) < 0) {
    int e = errno;
    if (!resume) cgres_freeze(f, 0); /* never leave it half frozen */
    errno = e;
    die_sys(EXIT_SYSFAIL, "%s %s", resume ? "thaw" : "freeze", f->dir);
  }
  spec_free(&sp);
  state_free(&st);
  return 0;
}
