/* oci-ns: create or join the container's namespaces, clone its first process, and stay on the host as the
   monitor. Reads ns.new, ns.join, idmap.uid, idmap.gid, hostname, domainname, sysctl, time.offset,
   cgroup.join, cgroup.v2fd, run.mode, run.pidfile, state.dir, process.terminal, exit.setup; the child appends
   ns.sync, the monitor ns.pid. After oci-cgroup (its fds put the child in the container's cgroups), before
   oci-mount (needs the new namespaces). In exec mode (run.mode exec, `runc exec`) it joins a running
   container through its init's pidfd instead (exec.pid, exec.starttime, exec.detach, process.oomscoreadj),
   the child appends ns.rootfd, and the monitor never writes state nor tears down. In restore mode (run.mode
   restore, `runc restore`) a helper hands the spec on with ns.sync to oci-criu, whose criu restores the
   init; the monitor adopts it on "restored PID" (run.detach 1: then exits). */
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <limits.h>
#include <net/if.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/pidfd.h>
#include <sys/prctl.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <termios.h>
#include <unistd.h>
#include <linux/sched.h> /* struct clone_args, CLONE_PIDFD, CLONE_INTO_CGROUP */

#include "chain.h"
#include "cpuset.h"
#include "die.h"
#include "hook.h"
#include "fd.h"
#include "names.h"
#include "notify.h"
#include "spec.h"
#include "stage.h"
#include "state.h"
#include "sync.h"

#define USAGE "oci-ns prog..."

enum { NTYPES = 8 };

static struct spec sp;
static const struct nsinfo *nstab;
static const struct rec *newns[NTYPES], *joinns[NTYPES];
static const struct rec *hostname, *domainname;
static int terminal;          /* process.terminal 1: the chain inside may send a pty master */
static int create_mode;       /* run.mode create */
static int exec_mode;         /* run.mode exec: join the container of exec.pid */
static int exec_direct;       /* exec: the monitor clones the process itself (exec_enter_pidns) */
static int restore_mode;      /* run.mode restore: criu makes the init (oci-criu), the monitor adopts it */
static int detach;            /* run.detach 1 (restore): exit once the state is written */
static pid_t helper_pid = -1; /* restore: the helper that becomes oci-criu */
static int keep, nosubreaper; /* run.keep, run.nosubreaper (runc run --keep, --no-subreaper) */
static int *joinfds, njoin;   /* cgroup.join: one per v1 hierarchy */
static int v2fd = -1, procsfd = -1;
static int holdfd = -1; /* cgroup.hold: a systemd scope's holder exits when every copy is closed */
static int setup_status = EXIT_SYSFAIL; /* what a failure inside is reported as: exit.setup, else 111 */

/* the monitor's side */
static int sync_mon = -1, sync_child = -1, sigfd = -1, self_pidfd = -1;
static pid_t init_pid = -1;
static int init_pidfd = -1;
static struct termios saved_tio;
static int tio_saved;

/* bind mount sources opened on the host's side (a user namespace): the child's copies, by mount index */
static int *srcfds, nsrcfds;

/* exec mode: the container's init, its root, and what the process gets */
static struct {
  const struct rec *pid, *start;
  int detach, pidfd, rootfd, has_oom;
  long long oom;
} ex = {.pidfd = -1, .rootfd = -1};

static int ns_index(const char *type)
{
  const struct nsinfo *i = ns_find(type);
  return i ? (int)(i - nstab) : -1;
}
static int ns_index_of(const struct rec *r)
{
  int i = ns_index(r->f[1]);
  if (i < 0) die(EXIT_BADINPUT, "spec line %u: unknown namespace type %s", r->line, r->f[1]);
  return i;
}
static int has_new(const char *type) { return newns[ns_index(type)] != NULL; }
static int has_ns(const char *type) { return has_new(type) || joinns[ns_index(type)]; }

/* A container in a user namespace (new or joined) waits for the monitor's "go": the id maps written and the
   bind sources handed over. An exec makes no mounts and joins a user namespace that is set up already. */
static int userns_sync(void) { return has_ns("user") && !exec_mode && !restore_mode; }

/* ---- records ----------------------------------------------------------- */

static int num_ok(const char *s, long long max) { return stage_num(s, max) >= 0; }

/* A signed decimal (time offsets may be negative). */
static int snum_ok(const char *s)
{
  char *end;
  if (!*s) return 0;
  errno = 0;
  (void)strtoll(s, &end, 10);
  return !*end && !errno;
}

/* sysctl KEY: dotted (net.ipv4.ip_forward, where "/" stands for a "." inside a name, as in sysctl(8)) or
   slash form (net/ipv4/ip_forward). Writes the path under /proc/sys into a malloc'd buffer; NULL on a bad
   key. */
static char *sysctl_path(const char *key)
{
  size_t n = strlen(key);
  char *p = malloc(n + 1);
  int slash = key[strcspn(key, "./")] == '/';
  if (!p) die_sys(EXIT_SYSFAIL, "malloc");
  for (size_t i = 0; i <= n; i++) p[i] = slash ? key[i] : key[i] == '.' ? '/' : key[i] == '/' ? '.' : key[i];
  for (char *c = p;;) { /* every component non-empty and not . or .. */
    size_t l = strcspn(c, "/");
    if (!l || (l == 1 && *c == '.') || (l == 2 && c[0] == '.' && c[1] == '.')) {
      free(p);
      return NULL;
    }
    if (!c[l]) break;
    c += l + 1;
  }
  return p;
}

static int same_file(const char *a, const char *b)
{
  struct stat sa, sb;
  return stat(a, &sa) == 0 && stat(b, &sb) == 0 && sa.st_dev == sb.st_dev && sa.st_ino == sb.st_ino;
}

/* Only namespaced sysctls, as runc allows them: the ipc ones with an ipc namespace, net.* with a network
   namespace that is not the host's, kernel.domainname with a uts namespace, user.* with a user namespace.
   Anything else would write the host's value from inside a container (kernel.core_pattern: code execution
   as host root). */
static void sysctl_check(const struct rec *r)
{
  static const char *const ipc[] = {"kernel.msgmax", "kernel.msgmnb",         "kernel.msgmni",
                                    "kernel.sem",    "kernel.shmall",         "kernel.shmmax",
                                    "kernel.shmmni", "kernel.shm_rmid_forced"};
  char *name = strdup(r->f[1]), *path = sysctl_path(r->f[1]);
  int isipc = 0;
  if (!name) die_sys(EXIT_SYSFAIL, "malloc");
  if (!path) die(EXIT_BADINPUT, "spec line %u: bad sysctl name %s", r->line, r->f[1]);
  for (char *c = name; *c; c++)
    if (*c == '/') *c = '.';
  for (size_t i = 0; i < sizeof ipc / sizeof *ipc; i++) isipc |= !strcmp(name, ipc[i]);
  if (isipc || !strncmp(name, "fs.mqueue.", 10)) {
    if (!has_ns("ipc"))
      die(EXIT_BADINPUT, "spec line %u: sysctl %s not allowed in the host's ipc namespace", r->line, r->f[1]);
  } else if (!strncmp(name, "net.", 4)) {
    const struct rec *j = joinns[ns_index("network")];
    if (!has_ns("network") || (j && same_file(j->f[2], "/proc/self/ns/net")))
      die(EXIT_BADINPUT, "spec line %u: sysctl %s not allowed in the host's network namespace", r->line,
          r->f[1]);
  } else if (!strcmp(name, "kernel.hostname") || !strcmp(name, "kernel.domainname")) {
    if (!has_ns("uts"))
      die(EXIT_BADINPUT, "spec line %u: sysctl %s not allowed in the host's uts namespace", r->line, r->f[1]);
    /* runc: the hostname has its own field; two ways to set it would race */
    if (name[7] == 'h')
      die(EXIT_BADINPUT, "spec line %u: sysctl %s conflicts with the OCI hostname field", r->line, r->f[1]);
  } else if (!strncmp(name, "user.", 5)) {
    /* ucount limits are per user namespace: in the host's they would change every host process's limits */
    if (!has_ns("user"))
      die(EXIT_BADINPUT, "spec line %u: sysctl %s not allowed without a user namespace", r->line, r->f[1]);
  } else {
    die(EXIT_BADINPUT, "spec line %u: sysctl %s is not in a separate kernel namespace", r->line, r->f[1]);
  }
  free(name);
  free(path);
}

/* ---- exec mode: records ------------------------------------------------ */

static void exec_record(const struct rec *r)
{
  const char *k = r->f[0] + 5;
  if (r->nf != 2) die(EXIT_BADINPUT, "spec line %u: bad %s record", r->line, r->f[0]);
  if (!strcmp(k, "pid") && stage_num(r->f[1], INT_MAX) > 0)
    ex.pid = r;
  else if (!strcmp(k, "starttime") && stage_num(r->f[1], LLONG_MAX) > 0)
    ex.start = r;
  else if (!strcmp(k, "detach") && (!strcmp(r->f[1], "0") || !strcmp(r->f[1], "1")))
    ex.detach = r->f[1][0] == '1';
  else if (!strcmp(k, "pid") || !strcmp(k, "starttime") || !strcmp(k, "detach"))
    die(EXIT_BADINPUT, "spec line %u: bad %s record", r->line, r->f[0]);
  else
    die(EXIT_BADINPUT, "spec line %u: unknown record %s", r->line, r->f[0]);
}

