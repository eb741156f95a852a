/* oci-mount: build the container's mount tree under root.path (mounts, devices, masks); never switch root.
   Reads root.*, mount, device, symlink, mask, readonly, mountlabel, ns.*, process.terminal, run.mode.
   After oci-ns (in the new mount namespace, host root visible); before oci-exec, which switches root. */
#include <errno.h>
#include <fcntl.h>
#include <linux/magic.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "chain.h"
#include "die.h"
#include "fd.h"
#include "hook.h"
#include "mnt.h"
#include "names.h"
#include "path.h"
#include "spec.h"
#include "stage.h"
#include "sync.h"

#define USAGE "oci-mount [-n] prog..."
#define FDPATH(buf, fd) snprintf(buf, sizeof buf, "/proc/self/fd/%d", fd)
/* mount flags the kernel locks on a mount inherited across a user namespace */
#define LOCKED (MS_RDONLY | MS_NODEV | MS_NOEXEC | MS_NOSUID | MS_NOATIME | MS_NODIRATIME | MS_RELATIME)
#define CGFLAGS (MS_NOSUID | MS_NODEV | MS_NOEXEC)

static const struct spec *sp;
static const char *root; /* root.path: messages show root + DEST */
static int rootfd = -1;  /* O_PATH of the root's self-bind; every DEST is resolved under it */
static char rootreal[4096];
static struct stat rootst; /* rootfd's, taken once: what no destination may resolve to */
static int userns, cgroupns;
static const char *label; /* SELinux context for new filesystems; NULL when SELinux is off */
static int nmounts;       /* mount records */
static int *srcfd;        /* ns.mountfd: per mount record, its bind source opened on the host's side, or -1 */
static char *idmapped;    /* mount.idmap: per mount record, 1 when its srcfd is an id-mapped detached tree */

/* "//a/./b/" -> "/a/b": a lexical form for comparisons only (never for lookups) */
static char *clean(const char *p)
{
  char *out = xasprintf("/%s", p), *w = out;
  for (const char *c = p; *c;) {
    size_t n;
    while (*c == '/') c++;
    n = strcspn(c, "/");
    if (n && !(n == 1 && *c == '.')) {
      *w++ = '/';
      memmove(w, c, n);
      w += n;
    }
    c += n;
  }
  if (w == out) *w++ = '/';
  *w = 0;
  return out;
}

static int same_path(const char *a, const char *b)
{
  char *ca = clean(a), *cb = clean(b);
  int r = !strcmp(ca, cb);
  free(ca);
  free(cb);
  return r;
}

static int has_ns(const char *type)
{
  const struct rec *r = NULL;
  while ((r = spec_next(sp, NULL, r)))
    if ((!strcmp(r->f[0], "ns.new") || !strcmp(r->f[0], "ns.join")) && r->nf >= 2 && !strcmp(r->f[1], type))
      return 1;
  return 0;
}

static int is_bind(const struct rec *r, const struct mount_flags *mf) { return mount_is_bind(r->f[2], mf); }

/* ---- validation: every record is checked before anything changes ---- */

static int num_ok(const char *s, long long max) { return stage_num(s, max) >= 0; }

static int octal_ok(const char *s, unsigned long *out)
{
  char *end;
  if (*s < '0' || *s > '7') return 0;
  *out = strtoul(s, &end, 8);
  return !*end && *out <= 07777;
}

static int last_ok(const char *path)
{
  char *c = clean(path), *base = strrchr(c, '/') + 1;
  int ok = *base && strcmp(base, "..");
  free(c);
  return ok;
}

static int device_ok(const struct rec *r)
{
  unsigned long mode;
  return r->nf == 8 && r->f[1][0] == '/' && last_ok(r->f[1]) && strlen(r->f[2]) == 1 &&
         strchr("cbup", r->f[2][0]) && num_ok(r->f[3], 0xffffffffLL) && num_ok(r->f[4], 0xffffffffLL) &&
         octal_ok(r->f[5], &mode) && num_ok(r->f[6], 0xfffffffeLL) && num_ok(r->f[7], 0xfffffffeLL);
}

/* ns.mountfd INDEX FD (oci-ns, a user namespace): the bind source of mount record INDEX, an O_PATH fd opened
   as host root. One per bind mount at most, each an open fd: a stale or doubled record cannot make us mount
   something else. */
static void read_srcfds(void)
{
  const struct rec *r = NULL;
  struct mount_flags mf;
  const struct rec **mounts;
  int i = 0;
  while ((r = spec_next(sp, "mount", r))) nmounts++;
  srcfd = calloc((size_t)nmounts + 1, sizeof *srcfd);
  mounts = calloc((size_t)nmounts + 1, sizeof *mounts);
  if (!srcfd || !mounts) die_sys(EXIT_SYSFAIL, "malloc");
  for (r = NULL; (r = spec_next(sp, "mount", r));) mounts[i++] = r;
  for (i = 0; i < nmounts; i++) srcfd[i] = -1;
  while ((r = spec_next(sp, "ns.mountfd", r))) {
    long long m = r->nf == 3 ? stage_num(r->f[1], nmounts - 1) : -1;
    int fd = r->nf == 3 ? stage_fdnum(r->f[2]) : -1;
    if (m < 0 || fd < 0 || fcntl(fd, F_GETFD) < 0 || srcfd[m] >= 0 ||
        mount_flags_parse(mounts[m]->f[4], &mf) < 0 || !is_bind(mounts[m], &mf))
      die(EXIT_BADINPUT, "spec line %u: bad ns.mountfd record", r->line);
    srcfd[m] = fd;
  }
  idmapped = calloc((size_t)nmounts + 1, 1);
  if (!idmapped) die_sys(EXIT_SYSFAIL, "malloc");
  while ((r = spec_next(sp, NULL, r))) {
    long long m = r->nf >= 2 ? stage_num(r->f[1], nmounts - 1) : -1;
    if (strncmp(r->f[0], "mount.", 6)) continue;
    if (!strcmp(r->f[0], "mount.idmap")) {
      /* an id-mapped mount is only ever made from the tree oci-ns mapped: never from the path */
      if (r->nf != 3 || m < 0 || (strcmp(r->f[2], "0") && strcmp(r->f[2], "1")) || srcfd[m] < 0)
        die(EXIT_BADINPUT, "spec line %u: bad mount.idmap record (no mapped source from oci-ns)", r->line);
      idmapped[m] = 1;
    } else if (strcmp(r->f[0], "mount.uidmap") && strcmp(r->f[0], "mount.gidmap")) {
      die(EXIT_BADINPUT, "spec line %u: unknown record %s", r->line, r->f[0]);
    } else if (r->nf != 5 || m < 0 || stage_num(r->f[2], UINT32_MAX) < 0 ||
               stage_num(r->f[3], UINT32_MAX) < 0 || stage_num(r->f[4], UINT32_MAX) < 1) {
      die(EXIT_BADINPUT, "spec line %u: bad %s record", r->line, r->f[0]);
    }
  }
  free(mounts);
}

