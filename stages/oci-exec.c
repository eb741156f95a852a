/* oci-exec: the irreversible steps, in one process, in one fixed order, ending in the container's execve.
   Reads root.*, process.*, rlimit, arg, env, secure.*, run.preservefds, ns.sync; appends nothing.
   Last stage, inside the container's namespaces after oci-mount; the secure.* records come from oci-secure.
   Exec mode (run.mode exec, `runc exec`): oci-ns joined a running container; the root is the init's
   (ns.rootfd), and there is no exec fifo, /dev/console, oom score (oci-ns set it) or startContainer hook.
 */
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <linux/capability.h>
#include <linux/filter.h>
#include <linux/keyctl.h>
#include <linux/magic.h>
#include <linux/mount.h>
#include <linux/seccomp.h>
#include <limits.h>
#include <sched.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/personality.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/syscall.h>
#include <termios.h>
#include <unistd.h>

#ifdef HAVE_SELINUX
#include <selinux/selinux.h>
#endif

#include "cpuset.h"
#include "die.h"
#include "hook.h"
#include "fd.h"
#include "mnt.h"
#include "names.h"
#include "path.h"
#include "spec.h"
#include "stage.h"
#include "sync.h"

#define USAGE "oci-exec"
#define DEFAULT_PATH "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"

#ifndef TIOCGPTPEER
#define TIOCGPTPEER _IO('T', 0x41)
#endif
#ifndef SECCOMP_FILTER_FLAG_NEW_LISTENER
#define SECCOMP_FILTER_FLAG_NEW_LISTENER (1UL << 3)
#endif
#ifndef KEY_USR_SEARCH
#define KEY_USR_SEARCH 0x00080000
#endif
#ifndef PR_CAP_AMBIENT
#define PR_CAP_AMBIENT 47
#define PR_CAP_AMBIENT_RAISE 2
#define PR_CAP_AMBIENT_CLEAR_ALL 4
#endif

enum { BND, EFF, PRM, INH, AMB, NSETS };
static const char *const capsets[NSETS] = {"bounding", "effective", "permitted", "inheritable", "ambient"};

struct rlim {
  const struct rec *r;
  int res;
  struct rlimit lim;
};

/* sched_setattr(2)'s argument (glibc 2.36 has neither the struct nor a wrapper) */
struct sched_attr_v1 {
  uint32_t size, policy;
  uint64_t flags;
  int32_t nice;
  uint32_t priority;
  uint64_t runtime, deadline, period;
  uint32_t util_min, util_max;
};

/* Everything oci-exec acts on, read and checked before the first irreversible step. */
static struct cfg {
  const char *root, *cwd, *keyring, *apparmor, *selinux, *path;
  int pivot, terminal, nnp, has_size, has_oom, oom, sync, logfd, preserve, has_home;
  unsigned short rows, cols;
  uid_t uid;
  gid_t gid, *groups;
  size_t ngroups, nrl;
  mode_t umask;
  struct rlim *rl;
  char **args, **envp;
  uint64_t caps[NSETS];
  int has_caps[NSETS];
  struct sock_fprog prog; /* .len 0: no filter */
  unsigned bpfflags;
  unsigned long propagation; /* root.propagation, applied to the new "/" */
  int create, fifo;          /* run.mode create: wait on state.dir/exec.fifo for `runc start` */
  int mountns;               /* ns.new mount or ns.join mount: pivot_root; otherwise chroot */
  int exec, rootfd;          /* run.mode exec: enter the init's root, ns.rootfd */
  const char *statedir;
  int has_sched, ioprio;    /* process.scheduler, process.ioprio (0: none; else ioprio_set's value) */
  struct sched_attr_v1 sa;  /* process.scheduler */
  const struct rec *cpuaff; /* process.cpuaffinity */
  cpu_set_t *final;         /* its final list, NULL: none */
  size_t finalsize;
  long persona; /* process.personality, -1: none */
} c;

/* ---- 1. read and validate -------------------------------------------- */

static long long num(const struct rec *r, unsigned i, long long max)
{
  long long v = i < r->nf ? stage_num(r->f[i], max) : -1;
  if (v < 0) die(EXIT_BADINPUT, "spec line %u: bad %s record", r->line, r->f[0]);
  return v;
}

static void nfields(const struct rec *r, unsigned n)
{
  if (r->nf != n) die(EXIT_BADINPUT, "spec line %u: bad %s record", r->line, r->f[0]);
}

static void read_groups(const struct rec *r)
{
  char *s = r->f[1], *save = NULL, *t;
  size_t n = 1;
  nfields(r, 2);
  for (const char *p = s; *p; p++) n += *p == ',';
  if (!(c.groups = calloc(n, sizeof *c.groups))) die_sys(EXIT_SYSFAIL, "allocate groups");
  c.ngroups = 0;
  for (t = strtok_r(s, ",", &save); t; t = strtok_r(NULL, ",", &save)) {
    long long g = stage_num(t, 0xfffffffeLL);
    if (g < 0) die(EXIT_BADINPUT, "spec line %u: bad group id %s", r->line, t);
    c.groups[c.ngroups++] = (gid_t)g;
  }
}

/* process.scheduler POLICY NICE PRIORITY FLAGS RUNTIME DEADLINE PERIOD, the values oci-parse checked */
static void read_scheduler(const struct rec *r)
{
  char *end;
  long long nice;
  nfields(r, 8);
  c.sa.size = sizeof c.sa;
  c.sa.policy = (uint32_t)num(r, 1, 6);
  errno = 0;
  nice = strtoll(r->f[2], &end, 10);
  if (c.sa.policy == 4 || !*r->f[2] || *end || errno || nice < INT32_MIN || nice > INT32_MAX)
    die(EXIT_BADINPUT, "spec line %u: bad process.scheduler record", r->line);
  c.sa.nice = (int32_t)nice;
  c.sa.priority = (uint32_t)num(r, 3, 99);
  c.sa.flags = (uint64_t)num(r, 4, 0x7f);
  c.sa.runtime = (uint64_t)num(r, 5, LLONG_MAX);
  c.sa.deadline = (uint64_t)num(r, 6, LLONG_MAX);
  c.sa.period = (uint64_t)num(r, 7, LLONG_MAX);
  c.has_sched = 1;
}

/* process.ioprio CLASS LEVEL: the class in bits 13.., the level in 0..2 (the kernel's IOPRIO_PRIO_VALUE) */
static void read_ioprio(const struct rec *r)
{
  long long cls, lvl;
  nfields(r, 3);
  cls = num(r, 1, 3);
  lvl = num(r, 2, 7);
  if (cls < 1) die(EXIT_BADINPUT, "spec line %u: bad process.ioprio record", r->line);
  c.ioprio = (int)(cls << 13 | lvl);
}