/* Exec mode joins what exists: nothing new, nothing the init already set up. Every joined namespace is the
   init's own (it is joined through the init's pidfd, never by path). */
static void exec_check(void)
{
  static const char *const setup[] = {"idmap.uid", "idmap.gid",   "hostname", "domainname",
                                      "sysctl",    "time.offset", "state.dir"};
  if (!ex.pid || !ex.start)
    die(EXIT_BADINPUT, "spec line 1: run.mode exec needs exec.pid and exec.starttime");
  for (int i = 0; i < NTYPES; i++)
    if (newns[i]) die(EXIT_BADINPUT, "spec line %u: run.mode exec creates no namespace", newns[i]->line);
  for (size_t i = 0; i < sizeof setup / sizeof *setup; i++) {
    const struct rec *r = spec_next(&sp, setup[i], NULL);
    if (r) die(EXIT_BADINPUT, "spec line %u: %s is not for run.mode exec", r->line, setup[i]);
  }
}

static void check_records(void)
{
  const struct rec *r = NULL, *uidmap = NULL, *gidmap = NULL;
  size_t nt;
  nstab = ns_table(&nt);
  if (nt > NTYPES) die(EXIT_SYSFAIL, "namespace table larger than %d", NTYPES);

  while ((r = spec_next(&sp, NULL, r))) {
    const char *k = r->f[0];
    int i;
    if (!strcmp(k, "ns.new") || !strcmp(k, "ns.join")) {
      int join = k[3] == 'j';
      if (r->nf != (join ? 3u : 2u)) die(EXIT_BADINPUT, "spec line %u: bad %s record", r->line, k);
      i = ns_index_of(r);
      if (newns[i] || joinns[i])
        die(EXIT_BADINPUT, "spec line %u: duplicate namespace type %s", r->line, r->f[1]);
      if (join && r->f[2][0] != '/')
        die(EXIT_BADINPUT, "spec line %u: namespace path %s is not absolute", r->line, r->f[2]);
      (join ? joinns : newns)[i] = r;
    } else if (!strcmp(k, "ns.sync")) {
      die(EXIT_BADINPUT, "spec line %u: ns.sync already set: the namespaces exist", r->line);
    } else if (!strncmp(k, "ns.", 3) && strcmp(k, "ns.pid")) {
      die(EXIT_BADINPUT, "spec line %u: unknown record %s", r->line, k);
    } else if (!strncmp(k, "idmap.", 6)) {
      if (strcmp(k, "idmap.uid") && strcmp(k, "idmap.gid"))
        die(EXIT_BADINPUT, "spec line %u: unknown record %s", r->line, k);
      if (r->nf != 4 || !num_ok(r->f[1], UINT32_MAX) || !num_ok(r->f[2], UINT32_MAX) ||
          stage_num(r->f[3], UINT32_MAX) < 1)
        die(EXIT_BADINPUT, "spec line %u: bad %s record", r->line, k);
      if (k[6] == 'u' && !uidmap) uidmap = r;
      if (k[6] == 'g' && !gidmap) gidmap = r;
    } else if (!strcmp(k, "hostname") || !strcmp(k, "domainname")) {
      if (r->nf != 2) die(EXIT_BADINPUT, "spec line %u: bad %s record", r->line, k);
      *(k[0] == 'h' ? &hostname : &domainname) = r;
    } else if (!strcmp(k, "sysctl")) {
      if (r->nf != 3) die(EXIT_BADINPUT, "spec line %u: bad sysctl record", r->line);
    } else if (!strcmp(k, "time.offset")) {
      if (r->nf != 4 || (strcmp(r->f[1], "monotonic") && strcmp(r->f[1], "boottime")) || !snum_ok(r->f[2]) ||
          !num_ok(r->f[3], 999999999))
        die(EXIT_BADINPUT, "spec line %u: bad time.offset record", r->line);
    } else if (!strcmp(k, "cgroup.hold")) {
      if (r->nf != 2 || (holdfd = stage_fdnum(r->f[1])) < 0 || fcntl(holdfd, F_GETFD) < 0)
        die(EXIT_BADINPUT, "spec line %u: bad %s record", r->line, k);
    } else if (!strcmp(k, "cgroup.join") || !strcmp(k, "cgroup.v2fd")) {
      int fd = r->nf == 2 ? stage_fdnum(r->f[1]) : -1;
      if (fd < 0 || fcntl(fd, F_GETFD) < 0) die(EXIT_BADINPUT, "spec line %u: bad %s record", r->line, k);
      if (k[7] == 'v') {
        v2fd = fd;
      } else {
        int *nj = realloc(joinfds, (size_t)(njoin + 1) * sizeof *joinfds);
        if (!nj)
          die_sys(EXIT_SYSFAIL, "malloc");
        else
          (joinfds = nj)[njoin++] = fd;
      }
    } else if (!strcmp(k, "run.mode")) {
      if (r->nf != 2 || (strcmp(r->f[1], "run") && strcmp(r->f[1], "create") && strcmp(r->f[1], "exec") &&
                         strcmp(r->f[1], "restore")))
        die(EXIT_BADINPUT, "spec line %u: bad run.mode record", r->line);
      /* create: the monitor writes the state on "ready" and exits, leaving the init reparented */
      create_mode = !strcmp(r->f[1], "create");
      exec_mode = !strcmp(r->f[1], "exec");
      restore_mode = !strcmp(r->f[1], "restore");
    } else if (!strncmp(k, "exec.", 5)) {
      exec_record(r);
    } else if (!strcmp(k, "process.oomscoreadj")) {
      char *end;
      errno = 0;
      ex.oom = r->nf == 2 ? strtoll(r->f[1], &end, 10) : 0;
      if (r->nf != 2 || !*r->f[1] || *end || errno || ex.oom < -1000 || ex.oom > 1000)
        die(EXIT_BADINPUT, "spec line %u: bad process.oomscoreadj record", r->line);
      ex.has_oom = 1;
    } else if (!strcmp(k, "process.terminal")) {
      if (r->nf != 2 || (strcmp(r->f[1], "0") && strcmp(r->f[1], "1")))
        die(EXIT_BADINPUT, "spec line %u: bad process.terminal record", r->line);
      terminal = r->f[1][0] == '1';
    } else if (!strcmp(k, "run.detach")) {
      if (r->nf != 2 || strcmp(r->f[1], "1"))
        die(EXIT_BADINPUT, "spec line %u: bad run.detach record", r->line);
      detach = 1;
    }
  }

  /* cross-record rules: what needs which namespace */
  for (int i = 0; i < NTYPES; i++)
    if (joinns[i] && newns[i])
      die(EXIT_BADINPUT, "spec line %u: namespace %s is both new and joined", joinns[i]->line, nstab[i].oci);
  if (has_new("user") && (!uidmap || !gidmap))
    die(EXIT_BADINPUT, "spec line %u: a new user namespace needs idmap.uid and idmap.gid records",
        newns[ns_index("user")]->line);
  if (!has_ns("user") && (uidmap || gidmap))
    die(EXIT_BADINPUT, "spec line %u: id mappings without a user namespace",
        (uidmap ? uidmap : gidmap)->line);
  /* MOUNT_ATTR_IDMAP is set by the helper that opens the bind sources, which only a user namespace has */
  if ((r = spec_next(&sp, "mount.idmap", NULL)) && !has_ns("user"))
    die(EXIT_BADINPUT, "spec line %u: id-mapped mounts need a user namespace", r->line);
  if (r && geteuid() != 0) /* the maps need root on the host (runc's words) */
    die(EXIT_BADINPUT, "spec line %u: id-mapped mounts are not supported for rootless containers", r->line);
  if (hostname && !has_ns("uts"))
    die(EXIT_BADINPUT, "spec line %u: hostname without a private uts namespace", hostname->line);
  if (domainname && !has_ns("uts"))
    die(EXIT_BADINPUT, "spec line %u: domainname without a private uts namespace", domainname->line);
  for (r = NULL; (r = spec_next(&sp, "sysctl", r));) sysctl_check(r);
  if ((r = spec_next(&sp, "time.offset", NULL)) && !has_new("time"))
    die(EXIT_BADINPUT, "spec line %u: time.offset without a new time namespace", r->line);
  if (exec_mode) exec_check();
  if (detach && !restore_mode)
    die(EXIT_BADINPUT, "spec line %u: run.detach is for run.mode restore",
        spec_next(&sp, "run.detach", NULL)->line);
}

/* ---- the child: the container's first process, before oci-mount ------- */

static void write_fd(int fd, const char *what)
{
  if (write(fd, "0", 1) != 1) die_sys(EXIT_SYSFAIL, "join the %s through fd %d", what, fd);
  close(fd);
}

static void proc_write(const char *path, const char *val, const char *what)
{
  if (file_write_at(AT_FDCWD, path, val) < 0) die_sys(EXIT_SYSFAIL, "write %s to %s", what, path);
}

static void sysctls_apply(void)
{
  for (const struct rec *r = NULL; (r = spec_next(&sp, "sysctl", r));) {
    char *rel = sysctl_path(r->f[1]), *path = malloc(strlen(rel) + 16);
    if (!path) die_sys(EXIT_SYSFAIL, "malloc");
    sprintf(path, "/proc/sys/%s", rel);
    if (file_write_at(AT_FDCWD, path, r->f[2]) < 0)
      die_sys(EXIT_SYSFAIL, "write sysctl %s to %s", r->f[1], path);
    free(rel);
    free(path);
  }
}