/* The source fds never reach the container's program (oci-exec closes every fd it does not hand on, too). */
static void close_srcfds(void)
{
  for (int i = 0; i < nmounts; i++)
    if (srcfd[i] >= 0) close(srcfd[i]);
}

static void validate(void)
{
  const struct rec *r = NULL;
  while ((r = spec_next(sp, NULL, r))) {
    const char *k = r->f[0];
    struct mount_flags mf;
    int ok;
    if (!strcmp(k, "root.path")) {
      ok = r->nf == 2 && r->f[1][0] == '/';
    } else if (!strcmp(k, "root.readonly") || !strcmp(k, "root.pivot") || !strcmp(k, "process.terminal")) {
      ok = r->nf == 2 && (!strcmp(r->f[1], "0") || !strcmp(r->f[1], "1"));
    } else if (!strcmp(k, "root.propagation")) {
      const struct mntopt *o = r->nf == 2 ? mount_opt_find(r->f[1]) : NULL;
      ok = o && o->kind == MO_PROP;
    } else if (!strcmp(k, "mount")) {
      ok = r->nf == 6 && r->f[1][0] == '/' && !same_path(r->f[1], "/") && *r->f[2] &&
           mount_flags_parse(r->f[4], &mf) == 0 && (!is_bind(r, &mf) || r->f[3][0] == '/');
    } else if (!strcmp(k, "device")) {
      ok = device_ok(r);
    } else if (!strcmp(k, "symlink")) {
      ok = r->nf == 3 && *r->f[1] && r->f[2][0] == '/' && last_ok(r->f[2]);
    } else if (!strcmp(k, "mask") || !strcmp(k, "readonly")) {
      ok = r->nf == 2 && r->f[1][0] == '/';
    } else if (!strcmp(k, "mountlabel")) {
      ok = r->nf == 2;
    } else {
      continue;
    }
    if (!ok) die(EXIT_BADINPUT, "spec line %u: bad %s record", r->line, k);
  }
  if (!spec_get(sp, "root.path")) die(EXIT_BADINPUT, "spec: no root.path record");
}

/* ---- resolving destinations inside the rootfs ---- */

/* The top mount at DEST (after a mount, the fd from before still names the
   directory underneath). */
static int reopen(const char *dest)
{
  int fd = path_open_in_root(rootfd, dest, O_PATH);
  if (fd < 0) die_sys(EXIT_SYSFAIL, "open %s%s", root, dest);
  return fd;
}

/* A mount must never cover the container root itself (DEST "/x" -> "/"). A is fd's stat. */
static void not_root(const struct stat *a, const char *dest)
{
  if (a->st_dev == rootst.st_dev && a->st_ino == rootst.st_ino)
    die(EXIT_BADINPUT, "mount on %s%s: destination resolves to the container root", root, dest);
}

/* Resolve DEST with the rootfs as "/", creating what is missing: a
   directory, or an empty file for a file bind (kind 'f'). Its stat in ST. */
static int open_dest(const char *dest, int kind, struct stat *st)
{
  int fd = path_open_in_root(rootfd, dest, O_PATH);
  if (fd < 0 && errno == ENOENT) {
    fd = path_create_missing(rootfd, dest, kind, kind == 'f' ? 0644 : 0755);
    if (fd < 0) die_sys(EXIT_SYSFAIL, "create %s%s", root, dest);
  }
  if (fd < 0) die_sys(EXIT_SYSFAIL, "open %s%s", root, dest);
  if (fstat(fd, st) < 0) die_sys(EXIT_SYSFAIL, "stat %s%s", root, dest);
  not_root(st, dest);
  return fd;
}

/* CVE-2019-16884/CVE-2019-19921 class: a container could swap /proc for a
   symlink so that procfs lands elsewhere (or something else lands on
   /proc). proc and sysfs go on a real directory only; nothing but procfs
   goes on /proc, and inside /proc only the files lxcfs emulates. */
static int open_fs_dir(const char *dest, const char *src, struct stat *st)
{
  int fd = path_open_in_root(rootfd, dest, O_PATH | O_NOFOLLOW);
  if (fd < 0) return open_dest(dest, 'd', st);
  if (fstat(fd, st) < 0) die_sys(EXIT_SYSFAIL, "stat %s%s", root, dest);
  if (!S_ISDIR(st->st_mode)) {
    errno = ENOTDIR;
    die_sys(EXIT_SYSFAIL, "mount %s on %s%s", src, root, dest);
  }
  not_root(st, dest);
  return fd;
}

