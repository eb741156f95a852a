/* oci-checkpoint: checkpoint a running container with criu (runc
   checkpoint). A client of `criu swrk` (shared/criu.c): it loads the
   state, holds the state lock, reads the saved spec, writes the image
   dir's descriptors.json and asks criu for a DUMP (or a PRE_DUMP) of the
   container's init, frozen through its cgroup. On success the container is
   gone (criu killed it) and the teardown follows (oci-delete --force),
   unless --leave-running or --pre-dump; on failure it is left as it was.
   A lifecycle program. See oci-checkpoint(8). */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cgres.h"
#include "criu.h"
#include "die.h"
#include "spec.h"
#include "stage.h"
#include "state.h"

#define USAGE                                                                                                \
  "oci-checkpoint [--root=DIR] [--criu=PATH] [--image-path=DIR] [--work-path=DIR] [--parent-path=DIR] "      \
  "[--leave-running] [--pre-dump] [--tcp-established] [--ext-unix-sk] [--shell-job] [--file-locks] "         \
  "[--auto-dedup] [--lazy-pages] [--status-fd=N] [--page-server=ADDR:PORT] [--manage-cgroups-mode=MODE] "    \
  "[--empty-ns=network] ID"

/* mkdir -p, mode for each one made; *made gets whether the last was made */
static int mkdir_p(const char *path, mode_t mode, int *made)
{
  char buf[PATH_MAX];
  *made = 0;
  if ((size_t)snprintf(buf, sizeof buf, "%s", path) >= sizeof buf) return errno = ENAMETOOLONG, -1;
  for (char *p = buf + 1;; p++) {
    if (*p && *p != '/') continue;
    char c = *p;
    *p = 0;
    if (mkdir(buf, mode) == 0)
      *made = !c || !p[1];
    else if (errno != EEXIST)
      return -1;
    if (!c) break;
    *p = c;
  }
  return 0;
}

static int open_dir(const char *path)
{
  int fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) die_sys(EXIT_SYSFAIL, "open %s", path);
  return fd;
}

static int has_rec(const struct spec *sp, const char *key, const char *f1)
{
  for (const struct rec *r = NULL; (r = spec_next(sp, key, r));)
    if (r->nf >= 2 && !strcmp(r->f[1], f1)) return 1;
  return 0;
}

static const char *annotation(const struct spec *sp, const char *key)
{
  const char *v = NULL;
  for (const struct rec *r = NULL; (r = spec_next(sp, "annotation", r));)
    if (r->nf == 3 && !strcmp(r->f[1], key)) v = r->f[2];
  return v;
}

/* oci-delete, next to this program, else on PATH */
static void exec_delete(const char *root, const char *id)
{
  char self[PATH_MAX], *slash, *rootopt = xasprintf("--root=%s", root);
  ssize_t n = readlink("/proc/self/exe", self, sizeof self - 16);
  char *argv[] = {"oci-delete", "--force", rootopt, (char *)id, NULL};
  debug_done();
  if (n > 0 && (self[n] = 0, slash = strrchr(self, '/'))) {
    strcpy(slash + 1, "oci-delete");
    execv(self, argv);
  }
  execvp("oci-delete", argv);
  die_sys(errno == ENOENT ? EXIT_NOTFOUND : EXIT_NOEXEC, "exec oci-delete");
}