/* process.cpuaffinity INITIAL FINAL: both lists checked now; the final one is kept for step 5d */
static void read_cpuaffinity(const struct rec *r)
{
  cpu_set_t *set;
  size_t size;
  nfields(r, 3);
  for (int i = 1; i < 3; i++) {
    if (!*r->f[i]) continue;
    if (cpuset_parse(r->f[i], &set, &size) < 0)
      die(EXIT_BADINPUT, "spec line %u: bad process.cpuaffinity record", r->line);
    if (i == 1) {
      CPU_FREE(set);
      continue;
    }
    if (c.final) CPU_FREE(c.final);
    c.final = set;
    c.finalsize = size;
  }
  c.cpuaff = r;
}

static void read_process(const struct rec *r)
{
  const char *k = r->f[0] + 8;
  char *end;
  if (!strcmp(k, "terminal")) {
    nfields(r, 2);
    c.terminal = (int)num(r, 1, 1);
  } else if (!strcmp(k, "consolesize")) {
    nfields(r, 3);
    c.rows = (unsigned short)num(r, 1, 65535);
    c.cols = (unsigned short)num(r, 2, 65535);
    c.has_size = 1;
  } else if (!strcmp(k, "cwd")) {
    nfields(r, 2);
    if (r->f[1][0] != '/')
      die(EXIT_BADINPUT, "spec line %u: process.cwd %s is not absolute", r->line, r->f[1]);
    c.cwd = r->f[1];
  } else if (!strcmp(k, "user")) {
    nfields(r, 3);
    c.uid = (uid_t)num(r, 1, 0xfffffffeLL);
    c.gid = (gid_t)num(r, 2, 0xfffffffeLL);
  } else if (!strcmp(k, "groups")) {
    read_groups(r);
  } else if (!strcmp(k, "umask")) {
    nfields(r, 2);
    errno = 0;
    unsigned long m = strtoul(r->f[1], &end, 8);
    if (!*r->f[1] || *end || errno || m > 0777)
      die(EXIT_BADINPUT, "spec line %u: bad process.umask record", r->line);
    c.umask = (mode_t)m;
  } else if (!strcmp(k, "nnp")) {
    nfields(r, 2);
    c.nnp = (int)num(r, 1, 1);
  } else if (!strcmp(k, "oomscoreadj")) {
    nfields(r, 2);
    errno = 0;
    long v = strtol(r->f[1], &end, 10);
    if (!*r->f[1] || *end || errno || v < -1000 || v > 1000)
      die(EXIT_BADINPUT, "spec line %u: bad process.oomscoreadj record", r->line);
    c.oom = (int)v;
    c.has_oom = 1;
  } else if (!strcmp(k, "keyring")) {
    nfields(r, 2);
    c.keyring = r->f[1];
  } else if (!strcmp(k, "scheduler")) {
    read_scheduler(r);
  } else if (!strcmp(k, "ioprio")) {
    read_ioprio(r);
  } else if (!strcmp(k, "cpuaffinity")) {
    read_cpuaffinity(r);
  } else if (!strcmp(k, "personality")) {
    nfields(r, 2);
    c.persona = (long)num(r, 1, 0xffffffffLL);
    /* 0 PER_LINUX or 8 PER_LINUX32: a crafted record must not select another execution domain */
    if (c.persona != 0 && c.persona != 8) die(EXIT_BADINPUT, "spec line %u: bad %s record", r->line, r->f[0]);
  } else if (strcmp(k, "apparmor") && strcmp(k, "selinux")) { /* those two are oci-secure's */
    die(EXIT_BADINPUT, "spec line %u: unknown record %s", r->line, r->f[0]);
  }
}

static void read_secure(const struct rec *r)
{
  const char *k = r->f[0] + 7;
  if (!strncmp(k, "cap.", 4)) {
    int i;
    char *end;
    for (i = 0; i < NSETS && strcmp(k + 4, capsets[i]); i++) {
    }
    if (i >= NSETS) die(EXIT_BADINPUT, "spec line %u: unknown record %s", r->line, r->f[0]);
    nfields(r, 2);
    errno = 0;
    uint64_t m = strtoull(r->f[1], &end, 16);
    if (strncmp(r->f[1], "0x", 2) || *end || errno)
      die(EXIT_BADINPUT, "spec line %u: bad %s record", r->line, r->f[0]);
    if (i < NSETS) { /* always: die() does not return */
      c.caps[i] = m;
      c.has_caps[i] = 1;
    }
  } else if (!strcmp(k, "bpf")) {
    /* read now, before anything irreversible: a bad program must fail while failing is still cheap */
    int fd = (nfields(r, 2), stage_fdnum(r->f[1]));
    size_t len;
    char *p = fd < 0 ? NULL : fd_slurp(fd, &len);
    if (fd < 0) die(EXIT_BADINPUT, "spec line %u: bad secure.bpf record", r->line);
    if (!p) die_sys(EXIT_SYSFAIL, "read seccomp filter from fd %d", fd);
    if (!len || len % sizeof(struct sock_filter) || len / sizeof(struct sock_filter) > BPF_MAXINSNS)
      die(EXIT_BADINPUT, "spec line %u: fd %d holds no seccomp program", r->line, fd);
    free(c.prog.filter);
    c.prog.filter = (struct sock_filter *)(void *)p;
    c.prog.len = (unsigned short)(len / sizeof(struct sock_filter));
  } else if (!strcmp(k, "bpfflags")) {
    nfields(r, 2);
    c.bpfflags = (unsigned)num(r, 1, 0xffff);
  } else if (!strcmp(k, "apparmor") || !strcmp(k, "selinux")) {
    nfields(r, 2);
#ifndef HAVE_APPARMOR
    if (k[0] == 'a') die(EXIT_BADINPUT, "spec line %u: built without AppArmor support", r->line);
#endif
#ifndef HAVE_SELINUX
    if (k[0] == 's') die(EXIT_BADINPUT, "spec line %u: built without SELinux support", r->line);
#endif
    *(k[0] == 'a' ? &c.apparmor : &c.selinux) = r->f[1];
  } else {
    die(EXIT_BADINPUT, "spec line %u: unknown record %s", r->line, r->f[0]);
  }
}

/* A later env record of a NAME replaces an earlier one, in the later one's place (runc's prepareEnv keeps
   the last of each name): a stage that appends env NAME=... overrides the config. */
static void env_dedup(char **env, size_t n)
{
  size_t k = 0;
  for (size_t i = 0; i < n; i++) {
    size_t len = strcspn(env[i], "=") + 1, j = i + 1;
    while (j < n && strncmp(env[i], env[j], len)) j++;
    if (j == n) env[k++] = env[i];
  }
  env[k] = NULL;
}