static void check_proc(int fd, const struct rec *r, const struct mount_flags *mf)
{
  static const char *const lxcfs[] = {
      "/proc/cpuinfo",
      "/proc/diskstats",
      "/proc/meminfo",
      "/proc/stat",
      "/proc/swaps",
      "/proc/uptime",
      "/proc/loadavg",
      "/proc/slabinfo",
      "/proc/sys/kernel/ns_last_pid",
      "/proc/sys/crypto/fips_enabled",
  };
  char real[4096];
  size_t n = strlen(rootreal);
  const char *rel;
  struct statfs st;

  if (mnt_fd_path(fd, real, sizeof real) < 0) die_sys(EXIT_SYSFAIL, "resolve %s%s", root, r->f[1]);
  if (n == 1) n = 0; /* root.path is "/" */
  if (strncmp(real, rootreal, n) || (real[n] && real[n] != '/'))
    die(EXIT_SYSFAIL, "mount %s on %s%s: resolved outside the rootfs", r->f[3], root, r->f[1]);
  rel = real + n;
  if (!strcmp(rel, "/proc")) {
    if (!strcmp(r->f[2], "proc")) return;
    if (is_bind(r, mf) && statfs(r->f[3], &st) == 0 && st.f_type == PROC_SUPER_MAGIC) return;
    die(EXIT_BADINPUT, "mount %s on %s%s: only procfs may be mounted on /proc", r->f[3], root, r->f[1]);
  }
  if (strncmp(rel, "/proc/", 6)) return;
  for (size_t i = 0; i < sizeof lxcfs / sizeof *lxcfs; i++)
    if (!strcmp(rel, lxcfs[i])) return;
  die(EXIT_BADINPUT, "mount %s on %s%s: refused inside /proc", r->f[3], root, r->f[1]);
}

/* ---- mounting ---- */

static void xmount(const char *src, int fd, const char *dest, const char *type, unsigned long flags,
                   const char *data)
{
  char p[64];
  FDPATH(p, fd);
  if (mount(src, p, type, flags, data && *data ? data : NULL) < 0)
    die_sys(EXIT_SYSFAIL, "mount %s on %s%s", *src ? src : type, root, dest);
}

/* Change the flags of the mount at top. Across a user namespace the kernel
   refuses to drop a locked flag, so on EPERM retry keeping the ones the
   mount has (runc does the same). */
static void remount(int top, const char *dest, unsigned long flags)
{
  char p[64];
  unsigned long cur, f = (flags & ~(MS_BIND | MS_REC)) | MS_BIND | MS_REMOUNT;
  FDPATH(p, top);
  if (mount(NULL, p, NULL, f, NULL) == 0) return;
  if (errno == EPERM && mnt_flags(top, &cur) == 0) {
    if (mount(NULL, p, NULL, f | (cur & LOCKED), NULL) == 0) return;
  }
  die_sys(EXIT_SYSFAIL, "remount %s%s", root, dest);
}

static void propagate(int top, const char *dest, const struct mount_flags *mf)
{
  char p[64];
  FDPATH(p, top);
  if (mf->prop && mount(NULL, p, NULL, mf->prop, NULL) < 0)
    die_sys(EXIT_SYSFAIL, "set propagation of %s%s", root, dest);
}

/* rro, rnosuid, ...: mount_setattr(2) on the whole subtree */
static void setattr(int top, const char *dest, const struct mount_flags *mf)
{
  struct mount_attr a = {.attr_set = mf->rset, .attr_clr = mf->rclr};
  if ((mf->rset || mf->rclr) && mount_setattr(top, "", AT_EMPTY_PATH | AT_RECURSIVE, &a, sizeof a) < 0)
    die_sys(EXIT_SYSFAIL, "set attributes of %s%s", root, dest);
}

/* Does MF ask for anything that needs the new top mount (propagation, mount_setattr)? */
static int wants_top(const struct mount_flags *mf) { return mf->prop || mf->rset || mf->rclr; }

/* Bind src onto fd, then apply the other flags with a remount (a bind
   ignores them). Returns the new top mount when WANT or the remount needs it, else -1. */
static int bind_at(const char *src, const char *name, int fd, const char *dest, unsigned long flags, int want)
{
  char p[64];
  int top = -1, more = (flags & ~(MS_BIND | MS_REC | MS_REMOUNT)) != 0;
  FDPATH(p, fd);
  if (mount(src, p, NULL, MS_BIND | (flags & MS_REC), NULL) < 0)
    die_sys(EXIT_SYSFAIL, "mount %s on %s%s", name, root, dest);
  if (want || more) top = reopen(dest);
  if (more) remount(top, dest, flags);
  if (!want && top >= 0) {
    close(top);
    top = -1;
  }
  return top;
}

static int selinux_on; /* /sys/fs/selinux is selinuxfs: the host has SELinux */

/* Without SELinux, the SELinux options of a mount's data (context=, fscontext=, defcontext=, rootcontext=,
   whose quoted value may hold commas) are dropped with a line in the --debug log, as runc's and crun's label
   libraries do; the kernel would refuse them. */
static char *drop_contexts(const char *data)
{
  static const char *const keys[] = {"context=", "fscontext=", "defcontext=", "rootcontext="};
  char *out = xasprintf("%s", data), *o = out;
  const char *p = data;
  while (*p) {
    const char *e = p;
    int q = 0, drop = 0;
    for (; *e && (q || *e != ','); e++)
      if (*e == '"') q = !q;
    for (size_t i = 0; i < sizeof keys / sizeof *keys; i++) drop |= !strncmp(p, keys[i], strlen(keys[i]));
    if (drop)
      debug("mount option %.*s ignored: SELinux is disabled on this host", (int)(e - p), p);
    else {
      if (o != out) *o++ = ',';
      memcpy(o, p, (size_t)(e - p));
      o += e - p;
    }
    p = *e ? e + 1 : e;
  }
  *o = 0;
  return out;
}

