/* oci-criu: the last stage of the restore chain (run.mode restore, `runc restore`). Runs in oci-ns's helper
   (ns.sync), as the client of `criu swrk` (criu.h): in a private mount namespace it binds root.path on
   STATE/criu-root, makes missing mount points, describes the container to criu (its binds, masks, devices,
   cgroup, joined namespaces, the stdio of descriptors.json) and asks for a restore with criu as its child
   (rst_sibling: the restored init becomes ours, then the monitor's when we exit). Criu's notifications:
   setup-namespaces runs prestart and createRuntime hooks and brings lo up in a new network namespace;
   orphan-pts-master hands the new pty master to the monitor ("pty"); on success the monitor gets
   "restored PID". Reads root.path, state.dir, criu.*, ns.join, ns.new, mount, mask, device, cgroup.dir,
   hook, ns.sync. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <net/if.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "criu.h"
#include "die.h"
#include "fd.h"
#include "hook.h"
#include "names.h"
#include "path.h"
#include "spec.h"
#include "stage.h"
#include "sync.h"

#define USAGE "oci-criu"

static struct spec sp;
static int syncfd = -1, newnet;
static pid_t restored = -1;
static char hook_err[1100];

/* Where is the record's mount point? 0: in the rootfs; 'b': below binds only, so in a bind's source, where
   the run made it; 's': below a mount whose content criu restores (a tmpfs, proc, sysfs): never made here. */
static int where(const struct rec *m)
{
  size_t n;
  int w = 0;
  for (const struct rec *r = NULL; (r = spec_next(&sp, "mount", r));)
    if (r != m && r->nf >= 2 && (n = strlen(r->f[1])) > 1 && !strncmp(m->f[1], r->f[1], n) &&
        m->f[1][n] == '/') {
      if (!mount_rec_is_bind(r)) return 's';
      w = 'b';
    }
  return w;
}

/* criu needs every mount point to exist (a fresh rootfs: podman's --import; a bind's source made anew):
   what a run would have made, a directory, or a file for a bind of a file. Points below binds are made in
   the binds' sources, as a run made them: each bind is mounted on its point in turn, in the spec's order,
   and afterwards criu gets its root bound afresh, without them (runc's prepareCriuRestoreMounts). */
static void mount_points(const char *root, const char *dir)
{
  int rootfd = open(dir, O_PATH | O_DIRECTORY | O_CLOEXEC), binds = 0;
  if (rootfd < 0) die_sys(EXIT_SYSFAIL, "open %s", dir);
  for (const struct rec *r = NULL; (r = spec_next(&sp, "mount", r));) binds |= r->nf == 6 && where(r) == 'b';
  for (const struct rec *r = NULL; (r = spec_next(&sp, "mount", r));) {
    struct stat st;
    char at[32];
    int kind = 'd', fd;
    if (r->nf != 6 || where(r) == 's') continue;
    if (mount_rec_is_bind(r) && stat(r->f[3], &st) == 0 && !S_ISDIR(st.st_mode)) kind = 'f';
    if ((fd = path_create_in_root(rootfd, r->f[1], kind, 0755)) < 0)
      die_sys(EXIT_SYSFAIL, "create mount point %s in %s", r->f[1], dir);
    snprintf(at, sizeof at, "/proc/self/fd/%d", fd);
    if (binds && mount_rec_is_bind(r) && mount(r->f[3], at, NULL, MS_BIND | MS_REC, NULL) < 0)
      die_sys(EXIT_SYSFAIL, "bind %s on %s to make the mount points below it", r->f[3], r->f[1]);
    close(fd);
  }
  close(rootfd);
  if (binds && (umount2(dir, MNT_DETACH) < 0 || mount(root, dir, NULL, MS_BIND | MS_REC, NULL) < 0))
    die_sys(EXIT_SYSFAIL, "bind %s on %s again", root, dir);
}