int main(int argc, char **argv)
{
  enum {
    O_ROOT = 256,
    O_CRIU,
    O_IMAGE,
    O_WORK,
    O_PARENT,
    O_LEAVE,
    O_PRE,
    O_TCP,
    O_UNIX,
    O_SHELL,
    O_LOCKS,
    O_DEDUP,
    O_LAZY,
    O_STATUS,
    O_PS,
    O_CGMODE,
    O_EMPTY
  };
  static const struct option longopts[] = {{"root", required_argument, 0, O_ROOT},
                                           {"criu", required_argument, 0, O_CRIU},
                                           {"image-path", required_argument, 0, O_IMAGE},
                                           {"work-path", required_argument, 0, O_WORK},
                                           {"parent-path", required_argument, 0, O_PARENT},
                                           {"leave-running", no_argument, 0, O_LEAVE},
                                           {"pre-dump", no_argument, 0, O_PRE},
                                           {"tcp-established", no_argument, 0, O_TCP},
                                           {"ext-unix-sk", no_argument, 0, O_UNIX},
                                           {"shell-job", no_argument, 0, O_SHELL},
                                           {"file-locks", no_argument, 0, O_LOCKS},
                                           {"auto-dedup", no_argument, 0, O_DEDUP},
                                           {"lazy-pages", no_argument, 0, O_LAZY},
                                           {"status-fd", required_argument, 0, O_STATUS},
                                           {"page-server", required_argument, 0, O_PS},
                                           {"manage-cgroups-mode", required_argument, 0, O_CGMODE},
                                           {"empty-ns", required_argument, 0, O_EMPTY},
                                           {0, 0, 0, 0}};
  const char *root = "/run/runc", *criu = NULL, *image = NULL, *work = NULL, *parent = NULL, *cgmode = NULL;
  const char *ps = NULL, *id, *type, *cfg;
  int opt, leave = 0, pre = 0, tcp = 0, unixsk = 0, shell = 0, locks = 0, dedup = 0, lazy = 0, status_fd = -1;
  int lock, imgfd, workfd, made_img = 0, made, version, wstatus, rc, keep[1], nkeep = 0, errfd = -1;
  char imgbuf[PATH_MAX], parentbuf[PATH_MAX * 2], logpath[PATH_MAX * 2], reason[4200], err[4300], psaddr[256];
  struct criu_req r;
  struct criu_resp out;
  struct criu_session s;
  struct cstate st;
  struct spec sp;
  struct cgres_hier h[64];
  const struct cgres_hier *fz;
  long long port = 0;

  stage_init("oci-checkpoint");
  while ((opt = getopt_long(argc, argv, "+", longopts, NULL)) != -1) switch (opt) {
      case O_ROOT: root = optarg; break;
      case O_CRIU: criu = optarg; break;
      case O_IMAGE: image = optarg; break;
      case O_WORK: work = optarg; break;
      case O_PARENT: parent = optarg; break;
      case O_LEAVE: leave = 1; break;
      case O_PRE: pre = 1; break;
      case O_TCP: tcp = 1; break;
      case O_UNIX: unixsk = 1; break;
      case O_SHELL: shell = 1; break;
      case O_LOCKS: locks = 1; break;
      case O_DEDUP: dedup = 1; break;
      case O_LAZY: lazy = 1; break;
      case O_STATUS:
        if ((status_fd = (int)stage_num(optarg, INT_MAX)) < 0 || fcntl(status_fd, F_GETFD) < 0)
          die(EXIT_BADINPUT, "invalid --status-fd argument %s: %s", optarg,
              status_fd < 0 ? "not a file descriptor number" : "bad file descriptor");
        break;
      case O_PS: ps = optarg; break;
      case O_CGMODE: cgmode = optarg; break;
      case O_EMPTY:
        if (strcmp(optarg, "network")) die(EXIT_BADINPUT, "namespace \"%s\" is not supported", optarg);
        break;
      default: die_usage(USAGE);
    }
  argv += optind;
  if (!argv[0] || argv[1]) die_usage(USAGE);
  id = argv[0];
  /* the options first, in runc's words: nothing is looked at or made before they are right */
  criu_req_init(&r, pre ? CRIU_REQ_PRE_DUMP : CRIU_REQ_DUMP);
  if (cgmode) {
    if (!strcmp(cgmode, "soft"))
      r.manage_cgroups_mode = CRIU_CG_SOFT;
    else if (!strcmp(cgmode, "full"))
      r.manage_cgroups_mode = CRIU_CG_FULL;
    else if (!strcmp(cgmode, "strict"))
      r.manage_cgroups_mode = CRIU_CG_STRICT;
    else if (!strcmp(cgmode, "ignore"))
      r.manage_cgroups_mode = CRIU_CG_IGNORE;
    else
      die(EXIT_BADINPUT, "Invalid manage cgroups mode");
  }
  if (parent && parent[0] == '/') die(EXIT_BADINPUT, "--parent-path must be relative");
  if (ps) {
    const char *colon = strrchr(ps, ':');
    if (!colon || colon == ps || (size_t)(colon - ps) >= sizeof psaddr)
      die(EXIT_BADINPUT, "Use --page-server ADDR:PORT to specify page server");
    if ((port = stage_num(colon + 1, 65535)) < 0) die(EXIT_BADINPUT, "Invalid port number: %s", colon + 1);
    snprintf(psaddr, sizeof psaddr, "%.*s", (int)(colon - ps), ps);
  }
  if (!image) {
    char cwd[PATH_MAX - 16];
    if (!getcwd(cwd, sizeof cwd)) die_sys(EXIT_SYSFAIL, "getcwd");
    snprintf(imgbuf, sizeof imgbuf, "%s/checkpoint", cwd);
    image = imgbuf;
  }

  /* the container: running or paused, locked to the end (delete waits), its status read under the lock */
  lock = xstate_lock(root, id, 0);
  xstate_load(root, id, &st);
  if (!strcmp(st.status, "created") || !strcmp(st.status, "stopped"))
    die(EXIT_BADINPUT, "Container cannot be checkpointed in %s state", st.status);
  if (state_spec_of(&st, &sp) < 0) die_sys(EXIT_SYSFAIL, "read %s/spec", st.dir);

  /* criu: runc's minimum version, and the features these flags need */
  if ((version = criu_version(criu)) < 0) die_sys(EXIT_SYSFAIL, "run %s swrk", criu ? criu : "criu");
  if (version < 30000) die(EXIT_BADINPUT, "CRIU version %d must be 30000 or higher", version);
  if (pre && criu_feature(criu, "mem_track") != 1)
    die(EXIT_BADINPUT,
        "--pre-dump: criu feature check failed: mem_track (memory dirty tracking) is not supported");
  if (lazy && criu_feature(criu, "lazy_pages") != 1)
    die(EXIT_BADINPUT, "--lazy-pages: criu feature check failed: lazy_pages is not supported");

  /* the image dir (and work dir), made 0700 as runc does */
  if (mkdir_p(image, 0700, &made_img) < 0) die_sys(EXIT_SYSFAIL, "mkdir %s", image);
  if (parent) {
    struct stat pst;
    int e;
    snprintf(parentbuf, sizeof parentbuf, "%s/%s", image, parent);
    e = stat(parentbuf, &pst) < 0 ? errno : !S_ISDIR(pst.st_mode) ? ENOTDIR : 0;
    if (e) {
      if (made_img) rmdir(image);
      die(EXIT_BADINPUT, "invalid --parent-path: %s: %s", parentbuf, strerror(e));
    }
  }
  if (work && mkdir_p(work, 0700, &made) < 0) die_sys(EXIT_SYSFAIL, "mkdir %s", work);
  imgfd = open_dir(image);
  workfd = work ? open_dir(work) : imgfd;
  snprintf(logpath, sizeof logpath, "%s/dump.log", work ? work : image);

  /* the request: what runc 1.1 sends */
  r.images_dir_fd = imgfd;
  r.work_dir_fd = work ? workfd : -1;
  r.pid = st.pid;
  r.log_level = 4;
  r.log_file = "dump.log";
  r.root = spec_get(&sp, "root.path");
  r.manage_cgroups = 1;
  r.notify_scripts = 1;
  r.orphan_pts_master = 1;
  r.leave_running = leave, r.tcp_established = tcp, r.ext_unix_sk = unixsk, r.shell_job = shell;
  r.file_locks = locks, r.auto_dedup = dedup, r.lazy_pages = lazy;
  if (!has_rec(&sp, "ns.join", "network")) r.empty_ns = CLONE_NEWNET; /* runc manages no network devices */
  if ((fz = cgres_freezer(h, cgres_dirs(&sp, h, sizeof h / sizeof *h)))) r.freeze_cgroup = fz->dir;
  /* the annotation org.criu.config names criu's config file (empty: none), else /etc/criu/runc.conf */
  if (!(cfg = annotation(&sp, "org.criu.config"))) cfg = "/etc/criu/runc.conf";
  if (*cfg) r.config_file = cfg;
  if (ps) r.ps_address = psaddr, r.ps_port = (int)port;
  if (parent) r.parent_img = parent, r.track_mem = 1;
  if (pre) r.track_mem = 1;
  if (status_fd >= 0) {
    if (status_fd == 3 && (status_fd = fcntl(3, F_DUPFD_CLOEXEC, 10)) < 0) die_sys(EXIT_SYSFAIL, "dup fd 3");
    r.status_fd = status_fd;
    if (status_fd > 2) keep[nkeep++] = status_fd;
  }
  /* stdio as runc records it; a host file on it is external. Pre-dump: no externals */
  if (criu_descriptors_dump(imgfd, st.pid, pre ? NULL : &r) < 0)
    die_sys(EXIT_SYSFAIL, "write %s/descriptors.json", image);
  if (!pre && criu_dump_describe(&r, &sp, st.pid, err, sizeof err) < 0) die(EXIT_SYSFAIL, "%s", err);

  /* a pre-dump's criu waits for another request and complains on stderr when there is none */
  if (pre && (errfd = open("/dev/null", O_WRONLY | O_CLOEXEC)) < 0) die_sys(EXIT_SYSFAIL, "open /dev/null");
  if (criu_start(&s, criu, keep, (size_t)nkeep, errfd) < 0) die_sys(EXIT_SYSFAIL, "start criu");
  rc = criu_call(&s, &r, &out, NULL, NULL);
  wstatus = criu_finish(&s, rc < 0 || pre);
  type = pre ? "pre-dump" : "dump";
  if (rc < 0 || !out.success) {
    criu_reason(rc < 0 ? NULL : &out, workfd, "dump.log", wstatus, reason, sizeof reason);
    die(1, "criu failed: type %s: %s (log file: %s)", type, reason, logpath);
  }
  criu_req_free(&r);
  spec_free(&sp);
  if (leave || pre) {
    state_free(&st);
    return 0;
  }
  /* criu killed the container: the one teardown, which takes the lock itself */
  close(lock);
  state_free(&st);
  exec_delete(root, id);
}