/* Append the SELinux context= option for filesystems that take one. */
static char *with_label(const char *type, const char *data)
{
  static const char *const nolabel[] = {"proc", "sysfs", "mqueue", "cgroup", "cgroup2"};
  const char *l = label;
  if (!selinux_on) return drop_contexts(data);
  for (size_t i = 0; l && i < sizeof nolabel / sizeof *nolabel; i++)
    if (!strcmp(type, nolabel[i])) l = NULL;
  if (!l) return xasprintf("%s", data);
  return xasprintf("%s%scontext=\"%s\"", data, *data ? "," : "", l);
}

/* Put the id-mapped detached tree oci-ns made at fd (a mount point of the rootfs): move_mount(2), as a bind
   of a tree outside our mount namespace is refused. */
static int move_tree(int tree, int fd, const char *src, const char *dest)
{
  if (syscall(SYS_move_mount, tree, "", fd, "", MOVE_MOUNT_F_EMPTY_PATH | MOVE_MOUNT_T_EMPTY_PATH) < 0)
    die_sys(EXIT_SYSFAIL, "mount id-mapped %s on %s%s", src, root, dest);
  return reopen(dest);
}

/* A bind from SRC, or from the fd oci-ns opened on the host's side (a path the container's mapped root may
   not be allowed to walk: it follows no name, the fd is the source). */
static void mount_bind(const struct rec *r, const struct mount_flags *mf, int i)
{
  int sfd = srcfd[i];
  const char *dest = r->f[1], *src = r->f[3];
  char via[64];
  struct stat st;
  int fd, top;
  if (sfd >= 0) {
    FDPATH(via, sfd);
    if (fstat(sfd, &st) < 0) die_sys(EXIT_SYSFAIL, "stat %s", src);
  } else if (stat(src, &st) < 0) {
    die_sys(EXIT_SYSFAIL, "stat %s", src);
  }
  fd = open_dest(dest, S_ISDIR(st.st_mode) ? 'd' : 'f', &st);
  check_proc(fd, r, mf);
  if (idmapped[i]) {
    top = move_tree(sfd, fd, src, dest);
    if (mf->flags & ~(MS_BIND | MS_REC | MS_REMOUNT)) remount(top, dest, mf->flags | MS_BIND);
  } else {
    top = bind_at(sfd >= 0 ? via : src, src, fd, dest, mf->flags | MS_BIND, wants_top(mf));
  }
  if (top >= 0) {
    propagate(top, dest, mf);
    setattr(top, dest, mf);
    close(top);
  }
  close(fd);
}

/* A filesystem mount (proc, tmpfs, devpts, mqueue, sysfs, cgroup2, ...).
   tmpfs and /dev stay writable until devices exist (see finalize). */