/* A time namespace must get its offsets before any process enters it, so it is unshared here: unshare makes
   it the namespace of our children only. Then we enter it ourselves with setns, which freezes the offsets:
   some kernels (6.1 among them) never move a process into it at execve, and the init is this process. */
static void timens_setup(void)
{
  int fd;
  if (unshare(CLONE_NEWTIME) < 0) die_sys(EXIT_SYSFAIL, "unshare time namespace");
  for (const struct rec *r = NULL; (r = spec_next(&sp, "time.offset", r));) {
    char line[96];
    snprintf(line, sizeof line, "%s %s %s\n", r->f[1], r->f[2], r->f[3]);
    if (file_write_at(AT_FDCWD, "/proc/self/timens_offsets", line) < 0)
      die_sys(EXIT_SYSFAIL, "write %s offset to /proc/self/timens_offsets", r->f[1]);
  }
  if ((fd = open("/proc/self/ns/time_for_children", O_RDONLY | O_CLOEXEC)) < 0)
    die_sys(EXIT_SYSFAIL, "open /proc/self/ns/time_for_children");
  if (setns(fd, CLONE_NEWTIME) < 0) die_sys(EXIT_SYSFAIL, "enter the new time namespace");
  close(fd);
}

/* exec mode, in the helper: process.cpuaffinity's initial list, set before the clone so that the process
   starts on those CPUs before it joins the container's cgroups (runc's execCPUAffinity.initial); oci-exec
   sets the final list once it has joined. */
static void initial_affinity(void)
{
  const struct rec *r = spec_next(&sp, "process.cpuaffinity", NULL);
  cpu_set_t *set;
  size_t size;
  if (!r || r->nf != 3 || !*r->f[1]) return; /* oci-exec checks the record */
  if (cpuset_parse(r->f[1], &set, &size) < 0)
    die(EXIT_BADINPUT, "spec line %u: bad CPU list %s", r->line, r->f[1]);
  if (sched_setaffinity(0, size, set) < 0) die_sys(EXIT_SYSFAIL, "error setting initial CPU affinity");
  CPU_FREE(set);
}

static void loopback_up(void)
{
  struct ifreq ifr = {0};
  int s = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  if (s < 0) die_sys(EXIT_SYSFAIL, "socket for lo");
  strcpy(ifr.ifr_name, "lo");
  if (ioctl(s, SIOCGIFFLAGS, &ifr) < 0) die_sys(EXIT_SYSFAIL, "get flags of lo");
  ifr.ifr_flags |= IFF_UP;
  if (ioctl(s, SIOCSIFFLAGS, &ifr) < 0) die_sys(EXIT_SYSFAIL, "bring lo up");
  close(s);
}

/* state.lock: the state dir's flock, taken by oci-parse (DESIGN.md 6). The container's side lets go of it at
   once (an orphaned chain must never hold it); the monitor once the state is written, so that start and
   delete, which wait for it, see a whole container. */
static void lock_release(void)
{
  const char *s = spec_get(&sp, "state.lock");
  int fd = s ? stage_fdnum(s) : -1;
  if (fd >= 0) close(fd);
}

/* Keep the fd of mount INDEX's source for oci-mount; it stays close-on-exec until the spec names it. */
static void keep_srcfd(int i, int fd)
{
  if (i >= nsrcfds) {
    int *n = realloc(srcfds, (size_t)(i + 1) * sizeof *n);
    if (!n) die_sys(EXIT_SYSFAIL, "malloc");
    for (srcfds = n; nsrcfds <= i; nsrcfds++) srcfds[nsrcfds] = -1;
  }
  /* a second fd for one mount would leave the first one open: refuse */
  if (srcfds[i] >= 0) die(EXIT_SYSFAIL, "wait for the id maps: two sources for mount %d", i);
  srcfds[i] = fd;
}

/* ns.mountfd INDEX FD: the bind source of mount record INDEX, opened on the host's side. oci-mount mounts
   from it and closes it; it is never handed to the container's program. */
static void add_srcfds(struct specw *w)
{
  for (int i = 0; i < nsrcfds; i++) {
    if (srcfds[i] < 0) continue;
    if (fd_move(srcfds[i], srcfds[i]) < 0) die_sys(EXIT_SYSFAIL, "hand on mount source fd %d", srcfds[i]);
    char idx[16], fd[16];
    snprintf(idx, sizeof idx, "%d", i);
    snprintf(fd, sizeof fd, "%d", srcfds[i]);
    if (specw_add(w, "ns.mountfd", idx, fd, (char *)NULL) < 0) die_sys(EXIT_SYSFAIL, "spec");
  }
}

/* The monitor writes uid_map and gid_map (a new user namespace), hands over the bind sources it opened
   ("mountfd INDEX" with an fd), then says go. */
static void wait_go(void)
{
  char msg[64];
  for (;;) {
    int fd;
    long long i;
    ssize_t n = sync_recv(sync_child, msg, sizeof msg, &fd);
    if (n < 0) die_sys(EXIT_SYSFAIL, "wait for the id maps");
    if (n > 0 && !strcmp(msg, "go") && fd < 0) return;
    if (n > 8 && !strncmp(msg, "mountfd ", 8) && fd >= 0 && (i = stage_num(msg + 8, INT_MAX)) >= 0) {
      keep_srcfd((int)i, fd);
      continue;
    }
    die(EXIT_SYSFAIL, "wait for the id maps: monitor said %s", n ? msg : "nothing");
  }
}

static void exec_join(void);

static __attribute__((noreturn)) void child(char **argv)
{
  struct pollfd pf = {.fd = self_pidfd, .events = POLLIN};
  struct specw w;

  debug_clock_child(); /* the --debug "done" line's CPU: this process's own */
  lock_release();
  die_set_teardown(NULL); /* inside: failures go to the monitor, which tears down */
  die_set_report(sync_child);
  close(sync_mon);
  close(sigfd);
  if (prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0) < 0) die_sys(EXIT_SYSFAIL, "prctl PR_SET_PDEATHSIG");
  if (poll(&pf, 1, 0) > 0) _exit(EXIT_SYSFAIL); /* the monitor died before PDEATHSIG was armed */
  close(self_pidfd);
  if (exec_direct) { /* what the helper does otherwise: the pid namespace is ours already */
    exec_join();
    initial_affinity();
  }

  /* cgroups first (single-threaded, so writing 0 to a v1 tasks file is cheap), then the cgroup namespace,
     so that it is rooted at the container's cgroup */
  for (int i = 0; i < njoin; i++) write_fd(joinfds[i], "cgroup");
  if (procsfd >= 0) write_fd(procsfd, "cgroup v2");
  if (v2fd >= 0) close(v2fd);
  if (holdfd >= 0) close(holdfd); /* joined */
  if (has_new("cgroup") && unshare(CLONE_NEWCGROUP) < 0) die_sys(EXIT_SYSFAIL, "unshare cgroup namespace");
  /* the time namespace while we still have the host's uid: once we are root of a user namespace the kernel
     makes us undumpable, and our /proc/self files, owned by the host's root then, refuse our writes */
  if (has_new("time")) timens_setup();

  if (userns_sync()) {
    wait_go();
    /* dumpable only for a non-root monitor to write the maps: no process of the caller's may attach now */
    if (prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) < 0) die_sys(EXIT_SYSFAIL, "prctl PR_SET_DUMPABLE");
  }
  if (has_ns("user")) { /* become root of the user namespace; drop the host's supplementary groups */
    if (setresgid(0, 0, 0) < 0) die_sys(EXIT_SYSFAIL, "setresgid 0 in the user namespace");
    if (setgroups(0, NULL) < 0 && errno != EPERM) die_sys(EXIT_SYSFAIL, "setgroups in the user namespace");
    if (setresuid(0, 0, 0) < 0) die_sys(EXIT_SYSFAIL, "setresuid 0 in the user namespace");
  }
  if (hostname && sethostname(hostname->f[1], strlen(hostname->f[1])) < 0)
    die_sys(EXIT_SYSFAIL, "sethostname %s", hostname->f[1]);
  if (domainname && setdomainname(domainname->f[1], strlen(domainname->f[1])) < 0)
    die_sys(EXIT_SYSFAIL, "setdomainname %s", domainname->f[1]);
  sysctls_apply();
  if (has_new("network")) loopback_up();

  if (fd_move(sync_child, sync_child) < 0) die_sys(EXIT_SYSFAIL, "hand on sync fd %d", sync_child);
  if (exec_mode) { /* the container's /proc may be all there is: no ns.pid; the init's root for oci-exec */
    close(ex.pidfd);
    if (fd_move(ex.rootfd, ex.rootfd) < 0) die_sys(EXIT_SYSFAIL, "hand on root fd %d", ex.rootfd);
    if (specw_from(&w, &sp) < 0 || specw_addf(&w, "ns.rootfd", "%d", ex.rootfd) < 0)
      die_sys(EXIT_SYSFAIL, "spec");
  } else {
    /* our pid as the host sees it: /proc is still the host's here */
    char self[32];
    ssize_t k = readlink("/proc/self", self, sizeof self - 1);
    if (k < 0) die_sys(EXIT_SYSFAIL, "readlink /proc/self");
    self[k] = 0;
    if (specw_from(&w, &sp) < 0 || specw_add(&w, "ns.pid", self, (char *)NULL) < 0)
      die_sys(EXIT_SYSFAIL, "spec");
  }
  add_srcfds(&w);
  if (specw_addf(&w, "ns.sync", "%d", sync_child) < 0 || spec_publish(&w, spec_fd()) < 0)
    die_sys(EXIT_SYSFAIL, "publish spec on fd %d", spec_fd());
  chain_exec(&sp, argv);
}