static void read_spec(const struct spec *sp)
{
  const struct rec *r;
  size_t nargs = 0, nenv = 0, nrl = 0;
  int want_bpf = 0, want_aa = 0, want_se = 0;

  c.cwd = "/";
  c.pivot = 1;
  c.persona = -1;
  c.umask = 022; /* runc's value when the config has none */
  c.sync = c.logfd = c.fifo = c.rootfd = -1;
  c.path = DEFAULT_PATH;
  for (r = spec_next(sp, NULL, NULL); r; r = spec_next(sp, NULL, r)) {
    const char *k = r->f[0];
    if (!strcmp(k, "arg"))
      nargs++;
    else if (!strcmp(k, "env"))
      nenv++;
    else if (!strcmp(k, "rlimit"))
      nrl++;
  }
  c.args = calloc(nargs + 1, sizeof *c.args);
  c.envp = calloc(nenv + 2, sizeof *c.envp); /* + HOME */
  c.rl = calloc(nrl + 1, sizeof *c.rl);
  if (!c.args || !c.envp || !c.rl) die_sys(EXIT_SYSFAIL, "allocate");
  nargs = nenv = 0;

  for (r = spec_next(sp, NULL, NULL); r; r = spec_next(sp, NULL, r)) {
    const char *k = r->f[0];
    if (!strncmp(k, "process.", 8)) {
      read_process(r);
      want_aa |= !strcmp(k, "process.apparmor") && r->nf > 1 && *r->f[1];
      want_se |= !strcmp(k, "process.selinux") && r->nf > 1 && *r->f[1];
    } else if (!strncmp(k, "secure.", 7)) {
      read_secure(r);
    } else if (!strcmp(k, "seccomp.default")) {
      want_bpf = 1;
    } else if (!strcmp(k, "root.path")) {
      nfields(r, 2);
      c.root = r->f[1];
    } else if (!strcmp(k, "root.pivot")) {
      nfields(r, 2);
      c.pivot = (int)num(r, 1, 1);
    } else if (!strcmp(k, "root.propagation")) {
      const struct mntopt *o = r->nf == 2 ? mount_opt_find(r->f[1]) : NULL;
      if (!o || o->kind != MO_PROP) die(EXIT_BADINPUT, "spec line %u: bad root.propagation record", r->line);
      c.propagation = o->flag;
    } else if (!strcmp(k, "rlimit")) {
      struct rlim *l = &c.rl[c.nrl++];
      char *end;
      nfields(r, 4);
      l->r = r;
      if ((l->res = rlimit_from_name(r->f[1])) < 0)
        die(EXIT_BADINPUT, "spec line %u: unknown rlimit %s", r->line, r->f[1]);
      for (int i = 2; i < 4; i++) {
        errno = 0;
        unsigned long long v = strtoull(r->f[i], &end, 10);
        if (*r->f[i] < '0' || *r->f[i] > '9' || *end || errno)
          die(EXIT_BADINPUT, "spec line %u: bad rlimit value %s", r->line, r->f[i]);
        *(i == 2 ? &l->lim.rlim_cur : &l->lim.rlim_max) = (rlim_t)v;
      }
    } else if (!strcmp(k, "arg")) {
      nfields(r, 2);
      c.args[nargs++] = r->f[1];
    } else if (!strcmp(k, "env")) {
      nfields(r, 2);
      if (!strchr(r->f[1], '='))
        die(EXIT_BADINPUT, "spec line %u: env %s is not KEY=VALUE", r->line, r->f[1]);
      c.envp[nenv++] = r->f[1];
      c.has_home |= !strncmp(r->f[1], "HOME=", 5);
      if (!strncmp(r->f[1], "PATH=", 5)) c.path = r->f[1] + 5;
    } else if (!strcmp(k, "run.preservefds")) {
      nfields(r, 2);
      c.preserve = (int)num(r, 1, 1 << 20);
    } else if (!strcmp(k, "ns.sync")) {
      nfields(r, 2);
      c.sync = (int)num(r, 1, 1 << 20);
    } else if (!strcmp(k, "fd.log")) {
      c.logfd = r->nf == 2 ? stage_fdnum(r->f[1]) : -1;
    } else if ((!strcmp(k, "ns.new") || !strcmp(k, "ns.join")) && r->nf > 1 && !strcmp(r->f[1], "mount")) {
      c.mountns = 1;
    } else if (!strcmp(k, "run.mode")) {
      nfields(r, 2);
      if (!strcmp(r->f[1], "create"))
        c.create = 1;
      else if (!strcmp(r->f[1], "exec"))
        c.exec = 1;
      else if (strcmp(r->f[1], "run"))
        die(EXIT_BADINPUT, "spec line %u: run.mode %s is not for oci-exec", r->line, r->f[1]);
    } else if (!strcmp(k, "ns.rootfd")) {
      c.rootfd = r->nf == 2 ? stage_fdnum(r->f[1]) : -1;
      if (c.rootfd < 0) die(EXIT_BADINPUT, "spec line %u: bad ns.rootfd record", r->line);
    } else if (!strcmp(k, "state.dir")) {
      nfields(r, 2);
      c.statedir = r->f[1];
    }
  }

  env_dedup(c.envp, nenv);
  if (!c.root) die(EXIT_BADINPUT, "spec: no root.path record");
  if (!nargs || !*c.args[0]) die(EXIT_BADINPUT, "spec: no arg record (nothing to execute)");
  /* Fail closed: a policy in the config that oci-secure did not turn into secure.* records must not mean "no
     policy" (oci-secure missing from the chain, or a spec edited by hand). */
  for (int i = 0; i < NSETS; i++)
    if (!c.has_caps[i])
      die(EXIT_BADINPUT, "spec: no secure.cap.%s record (oci-secure must run first)", capsets[i]);
  if (want_bpf && !c.prog.len)
    die(EXIT_BADINPUT, "spec: seccomp.default without secure.bpf (oci-secure must run first)");
  if (want_aa && !c.apparmor)
    die(EXIT_BADINPUT, "spec: process.apparmor without secure.apparmor (oci-secure must run first)");
  if (want_se && !c.selinux)
    die(EXIT_BADINPUT, "spec: process.selinux without secure.selinux (oci-secure must run first)");
  if (c.terminal && c.sync < 0)
    die(EXIT_BADINPUT, "spec: process.terminal 1 needs ns.sync (the monitor takes the pty)");
  /* a listener must reach the agent through the monitor */
  if (c.bpfflags & SECCOMP_FILTER_FLAG_NEW_LISTENER && c.sync < 0)
    die(EXIT_BADINPUT, "spec: a seccomp notify listener needs ns.sync (the monitor passes it on)");
  if (c.exec && c.rootfd < 0)
    die(EXIT_BADINPUT, "spec: run.mode exec needs ns.rootfd (oci-ns must run first)");
  if (!c.exec && c.rootfd >= 0) die(EXIT_BADINPUT, "spec: ns.rootfd is for run.mode exec only");
  if ((c.caps[EFF] & ~c.caps[PRM]) != 0)
    die(EXIT_BADINPUT, "spec: secure.cap.effective has capabilities not in secure.cap.permitted");
}