/* criu's root: a recursive bind of root.path in a mount namespace of our own (and criu's), gone with us. */
static const char *criu_root(const char *statedir)
{
  char *dir = xasprintf("%s/criu-root", statedir);
  const char *root = spec_get(&sp, "root.path");
  if (!root) die(EXIT_BADINPUT, "spec: no root.path record");
  if (unshare(CLONE_NEWNS) < 0) die_sys(EXIT_SYSFAIL, "unshare mount namespace");
  if (mount(NULL, "/", NULL, MS_SLAVE | MS_REC, NULL) < 0) die_sys(EXIT_SYSFAIL, "make / a slave");
  if (mkdir(dir, 0700) < 0 && errno != EEXIST) die_sys(EXIT_SYSFAIL, "mkdir %s", dir);
  if (mount(root, dir, NULL, MS_BIND | MS_REC, NULL) < 0) die_sys(EXIT_SYSFAIL, "bind %s on %s", root, dir);
  mount_points(root, dir);
  return dir;
}

/* The restored init's new network namespace (criu's empty_ns) gets lo up, as oci-ns gives a run one. */
static int loopback_up(pid_t pid)
{
  char path[64];
  struct ifreq ifr = {0};
  int self = open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC), ns, s, ok = 0;
  snprintf(path, sizeof path, "/proc/%d/ns/net", (int)pid);
  if (self < 0 || (ns = open(path, O_RDONLY | O_CLOEXEC)) < 0) {
    snprintf(hook_err, sizeof hook_err, "open %s: %s", self < 0 ? "/proc/self/ns/net" : path,
             strerror(errno));
    if (self >= 0) close(self);
    return -1;
  }
  strcpy(ifr.ifr_name, "lo");
  if (setns(ns, CLONE_NEWNET) == 0 && (s = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0)) >= 0) {
    if (ioctl(s, SIOCGIFFLAGS, &ifr) == 0) {
      ifr.ifr_flags |= IFF_UP;
      ok = ioctl(s, SIOCSIFFLAGS, &ifr) == 0;
    }
    close(s);
  }
  if (!ok) snprintf(hook_err, sizeof hook_err, "bring lo up in %s: %s", path, strerror(errno));
  if (setns(self, CLONE_NEWNET) < 0) die_sys(EXIT_SYSFAIL, "return to our network namespace");
  close(self);
  close(ns);
  return ok ? 0 : -1;
}

/* criu's notifications; -1 makes criu fail the restore (hook_err says why). */
static int notify(void *ctx, const char *script, int pid, int fd)
{
  (void)ctx;
  if (!strcmp(script, "setup-namespaces")) {
    /* the namespaces exist, no task runs yet: prestart (deprecated, same moment) then createRuntime */
    if (hook_run(&sp, "prestart", pid, "created", hook_err, sizeof hook_err) != 0 ||
        hook_run(&sp, "createRuntime", pid, "created", hook_err, sizeof hook_err) != 0)
      return -1;
    if (newnet && loopback_up(pid) < 0) return -1;
  } else if (!strcmp(script, "orphan-pts-master") && fd >= 0) {
    int e = sync_send(syncfd, "pty", fd) < 0 ? errno : 0;
    close(fd);
    if (e) {
      snprintf(hook_err, sizeof hook_err, "send the pty master to the monitor: %s", strerror(e));
      return -1;
    }
    return 0;
  } else if (!strcmp(script, "post-restore") && pid > 0) {
    restored = pid;
  }
  if (fd >= 0) close(fd);
  return 0;
}