/* ---- clone ------------------------------------------------------------- */

static pid_t clone3_child(uint64_t flags, int *pidfd)
{
  struct clone_args a;
  pid_t pid;
  memset(&a, 0, sizeof a);
  a.flags = flags | (pidfd ? CLONE_PIDFD : 0);
  a.pidfd = (uint64_t)(uintptr_t)pidfd;
  a.exit_signal = flags & CLONE_PARENT ? 0 : SIGCHLD; /* CLONE_PARENT: the monitor gets SIGCHLD anyway */
  if (v2fd >= 0 && procsfd < 0) {
    a.flags |= CLONE_INTO_CGROUP;
    a.cgroup = (uint64_t)v2fd;
  }
  pid = (pid_t)syscall(SYS_clone3, &a, sizeof a);
  if (pid < 0 && v2fd >= 0 && procsfd < 0 && (errno == E2BIG || errno == EOPNOTSUPP)) {
    /* no CLONE_INTO_CGROUP: the child writes 0 to cgroup.procs instead */
    if ((procsfd = openat(v2fd, "cgroup.procs", O_WRONLY | O_CLOEXEC)) < 0)
      die_sys(EXIT_SYSFAIL, "open cgroup.procs");
    return clone3_child(flags, pidfd);
  }
  return pid;
}

/* New namespaces come from the clone flags, so they are owned by the new user namespace. The cgroup and time
   namespaces are unshared by the child (after joining the cgroup; before setting the offsets). */
static uint64_t clone_flags(void)
{
  uint64_t f = 0;
  for (int i = 0; i < NTYPES; i++)
    if (newns[i] && nstab[i].clone_flag != CLONE_NEWCGROUP && nstab[i].clone_flag != CLONE_NEWTIME)
      f |= (uint64_t)nstab[i].clone_flag;
  return f;
}

static void setns_path(const struct rec *r)
{
  int fd = open(r->f[2], O_RDONLY | O_CLOEXEC);
  if (fd < 0) die_sys(EXIT_SYSFAIL, "open %s namespace %s", r->f[1], r->f[2]);
  if (setns(fd, ns_find(r->f[1])->clone_flag) < 0) die_sys(EXIT_SYSFAIL, "setns %s %s", r->f[1], r->f[2]);
  close(fd);
}

/* ---- exec mode: joining through the init ------------------------------- */

/* The container's init as a pidfd, never mistaken for a reused pid: its start time must still be the one
   recorded, checked once the pidfd exists (from then on the pid cannot be reused while the pidfd shows the
   process alive). Its root is opened here, on the host's side, and checked the same way: oci-exec enters it.
 */
static void exec_open(void)
{
  pid_t pid = (pid_t)stage_num(ex.pid->f[1], INT_MAX);
  char path[64];
  if ((ex.pidfd = pidfd_open(pid, 0)) < 0) {
    if (errno == ESRCH) die(EXIT_BADINPUT, "cannot exec in a stopped container");
    die_sys(EXIT_SYSFAIL, "pidfd_open %d", (int)pid);
  }
  if (state_starttime(pid) != strtoull(ex.start->f[1], NULL, 10))
    die(EXIT_BADINPUT, "cannot exec in a stopped container (pid %d is no longer its init)", (int)pid);
  snprintf(path, sizeof path, "/proc/%d/root", (int)pid);
  if ((ex.rootfd = open(path, O_PATH | O_DIRECTORY | O_CLOEXEC)) < 0) die_sys(EXIT_SYSFAIL, "open %s", path);
  if (pidfd_send_signal(ex.pidfd, 0, NULL, 0) < 0) die(EXIT_BADINPUT, "cannot exec in a stopped container");
  /* cgroup v2 through an fd opened here, with the host's credentials, rather than CLONE_INTO_CGROUP from
     inside the container's user and cgroup namespaces */
  if (v2fd >= 0 && procsfd < 0 && (procsfd = openat(v2fd, "cgroup.procs", O_WRONLY | O_CLOEXEC)) < 0)
    die_sys(EXIT_SYSFAIL, "open cgroup.procs");
}

/* In the helper: the oom score (inherited by the process; the container's /proc may be missing), then every
   namespace of the container at once through the pidfd (the kernel enters the user namespace first). One the
   helper already shares is left out (setns refuses the caller's own user namespace). */
static void exec_join(void)
{
  int flags = 0;
  if (ex.has_oom) {
    char v[16];
    snprintf(v, sizeof v, "%lld", ex.oom);
    if (file_write_at(AT_FDCWD, "/proc/self/oom_score_adj", v) < 0)
      die_sys(EXIT_SYSFAIL, "write /proc/self/oom_score_adj %s", v);
  }
  for (int i = 0; i < NTYPES; i++) {
    char self[64], theirs[64];
    if (!joinns[i]) continue;
    snprintf(self, sizeof self, "/proc/self/ns/%s", nstab[i].proc);
    snprintf(theirs, sizeof theirs, "/proc/%s/ns/%s", ex.pid->f[1], nstab[i].proc);
    if (!same_file(self, theirs)) flags |= nstab[i].clone_flag;
  }
  if (flags && setns(ex.pidfd, flags) < 0)
    die_sys(EXIT_SYSFAIL, "join the namespaces of pid %s", ex.pid->f[1]);
}

/* exec without the helper: the monitor enters the container's pid namespace for its children only (its own
   pid, mounts, credentials stay the host's; it forks nothing else in exec mode) and clones the process
   itself, which joins the other namespaces first thing (exec_join: the same order as in the helper). Saves
   the helper's fork, exit and wait. Entering a pid namespace needs CAP_SYS_ADMIN in the monitor's own user
   namespace: a rootless monitor, or a refusal, takes the helper. 1 when the monitor may clone directly. */
static int exec_enter_pidns(void)
{
  int i = ns_index("pid");
  char theirs[64];
  if (geteuid() != 0) return 0;
  if (!joinns[i]) return 1;
  snprintf(theirs, sizeof theirs, "/proc/%s/ns/pid", ex.pid->f[1]);
  if (same_file("/proc/self/ns/pid_for_children", theirs)) return 1;
  return setns(ex.pidfd, CLONE_NEWPID) == 0;
}

static void tty_restore(void);

/* The process runs (the sync socket closed at its execve): a detached exec is done. */
static void exec_started(void)
{
  if (!exec_mode || !ex.detach) return;
  debug("process started, detached");
  tty_restore();
  debug_done();
  _exit(0);
}

/* Joined namespaces: a short-lived helper enters them (the user namespace first) on the host's credentials,
   so namespaces the host owns can be joined even with a new user namespace, and a joined pid namespace
   applies to the helper's children. It then clones the init as the monitor's own child (CLONE_PARENT), sends
   its pid and exits. The monitor's pid namespace, mounts and credentials stay the host's. */
static pid_t clone_via_helper(char **argv, int *helper_status)
{
  int p[2], st;
  pid_t h, pid = -1;
  if (pipe2(p, O_CLOEXEC) < 0) die_sys(EXIT_SYSFAIL, "pipe");
  if ((h = fork()) < 0) die_sys(EXIT_SYSFAIL, "fork");
  if (h == 0) {
    die_set_teardown(NULL); /* the monitor sees the exit status and tears down */
    close(p[0]);
    int u = ns_index("user");
    if (exec_mode) {
      exec_join();
      initial_affinity();
    } else {
      if (joinns[u]) setns_path(joinns[u]);
      for (int i = 0; i < NTYPES; i++)
        if (joinns[i] && i != u) setns_path(joinns[i]);
    }
    pid_t c = clone3_child(clone_flags() | CLONE_PARENT, NULL);
    if (c < 0) die_sys(EXIT_SYSFAIL, "clone3");
    if (c == 0) child(argv);
    if (write_all(p[1], &c, sizeof c) < 0) die_sys(EXIT_SYSFAIL, "send the init's pid");
    _exit(0);
  }
  close(p[1]);
  if (read_all(p[0], &pid, sizeof pid) != sizeof pid) pid = -1;
  close(p[0]);
  while (waitpid(h, &st, 0) < 0)
    if (errno != EINTR) die_sys(EXIT_SYSFAIL, "wait for the namespace helper");
  *helper_status = WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
  return pid;
}

/* ---- the monitor ------------------------------------------------------- */

static void tty_restore(void)
{
  if (tio_saved) tcsetattr(0, TCSADRAIN, &saved_tio);
  tio_saved = 0;
}

static void kill_init(void)
{
  siginfo_t si;
  if (init_pidfd < 0) return;
  pidfd_send_signal(init_pidfd, SIGKILL, NULL, 0);
  while (waitid(P_PIDFD, (id_t)init_pidfd, &si, WEXITED) < 0 && errno == EINTR) {
  }
}

/* run.keep 1: the container's exit leaves its state dir and cgroups for `runc delete` (runc run --keep);
   run.nosubreaper 1: the monitor is not the child subreaper (runc run --no-subreaper), which joining
   namespaces needs (the helper's grandchild, the init, must come back to the monitor). */