static const char *go_strerror(int e);

/* ---- the steps ------------------------------------------------------- */

/* 2. A fresh session keyring, so the container cannot see the caller's keys. Best effort, as in runc: a
   kernel without keyrings (ENOSYS) or a policy that forbids it (EACCES) is not an error. */
static void join_keyring(void)
{
  char desc[512];
  unsigned perm;
  long id = syscall(SYS_keyctl, KEYCTL_JOIN_SESSION_KEYRING, c.keyring, 0, 0, 0);
  if (id < 0) {
    if (errno == ENOSYS || errno == EACCES) {
      debug("join session keyring %s: %s (ignored)", c.keyring, strerror(errno));
      return;
    }
    die_sys(EXIT_SYSFAIL, "join session keyring %s", c.keyring);
  }
  /* "type;uid;gid;perm;description": add user search permission, like runc, so that a process whose uid
     differs from the keyring's owner can still find keys it is given */
  if (syscall(SYS_keyctl, KEYCTL_DESCRIBE, id, desc, sizeof desc, 0) < 0)
    die_sys(EXIT_SYSFAIL, "describe session keyring");
  desc[sizeof desc - 1] = 0;
  char *p = desc;
  for (int i = 0; i < 3 && p; i++)
    if ((p = strchr(p, ';'))) p++;
  if (!p || sscanf(p, "%x", &perm) != 1) die(EXIT_SYSFAIL, "describe session keyring: unexpected answer");
  if (syscall(SYS_keyctl, KEYCTL_SETPERM, id, perm | KEY_USR_SEARCH, 0, 0) < 0)
    die_sys(EXIT_SYSFAIL, "set session keyring permissions");
}

/* 3c. --no-pivot: MS_MOVE and chroot leave the host's mounts in the container's mount namespace, hidden but
   there. The kernel lets a user namespace mount a fresh proc or sysfs wherever a full one is mounted in its
   mount namespace, so every full procfs and sysfs outside the new root is unmounted first (covered with a
   tmpfs where it cannot be), as runc's msMoveRoot does: a nested user namespace in the container could
   otherwise mount a proc without the masked paths. The mounts are made rslave first, so that nothing
   propagates to the host. */
static int under(const char *path, const char *dir)
{
  size_t n = strlen(dir);
  return !strncmp(path, dir, n) && (path[n] == '/' || !path[n] || (n == 1 && *dir == '/'));
}

static void hide_host_pseudofs(void)
{
  struct mnt_table t;
  char real[4096];
  if (!realpath(c.root, real)) die_sys(EXIT_SYSFAIL, "resolve %s", c.root);
  if (mnt_table_read(&t) < 0) die_sys(EXIT_SYSFAIL, "read /proc/self/mountinfo");
  for (size_t i = t.n; i-- > 0;) { /* last first: a mount on top before the one below it */
    const struct mnt_info *m = &t.e[i];
    if (strcmp(m->root, "/") || (strcmp(m->fstype, "proc") && strcmp(m->fstype, "sysfs")) ||
        under(m->point, real))
      continue;
    if (mount(NULL, m->point, NULL, MS_SLAVE | MS_REC, NULL) < 0) {
      if (errno == ENOENT) continue; /* under a mount already gone */
      die_sys(EXIT_SYSFAIL, "make %s rslave", m->point);
    }
    if (umount2(m->point, MNT_DETACH) == 0) continue;
    if (errno != EINVAL && errno != EPERM) die_sys(EXIT_SYSFAIL, "unmount %s", m->point);
    if (mount("tmpfs", m->point, "tmpfs", 0, NULL) < 0)
      die_sys(EXIT_SYSFAIL, "cover %s with a tmpfs", m->point);
  }
  mnt_table_free(&t);
}

/* 3. oci-mount left root.path a mount point whose parent is not shared. pivot_root(".", ".") stacks the old
   root on top of the new one; it is made rslave first so that the lazy unmount never propagates to the host.
 */
static void switch_root(void)
{
  int fd = open(c.root, O_PATH | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) die_sys(EXIT_SYSFAIL, "open %s", c.root);
  if (fchdir(fd) < 0) die_sys(EXIT_SYSFAIL, "chdir %s", c.root);
  close(fd);
  if (!c.mountns) { /* the host's mount namespace: a plain chroot, as runc does, and nothing else */
    if (chroot(".") < 0) die_sys(EXIT_SYSFAIL, "chroot %s", c.root);
    if (chdir("/") < 0) die_sys(EXIT_SYSFAIL, "chdir /");
    return;
  }
  if (c.pivot) {
    if (syscall(SYS_pivot_root, ".", ".") < 0) die_sys(EXIT_SYSFAIL, "pivot_root %s", c.root);
    if (mount(NULL, ".", NULL, MS_SLAVE | MS_REC, NULL) < 0) die_sys(EXIT_SYSFAIL, "make old root rslave");
    if (umount2(".", MNT_DETACH) < 0) die_sys(EXIT_SYSFAIL, "unmount old root");
  } else {
    hide_host_pseudofs();
    if (mount(".", "/", NULL, MS_MOVE, NULL) < 0) die_sys(EXIT_SYSFAIL, "move %s to /", c.root);
    if (chroot(".") < 0) die_sys(EXIT_SYSFAIL, "chroot %s", c.root);
  }
  if (chdir("/") < 0) die_sys(EXIT_SYSFAIL, "chdir /");
  /* The container's propagation goes on its own "/" only now: applied to
     root.path before the switch, a shared root would have leaked mounts to
     the host (runc does the same). */
  if (c.propagation && mount(NULL, "/", NULL, c.propagation, NULL) < 0)
    die_sys(EXIT_SYSFAIL, "set propagation of /");
}

/* 3, exec mode. setns put us at the root of the container's mount namespace, which is not the container's
   root after --no-pivot (a mount on top of it), and a container without a mount namespace has none of its
   own: the init's root, opened by oci-ns on the host's side, is the one root in every case. */