/* criu.opt records into the request */
static void options(struct criu_req *r)
{
  for (const struct rec *o = NULL; (o = spec_next(&sp, "criu.opt", o));) {
    const char *n = o->nf >= 2 ? o->f[1] : "", *v = o->nf == 3 ? o->f[2] : NULL;
    if (o->nf == 2 && !strcmp(n, "tcp-established"))
      r->tcp_established = 1;
    else if (o->nf == 2 && !strcmp(n, "ext-unix-sk"))
      r->ext_unix_sk = 1;
    else if (o->nf == 2 && !strcmp(n, "shell-job"))
      r->shell_job = 1;
    else if (o->nf == 2 && !strcmp(n, "file-locks"))
      r->file_locks = 1;
    else if (o->nf == 2 && !strcmp(n, "auto-dedup"))
      r->auto_dedup = 1;
    else if (o->nf == 2 && !strcmp(n, "lazy-pages"))
      r->lazy_pages = 1;
    else if (v && !strcmp(n, "manage-cgroups") && (!strcmp(v, "soft") || !strcmp(v, "ignore")))
      r->manage_cgroups_mode = CRIU_CG_SOFT; /* ignore: the tasks would stay in criu's (our) cgroup */
    else if (v && !strcmp(n, "manage-cgroups") && !strcmp(v, "full"))
      r->manage_cgroups_mode = CRIU_CG_FULL;
    else if (v && !strcmp(n, "empty-ns") && !strcmp(v, "network"))
      ; /* a new network namespace is always empty (runc's rule) */
    else if (v && !strcmp(n, "lsm-profile"))
      r->lsm_profile = v;
    else if (v && !strcmp(n, "lsm-mount-context"))
      r->lsm_mount_context = v;
    else
      die(EXIT_BADINPUT, "spec line %u: bad criu.opt record", o->line);
  }
}

/* A joined network or pid namespace: criu takes it as an inherited fd (its key, net[INO] of the dump). */
static void joined_ns(struct criu_req *r, int *keep, size_t *nkeep)
{
  int seen = 0;
  for (const struct rec *j = NULL; (j = spec_next(&sp, "ns.join", j));) {
    int net = j->nf == 3 && !strcmp(j->f[1], "network"), fd;
    if (!net && !(j->nf == 3 && !strcmp(j->f[1], "pid"))) continue;
    if (seen & (net ? 1 : 2))
      die(EXIT_BADINPUT, "spec line %u: a second ns.join %s record", j->line, j->f[1]);
    seen |= net ? 1 : 2;
    if ((fd = open(j->f[2], O_RDONLY)) < 0) { /* not CLOEXEC: criu's own fd */
      if (errno == ENOENT) die(EXIT_BADINPUT, "Requested %s namespace %s does not exist", j->f[1], j->f[2]);
      die_sys(EXIT_SYSFAIL, "open %s namespace %s", j->f[1], j->f[2]);
    }
    if (criu_add_inherit_fd(r, net ? "extRootNetNS" : "extRootPidNS", fd) < 0) die_sys(EXIT_SYSFAIL, "criu");
    keep[(*nkeep)++] = fd;
  }
}