static void run_options(int joins)
{
  for (const struct rec *r = NULL; (r = spec_next(&sp, NULL, r));)
    if (!strcmp(r->f[0], "run.keep") || !strcmp(r->f[0], "run.nosubreaper")) {
      if (r->nf != 2 || strcmp(r->f[1], "1"))
        die(EXIT_BADINPUT, "spec line %u: bad %s record", r->line, r->f[0]);
      *(r->f[0][4] == 'k' ? &keep : &nosubreaper) = 1;
    }
  if (nosubreaper && joins && !restore_mode) /* restore: the subreaper until the init is adopted */
    die(EXIT_BADINPUT,
        "--no-subreaper: joining existing namespaces needs the monitor as the child subreaper");
}

/* Is there anything for oci-delete to remove? A state dir; or, in a chain composed by hand without one, the
   cgroups this chain created (cgroup.dir ... new). Never in exec mode, which only joins cgroups (oci-cgroup
   writes no new record there) and must not tear the container down. */
static int teardown_wanted(void)
{
  const char *mode = spec_get(&sp, "run.mode");
  if (exec_mode) return 0;
  if (spec_get(&sp, "state.dir")) return 1;
  if (!mode || !strcmp(mode, "exec")) return 0;
  for (const struct rec *r = NULL; (r = spec_next(&sp, "cgroup.dir", r));)
    if (r->nf == 4 && !strcmp(r->f[3], "new")) return 1;
  return 0;
}

/* Chain-load the teardown when there is something to remove (fd 3 holds the spec: state.dir, cgroup.dir,
   ns.pid); otherwise (a stage run by hand) just exit with the status. */
static __attribute__((noreturn)) void finish(int status)
{
  debug("container exited: %d", status);
  tty_restore();
  if (!teardown_wanted()) { /* exec mode: nothing of the container's is ours to remove */
    debug_done();
    _exit(status);
  }
  stage_teardown(&sp, status);
  die_sys(errno == ENOENT ? EXIT_NOTFOUND : EXIT_NOEXEC, "exec oci-delete");
}

/* die() after the clone: the container must not outlive the monitor. */
static void monitor_teardown(int status)
{
  char st[32], *av[] = {"oci-delete", "--force", st, NULL};
  debug("container exited: %d", status);
  tty_restore();
  kill_init();
  if (helper_pid > 0) kill(helper_pid, SIGKILL); /* restore: oci-criu, and so criu's requests, stop */
  if (!teardown_wanted()) return;                /* exec: the container is not ours to tear down */
  snprintf(st, sizeof st, "--exit=%d", status);
  chain_try(&sp, av);
}

/* A stage inside failed and already printed its line: take the init's own exit status when it exits on its
   own (die() there already mapped it through exit.setup), else the setup status. */
static __attribute__((noreturn)) void setup_failed(int reaped, int status)
{
  if (!reaped) {
    struct pollfd pf = {.fd = init_pidfd, .events = POLLIN};
    siginfo_t si = {0};
    status = setup_status;
    if (poll(&pf, 1, 2000) > 0 && waitid(P_PIDFD, (id_t)init_pidfd, &si, WEXITED) == 0 &&
        si.si_code == CLD_EXITED && si.si_status != 0)
      status = si.si_status;
  } else if (status == 0 || status > 128) {
    status = setup_status;
  }
  kill_init();
  finish(status);
}

static void write_pidfile(const char *path, pid_t pid)
{
  const char *base = strrchr(path, '/');
  size_t dl = base ? (size_t)(base - path) + 1 : 0;
  char *tmp = malloc(strlen(path) + 8), num[32];
  int fd;
  if (!tmp) die_sys(EXIT_SYSFAIL, "malloc");
  sprintf(tmp, "%.*s.%s", (int)dl, path, path + dl); /* dir/.name, renamed onto dir/name */
  snprintf(num, sizeof num, "%d", (int)pid);
  unlink(tmp);
  if ((fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644)) < 0)
    die_sys(EXIT_SYSFAIL, "create %s", tmp);
  if (write_all(fd, num, strlen(num)) < 0 || close(fd) < 0) die_sys(EXIT_SYSFAIL, "write %s", tmp);
  if (rename(tmp, path) < 0) die_sys(EXIT_SYSFAIL, "rename %s to %s", tmp, path);
  free(tmp);
}

/* One write(2): the kernel takes the whole map at once. */
static void write_idmap(const char *key, const char *file)
{
  size_t len = 1, n = 0;
  const struct rec *r;
  char path[64], *buf;
  for (r = NULL; (r = spec_next(&sp, key, r));)
    len += strlen(r->f[1]) + strlen(r->f[2]) + strlen(r->f[3]) + 3;
  if (!(buf = malloc(len))) die_sys(EXIT_SYSFAIL, "malloc");
  for (r = NULL; (r = spec_next(&sp, key, r));)
    n += (size_t)snprintf(buf + n, len - n, "%s %s %s\n", r->f[1], r->f[2], r->f[3]);
  snprintf(path, sizeof path, "/proc/%d/%s", (int)init_pid, file);
  proc_write(path, buf, key);
  free(buf);
}

/* A rootless map the kernel lets us write ourselves: one line mapping one id, our own (user_namespaces(7)).
 */
static int idmap_own_only(const char *key, unsigned own)
{
  const struct rec *r = spec_next(&sp, key, NULL);
  char self[32];
  snprintf(self, sizeof self, "%u", own);
  return r && !spec_next(&sp, key, r) && !strcmp(r->f[2], self) && !strcmp(r->f[3], "1");
}

/* A non-root caller's wider map goes through the setuid helper of the shadow suite (newuidmap, newgidmap),
   which checks it against /etc/subuid and /etc/subgid: a range the caller was not given is refused there,
   with the helper's own message on stderr. */
static void idmap_tool(const char *tool, const char *key)
{
  size_t n = 2, k = 0;
  const struct rec *r;
  char pid[32], **av;
  int st;
  pid_t c;
  for (r = NULL; (r = spec_next(&sp, key, r));) n += 3;
  if (!(av = calloc(n + 1, sizeof *av))) die_sys(EXIT_SYSFAIL, "malloc");
  snprintf(pid, sizeof pid, "%d", (int)init_pid);
  av[k++] = (char *)tool;
  av[k++] = pid;
  for (r = NULL; (r = spec_next(&sp, key, r));)
    for (int i = 1; i <= 3; i++) av[k++] = r->f[i];
  if ((c = fork()) < 0) die_sys(EXIT_SYSFAIL, "fork %s", tool);
  if (c == 0) {
    sigset_t none;
    sigemptyset(&none);
    sigprocmask(SIG_SETMASK, &none, NULL);
    /* found in PATH, as runc does: only a non-root caller gets here, and a helper of its own choosing
       has no more rights than it has */
    execvp(tool, av);
    fprintf(stderr, "oci-ns: exec %s: %s\n", tool, strerror(errno));
    _exit(127);
  }
  while (waitpid(c, &st, 0) < 0)
    if (errno != EINTR) die_sys(EXIT_SYSFAIL, "wait for %s", tool);
  if (!WIFEXITED(st) || WEXITSTATUS(st))
    die(EXIT_SYSFAIL, "%s %s for %s: failed (exit %d); see its message above", tool, pid, key,
        WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st));
  free(av);
}

/* The maps are written by the monitor. As root on the host it writes them itself. A non-root caller (a
   rootless container) writes a map of its own id only itself, after denying setgroups (the kernel's rule
   for gid_map); any wider map goes through newuidmap/newgidmap. */
static void idmaps_write(void)
{
  char path[64];
  int root = geteuid() == 0;
  if (root || idmap_own_only("idmap.uid", (unsigned)geteuid()))
    write_idmap("idmap.uid", "uid_map");
  else
    idmap_tool("newuidmap", "idmap.uid");
  if (root || idmap_own_only("idmap.gid", (unsigned)getegid())) {
    if (!root) {
      snprintf(path, sizeof path, "/proc/%d/setgroups", (int)init_pid);
      proc_write(path, "deny", "setgroups");
    }
    write_idmap("idmap.gid", "gid_map");
  } else {
    idmap_tool("newgidmap", "idmap.gid");
  }
}

/* mount.idmap INDEX RECURSIVE for mount INDEX, or NULL */
static const struct rec *idmap_of(int i)
{
  for (const struct rec *r = NULL; (r = spec_next(&sp, "mount.idmap", r));)
    if (r->nf == 3 && stage_num(r->f[1], INT_MAX) == i) return r;
  return NULL;
}

/* The map of an id-mapped mount ("C H S\n" lines): its own mount.uidmap/mount.gidmap records, else the
   container's idmap.uid/idmap.gid (the idmap option alone). */
static char *mount_map(int i, const char *key, const char *fallback)
{
  char *buf = xasprintf("%s", ""), *n;
  int own = 0;
  for (const struct rec *r = NULL; (r = spec_next(&sp, key, r));)
    if (r->nf == 5 && stage_num(r->f[1], INT_MAX) == i) {
      n = xasprintf("%s%s %s %s\n", buf, r->f[2], r->f[3], r->f[4]);
      free(buf);
      buf = n;
      own = 1;
    }
  for (const struct rec *r = NULL; !own && (r = spec_next(&sp, fallback, r));) {
    n = xasprintf("%s%s %s %s\n", buf, r->f[1], r->f[2], r->f[3]);
    free(buf);
    buf = n;
  }
  if (!*buf) die(EXIT_BADINPUT, "id-mapped mount %d: no %s mappings to apply", i, key + 6);
  return buf;
}

/* A user namespace holding mount I's maps, for MOUNT_ATTR_IDMAP: a child unshares one and waits while we,
   root on the host, write its maps; its ns fd outlives it. */
