/* oci-delete: the one teardown (DESIGN.md 5). Kills what is left of the
   container, removes the cgroups it created and its state dir. Used by
   `runc delete`, by `runc run` at exit and on every failure path: a failing
   stage chain-loads into "oci-delete --force --exit=N" with the spec still
   on fd 3. Reads records: state.dir, cgroup.dir, cgroup.systemd. See oci-delete(8). */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "cgres.h"
#include "die.h"
#include "fd.h"
#include "hook.h"
#include "sdunit.h"
#include "spec.h"
#include "stage.h"
#include "state.h"

#define USAGE "oci-delete [--force] [--exit=N] [--root=DIR] [ID]"

/* how long start and delete wait for another runtime process's lock */

static int force, failed, thawed;

static void nap(long ms)
{
  struct timespec t = {.tv_sec = ms / 1000, .tv_nsec = (ms % 1000) * 1000000L};
  nanosleep(&t, NULL);
}

/* SIGKILL every process listed in a cgroup (v2: of the hierarchy named
   "unified"); returns how many were seen. */
static int kill_cgroup(const char *dir, int v2)
{
  char path[4200];
  snprintf(path, sizeof path, "%s/cgroup.kill", dir);
  if (v2 && file_write_at(AT_FDCWD, path, "1") == 0) return 0; /* the kernel does it (5.14+) */
  return cgroup_signal(dir, SIGKILL);
}

/* Thaw a frozen container: a frozen task does not die of SIGKILL. */
static void thaw(const struct spec *sp)
{
  if (cgres_thaw(sp) < 0) warn_sys("thaw the container's cgroup");
}

static void remove_cgroups(const struct spec *sp)
{
  const struct rec *r;
  size_t n = 0, i;
  const struct rec **dirs;

  for (r = NULL; (r = spec_next(sp, "cgroup.dir", r));) n++;
  if (!n) return;
  dirs = calloc(n, sizeof *dirs);
  if (!dirs) die_sys(EXIT_SYSFAIL, "allocate");
  for (i = 0, r = NULL; (r = spec_next(sp, "cgroup.dir", r));) {
    if (r->nf != 4) die(EXIT_BADINPUT, "spec line %u: bad cgroup.dir record", r->line);
    dirs[i++] = r;
  }
  /* last first: children before parents. An empty cgroup just goes (the
     common case: the init reaped, its pid namespace gone); one still
     busy is thawed (once) and killed with --force, then tried again. */
  for (i = n; i-- > 0;) {
    const char *dir = dirs[i]->f[2];
    if (strcmp(dirs[i]->f[3], "new")) continue;
    for (int tries = 0;; tries++) {
      if (rmdir(dir) == 0 || errno == ENOENT) break;
      if (errno != EBUSY || tries >= 200) {
        warn_sys("rmdir %s", dir);
        failed = 1;
        break;
      }
      if (force && !thawed) thaw(sp), thawed = 1;
      if (force) kill_cgroup(dir, !strcmp(dirs[i]->f[1], "unified"));
      if (tries) nap(tries < 20 ? 1 : 10); /* dying processes leave the cgroup shortly */
    }
  }
  free(dirs);
}

/* The systemd units made for the container (cgroup.systemd UNIT): stopped,
   and reset if they failed, as runc's stopUnit; systemd removes their
   cgroups. */
static void stop_units(const struct spec *sp)
{
  struct sd_conn c;
  int connected = 0;
  for (const struct rec *r = NULL; (r = spec_next(sp, "cgroup.systemd", r));) {
    if (r->nf != 2) die(EXIT_BADINPUT, "spec line %u: bad cgroup.systemd record", r->line);
    if (force) { /* what is left in the scope: at once, not after systemd's stop timeout */
      struct cgres_hier h[64];
      size_t n = cgres_dirs(sp, h, 64);
      for (size_t i = 0; i < n; i++)
        if (h[i].v2) kill_cgroup(h[i].dir, 1);
    }
    if (!connected && sd_connect(&c) < 0) {
      if (access("/run/systemd/private", F_OK) < 0 && access("/run/dbus/system_bus_socket", F_OK) < 0)
        return; /* no systemd, no unit: a create that failed before it asked */
      warn("stop systemd unit %s: connect to systemd: %s", r->f[1], c.bus.err);
      failed = 1;
      return;
    }
    connected = 1;
    if (sd_stop_unit(&c, r->f[1]) < 0) {
      warn("stop systemd unit %s: %s", r->f[1], c.bus.err);
      failed = 1;
    }
  }
  if (connected) dbus_close(&c.bus);
}

static void remove_statedir(const char *dir)
{
  static const char *const known[] = {"state.json", "spec"};
  char path[4200];
  DIR *d;
  struct dirent *e;
  /* what a run leaves, by name, then the dir; the listing only when more is there */
  for (size_t i = 0; i < sizeof known / sizeof *known; i++)
    if ((size_t)snprintf(path, sizeof path, "%s/%s", dir, known[i]) < sizeof path) unlink(path);
  if (rmdir(dir) == 0 || errno == ENOENT) return;
  if (!(d = opendir(dir))) {
    if (errno != ENOENT) {
      warn_sys("open %s", dir);
      failed = 1;
    }
    return;
  }
  while ((e = readdir(d))) {
    /* criu-root: oci-criu's mount point, left empty by a killed restore (the bind died with criu) */
    int flags = !strcmp(e->d_name, "criu-root") ? AT_REMOVEDIR : 0;
    if (strcmp(e->d_name, ".") && strcmp(e->d_name, "..") && unlinkat(dirfd(d), e->d_name, flags) < 0 &&
        errno != ENOENT) {
      warn_sys("remove %s/%s", dir, e->d_name);
      failed = 1;
    }
  }
  closedir(d);
  if (rmdir(dir) < 0 && errno != ENOENT) {
    warn_sys("rmdir %s", dir);
    failed = 1;
  }
}