static void enter_root(void)
{
  if (fchdir(c.rootfd) < 0) die_sys(EXIT_SYSFAIL, "chdir to the container's root");
  if (chroot(".") < 0) die_sys(EXIT_SYSFAIL, "chroot to the container's root");
  if (chdir("/") < 0) die_sys(EXIT_SYSFAIL, "chdir /");
  close(c.rootfd);
  c.rootfd = -1;
}

/* Bind-mount the pty slave onto /dev/console, resolved inside the new root. The new mount API needs no /proc.
 */
static void mount_console(int slave, const char *name)
{
  int root = open("/", O_PATH | O_DIRECTORY | O_CLOEXEC), dst, tree;
  if (root < 0) die_sys(EXIT_SYSFAIL, "open /");
  if ((dst = path_create_in_root(root, "/dev/console", 'f', 0666)) < 0)
    die_sys(EXIT_SYSFAIL, "create /dev/console");
  tree = (int)syscall(SYS_open_tree, slave, "", OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC | AT_EMPTY_PATH);
  if (tree >= 0) {
    if (syscall(SYS_move_mount, tree, "", dst, "", MOVE_MOUNT_F_EMPTY_PATH | MOVE_MOUNT_T_EMPTY_PATH) < 0)
      die_sys(EXIT_SYSFAIL, "mount %s on /dev/console", name);
    close(tree);
  } else if (errno == ENOSYS) {
    if (mount(name, "/dev/console", NULL, MS_BIND, NULL) < 0)
      die_sys(EXIT_SYSFAIL, "mount %s on /dev/console", name);
  } else {
    die_sys(EXIT_SYSFAIL, "clone mount of %s", name);
  }
  close(dst);
  close(root);
}

/* 4a. A session of its own for every container process, terminal or not (runc's setsid): in the caller's
   session it could push input into the caller's terminal with TIOCSTI (CVE-2016-10124, CVE-2017-5226) or
   signal the caller's foreground job. EPERM: already a session leader. */
static void new_session(void)
{
  if (setsid() < 0 && !(errno == EPERM && getsid(0) == getpid())) die_sys(EXIT_SYSFAIL, "setsid");
}

/* The pty slave belongs to the process's user, so that it can chmod it (mesg) and another user of the
   container cannot write to it; the gid stays devpts' own (gid=5), as runc leaves it. A pty whose owner this
   user namespace cannot map, or a read-only devpts, is left as it is (runc does the same). */
static void pty_chown(int slave, const char *name)
{
  struct stat st;
  if (fstat(slave, &st) < 0) die_sys(EXIT_SYSFAIL, "stat %s", name);
  if (st.st_uid == c.uid) return;
  if (fchown(slave, c.uid, (gid_t)-1) < 0 && errno != EINVAL && errno != EPERM && errno != EROFS)
    die_sys(EXIT_SYSFAIL, "chown %s to uid %u", name, (unsigned)c.uid);
}

/* 4. The container's terminal: a pty from the container's own devpts, the master to the monitor. */
static void setup_terminal(void)
{
  char name[128];
  int master = open("/dev/ptmx", O_RDWR | O_NOCTTY | O_CLOEXEC), slave;
  if (master < 0) die_sys(EXIT_SYSFAIL, "open /dev/ptmx");
  if (unlockpt(master) < 0) die_sys(EXIT_SYSFAIL, "unlockpt /dev/ptmx");
  if (ptsname_r(master, name, sizeof name)) die_sys(EXIT_SYSFAIL, "ptsname /dev/ptmx");
  /* TIOCGPTPEER opens the peer of this very master, with no path lookup a container could race */
  slave = ioctl(master, TIOCGPTPEER, O_RDWR | O_NOCTTY | O_CLOEXEC);
  if (slave < 0 && (errno == EINVAL || errno == ENOTTY)) slave = open(name, O_RDWR | O_NOCTTY | O_CLOEXEC);
  if (slave < 0) die_sys(EXIT_SYSFAIL, "open %s", name);
  if (c.has_size) {
    struct winsize ws = {.ws_row = c.rows, .ws_col = c.cols};
    if (ioctl(slave, TIOCSWINSZ, &ws) < 0) die_sys(EXIT_SYSFAIL, "set window size of %s", name);
  }
  pty_chown(slave, name);
  if (!c.exec) mount_console(slave, name); /* runc exec: the init's console stays */
  if (sync_send(c.sync, "pty", master) < 0) die_sys(EXIT_SYSFAIL, "send pty master to the monitor");
  close(master);
  if (setsid() < 0 && !(errno == EPERM && getsid(0) == getpid())) die_sys(EXIT_SYSFAIL, "setsid");
  if (ioctl(slave, TIOCSCTTY, 0) < 0) die_sys(EXIT_SYSFAIL, "set controlling terminal %s", name);
  for (int fd = 0; fd < 3; fd++)
    if (dup2(slave, fd) < 0) die_sys(EXIT_SYSFAIL, "dup %s onto fd %d", name, fd);
  if (slave > 2) close(slave);
}

/* 5. Limits: a hard limit above the current one needs CAP_SYS_RESOURCE. oomfd was opened before the root
   switch, so this works without a /proc in the container. */
static void set_limits(int oomfd)
{
  for (size_t i = 0; i < c.nrl; i++)
    if (setrlimit(c.rl[i].res, &c.rl[i].lim) < 0)
      die_sys(EXIT_SYSFAIL, "setrlimit %s %s %s", c.rl[i].r->f[1], c.rl[i].r->f[2], c.rl[i].r->f[3]);
  if (oomfd >= 0) {
    char buf[16];
    int n = snprintf(buf, sizeof buf, "%d", c.oom);
    if (write(oomfd, buf, (size_t)n) != n) die_sys(EXIT_SYSFAIL, "write /proc/self/oom_score_adj %d", c.oom);
    close(oomfd);
  }
  umask(c.umask);
}

/* 5a. process.scheduler, with sched_setattr(2) (glibc has no wrapper): while we still have CAP_SYS_NICE, as
   runc. The kernel's refusal is the error (a SCHED_DEADLINE it cannot admit, no realtime budget in the
   cgroup, a kernel without the syscall). */
static void set_scheduler(void)
{
  if (syscall(SYS_sched_setattr, 0, &c.sa, 0) < 0)
    die(EXIT_SYSFAIL, "error setting scheduler: %s", go_strerror(errno));
}

/* 5b. process.ioprio: class and level for this process (inherited by the program), with ioprio_set(2). */
static void set_ioprio(void)
{
  if (syscall(SYS_ioprio_set, 1 /* IOPRIO_WHO_PROCESS */, 0, c.ioprio) < 0)
    die(EXIT_SYSFAIL, "failed to set io priority: %s", go_strerror(errno));
}