static int idmap_userns(int i)
{
  char *um = mount_map(i, "mount.uidmap", "idmap.uid"), *gm = mount_map(i, "mount.gidmap", "idmap.gid");
  char path[64];
  int p[2], q[2], fd, st;
  pid_t c;
  if (pipe2(p, O_CLOEXEC) < 0 || pipe2(q, O_CLOEXEC) < 0) die_sys(EXIT_SYSFAIL, "pipe");
  if ((c = fork()) < 0) die_sys(EXIT_SYSFAIL, "fork");
  if (c == 0) { /* holds the namespace until the parent's end of q closes */
    char b = unshare(CLONE_NEWUSER) == 0 ? 'y' : 'n';
    close(p[0]);
    close(q[1]);
    if (write(p[1], &b, 1) != 1 || read(q[0], &b, 1) < 0) _exit(1);
    _exit(0);
  }
  close(p[1]);
  close(q[0]);
  char b = 0;
  if (read(p[0], &b, 1) != 1 || b != 'y')
    die(EXIT_SYSFAIL, "id-mapped mount %d: cannot make its user namespace", i);
  snprintf(path, sizeof path, "/proc/%d/uid_map", (int)c);
  proc_write(path, um, "mount.uidmap");
  snprintf(path, sizeof path, "/proc/%d/gid_map", (int)c);
  proc_write(path, gm, "mount.gidmap");
  snprintf(path, sizeof path, "/proc/%d/ns/user", (int)c);
  if ((fd = open(path, O_RDONLY | O_CLOEXEC)) < 0) die_sys(EXIT_SYSFAIL, "open %s", path);
  close(q[1]); /* the child exits */
  close(p[0]);
  while (waitpid(c, &st, 0) < 0 && errno == EINTR) {
  }
  free(um);
  free(gm);
  return fd;
}

/* An id-mapped mount (runtime-spec 1.2): a detached clone of the source with MOUNT_ATTR_IDMAP, which the
   kernel only sets on a mount no one uses yet; oci-mount moves it into place. Where the kernel or the
   filesystem cannot, the error says so. */
static int open_idmapped(const struct rec *r, int i, const struct rec *im)
{
  struct mount_flags mf;
  int rec = !strcmp(im->f[2], "1"), ufd = idmap_userns(i), tree;
  struct mount_attr a = {.attr_set = MOUNT_ATTR_IDMAP, .userns_fd = (uint64_t)ufd};
  mount_flags_parse(r->f[4], &mf);
  tree = (int)syscall(SYS_open_tree, AT_FDCWD, r->f[3],
                      OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC | (mf.flags & MS_REC ? AT_RECURSIVE : 0));
  if (tree < 0) die_sys(EXIT_SYSFAIL, "open bind source %s", r->f[3]);
  if (mount_setattr(tree, "", AT_EMPTY_PATH | (rec ? AT_RECURSIVE : 0), &a, sizeof a) < 0)
    die_sys(EXIT_BADINPUT, "id-mapped mount of %s: the kernel or its filesystem cannot map it", r->f[3]);
  close(ufd);
  return tree;
}

/* Open every bind source in the current mount namespace (the container's, still a copy of the host's) with
   the host's credentials, and send it to the child. Stops a mapped root being refused a source under a
   directory only host root may enter (runc opens them the same way); a symlink is resolved here, on the
   host's side, as runc does. The fds are O_PATH: nothing can be read or written through them. NULL when all
   went, else the step that failed ("open", "send") with *src its source and errno set. */
static const char *sources_each(const char **src)
{
  int i = 0;
  for (const struct rec *r = NULL; (r = spec_next(&sp, "mount", r)); i++) {
    char msg[32];
    int fd, e;
    const struct rec *im = idmap_of(i);
    if (!mount_rec_is_bind(r)) continue;
    *src = r->f[3];
    if ((fd = im ? open_idmapped(r, i, im) : open(r->f[3], O_PATH | O_CLOEXEC)) < 0) return "open";
    snprintf(msg, sizeof msg, "mountfd %d", i);
    e = sync_send(sync_mon, msg, fd) < 0 ? errno : 0;
    close(fd);
    if (e) {
      errno = e;
      return "send";
    }
  }
  return NULL;
}

/* In the helper: the sources, from the container's mount namespace. */
static void sources_open(void)
{
  const char *src = NULL, *failed;
  if (setns(init_pidfd, CLONE_NEWNS) < 0) die_sys(EXIT_SYSFAIL, "join the container's mount namespace");
  if ((failed = sources_each(&src))) die_sys(EXIT_SYSFAIL, "%s bind source %s", failed, src);
}

/* Without id-mapped mounts the monitor opens the bind sources itself, saving a fork and a wait: it enters the
   container's mount namespace (the child waits for "go" and has changed nothing in it), sends the sources,
   and goes back to its own namespace, root and working directory before it reports a failure. Returns 0
   when it cannot save where it is (then the helper does it). */
static int sources_open_here(void)
{
  int self = open("/proc/self/ns/mnt", O_RDONLY | O_CLOEXEC);
  int root = open("/", O_PATH | O_DIRECTORY | O_CLOEXEC), cwd = open(".", O_PATH | O_DIRECTORY | O_CLOEXEC);
  const char *failed, *src = NULL;
  int e;
  if (self < 0 || root < 0 || cwd < 0) {
    if (self >= 0) close(self);
    if (root >= 0) close(root);
    if (cwd >= 0) close(cwd);
    return 0;
  }
  if (setns(init_pidfd, CLONE_NEWNS) < 0) die_sys(EXIT_SYSFAIL, "join the container's mount namespace");
  failed = sources_each(&src);
  e = errno;
  if (setns(self, CLONE_NEWNS) < 0 || fchdir(root) < 0 || chroot(".") < 0 || fchdir(cwd) < 0)
    die_sys(EXIT_SYSFAIL, "return to the monitor's mount namespace");
  close(self);
  close(root);
  close(cwd);
  errno = e;
  if (failed) die_sys(EXIT_SYSFAIL, "%s bind source %s", failed, src);
  return 1;
}

/* A short-lived helper opens the bind sources where a mount is id-mapped (it makes user namespaces for their
   maps), so that the monitor's own mount namespace never changes. */
static void sources_send(void)
{
  int st, any = 0;
  pid_t h;
  /* rootless: without CAP_SYS_CHROOT on the host no helper can join the container's mount namespace; the
     container's root opens the sources itself, with what the caller could reach anyway */
  if (geteuid() != 0 || !has_ns("mount")) return;
  for (const struct rec *r = NULL; !any && (r = spec_next(&sp, "mount", r));) any = mount_rec_is_bind(r);
  if (!any) return; /* no source to open */
  if (!spec_next(&sp, "mount.idmap", NULL) && sources_open_here()) return;
  if ((h = fork()) < 0) die_sys(EXIT_SYSFAIL, "fork");
  if (h == 0) {
    die_set_teardown(NULL); /* the monitor sees the exit status and tears down */
    sources_open();
    _exit(0);
  }
  while (waitpid(h, &st, 0) < 0)
    if (errno != EINTR) die_sys(EXIT_SYSFAIL, "wait for the mount source helper");
  if (!WIFEXITED(st) || WEXITSTATUS(st)) /* it printed why */
    setup_failed(1, WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st));
}

/* Everything the child waits for in a user namespace: the maps (a new one), the bind sources, then go. */
static void userns_setup(void)
{
  if (has_new("user")) idmaps_write();
  sources_send();
  if (sync_send(sync_mon, "go", -1) < 0) die_sys(EXIT_SYSFAIL, "send go to the container");
}

struct relay {
  int master;   /* pty master, -1 without one */
  int in_open;  /* still copying stdin to the master */
  int out_open; /* stdout still writable */
};

static void winsize_copy(int master)
{
  struct winsize ws;
  if (master >= 0 && ioctl(0, TIOCGWINSZ, &ws) == 0) ioctl(master, TIOCSWINSZ, &ws);
}

/* --console-socket: the pty master goes to whoever listens there (conmon,
   containerd's shim), with SCM_RIGHTS, instead of being relayed. */
static void console_send(const char *path, int master)
{
  struct sockaddr_un sa = {.sun_family = AF_UNIX};
  int s;
  if (strlen(path) >= sizeof sa.sun_path) die(EXIT_BADINPUT, "console socket %s: name too long", path);
  strcpy(sa.sun_path, path);
  if ((s = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0)) < 0) die_sys(EXIT_SYSFAIL, "socket");
  if (connect(s, (struct sockaddr *)&sa, sizeof sa) < 0)
    die_sys(EXIT_SYSFAIL, "connect console socket %s", path);
  if (sync_send(s, "/dev/ptmx", master) < 0) die_sys(EXIT_SYSFAIL, "send the pty master to %s", path);
  close(s);
}

static void pty_start(struct relay *rl, int fd)
{
  if (rl->master >= 0 || !terminal) {
    warn("unexpected pty from the container, closed"); /* the caller closes fd */
    return;
  }
  rl->master = fd;
  rl->in_open = rl->out_open = 1;
  if (isatty(0) && tcgetattr(0, &saved_tio) == 0) {
    struct termios raw = saved_tio;
    cfmakeraw(&raw);
    tio_saved = 1;
    if (tcsetattr(0, TCSADRAIN, &raw) < 0) warn_sys("set the terminal to raw mode");
  }
  winsize_copy(fd);
}