static void mount_fs(const struct rec *r, const struct mount_flags *mf)
{
  const char *dest = r->f[1], *type = r->f[2], *src = r->f[3];
  int fd, top, old = -1, tmpfs = !strcmp(type, "tmpfs");
  int writable = tmpfs || same_path(dest, "/dev"); /* until devices exist: no ro, no attributes yet */
  unsigned long flags = mf->flags & ~(MS_BIND | MS_REC);
  char *data;
  struct stat st;

  if (!strcmp(type, "proc") || !strcmp(type, "sysfs"))
    fd = open_fs_dir(dest, *src ? src : type, &st);
  else
    fd = open_dest(dest, 'd', &st);
  check_proc(fd, r, mf);
  if (writable) flags &= ~MS_RDONLY;
  if (tmpfs) { /* keep the mode of the directory it covers */
    char *d = xasprintf("mode=%04o%s%s", st.st_mode & 07777, *r->f[5] ? "," : "", r->f[5]);
    data = with_label(type, d);
    free(d);
  } else {
    data = with_label(type, r->f[5]);
  }
  /* tmpcopyup: an fd opened before the mount still reads what it covers */
  if (mf->tmpcopyup && (old = openat(fd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC)) < 0)
    die_sys(EXIT_SYSFAIL, "open %s%s", root, dest);
  xmount(src, fd, dest, type, flags, data);
  free(data);
  if (old < 0 && !mf->prop && (writable || (!mf->rset && !mf->rclr))) {
    close(fd); /* nothing to do on the new mount */
    return;
  }
  top = reopen(dest);
  if (old >= 0) {
    int new = openat(top, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (new < 0 || mnt_copy_tree(old, new) < 0)
      die_sys(EXIT_SYSFAIL, "copy %s%s up into its tmpfs", root, dest);
    close(new);
    close(old);
  }
  propagate(top, dest, mf);
  if (!writable) setattr(top, dest, mf);
  close(top);
  close(fd);
}

/* ---- cgroups ---- */

static int v1_controller(const char *t)
{
  static const char *const known[] = {"blkio",   "cpu",      "cpuacct",    "cpuset", "debug",
                                      "devices", "freezer",  "hugetlb",    "memory", "misc",
                                      "net_cls", "net_prio", "perf_event", "pids",   "rdma"};
  if (!strncmp(t, "name=", 5)) return 1;
  for (size_t i = 0; i < sizeof known / sizeof *known; i++)
    if (!strcmp(t, known[i])) return 1;
  return 0;
}

/* The controllers of a v1 hierarchy from its super options: "rw,cpu,cpuacct" -> "cpu,cpuacct". */
static char *controllers(const char *super)
{
  char *copy = xasprintf("%s", super), *out = xasprintf("%s", ""), *save;
  for (char *t = strtok_r(copy, ",", &save); t; t = strtok_r(NULL, ",", &save)) {
    if (!v1_controller(t)) continue;
    char *n = xasprintf("%s%s%s", out, *out ? "," : "", t);
    free(out);
    out = n;
  }
  free(copy);
  return out;
}

static int same_set(const char *a, const char *b)
{
  char *ca = xasprintf(",%s,", a), *cb = xasprintf(",%s,", b), *save;
  int ok = strlen(ca) == strlen(cb);
  for (char *t = strtok_r(ca + 1, ",", &save); ok && t; t = strtok_r(NULL, ",", &save)) {
    char *k = xasprintf(",%s,", t);
    ok = strstr(cb, k) != NULL;
    free(k);
  }
  free(ca);
  free(cb);
  return ok;
}

/* Our own cgroup in hierarchy m, as a host path ("/sys/fs/cgroup/memory/c1"), from /proc/self/cgroup:
   the process is already in the container's cgroup (oci-cgroup, oci-ns). */
static char *own_cgroup(const char *self, const struct mnt_info *m)
{
  int v2 = !strcmp(m->fstype, "cgroup2");
  char *want = v2 ? xasprintf("%s", "") : controllers(m->super), *copy = xasprintf("%s", self), *save,
       *res = NULL;
  size_t rl = strcmp(m->root, "/") ? strlen(m->root) : 0;
  for (char *l = strtok_r(copy, "\n", &save); l && !res; l = strtok_r(NULL, "\n", &save)) {
    char *c = strchr(l, ':'), *p = c ? strchr(c + 1, ':') : NULL;
    if (!p) continue;
    *c = 0;
    *p++ = 0;
    if (v2 ? strcmp(l, "0") || c[1] : !same_set(c + 1, want)) continue;
    if (strncmp(p, m->root, rl) || (p[rl] && p[rl] != '/')) continue; /* not below this mount */
    res = xasprintf("%s%s", m->point, p + rl);
  }
  free(want);
  free(copy);
  return res;
}

/* cgroup on a v1 or hybrid host (runc's layout): a tmpfs at DEST, one
   directory per hierarchy, named after its host mount point. With a
   cgroup namespace each is a fresh cgroup mount (it shows the namespace
   root); without one, a bind of the container's own cgroup directory. */
static void mount_cgroup_v1(const struct rec *r, const struct mount_flags *mf, const struct mnt_table *t,
                            const char *self)
{
  const char *dest = r->f[1];
  unsigned long ro = mf->flags & MS_RDONLY;
  size_t rootlen = strlen(root);
  struct stat st;
  int fd = open_dest(dest, 'd', &st), top;
  char *data = with_label("tmpfs", "mode=755");

  check_proc(fd, r, mf);
  xmount("tmpfs", fd, dest, "tmpfs", CGFLAGS, data);
  free(data);
  close(fd);
  top = reopen(dest);
  propagate(top, dest, mf);
  for (size_t i = 0; i < t->n; i++) {
    const struct mnt_info *m = &t->e[i];
    int dup = 0, v2 = !strcmp(m->fstype, "cgroup2");
    if (!v2 && strcmp(m->fstype, "cgroup")) continue;
    if (!strncmp(m->point, root, rootlen) && (!m->point[rootlen] || m->point[rootlen] == '/')) continue;
    for (size_t j = 0; j < i && !dup; j++) dup = t->e[j].major == m->major && t->e[j].minor == m->minor;
    if (dup) continue;
    char *name = strrchr(m->point, '/') + 1, *sub = xasprintf("%s/%s", dest, name), *src;
    int sfd = open_dest(sub, 'd', &st);
    if (cgroupns && !v2) {
      char *ctl = controllers(m->super);
      xmount("cgroup", sfd, sub, "cgroup", CGFLAGS | ro, ctl);
      free(ctl);
    } else if (cgroupns) {
      xmount("cgroup2", sfd, sub, "cgroup2", CGFLAGS | ro, NULL);
    } else if ((src = own_cgroup(self, m)) && !strcmp(src + strlen(m->point), "/")) {
      /* still at the root of the hierarchy (a named one, like name=systemd,
         that oci-cgroup does not manage): binding it would show the host's
         whole tree, so the directory stays empty */
      free(src);
    } else if (src) {
      bind_at(src, src, sfd, sub, mf->flags | MS_BIND | MS_REC, 0);
      free(src);
    } else {
      warn("no cgroup of ours in %s: %s%s left empty", m->point, root, sub);
    }
    /* cpu,cpuacct also answers to cpu and cpuacct */
    if (strchr(name, ',')) {
      char *names = xasprintf("%s", name), *save;
      for (char *c = strtok_r(names, ",", &save); c; c = strtok_r(NULL, ",", &save))
        if (symlinkat(name, top, c) < 0 && errno != EEXIST)
          die_sys(EXIT_SYSFAIL, "symlink %s%s/%s", root, dest, c);
      free(names);
    }
    close(sfd);
    free(sub);
  }
  if (ro) remount(top, dest, CGFLAGS | MS_RDONLY);
  close(top);
}

/* cgroup2, and cgroup on a unified host. With a cgroup namespace a fresh
   cgroup2 mount (it shows the namespace's root, the container's cgroup);
   without one, a bind of the container's own cgroup directory, so that the
   container sees only its own cgroup, as on v1 (runc mounts cgroup2 afresh
   there and shows the host's whole tree). A user namespace without a
   cgroup namespace may not mount cgroup2 either. */
static void mount_cgroup2(const struct rec *r, const struct mount_flags *mf, const struct mnt_table *t,
                          const char *self)
{
  const char *dest = r->f[1];
  char p[64], *src = NULL;
  struct stat st;
  int fd = open_dest(dest, 'd', &st), top;
  check_proc(fd, r, mf);
  FDPATH(p, fd);
  for (size_t i = 0; i < t->n && !src; i++)
    if (!strcmp(t->e[i].fstype, "cgroup2")) src = own_cgroup(self, &t->e[i]);
  if (cgroupns &&
      mount("cgroup2", p, "cgroup2", mf->flags & ~(MS_BIND | MS_REC), *r->f[5] ? r->f[5] : NULL) == 0) {
    top = reopen(dest);
    propagate(top, dest, mf);
    setattr(top, dest, mf);
  } else {
    if (cgroupns && errno != EPERM && errno != EBUSY)
      die_sys(EXIT_SYSFAIL, "mount cgroup2 on %s%s", root, dest);
    if (!src && spec_get(sp, "cgroup.rootless")) {
      /* rootless without a cgroup of its own (runc masks it): the host's tree must not show through */
      if (mount("tmpfs", p, "tmpfs", MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC,
                "nr_blocks=1,nr_inodes=1") < 0)
        die_sys(EXIT_SYSFAIL, "mask %s%s", root, dest);
      close(fd);
      return;
    }
    if (!src) die(EXIT_SYSFAIL, "mount cgroup2 on %s%s: no cgroup2 hierarchy to bind", root, dest);
    top = bind_at(src, src, fd, dest, mf->flags | MS_BIND | MS_REC, wants_top(mf));
    if (top >= 0) {
      propagate(top, dest, mf);
      setattr(top, dest, mf);
    }
  }
  free(src);
  if (top >= 0) close(top);
  close(fd);
}

static void mount_cgroup(const struct rec *r, const struct mount_flags *mf)
{
  struct mnt_table t;
  struct statfs st;
  size_t len;
  int fd = open("/proc/self/cgroup", O_RDONLY | O_CLOEXEC);
  char *self = fd < 0 ? NULL : fd_slurp(fd, &len);
  if (!self) die_sys(EXIT_SYSFAIL, "read /proc/self/cgroup");
  close(fd);
  if (mnt_table_read(&t) < 0) die_sys(EXIT_SYSFAIL, "read /proc/self/mountinfo");
  if (!strcmp(r->f[2], "cgroup2") || (statfs("/sys/fs/cgroup", &st) == 0 && st.f_type == CGROUP2_SUPER_MAGIC))
    mount_cgroup2(r, mf, &t, self);
  else
    mount_cgroup_v1(r, mf, &t, self);
  mnt_table_free(&t);
  free(self);
}

static void mount_rec(const struct rec *r, int i)
{
  struct mount_flags mf;
  mount_flags_parse(r->f[4], &mf); /* validated */
  if (is_bind(r, &mf))
    mount_bind(r, &mf, i);
  else if (!strcmp(r->f[2], "cgroup") || !strcmp(r->f[2], "cgroup2"))
    mount_cgroup(r, &mf);
  else
    mount_fs(r, &mf);
}

/* ---- devices and symlinks ---- */

/* The last parent directory opened for a device or symlink (most are in /dev): kept for the next one. */
static char *parent_path;
static int parent_fd = -1;

static void parent_close(void)
{
  if (parent_fd >= 0) close(parent_fd);
  free(parent_path);
  parent_path = NULL;
  parent_fd = -1;
}

/* The parent directory of PATH inside the rootfs (created), and its last component. */
static int open_parent(const char *path, char **name)
{
  char *c = clean(path), *slash = strrchr(c, '/');
  const char *dir;
  *name = xasprintf("%s", slash + 1);
  *slash = 0;
  dir = *c ? c : "/";
  if (parent_path && !strcmp(parent_path, dir)) {
    free(c);
    return parent_fd;
  }
  parent_close();
  parent_fd = path_create_in_root(rootfd, dir, 'd', 0755);
  if (parent_fd < 0) die_sys(EXIT_SYSFAIL, "create %s%s", root, dir);
  parent_path = xasprintf("%s", dir);
  free(c);
  return parent_fd;
}

/* In a user namespace mknod is refused: bind the host's node instead (runc). The empty file made for it is
   the mount point (through the fd that made it); an entry already there is opened without following it. */
static void bind_device(int dir, const char *name, const char *path)
{
  struct stat st;
  int fd = openat(dir, name, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0);
  if (fd < 0 && errno != EEXIST) die_sys(EXIT_SYSFAIL, "create %s%s", root, path);
  if (fd < 0) fd = openat(dir, name, O_PATH | O_NOFOLLOW | O_CLOEXEC);
  if (fd < 0 || fstat(fd, &st) < 0) die_sys(EXIT_SYSFAIL, "open %s%s", root, path);
  if (S_ISLNK(st.st_mode) || S_ISDIR(st.st_mode)) {
    errno = S_ISLNK(st.st_mode) ? ELOOP : EISDIR;
    die_sys(EXIT_SYSFAIL, "mount %s on %s%s", path, root, path);
  }
  xmount(path, fd, path, "", MS_BIND, NULL);
  close(fd);
}

static void make_device(const struct rec *r)
{
  const char *path = r->f[1];
  char type = r->f[2][0], *name, p[64];
  unsigned long mode = 0;
  mode_t fmt = type == 'b' ? S_IFBLK : type == 'p' ? S_IFIFO : S_IFCHR;
  dev_t dev = type == 'p' ? 0
                          : makedev((unsigned)stage_num(r->f[3], 0xffffffffLL),
                                    (unsigned)stage_num(r->f[4], 0xffffffffLL));
  struct stat st;
  int dir = open_parent(path, &name), fd;

  octal_ok(r->f[5], &mode);
  if (userns && type != 'p') {
    bind_device(dir, name, path);
  } else if (mknodat(dir, name, fmt | (mode_t)mode, dev) < 0) {
    if (errno == EPERM && type != 'p')
      bind_device(dir, name, path);
    else if (errno != EEXIST) /* an existing node is kept, as runc does */
      die_sys(EXIT_SYSFAIL, "mknod %s%s", root, path);
  } else {
    /* check what we made, then set the exact mode (umask) and owner */
    fd = openat(dir, name, O_PATH | O_NOFOLLOW | O_CLOEXEC);
    if (fd < 0 || fstat(fd, &st) < 0) die_sys(EXIT_SYSFAIL, "open %s%s", root, path);
    if ((st.st_mode & S_IFMT) != fmt || st.st_rdev != dev)
      die(EXIT_SYSFAIL, "mknod %s%s: the node changed under us", root, path);
    FDPATH(p, fd);
    if (chmod(p, (mode_t)mode) < 0) die_sys(EXIT_SYSFAIL, "chmod %s%s", root, path);
    if (fchownat(fd, "", (uid_t)stage_num(r->f[6], 0xfffffffeLL), (gid_t)stage_num(r->f[7], 0xfffffffeLL),
                 AT_EMPTY_PATH) < 0)
      die_sys(EXIT_SYSFAIL, "chown %s%s", root, path);
    close(fd);
  }
  free(name);
}

static void make_symlink(const struct rec *r)
{
  const char *target = r->f[1], *path = r->f[2];
  char *name;
  int dir = open_parent(path, &name);
  if (symlinkat(target, dir, name) < 0) {
    if (errno != EEXIST) die_sys(EXIT_SYSFAIL, "symlink %s%s", root, path);
    /* an existing entry is kept, except a /dev/ptmx node (runc's setupPtmx) */
    if (same_path(path, "/dev/ptmx") && (unlinkat(dir, name, 0) < 0 || symlinkat(target, dir, name) < 0))
      die_sys(EXIT_SYSFAIL, "replace %s%s", root, path);
  }
  free(name);
}

static void setup_dev(void)
{
  const struct rec *r = NULL;
  int ptmx_link = 0;
  while ((r = spec_next(sp, "symlink", r))) ptmx_link |= same_path(r->f[2], "/dev/ptmx");
  while ((r = spec_next(sp, "device", r)))
    if (!ptmx_link || !same_path(r->f[1], "/dev/ptmx")) make_device(r);
  while ((r = spec_next(sp, "symlink", r))) make_symlink(r);
  parent_close();
}

/* ---- read-only parts ---- */

/* tmpfs and /dev were mounted writable so devices and copies could be made; now apply ro and rro. */
static void finalize(void)
{
  const struct rec *r = NULL;
  while ((r = spec_next(sp, "mount", r))) {
    struct mount_flags mf;
    mount_flags_parse(r->f[4], &mf);
    if (is_bind(r, &mf) || !strncmp(r->f[2], "cgroup", 6)) continue;
    if (strcmp(r->f[2], "tmpfs") && !same_path(r->f[1], "/dev")) continue;
    if (!(mf.flags & MS_RDONLY) && !mf.rset && !mf.rclr) continue;
    int top = reopen(r->f[1]);
    if (mf.flags & MS_RDONLY) remount(top, r->f[1], mf.flags | MS_RDONLY);
    setattr(top, r->f[1], &mf);
    close(top);
  }
}

static void readonly_path(const char *path)
{
  char p[64];
  unsigned long cur;
  int fd = path_open_in_root(rootfd, path, O_PATH), top;
  if (fd < 0 && errno == ENOENT) return; /* missing: nothing to protect */
  if (fd < 0) die_sys(EXIT_SYSFAIL, "open %s%s", root, path);
  FDPATH(p, fd);
  if (mount(p, p, NULL, MS_BIND | MS_REC, NULL) < 0) die_sys(EXIT_SYSFAIL, "bind %s%s on itself", root, path);
  top = reopen(path);
  if (mnt_flags(top, &cur) < 0) die_sys(EXIT_SYSFAIL, "statfs %s%s", root, path);
  remount(top, path, (cur & (MS_NOSUID | MS_NODEV | MS_NOEXEC)) | MS_RDONLY);
  close(top);
  close(fd);
}

static void mask_path(const char *path, int nullfd)
{
  char p[64], src[64];
  struct stat st;
  int fd = path_open_in_root(rootfd, path, O_PATH);
  if (fd < 0 && errno == ENOENT) return; /* missing: nothing to hide */
  if (fd < 0 || fstat(fd, &st) < 0) die_sys(EXIT_SYSFAIL, "open %s%s", root, path);
  FDPATH(p, fd);
  if (S_ISDIR(st.st_mode)) {
    char *data = with_label("tmpfs", "nr_blocks=1,nr_inodes=1");
    int r = mount("tmpfs", p, "tmpfs", MS_RDONLY, data);
    free(data);
    if (r < 0) die_sys(EXIT_SYSFAIL, "mount tmpfs on %s%s", root, path);
  } else {
    FDPATH(src, nullfd);
    if (mount(src, p, NULL, MS_BIND, NULL) < 0) die_sys(EXIT_SYSFAIL, "mount /dev/null on %s%s", root, path);
  }
  close(fd);
}

static void protect(void)
{
  const struct rec *r = NULL;
  struct stat st;
  int nullfd;
  if (!spec_next(sp, "mask", NULL) && !spec_next(sp, "readonly", NULL)) return;
  while ((r = spec_next(sp, "readonly", r))) readonly_path(r->f[1]);
  nullfd = open("/dev/null", O_PATH | O_CLOEXEC);
  if (nullfd < 0 || fstat(nullfd, &st) < 0) die_sys(EXIT_SYSFAIL, "open /dev/null");
  if (!S_ISCHR(st.st_mode) || st.st_rdev != makedev(1, 3))
    die(EXIT_SYSFAIL, "/dev/null is not the null device");
  while ((r = spec_next(sp, "mask", r))) mask_path(r->f[1], nullfd);
  close(nullfd);
}

/* ---- the root ---- */

/* rslave (or root.propagation) on the whole tree so nothing leaks to the
   host; the parent of root.path not shared (pivot_root(2) refuses a
   shared parent, and a bind there would propagate); root.path a mount
   point of its own. shared/rshared are applied again by oci-exec on the
   new root after the switch, as runc does. */
static void prepare_root(void)
{
  const char *p = spec_get(sp, "root.propagation");
  unsigned long prop = p ? mount_opt_find(p)->flag : MS_SLAVE | MS_REC;
  unsigned long parent = prop & MS_SLAVE ? MS_SLAVE : MS_PRIVATE;
  char *dir = clean(root);

  if (mount(NULL, "/", NULL, prop, NULL) < 0) die_sys(EXIT_SYSFAIL, "set propagation of /");
  for (;;) { /* EINVAL: not a mount point; walk up until one is */
    char *slash;
    if (mount(NULL, dir, NULL, parent, NULL) == 0) break;
    if (errno != EINVAL || !strcmp(dir, "/")) die_sys(EXIT_SYSFAIL, "set propagation of %s", dir);
    slash = strrchr(dir, '/');
    slash[slash == dir] = 0;
  }
  free(dir);
  if (mount(root, root, NULL, MS_BIND | MS_REC, NULL) < 0) die_sys(EXIT_SYSFAIL, "bind %s on itself", root);
  /* opened after the bind, so that mounts land on it and not underneath */
  rootfd = open(root, O_PATH | O_DIRECTORY | O_CLOEXEC);
  if (rootfd < 0) die_sys(EXIT_SYSFAIL, "open %s", root);
  if (mnt_fd_path(rootfd, rootreal, sizeof rootreal) < 0) die_sys(EXIT_SYSFAIL, "resolve %s", root);
  if (fstat(rootfd, &rootst) < 0) die_sys(EXIT_SYSFAIL, "stat %s", root);
}

/* go-selinux and crun label mounts only when SELinux is on; without it the label is ignored, with a line in
   the --debug log */
static const char *mount_label(void)
{
  const char *l = spec_get(sp, "mountlabel");
  struct statfs st;
  selinux_on = statfs("/sys/fs/selinux", &st) == 0 && st.f_type == SELINUX_MAGIC;
  if (!l || !*l) return NULL;
  if (!selinux_on) {
    debug("mount label \"%s\" ignored: SELinux is disabled on this host", l);
    return NULL;
  }
  return l;
}

/* The container's namespaces and mounts exist, the root is not switched
   yet: the monitor runs prestart and createRuntime in the runtime's
   namespaces (asked over ns.sync), then createContainer runs here, in the
   container's (runc's order). */
static void create_hooks(void)
{
  char msg[1100];
  const char *p = spec_get(sp, "ns.pid");
  pid_t pid = p ? (pid_t)stage_num(p, 1 << 22) : 0;
  int r;
  if (hook_any(sp, "prestart") || hook_any(sp, "createRuntime")) {
    const char *s = spec_get(sp, "ns.sync");
    int fd = s ? stage_fdnum(s) : -1;
    ssize_t n;
    if (fd < 0)
      die(EXIT_BADINPUT, "spec: prestart and createRuntime hooks need the monitor (no ns.sync record)");
    if (sync_send(fd, "hook createRuntime", -1) < 0) die_sys(EXIT_SYSFAIL, "ask the monitor for the hooks");
    n = sync_recv(fd, msg, sizeof msg, NULL);
    if (n < 0) die_sys(EXIT_SYSFAIL, "wait for the hooks");
    if (n == 0) die(EXIT_SYSFAIL, "wait for the hooks: the monitor is gone");
    if (strcmp(msg, "ok")) die(EXIT_SYSFAIL, "%s", strncmp(msg, "fail ", 5) ? msg : msg + 5);
  }
  if ((r = hook_run(sp, "createContainer", pid, "created", msg, sizeof msg)) != 0)
    die(r == -2 ? EXIT_BADINPUT : EXIT_SYSFAIL, "%s", msg);
}

int main(int argc, char **argv)
{
  static struct spec s;
  const struct rec *r = NULL;
  const char *mode, *t;
  int opt, dry = 0, devbound = 0;

  stage_init("oci-mount");
  while ((opt = getopt(argc, argv, "+n")) != -1) switch (opt) {
      case 'n': dry = 1; break;
      default: die_usage(USAGE);
    }
  argv += optind;
  if (!*argv) die_usage(USAGE);
  stage_read(&s);
  sp = &s;
  validate();
  read_srcfds();
  root = spec_get(sp, "root.path");
  mode = spec_get(sp, "run.mode");

  if (dry || (mode && !strcmp(mode, "exec"))) { /* -n: validate, change nothing */
    close_srcfds();
    chain_exec(sp, argv);
  }
  /* runc builds the mount table only in a mount namespace of the container's */
  if (!has_ns("mount")) {
    if (spec_next(sp, "mask", NULL) || spec_next(sp, "readonly", NULL))
      die(EXIT_BADINPUT, "spec: mask and readonly records need a mount namespace");
    close_srcfds();
    create_hooks();
    chain_exec(sp, argv);
  }

  userns = has_ns("user");
  cgroupns = has_ns("cgroup");
  label = mount_label();
  prepare_root();
  for (int i = 0; (r = spec_next(sp, "mount", r)); i++) {
    struct mount_flags mf;
    mount_flags_parse(r->f[4], &mf);
    devbound |= is_bind(r, &mf) && same_path(r->f[1], "/dev");
    mount_rec(r, i);
  }
  close_srcfds();
  if (!devbound) setup_dev(); /* a bound /dev is the host's: leave it alone (runc) */
  /* the mount point oci-exec binds the pty slave on, made while /dev may still be written */
  if ((t = spec_get(sp, "process.terminal")) && !strcmp(t, "1")) {
    int fd = path_create_in_root(rootfd, "/dev/console", 'f', 0666);
    if (fd < 0) die_sys(EXIT_SYSFAIL, "create %s/dev/console", root);
    close(fd);
  }
  finalize();
  if ((t = spec_get(sp, "root.readonly")) && !strcmp(t, "1")) remount(rootfd, "", MS_RDONLY);
  protect();
  close(rootfd);
  create_hooks();
  chain_exec(sp, argv);
}