/* 5c. process.personality: the execution domain of the program (LINUX32: uname -m says i686). */
static void set_personality(void)
{
  if (personality((unsigned long)c.persona) < 0)
    die(EXIT_SYSFAIL, "set personality %ld: %s", c.persona, go_strerror(errno));
}

/* 5d. CPU affinity, once the process is in the container's cgroups (oci-ns joined them). runc's rules: the
   init, and an exec without execCPUAffinity, get every CPU (the cgroup's cpuset then decides), so that none
   inherits the runtime caller's (taskset runc ...); an exec's final list is set now; with only an initial
   list (set by oci-ns before the cgroup join) the process keeps it. */
static void set_affinity(void)
{
  cpu_set_t *all;
  size_t size = CPU_ALLOC_SIZE(CPUSET_MAX);
  if (c.exec && c.final) {
    if (sched_setaffinity(0, c.finalsize, c.final) < 0)
      die(EXIT_SYSFAIL, "error setting final CPU affinity: %s", go_strerror(errno));
    return;
  }
  if (c.exec && c.cpuaff) return; /* an initial list only: kept */
  if (!(all = CPU_ALLOC(CPUSET_MAX))) die_sys(EXIT_SYSFAIL, "allocate");
  memset(all, 0xff, size);
  if (sched_setaffinity(0, size, all) < 0) warn_sys("reset the CPU affinity");
  CPU_FREE(all);
}

/* 6a. AppArmor's profile for the next execve, as runc sets it (and libapparmor's aa_change_onexec): "exec
   PROFILE" written to our thread's attr/apparmor/exec (attr/exec on kernels before 5.8) in the container's
   /proc, checked to be a procfs. The kernel refuses a profile that is not loaded (ENOENT); the words are
   runc's. */
static void apparmor_onexec(const char *profile)
{
  const char *path = "/proc/thread-self/attr/apparmor/exec";
  char *val = NULL;
  struct statfs fs;
  int fd, n;
  ssize_t w;
  if (access(path, F_OK) < 0 && errno == ENOENT) path = "/proc/thread-self/attr/exec";
  if ((fd = open(path, O_WRONLY | O_CLOEXEC)) < 0)
    die(EXIT_SYSFAIL, "apparmor failed to apply profile: open %s: %s", path, go_strerror(errno));
  if (fstatfs(fd, &fs) < 0 || fs.f_type != PROC_SUPER_MAGIC)
    die(EXIT_SYSFAIL, "apparmor failed to apply profile: %s is not on a procfs", path);
  if ((n = asprintf(&val, "exec %s", profile)) < 0) die_sys(EXIT_SYSFAIL, "allocate");
  if ((w = write(fd, val, (size_t)n)) != n)
    die(EXIT_SYSFAIL, "apparmor failed to apply profile: write %s: %s", path,
        w < 0 ? go_strerror(errno) : "short write");
  free(val);
  close(fd);
}

/* 6. The LSM label of the next execve, which is the container's. */
static void set_exec_label(void)
{
  if (c.apparmor && *c.apparmor) apparmor_onexec(c.apparmor);
#ifdef HAVE_SELINUX
  if (c.selinux && *c.selinux && setexeccon(c.selinux) < 0) die_sys(EXIT_SYSFAIL, "setexeccon %s", c.selinux);
#endif
}

/* The notify listener goes to the monitor, which hands it to the agent on the host's side; we wait for its
   answer, so that no notified call is made before the agent holds the fd (runc waits the same way). */
static void send_listener(int fd)
{
  char ans[1200];
  ssize_t n;
  if (sync_send(c.sync, "seccomp", fd) < 0) die_sys(EXIT_SYSFAIL, "send the seccomp listener to the monitor");
  close(fd); /* the agent's copy is the one that matters; ours must never reach the container's program */
  do n = sync_recv(c.sync, ans, sizeof ans, NULL);
  while (n < 0 && errno == EINTR);
  if (n <= 0) die_sys(EXIT_SYSFAIL, "wait for the monitor to pass the seccomp listener on");
  if (strcmp(ans, "ok")) die(EXIT_SYSFAIL, "%s", strncmp(ans, "fail ", 5) ? ans : ans + 5);
}

/* 7 and 13. */
static void load_seccomp(void)
{
  long fd = syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, c.bpfflags, &c.prog);
  if (fd >= 0 && c.bpfflags & SECCOMP_FILTER_FLAG_NEW_LISTENER) send_listener((int)fd);
  if (fd >= 0) return;
  if (errno == ENOSYS && !c.bpfflags && prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &c.prog, 0, 0) == 0)
    return;
  die_sys(EXIT_SYSFAIL, "load seccomp filter");
}

/* 8. Identity. Every cap not in the bounding set is dropped while we still have CAP_SETPCAP (before setuid);
   PR_SET_KEEPCAPS keeps the permitted set across setuid so that capset can choose the final sets. */
static void set_identity(int setgroups_deny)
{
  struct __user_cap_header_struct h = {.version = _LINUX_CAPABILITY_VERSION_3, .pid = 0};
  struct __user_cap_data_struct d[2];

  /* up to the last cap the kernel knows: a kept one is only read (EINVAL past the last), an unwanted one
     dropped at once (EINVAL past the last; on another error, read to tell a failure from the end) */
  for (int cap = 0; cap < 64; cap++) {
    int e;
    if (c.caps[BND] >> cap & 1) {
      if (prctl(PR_CAPBSET_READ, cap, 0, 0, 0) < 0) break;
      continue;
    }
    if (prctl(PR_CAPBSET_DROP, cap, 0, 0, 0) == 0) continue;
    if ((e = errno) == EINVAL || prctl(PR_CAPBSET_READ, cap, 0, 0, 0) < 0) break;
    errno = e;
    die_sys(EXIT_SYSFAIL, "drop capability %d from the bounding set", cap);
  }
  if (prctl(PR_SET_KEEPCAPS, 1, 0, 0, 0) < 0) die_sys(EXIT_SYSFAIL, "prctl PR_SET_KEEPCAPS");
  /* In a user namespace whose setgroups is "deny" the kernel refuses setgroups; the groups cannot be changed
     there at all, so an empty list is already satisfied. */
  if (!(setgroups_deny && !c.ngroups) && setgroups(c.ngroups, c.groups) < 0)
    die_sys(EXIT_SYSFAIL, "setgroups");
  if (setresgid(c.gid, c.gid, c.gid) < 0) die_sys(EXIT_SYSFAIL, "setgid %u", (unsigned)c.gid);
  if (setresuid(c.uid, c.uid, c.uid) < 0) die_sys(EXIT_SYSFAIL, "setuid %u", (unsigned)c.uid);
  if (prctl(PR_SET_KEEPCAPS, 0, 0, 0, 0) < 0) die_sys(EXIT_SYSFAIL, "prctl PR_SET_KEEPCAPS");

  for (int i = 0; i < 2; i++) {
    d[i].effective = (uint32_t)(c.caps[EFF] >> (32 * i));
    d[i].permitted = (uint32_t)(c.caps[PRM] >> (32 * i));
    d[i].inheritable = (uint32_t)(c.caps[INH] >> (32 * i));
  }
  /* runc's words, in Go's lower case: engines match "operation not permitted" to choose their exit code */
  if (syscall(SYS_capset, &h, d) < 0)
    die(EXIT_SYSFAIL, "unable to apply caps: capset: %s", go_strerror(errno));

  if (prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0) < 0 && errno != EINVAL)
    die_sys(EXIT_SYSFAIL, "clear ambient capabilities");
  /* The kernel only lets a cap be ambient when it is permitted and inheritable; runc's default config asks
     for ambient caps it does not make inheritable, so those are skipped without a word. */
  uint64_t amb = c.caps[AMB] & c.caps[PRM] & c.caps[INH];
  for (int cap = 0; cap < 64; cap++)
    if (amb >> cap & 1 && prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_RAISE, cap, 0, 0) < 0)
      die_sys(EXIT_SYSFAIL, "raise ambient capability %d", cap);
}

