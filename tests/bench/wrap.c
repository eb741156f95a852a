/* wrap: the one wrapper every runtime runs in under tests/bench, so that
 * they are compared on equal terms: a private mount namespace, / made a
 * slave (nothing leaks back to the host), and on a cgroup v1 "hybrid" host
 * the cgroup2 mount at /sys/fs/cgroup/unified unmounted (crun takes its
 * presence for a pure v2 host). Then exec RUNTIME ARGS. No shell, no fork.
 * Usage: wrap RUNTIME [ARGS...]
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sched.h>
#include <unistd.h>
#include <sys/mount.h>
#include <sys/vfs.h>
#include <linux/magic.h>

static void die(const char *what)
{
  fprintf(stderr, "wrap: %s: %s\n", what, strerror(errno));
  exit(111);
}

int main(int argc, char **argv)
{
  struct statfs st;

  if (argc < 2) {
    fputs("usage: wrap RUNTIME [ARGS...]\n", stderr);
    return 100;
  }
  if (unshare(CLONE_NEWNS) < 0) die("unshare(CLONE_NEWNS)");
  if (mount(NULL, "/", NULL, MS_SLAVE | MS_REC, NULL) < 0) die("make / a slave");
  if (statfs("/sys/fs/cgroup/unified", &st) == 0 && st.f_type == CGROUP2_SUPER_MAGIC &&
      umount2("/sys/fs/cgroup/unified", MNT_DETACH) < 0)
    die("umount /sys/fs/cgroup/unified");
  execvp(argv[1], argv + 1);
  fprintf(stderr, "wrap: exec %s: %s\n", argv[1], strerror(errno));
  return errno == ENOENT ? 127 : 126;
}