/* Copy what is there from one fd to another: the read result (0 at EOF, -1 on error). A failed write only
   stops the output side. */
static ssize_t pump(int from, int to, int *to_open)
{
  char buf[16384];
  ssize_t n = read(from, buf, sizeof buf);
  if (n > 0 && *to_open && write_all(to, buf, (size_t)n) < 0) *to_open = 0;
  return n;
}

/* The init is gone: whatever is still in the pty is output it already wrote. */
static void pty_drain(struct relay *rl)
{
  if (rl->master < 0) return;
  fcntl(rl->master, F_SETFL, fcntl(rl->master, F_GETFL) | O_NONBLOCK);
  while (pump(rl->master, 1, &rl->out_open) > 0) {
  }
  close(rl->master);
  rl->master = -1;
}

static int reap(int *status)
{
  int st, done = 0;
  pid_t p;
  if (exec_mode && ex.detach) {
    /* runc exec -d: the process is the caller's to reap (containerd's shim and conmon are subreapers and
       match its exit to the pid file): look at it without reaping, and leave it a zombie when we exit */
    siginfo_t si = {0};
    if (waitid(P_PID, (id_t)init_pid, &si, WEXITED | WNOHANG | WNOWAIT) < 0 || si.si_pid != init_pid)
      return 0;
    *status = si.si_code == CLD_EXITED ? si.si_status : 128 + si.si_status;
    return 1;
  }
  while ((p = waitpid(-1, &st, WNOHANG)) > 0)
    if (p == init_pid) {
      *status = WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
      done = 1;
    }
  return done;
}

/* The container's pty master (a run's from oci-exec, a restore's from criu): to the console socket, or
   relayed by the monitor. */
static void pty_received(struct relay *rl, int fd)
{
  if (terminal && spec_get(&sp, "run.consolesocket"))
    console_send(spec_get(&sp, "run.consolesocket"), fd);
  else
    pty_start(rl, fd);
}

/* One message from the chain inside: 1 when a stage failed, 0 when handled, -1 when none is queued. */
static int sync_message(struct relay *rl, int *open)
{
  char msg[4200];
  int fd;
  ssize_t n = sync_recv(sync_mon, msg, sizeof msg, &fd);
  if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) return -1;
  if (n <= 0) { /* EOF: the container's process execve'd (the socket is CLOEXEC there) or the child died */
    char err[1024];
    *open = 0;
    debug("container started");
    /* poststart: a failure is a warning, the container runs on (runtime-spec) */
    hook_run_all(&sp, "poststart", init_pid, "running", err, sizeof err, warn_line);
    exec_started();
    return 0;
  }
  if (!strncmp(msg, "error", 5)) return 1; /* the line is already on stderr and in the log */
  if (!strcmp(msg, "pty") && fd >= 0)
    pty_received(rl, fd);
  else if (!strcmp(msg, "ready") && create_mode) {
    /* created: the state, then leave; the init waits on the exec fifo */
    if (spec_get(&sp, "state.dir") && state_write(&sp, init_pid, "created") < 0)
      die_sys(EXIT_SYSFAIL, "write state in %s", spec_get(&sp, "state.dir"));
    debug("container created");
    debug_done();
    _exit(0);
  } else if (!strcmp(msg, "hook createRuntime")) {
    /* in the runtime's namespaces, once the container's exist: prestart
       (deprecated, same moment) then createRuntime */
    char err[1024], ans[1100] = "ok";
    if (hook_run(&sp, "prestart", init_pid, "created", err, sizeof err) != 0 ||
        hook_run(&sp, "createRuntime", init_pid, "created", err, sizeof err) != 0)
      snprintf(ans, sizeof ans, "fail %s", err);
    if (sync_send(sync_mon, ans, -1) < 0) die_sys(EXIT_SYSFAIL, "answer hook request");
  } else if (!strcmp(msg, "seccomp") && fd >= 0) {
    /* the notify listener, to the agent at listenerPath (notify.h); the process waits for our answer */
    char err[1024], ans[1100] = "ok";
    pid_t cpid = exec_mode ? (pid_t)stage_num(ex.pid->f[1], INT_MAX) : init_pid;
    if (notify_send(&sp, init_pid, cpid, exec_mode ? "running" : "creating", fd, err, sizeof err) < 0)
      snprintf(ans, sizeof ans, "fail %s", err);
    if (sync_send(sync_mon, ans, -1) < 0) die_sys(EXIT_SYSFAIL, "answer the seccomp listener request");
  } else if (!strncmp(msg, "hook ", 5)) {
    if (sync_send(sync_mon, "fail unknown hook request", -1) < 0)
      die_sys(EXIT_SYSFAIL, "answer hook request");
  } else if (strcmp(msg, "ready"))
    warn("unknown message from the container: %.64s", msg);
  if (fd >= 0 && fd != rl->master) close(fd);
  return 0;
}

static __attribute__((noreturn)) void monitor_run(struct relay rl)
{
  int sync_open = sync_mon >= 0, status = 0; /* restore: the chain inside is gone already */

  for (;;) {
    struct pollfd pf[4];
    int n = 0, isig, isync = -1, imaster = -1, iin = -1;
    pf[isig = n++] = (struct pollfd){.fd = sigfd, .events = POLLIN};
    if (sync_open) pf[isync = n++] = (struct pollfd){.fd = sync_mon, .events = POLLIN};
    if (rl.master >= 0) pf[imaster = n++] = (struct pollfd){.fd = rl.master, .events = POLLIN};
    if (rl.master >= 0 && rl.in_open) pf[iin = n++] = (struct pollfd){.fd = 0, .events = POLLIN};
    if (poll(pf, (nfds_t)n, -1) < 0) {
      if (errno == EINTR) continue;
      die_sys(EXIT_SYSFAIL, "poll");
    }
    if (isync >= 0 && pf[isync].revents && sync_message(&rl, &sync_open) == 1) setup_failed(0, 0);
    if (imaster >= 0 && pf[imaster].revents && pump(rl.master, 1, &rl.out_open) <= 0) {
      close(rl.master); /* EIO: no slave is open any more */
      rl.master = -1;
    }
    if (iin >= 0 && pf[iin].revents && pump(0, rl.master, &(int){1}) <= 0) rl.in_open = 0;
    if (pf[isig].revents) {
      struct signalfd_siginfo si;
      int exited = 0;
      while (read(sigfd, &si, sizeof si) == sizeof si) {
        int sig = (int)si.ssi_signo;
        if (sig == SIGCHLD)
          exited |= reap(&status);
        else if (sig == SIGWINCH)
          winsize_copy(rl.master);
        else if (pidfd_send_signal(init_pidfd, sig, NULL, 0) < 0 && errno != ESRCH)
          warn_sys("forward signal %s", signal_name(sig));
      }
      if (exited) {
        /* a stage that failed says so before it exits: look at what is still queued */
        if (sync_open) {
          fcntl(sync_mon, F_SETFL, O_NONBLOCK);
          for (int m = 0; sync_open && m >= 0;)
            if ((m = sync_message(&rl, &sync_open)) == 1) setup_failed(1, status);
        }
        pty_drain(&rl);
        init_pidfd = -1;                          /* reaped: nothing left to kill */
        if (keep && spec_get(&sp, "state.dir")) { /* runc run --keep: `runc delete` tears down */
          debug("container exited: %d, kept", status);
          tty_restore();
          debug_done();
          _exit(status);
        }
        finish(status);
      }
    }
  }
}

/* The init exists: ns.pid for the state copy and the teardown (not in exec mode), the pid file, the state. */
static void started(pid_t pid)
{
  if (!exec_mode) {
    struct specw w;
    unsigned line;
    if (specw_from(&w, &sp) < 0 || specw_addf(&w, "ns.pid", "%d", (int)pid) < 0 ||
        spec_publish(&w, spec_fd()) < 0)
      die_sys(EXIT_SYSFAIL, "publish spec on fd %d", spec_fd());
    specw_free(&w);
    spec_free(&sp);
    if (spec_read(spec_fd(), &sp, &line) < 0) die_sys(EXIT_SYSFAIL, "read spec from fd %d", spec_fd());
  }
  if (spec_get(&sp, "run.pidfile")) write_pidfile(spec_get(&sp, "run.pidfile"), pid);
  if (spec_get(&sp, "state.dir") && state_write(&sp, pid, "running") < 0)
    die_sys(EXIT_SYSFAIL, "write state in %s", spec_get(&sp, "state.dir"));
}

/* ---- restore mode ------------------------------------------------------ */

/* The helper: what child() does up to the publish, without a clone, a cgroup or a namespace (criu places and
   makes them), then the rest of the chain (oci-criu). Signals stay blocked: criu_start unblocks them for
   criu. */
static __attribute__((noreturn)) void restore_helper(char **argv)
{
  struct pollfd pf = {.fd = self_pidfd, .events = POLLIN};
  struct specw w;
  debug_clock_child();
  lock_release();
  die_set_teardown(NULL);
  die_set_report(sync_child);
  close(sync_mon);
  close(sigfd);
  if (prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0) < 0) die_sys(EXIT_SYSFAIL, "prctl PR_SET_PDEATHSIG");
  if (poll(&pf, 1, 0) > 0) _exit(EXIT_SYSFAIL);
  close(self_pidfd);
  for (int i = 0; i < njoin; i++) close(joinfds[i]);
  if (v2fd >= 0) close(v2fd);
  if (holdfd >= 0) close(holdfd);
  if (fd_move(sync_child, sync_child) < 0) die_sys(EXIT_SYSFAIL, "hand on sync fd %d", sync_child);
  if (specw_from(&w, &sp) < 0 || specw_addf(&w, "ns.sync", "%d", sync_child) < 0 ||
      spec_publish(&w, spec_fd()) < 0)
    die_sys(EXIT_SYSFAIL, "publish spec on fd %d", spec_fd());
  chain_exec(&sp, argv);
}