/* 9. cwd, resolved inside the container's root without magic links: a cwd of /proc/self/fd/N would otherwise
   land on a host directory through an fd we still hold (CVE-2024-21626). */
/* The cwd is resolved with the new root as "/" and no magic links, so a
   /proc/self/fd/N cwd can never reach a host fd (CVE-2024-21626). It is
   opened before any filter (openat2 is missing from older profiles) and
   entered with fchdir after the uid switch, so the search permission is
   the user's. */
static int cwd_fd = -1;
static void open_cwd(void)
{
  int root = open("/", O_PATH | O_DIRECTORY | O_CLOEXEC);
  if (root < 0) die_sys(EXIT_SYSFAIL, "open /");
  cwd_fd = path_open_in_root(root, c.cwd, O_PATH | O_DIRECTORY);
  if (cwd_fd < 0) die_sys(EXIT_SYSFAIL, "chdir %s", c.cwd);
  close(root);
}
static void set_cwd(void)
{
  if (fchdir(cwd_fd) < 0) die_sys(EXIT_SYSFAIL, "chdir %s", c.cwd);
  close(cwd_fd);
  cwd_fd = -1;
}

/* X_OK for the container's user, on a regular file. 0, or an errno. */
static int executable(const char *p)
{
  struct stat st;
  if (stat(p, &st) < 0) return errno;
  /* access(2), not faccessat2: older seccomp profiles lack the latter */
  if (!S_ISREG(st.st_mode) || access(p, X_OK) < 0) return EACCES;
  return 0;
}

/* 3b. Like runc, a process without HOME in its env gets the home directory of its uid in the container's
   /etc/passwd, or "/". */
static void set_home(void)
{
  char *text, *line, *save = NULL, *home = NULL;
  int root = open("/", O_PATH | O_DIRECTORY | O_CLOEXEC), fd;
  size_t n;
  if (root < 0) die_sys(EXIT_SYSFAIL, "open /");
  fd = path_open_in_root(root, "/etc/passwd", O_RDONLY);
  text = fd >= 0 ? fd_slurp(fd, &n) : NULL;
  for (line = text ? strtok_r(text, "\n", &save) : NULL; line && !home; line = strtok_r(NULL, "\n", &save)) {
    char *f[7], *p = line;
    int i;
    for (i = 0; i < 7 && p; i++) { /* name:password:uid:gid:gecos:home:shell */
      f[i] = p;
      if ((p = strchr(p, ':'))) *p++ = 0;
    }
    if (i == 7 && stage_num(f[2], 0xffffffffLL) == (long long)c.uid && *f[5]) home = f[5];
  }
  for (n = 0; c.envp[n]; n++) {
  }
  if (asprintf(&c.envp[n], "HOME=%s", home ? home : "/") < 0) die_sys(EXIT_SYSFAIL, "allocate");
  free(text);
  if (fd >= 0) close(fd);
  close(root);
}

/* An errno's text as Go prints it, and engines match it case-sensitively: "no such file or directory",
   "permission denied" (glibc's text with its first letter lowered). */
static const char *go_strerror(int e)
{
  static char buf[128];
  snprintf(buf, sizeof buf, "%s", strerror(e));
  if (buf[0] >= 'A' && buf[0] <= 'Z' && !(buf[1] >= 'A' && buf[1] <= 'Z'))
    buf[0] = (char)(buf[0] - 'A' + 'a');
  return buf;
}

/* 10. arg[0] on the container's PATH, with runc's (Go's exec.LookPath) messages. */
static char *lookup(const char *name)
{
  const char *dirs = c.path;
  int e;
  if (strchr(name, '/')) {
    if ((e = executable(name)) == ENOENT || e == ENOTDIR)
      die(EXIT_NOTFOUND, "exec: \"%s\": stat %s: %s", name, name, go_strerror(e));
    if (e) die(e == EACCES ? EXIT_NOEXEC : EXIT_SYSFAIL, "exec: \"%s\": %s", name, go_strerror(e));
    return (char *)name;
  }
  for (;;) {
    size_t n = strcspn(dirs, ":");
    char *p;
    /* an empty entry is the current directory */
    if (asprintf(&p, "%.*s%s%s", (int)n, n ? dirs : ".", "/", name) < 0) die_sys(EXIT_SYSFAIL, "allocate");
    if (!executable(p)) return p;
    free(p);
    if (!dirs[n]) break;
    dirs += n + 1;
  }
  die(EXIT_NOTFOUND, "exec: \"%s\": executable file not found in $PATH", name);
}

/* 11. */
static void set_nnp(void)
{
  if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0) die_sys(EXIT_SYSFAIL, "prctl PR_SET_NO_NEW_PRIVS");
}

/* close_range(2), or one close(2) per fd when it is missing or (nnp 0) the filter refuses it. */

/* 12. Nothing but stdio and the preserved fds reaches the container. The sync socket stays open until the
   execve (the monitor takes its EOF as "started", and a failure before that still reports through it); the
   log fd stays for the same reason. Both are CLOEXEC, so the workload never sees them. */