int main(int argc, char **argv)
{
  struct criu_req r;
  struct criu_resp out;
  struct criu_session s;
  const char *statedir, *image, *work, *root, *v;
  char err[1024], reason[4200], msg[64];
  int opt, imgfd, workfd, keep[8], wst, rc;
  unsigned line;
  size_t nkeep = 0;

  stage_init("oci-criu");
  while ((opt = getopt(argc, argv, "+")) != -1) die_usage(USAGE);
  if (argv[optind]) die_usage(USAGE);
  /* no spec on the spec fd is a usage error too: oci-criu ends the restore chain, never run on its own */
  if (spec_read(spec_fd(), &sp, &line) < 0) {
    if (errno == EBADF) die_usage(USAGE);
    if (errno == EINVAL) die(EXIT_BADINPUT, "spec line %u: malformed spec on fd %d", line, spec_fd());
    die_sys(EXIT_SYSFAIL, "read spec from fd %d", spec_fd());
  }
  stage_config(&sp);
  if (!(v = spec_get(&sp, "ns.sync")) || (syncfd = stage_fdnum(v)) < 0)
    die(EXIT_BADINPUT, "spec: no ns.sync record (oci-ns must run first, in run.mode restore)");
  if (!(v = spec_get(&sp, "run.mode")) || strcmp(v, "restore"))
    die(EXIT_BADINPUT, "spec: oci-criu is for run.mode restore");
  if (!(statedir = spec_get(&sp, "state.dir"))) die(EXIT_BADINPUT, "spec: no state.dir record");
  if (!(image = spec_get(&sp, "criu.image"))) die(EXIT_BADINPUT, "spec: no criu.image record");
  work = spec_get(&sp, "criu.work") ? spec_get(&sp, "criu.work") : image;

  if (criu_version(spec_get(&sp, "criu.path")) < 0)
    die_sys(EXIT_SYSFAIL, "run %s swrk", spec_get(&sp, "criu.path") ? spec_get(&sp, "criu.path") : "criu");
  /* first: criu works in the directories of the fds it is given, which must be on mounts of its own mount
     namespace (a mount of another one refuses criu's cgroup yard, EINVAL) */
  root = criu_root(statedir);
  if ((imgfd = open(image, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) < 0) die_sys(EXIT_BADINPUT, "open %s", image);
  if (mkdir(work, 0700) < 0 && errno != EEXIST) die_sys(EXIT_SYSFAIL, "mkdir %s", work);
  if ((workfd = open(work, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) < 0) die_sys(EXIT_SYSFAIL, "open %s", work);

  criu_req_init(&r, CRIU_REQ_RESTORE);
  r.images_dir_fd = imgfd;
  r.work_dir_fd = workfd;
  r.log_level = 4;
  r.log_file = "restore.log";
  r.notify_scripts = r.orphan_pts_master = r.manage_cgroups = r.rst_sibling = r.evasive_devices = 1;
  options(&r);
  /* runc doesn't manage network devices: criu makes an empty network namespace, unless one is joined */
  r.empty_ns = CLONE_NEWNET;
  for (const struct rec *j = NULL; (j = spec_next(&sp, "ns.join", j));)
    if (j->nf == 3 && !strcmp(j->f[1], "network")) r.empty_ns = 0;
  for (const struct rec *n = NULL; (n = spec_next(&sp, "ns.new", n));) newnet |= !strcmp(n->f[1], "network");
  if (criu_restore_describe(&r, &sp, err, sizeof err) < 0) die(EXIT_BADINPUT, "%s", err);
  joined_ns(&r, keep, &nkeep);
  if (criu_descriptors_restore(imgfd, &r) < 0) die_sys(EXIT_BADINPUT, "open %s/descriptors.json", image);
  r.root = root;

  if (criu_start(&s, spec_get(&sp, "criu.path"), keep, nkeep, -1) < 0)
    die_sys(EXIT_SYSFAIL, "start %s swrk", spec_get(&sp, "criu.path") ? spec_get(&sp, "criu.path") : "criu");
  memset(&out, 0, sizeof out);
  rc = criu_call(&s, &r, &out, notify, NULL);
  if (rc < 0 || !out.success) {
    wst = criu_finish(&s, 1);
    if (*hook_err)
      die(EXIT_SYSFAIL, "criu failed: type restore: %s (log file: %s/restore.log)", hook_err, work);
    if (rc < 0) memset(&out, 0, sizeof out);
    criu_reason(&out, workfd, "restore.log", wst, reason, sizeof reason);
    die(EXIT_SYSFAIL, "criu failed: type restore: %s (log file: %s/restore.log)", reason, work);
  }
  if (out.restore_pid > 0) restored = out.restore_pid;
  if (restored <= 0) {
    criu_finish(&s, 1);
    die(EXIT_SYSFAIL, "criu failed: type restore: no restored pid (log file: %s/restore.log)", work);
  }
  snprintf(msg, sizeof msg, "restored %d", (int)restored);
  if (sync_send(syncfd, msg, -1) < 0) die_sys(EXIT_SYSFAIL, "send the restored pid to the monitor");
  criu_finish(&s, 0);
  criu_req_free(&r);
  return 0;
}