/* By id (runc delete): a stopped container goes; a created one is killed
   first (runc and crun do so, and containerd relies on it); a running or
   paused one only with --force. */
static void stop_init(const char *root, const char *id, const struct spec *sp)
{
  struct cstate st;
  int pfd;
  if (state_load(root, id, &st) < 0) return; /* still being created or half gone: just remove */
  if (!strcmp(st.status, "stopped")) goto out;
  if (strcmp(st.status, "created") && !force)
    die(EXIT_BADINPUT, "cannot delete container %s that is not stopped: %s", id, st.status);
  pfd = (int)syscall(SYS_pidfd_open, st.pid, 0);
  if (pfd >= 0 && state_starttime(st.pid) != 0) {
    struct pollfd p = {.fd = pfd, .events = POLLIN};
    syscall(SYS_pidfd_send_signal, pfd, SIGKILL, NULL, 0);
    if (!strcmp(st.status, "paused")) thaw(sp), thawed = 1; /* or it never dies */
    poll(&p, 1, 5000);                                      /* readable once it has exited */
  }
  if (pfd >= 0) close(pfd);
out:
  state_free(&st);
}

int main(int argc, char **argv)
{
  static const struct option longopts[] = {{"force", no_argument, 0, 'f'},
                                           {"exit", required_argument, 0, 'x'},
                                           {"root", required_argument, 0, 'r'},
                                           {0, 0, 0, 0}};
  struct spec sp;
  const char *root = "/run/runc", *dir;
  long long status = -1;
  int opt;

  stage_init("oci-delete");
  while ((opt = getopt_long(argc, argv, "+fx:r:", longopts, NULL)) != -1) switch (opt) {
      case 'f': force = 1; break;
      case 'x':
        if ((status = stage_num(optarg, 255)) < 0) die_usage(USAGE);
        break;
      case 'r': root = optarg; break;
      default: die_usage(USAGE);
    }
  argv += optind;
  if (*argv) {
    /* by id: the spec the monitor saved in the state dir */
    char dir[4096];
    if (argv[1]) die_usage(USAGE);
    /* one operation at a time (DESIGN.md 6): a create in progress holds the lock until its state is
       written; one killed half-way holds it no more. Held until we exit. */
    if (xstate_lock(root, *argv, force) < 0) return 0; /* runc: delete --force of nothing is fine */
    snprintf(dir, sizeof dir, "%s/%s", root, *argv);
    if (state_spec(dir, &sp) < 0) {
      if (errno == ENOENT && force) { /* a create killed before it saved anything: the dir alone */
        remove_statedir(dir);
        return die_status(failed ? EXIT_SYSFAIL : 0);
      }
      if (errno == ENOENT) die(EXIT_BADINPUT, "container %s does not exist", *argv);
      die_sys(EXIT_SYSFAIL, "read %s/spec", dir);
    }
    stop_init(root, *argv, &sp);
  } else {
    unsigned line;
    if (spec_read(spec_fd(), &sp, &line) < 0) {
      if (errno == EINVAL) die(EXIT_BADINPUT, "spec line %u: malformed spec on fd %d", line, spec_fd());
      die_sys(EXIT_SYSFAIL, "read spec from fd %d", spec_fd());
    }
  }
  /* log like the rest of the chain, but never tear down recursively */
  {
    const char *s = spec_get(&sp, "fd.log");
    int fd = s ? stage_fdnum(s) : -1;
    if (fd >= 0) {
      const char *fmt = spec_get(&sp, "log.format");
      const char *lvl = spec_get(&sp, "log.level");
      die_set_log(fd, fmt && !strcmp(fmt, "json"), lvl && !strcmp(lvl, "debug"));
      debug("start");
    }
  }
  remove_cgroups(&sp);             /* (thaws with --force where a cgroup is still busy) */
  if (force && !thawed) thaw(&sp); /* one not ours left frozen (a removed one reads ENOENT: nothing) */
  stop_units(&sp);
  if ((dir = spec_get(&sp, "state.dir"))) remove_statedir(dir);
  /* poststop: after the container is gone; a failure is a warning */
  if (hook_any(&sp, "poststop")) {
    char msg[1100];
    const char *p = spec_get(&sp, "ns.pid");
    sigset_t none;
    sigemptyset(&none);
    sigprocmask(SIG_SETMASK, &none, NULL); /* the monitor blocked every signal */
    hook_run_all(&sp, "poststop", p ? (pid_t)stage_num(p, 1 << 22) : 0, "stopped", msg, sizeof msg,
                 warn_line);
  }
  if (status >= 0) return (int)status;
  return die_status(failed ? EXIT_SYSFAIL : 0);
}