static void close_fds(void)
{
  unsigned base = 3 + (unsigned)c.preserve, keep[3];
  int n = 0;
  if (c.sync >= 0) keep[n++] = (unsigned)c.sync;
  if (c.logfd >= 0 && c.logfd != c.sync) keep[n++] = (unsigned)c.logfd;
  if (c.fifo >= 0) keep[n++] = (unsigned)c.fifo;
  for (int i = 1; i < n; i++) /* ascending */
    for (int j = i; j > 0 && keep[j - 1] > keep[j]; j--) {
      unsigned t = keep[j];
      keep[j] = keep[j - 1];
      keep[j - 1] = t;
    }
  for (int i = 0; i < n; i++) {
    if (fd_cloexec((int)keep[i], 1) < 0) die_sys(EXIT_SYSFAIL, "set close-on-exec on fd %u", keep[i]);
    if (keep[i] < base) continue;
    if (keep[i] > base) fd_close_range(base, keep[i] - 1);
    base = keep[i] + 1;
  }
  fd_close_range(base, ~0U);
}

/* 14d. The monitor blocked signals before the clone; handlers and ignored signals must not leak into the
   container's process either (an ignored SIGPIPE survives execve). */
static void reset_signals(void)
{
  if (signals_reset() < 0) die_sys(EXIT_SYSFAIL, "unblock signals");
}

/* 14a. Create mode: tell the monitor we are ready (it writes the state and
   exits), then block on the exec fifo until `runc start` writes a byte to
   it. The fifo was opened read-write on the host side, before the root
   switch: no /proc is needed and the open never blocks. Signals are
   reset first, so that a created container can be killed. */
static void wait_start(void)
{
  char b;
  ssize_t n;
  if (prctl(PR_SET_PDEATHSIG, 0, 0, 0, 0) < 0) die_sys(EXIT_SYSFAIL, "clear the parent death signal");
  reset_signals();
  if (c.sync >= 0 && sync_send(c.sync, "ready", -1) < 0)
    die_sys(EXIT_SYSFAIL, "tell the monitor we are ready");
  if (c.sync >= 0) close(c.sync);
  c.sync = -1;
  die_set_report(-1); /* the monitor is gone: failures from here on go to stderr and the log only */
  do n = read(c.fifo, &b, 1);
  while (n < 0 && errno == EINTR);
  if (n != 1) die_sys(EXIT_SYSFAIL, "wait for start on the exec fifo");
  /* the fd stays open (close-on-exec): oci-start waits for it to close at
     the execve, so that start returns once the program runs */
}

/* 14b. startContainer hooks run in the container, as its user, under the filter, just before its program
   (runc's place). */
static void start_hooks(const struct spec *sp)
{
  char msg[1100];
  const char *p = spec_get(sp, "ns.pid");
  int r = hook_run(sp, "startContainer", p ? (pid_t)stage_num(p, 1 << 22) : 0, "created", msg, sizeof msg);
  if (r) die(r == -2 ? EXIT_BADINPUT : EXIT_SYSFAIL, "%s", msg);
}

/* 14c. runc exec: the process outlives a detached (or killed) runc, whose monitor is its parent. */
static void outlive_monitor(void)
{
  if (prctl(PR_SET_PDEATHSIG, 0, 0, 0, 0) < 0) die_sys(EXIT_SYSFAIL, "clear the parent death signal");
}

int main(int argc, char **argv)
{
  struct spec sp;
  unsigned line;
  int oomfd = -1, deny = 0;
  char *path, buf[32];

  stage_init("oci-exec");
  if (getopt(argc, argv, "+") != -1 || argv[optind]) die_usage(USAGE);
  /* No spec on the spec fd is a usage error too: oci-exec ends a chain, it is never run on its own. */
  if (spec_read(spec_fd(), &sp, &line) < 0) {
    if (errno == EBADF) die_usage(USAGE);
    if (errno == EINVAL) die(EXIT_BADINPUT, "spec line %u: malformed spec on fd %d", line, spec_fd());
    die_sys(EXIT_SYSFAIL, "read spec from fd %d", spec_fd());
  }
  stage_config(&sp);

  /* 1. Read and check everything; open what must come from the host's /proc. */
  read_spec(&sp);
  if (c.has_oom && !c.exec && (oomfd = open("/proc/self/oom_score_adj", O_WRONLY | O_CLOEXEC)) < 0)
    die_sys(EXIT_SYSFAIL, "open /proc/self/oom_score_adj");
  if (file_read_at(AT_FDCWD, "/proc/self/setgroups", buf, sizeof buf) > 0) deny = !strncmp(buf, "deny", 4);

  if (c.create) { /* the exec fifo, from the host's side of the root switch */
    char fifo[4200];
    if (!c.statedir) die(EXIT_BADINPUT, "spec: run.mode create needs a state.dir record");
    snprintf(fifo, sizeof fifo, "%s/exec.fifo", c.statedir);
    if ((c.fifo = open(fifo, O_RDWR | O_CLOEXEC)) < 0) die_sys(EXIT_SYSFAIL, "open %s", fifo);
  }
  if (c.keyring) join_keyring();            /* 2 */
  if (c.exec) enter_root();                 /* 3, exec mode: the init's root */
  if (!c.exec) switch_root();               /* 3 */
  open_cwd();                               /* 3a: resolved now, entered at 9 */
  if (!c.has_home) set_home();              /* 3b: as root, before any filter */
  new_session();                            /* 4a: never the caller's session */
  if (c.terminal) setup_terminal();         /* 4 */
  set_limits(oomfd);                        /* 5 */
  if (c.has_sched) set_scheduler();         /* 5a */
  if (c.ioprio) set_ioprio();               /* 5b */
  if (c.persona >= 0) set_personality();    /* 5c */
  set_affinity();                           /* 5d */
  set_exec_label();                         /* 6 */
  if (!c.nnp && c.prog.len) debug_done();   /* --debug timing: before a filter that could forbid it */
  if (!c.nnp && c.prog.len) load_seccomp(); /* 7: needs CAP_SYS_ADMIN, which step 8 may drop */
  set_identity(deny);                       /* 8 */
  set_cwd();                                /* 9 */
  path = lookup(c.args[0]);                 /* 10 */
  if (c.nnp) set_nnp();                     /* 11 */
  close_fds();                              /* 12: the filter is already in memory */
  debug_done();                             /* --debug timing, unless said at 7 */
  if (c.nnp && c.prog.len) load_seccomp();  /* 13: startContainer hooks must not run unfiltered */
  if (c.create) wait_start();               /* 14a: created; runc start goes on */
  if (!c.exec) start_hooks(&sp);            /* 14b: startContainer, inside, under the filter */
  if (c.exec) outlive_monitor();            /* 14c, exec mode */
  reset_signals();                          /* 14d */
  execve(path, c.args, c.envp);             /* 15 */
  die(errno == ENOENT ? EXIT_NOTFOUND : EXIT_NOEXEC, "exec %s: %s", path, go_strerror(errno));
}