/* The restored init, once oci-criu exited: reparented to us (criu's rst_sibling made it oci-criu's child,
   and we are the child subreaper), so an unreaped child: its pid cannot be reused under the pidfd. */
static void restore_adopt(pid_t pid)
{
  siginfo_t si = {0};
  char *dir;
  if (waitid(P_PID, (id_t)pid, &si, WEXITED | WNOHANG | WNOWAIT) < 0)
    die_sys(EXIT_SYSFAIL, "restored pid %d is not the monitor's child", (int)pid);
  if ((init_pidfd = pidfd_open(pid, 0)) < 0) die_sys(EXIT_SYSFAIL, "pidfd_open %d", (int)pid);
  init_pid = pid;
  if (spec_get(&sp, "state.dir")) { /* oci-criu's mount point (its bind died with its mount namespace) */
    dir = xasprintf("%s/criu-root", spec_get(&sp, "state.dir"));
    if (rmdir(dir) < 0 && errno != ENOENT) die_sys(EXIT_SYSFAIL, "rmdir %s", dir);
    free(dir);
  }
}

/* The monitor while criu restores: the helper's messages ("pty", "restored PID", "error"), its exit, and
   signals (one that ends the caller ends the restore). Then the init is adopted and the state written as
   for run; without run.detach the monitor stays as for run, with no poststart (runc runs none on restore). */
static __attribute__((noreturn)) void restore(char **argv)
{
  struct relay rl = {.master = -1};
  int sync_open = 1, helper_done = 0, failed = 0, hst = 0, status = 0;
  pid_t pid = -1, h = fork();
  if (h < 0) die_sys(EXIT_SYSFAIL, "fork");
  if (h == 0) restore_helper(argv);
  helper_pid = h;
  die_set_teardown(monitor_teardown);
  close(sync_child);
  for (int i = 0; i < njoin; i++) close(joinfds[i]);
  if (v2fd >= 0) close(v2fd);
  while (!helper_done || sync_open) {
    struct pollfd pf[2] = {{.fd = sigfd, .events = POLLIN},
                           {.fd = sync_open ? sync_mon : -1, .events = POLLIN}};
    if (poll(pf, 2, -1) < 0) {
      if (errno == EINTR) continue;
      die_sys(EXIT_SYSFAIL, "poll");
    }
    if (pf[1].revents) {
      char msg[4200];
      int fd;
      long long n;
      ssize_t len = sync_recv(sync_mon, msg, sizeof msg, &fd);
      if (len <= 0) {
        sync_open = 0;
      } else if (!strncmp(msg, "error", 5)) {
        failed = 1; /* the line is already on stderr and in the log */
      } else if (!strncmp(msg, "restored ", 9) && (n = stage_num(msg + 9, INT_MAX)) > 0 && pid < 0) {
        pid = (pid_t)n;
      } else if (!strcmp(msg, "pty") && fd >= 0) {
        pty_received(&rl, fd);
      } else {
        warn("unknown message from oci-criu: %.64s", msg);
      }
      if (fd >= 0 && fd != rl.master) close(fd);
    }
    if (pf[0].revents) {
      struct signalfd_siginfo si;
      while (read(sigfd, &si, sizeof si) == sizeof si) {
        int sig = (int)si.ssi_signo, st;
        if (sig == SIGCHLD && !helper_done && waitpid(h, &st, WNOHANG) == h) {
          helper_done = 1;
          helper_pid = -1;
          hst = WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
        } else if (sig == SIGWINCH) {
          winsize_copy(rl.master);
        } else if (sig == SIGINT || sig == SIGTERM || sig == SIGHUP || sig == SIGQUIT) {
          warn("restore interrupted by %s", signal_name(sig));
          kill(h, SIGKILL);
          failed = 1;
        }
      }
    }
  }
  if (failed || hst || pid < 0) {
    if (pid > 0 && waitid(P_PID, (id_t)pid, &(siginfo_t){0}, WEXITED | WNOHANG | WNOWAIT) == 0)
      init_pidfd = pidfd_open(pid, 0); /* kill_init: what criu left is ours */
    if (!failed && !hst) warn("oci-criu exited without the restored pid");
    kill_init();
    pty_drain(&rl);
    finish(hst && hst < 128 ? hst : setup_status);
  }
  restore_adopt(pid);
  debug("restored, pid %d", (int)pid);
  if (holdfd >= 0) close(holdfd);
  started(pid);
  lock_release();
  if (nosubreaper && prctl(PR_SET_CHILD_SUBREAPER, 0, 0, 0, 0) < 0)
    die_sys(EXIT_SYSFAIL, "prctl PR_SET_CHILD_SUBREAPER");
  if (detach) { /* the init is reparented to the caller's subreaper, or to init, as after runc run -d */
    tty_restore();
    debug_done();
    _exit(0);
  }
  close(sync_mon);
  sync_mon = -1;
  /* it may have exited while criu was still finishing: its SIGCHLD was read above */
  if (reap(&status)) {
    pty_drain(&rl);
    init_pidfd = -1;
    finish(status);
  }
  monitor_run(rl);
}

int main(int argc, char **argv)
{
  sigset_t all;
  long long st;
  pid_t pid;
  int opt, sv[2], helper_status = 0, joins = 0;

  stage_init("oci-ns");
  while ((opt = getopt(argc, argv, "+")) != -1) die_usage(USAGE);
  argv += optind;
  if (!*argv) die_usage(USAGE);
  stage_read(&sp);
  check_records();
  if (spec_get_int(&sp, "exit.setup", -1, &st) == 0 && st >= 0 && st < 256) setup_status = (int)st;
  for (int i = 0; i < NTYPES; i++) joins |= joinns[i] != NULL;
  run_options(joins);
  if (exec_mode) exec_open();

  /* Everything the monitor holds is CLOEXEC; the child gets its end of the socket handed on by record. */
  if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) < 0) die_sys(EXIT_SYSFAIL, "socketpair");
  sync_mon = sv[0];
  sync_child = sv[1];
  if ((self_pidfd = pidfd_open(getpid(), 0)) < 0) die_sys(EXIT_SYSFAIL, "pidfd_open self");
  /* Signals are blocked before the clone so that none is lost or acts on the monitor: the monitor reads them
     from a signalfd; the child keeps them blocked until oci-exec resets the mask before the final execve. */
  sigfillset(&all);
  if (sigprocmask(SIG_BLOCK, &all, NULL) < 0) die_sys(EXIT_SYSFAIL, "block signals");
  if ((sigfd = signalfd(-1, &all, SFD_CLOEXEC | SFD_NONBLOCK)) < 0) die_sys(EXIT_SYSFAIL, "signalfd");
  if ((!nosubreaper || restore_mode) && prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) < 0)
    die_sys(EXIT_SYSFAIL, "prctl PR_SET_CHILD_SUBREAPER");
  if (restore_mode) restore(argv);

  /* A non-root monitor can open the child's uid_map and gid_map (and newuidmap accepts the child) only while
     the child is dumpable: /proc/PID of an undumpable process is owned by the host's root. The child inherits
     this and turns it off again as soon as its maps are written. */
  if (has_new("user") && geteuid() != 0 && prctl(PR_SET_DUMPABLE, 1, 0, 0, 0) < 0)
    die_sys(EXIT_SYSFAIL, "prctl PR_SET_DUMPABLE");
  if (exec_mode && (exec_direct = exec_enter_pidns())) {
    pid = clone3_child(clone_flags(), &init_pidfd);
    if (pid < 0) die_sys(EXIT_SYSFAIL, "clone3");
    if (pid == 0) child(argv);
  } else if (joins || exec_mode) {
    pid = clone_via_helper(argv, &helper_status);
    if (pid > 0 && (init_pidfd = pidfd_open(pid, 0)) < 0) { /* our unreaped child: the pid cannot be reused */
      int e = errno;
      kill(pid, SIGKILL);
      errno = e;
      die_sys(EXIT_SYSFAIL, "pidfd_open %d", (int)pid);
    }
  } else {
    pid = clone3_child(clone_flags(), &init_pidfd);
    if (pid < 0) die_sys(EXIT_SYSFAIL, "clone3");
    if (pid == 0) child(argv);
  }
  init_pid = pid;
  prctl(PR_SET_DUMPABLE, 0, 0, 0, 0); /* the monitor itself: undumpable again */
  die_set_teardown(monitor_teardown);
  close(sync_child);
  for (int i = 0; i < njoin; i++) close(joinfds[i]);
  if (v2fd >= 0) close(v2fd);
  if (procsfd >= 0) close(procsfd);
  if (holdfd >= 0) close(holdfd);
  if (pid < 0) /* the helper failed and printed why */
    finish(helper_status && helper_status < 128 ? helper_status : setup_status);

  if (ex.rootfd >= 0) close(ex.rootfd);
  if (userns_sync()) userns_setup();
  started(pid);
  if (!create_mode) lock_release(); /* create: at "ready", when the monitor exits */
  monitor_run((struct relay){.master = -1});
}
