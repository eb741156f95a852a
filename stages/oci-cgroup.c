/* oci-cgroup: create (exec mode: join) the container's cgroup on v1, v2 or hybrid hosts; apply resources.
   Reads cgroup.path, .memory.X, .cpu.X, .pids.limit, .device, .unified, run.mode; adds .dir, .join, .v2fd.
   After oci-secure, before oci-ns: it never moves itself; oci-ns's child joins with the handed fds. */
#include <errno.h>
#include <fcntl.h>
#include <linux/magic.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "cgroup.h"
#include "chain.h"
#include "die.h"
#include "fd.h"
#include "spec.h"
#include "stage.h"
#include "state.h"

#define USAGE "oci-cgroup [-r root] [-t v1|v2|hybrid] [-s file] prog..."

/* One hierarchy the container gets a cgroup in: a v1 controller
   hierarchy (name "cpu,cpuacct") or the unified one (name "unified"). */
struct hier {
  char *name;  /* controller list as /proc/self/cgroup spells it, or "unified" */
  char *mnt;   /* where it is mounted */
  char *mroot; /* the mount's root inside the hierarchy (mountinfo field 4) */
  char *own;   /* our own cgroup there (/proc/self/cgroup) */
  int v2, fake;
  char **comp; /* host paths of the components of cgroup.path, top first */
  int *isnew;
  size_t ncomp;
  char *dir; /* the container's cgroup = comp[ncomp-1] */
  int dfd;
};

static struct hier *H;
static size_t nh;
static const char *opt_root, *opt_layout, *opt_self = "/proc/self/cgroup";

/* ---- the resource records, validated before anything is created --------- */

/* clang-format off */
enum { M_LIMIT, M_RES, M_SWAP, M_KERNEL, M_KTCP, M_SWAPPINESS, M_NOOOM, M_HIER, C_SHARES, C_QUOTA,
       C_PERIOD, C_RTRUN, C_RTPER, C_BURST, C_IDLE, C_CPUS, C_MEMS, P_LIMIT, NKEY };
/* clang-format on */

static const struct {
  const char *key, *ctrl; /* record, v1 controller it needs */
  long long min, max;     /* min > max: a string (cpuset list) */
} keys[NKEY] = {
    [M_LIMIT] = {"cgroup.memory.limit", "memory", -1, 1LL << 62},
    [M_RES] = {"cgroup.memory.reservation", "memory", -1, 1LL << 62},
    [M_SWAP] = {"cgroup.memory.swap", "memory", -1, 1LL << 62},
    [M_KERNEL] = {"cgroup.memory.kernel", NULL, -1, 1LL << 62},
    [M_KTCP] = {"cgroup.memory.kernelTCP", "memory", -1, 1LL << 62},
    [M_SWAPPINESS] = {"cgroup.memory.swappiness", "memory", 0, 100},
    [M_NOOOM] = {"cgroup.memory.disableOOMKiller", "memory", 0, 1},
    [M_HIER] = {"cgroup.memory.useHierarchy", "memory", 0, 1},
    [C_SHARES] = {"cgroup.cpu.shares", "cpu", 0, 262144},
    [C_QUOTA] = {"cgroup.cpu.quota", "cpu", -1, 1LL << 62},
    [C_PERIOD] = {"cgroup.cpu.period", "cpu", 0, 1LL << 62},
    [C_RTRUN] = {"cgroup.cpu.realtimeRuntime", "cpu", -1, 1LL << 62},
    [C_RTPER] = {"cgroup.cpu.realtimePeriod", "cpu", 0, 1LL << 62},
    [C_BURST] = {"cgroup.cpu.burst", "cpu", 0, 1LL << 62},
    [C_IDLE] = {"cgroup.cpu.idle", "cpu", 0, 1},
    [C_CPUS] = {"cgroup.cpu.cpus", "cpuset", 1, 0},
    [C_MEMS] = {"cgroup.cpu.mems", "cpuset", 1, 0},
    [P_LIMIT] = {"cgroup.pids.limit", "pids", -1, 1LL << 62},
};

static const struct rec *kr[NKEY]; /* the record (last wins), or NULL */
static long long kv[NKEY];

static struct cgroup_dev *devs;
static const struct rec **devrec; /* the record of each rule */
static size_t ndev;
static const struct rec **unified;
static size_t nunified;
static const struct rec *path_rec;
static char **pcomp; /* cgroup.path split into components */
static size_t npcomp;

static __attribute__((noreturn)) void bad(const struct rec *r, const char *what)
{
  die(EXIT_BADINPUT, "spec line %u: %s %s", r->line, what, r->f[0]);
}

static void *xrealloc(void *p, size_t n, size_t size)
{
  if (size && n > ((size_t)-1) / size)
    errno = ENOMEM, p = NULL;
  else if (!(p = realloc(p, n && size ? n * size : 1)))
    errno = ENOMEM;
  if (!p) die_sys(EXIT_SYSFAIL, "allocate memory");
  return p;
}

static void parse_path(const struct rec *r)
{
  char *s = xasprintf("%s", r->f[1]), *p, *save;
  /* an empty component would land on our own (the sandbox's) cgroup, a
     ".." one outside of it */
  if (!*s || (strlen(s) > 1 && s[strlen(s) - 1] == '/') || strstr(s, "//") || !strcmp(s, "/"))
    die(EXIT_BADINPUT, "spec line %u: bad cgroup.path %s", r->line, r->f[1]);
  for (p = strtok_r(s, "/", &save); p; p = strtok_r(NULL, "/", &save)) {
    if (!strcmp(p, ".") || !strcmp(p, ".."))
      die(EXIT_BADINPUT, "spec line %u: bad cgroup.path %s", r->line, r->f[1]);
    pcomp = xrealloc(pcomp, npcomp + 1, sizeof *pcomp);
    pcomp[npcomp++] = p;
  }
}

static long long devnum(const struct rec *r, const char *s)
{
  long long v;
  if (!strcmp(s, "*")) return -1;
  if ((v = stage_num(s, 0xffffffffLL)) < 0) bad(r, "bad device number in");
  return v;
}

/* Read every cgroup.* record; refuse unknown ones before touching anything. */
static void parse_records(const struct spec *sp, int exec_mode)
{
  for (const struct rec *r = NULL; (r = spec_next(sp, NULL, r));) {
    const char *k = r->f[0];
    size_t i;
    if (strncmp(k, "cgroup.", 7)) continue;
    for (i = 0; i < NKEY && strcmp(k, keys[i].key); i++) {
    }
    if (i < NKEY) {
      if (r->nf != 2) bad(r, "bad");
      kr[i] = r;
      if (keys[i].min > keys[i].max) {
        if (!*r->f[1]) bad(r, "empty");
      } else if (!strcmp(r->f[1], "-1") && keys[i].min < 0) {
        kv[i] = -1;
      } else if ((kv[i] = stage_num(r->f[1], keys[i].max)) < 0 || kv[i] < keys[i].min) {
        bad(r, "bad value for");
      }
    } else if (!strcmp(k, "cgroup.path")) {
      if (r->nf != 2) bad(r, "bad");
      path_rec = r;
    } else if (!strcmp(k, "cgroup.device")) {
      struct cgroup_dev d;
      int acc;
      if (r->nf != 6 || (strcmp(r->f[1], "allow") && strcmp(r->f[1], "deny")) || strlen(r->f[2]) != 1 ||
          !strchr("acb", r->f[2][0]) || (acc = cgroup_dev_access(r->f[5])) < 0)
        bad(r, "bad");
      d.allow = !strcmp(r->f[1], "allow");
      d.type = r->f[2][0];
      d.maj = devnum(r, r->f[3]);
      d.min = devnum(r, r->f[4]);
      d.access = (unsigned)acc;
      devs = xrealloc(devs, ndev + 1, sizeof *devs);
      devrec = xrealloc(devrec, ndev + 1, sizeof *devrec);
      devrec[ndev] = r;
      devs[ndev++] = d;
    } else if (!strcmp(k, "cgroup.unified")) {
      if (r->nf != 3 || !*r->f[1] || strchr(r->f[1], '/') || !strcmp(r->f[1], ".") || !strcmp(r->f[1], ".."))
        bad(r, "bad");
      unified = xrealloc(unified, nunified + 1, sizeof *unified);
      unified[nunified++] = r;
    } else if (!strcmp(k, "cgroup.dir") || !strcmp(k, "cgroup.join") || !strcmp(k, "cgroup.v2fd")) {
      /* ours to append; in exec mode cgroup.dir names what to join */
      if (!exec_mode) bad(r, "oci-cgroup already ran:");
      if (!strcmp(k, "cgroup.dir") && (r->nf != 4 || r->f[2][0] != '/')) bad(r, "bad");
    } else {
      die(EXIT_BADINPUT, "spec line %u: unknown record %s", r->line, k);
    }
  }
  if (exec_mode) return;
  if (!path_rec) die(EXIT_BADINPUT, "spec line 1: no cgroup.path record");
  parse_path(path_rec);
  if (kr[M_SWAP] && kr[M_LIMIT] && kv[M_SWAP] > 0 && kv[M_LIMIT] > 0 && kv[M_SWAP] < kv[M_LIMIT])
    die(EXIT_BADINPUT, "spec line %u: cgroup.memory.swap is below cgroup.memory.limit", kr[M_SWAP]->line);
}

/* ---- finding the hierarchies ------------------------------------------- */

static char *slurp(const char *path)
{
  int fd = open(path, O_RDONLY | O_CLOEXEC);
  char *s;
  if (fd < 0 || !(s = fd_slurp(fd, NULL))) die_sys(EXIT_SYSFAIL, "read %s", path);
  close(fd);
  return s;
}

static int is_dir(const char *p)
{
  struct stat st;
  return stat(p, &st) == 0 && S_ISDIR(st.st_mode);
}

/* Does the comma list `opts` name every controller of the comma list `want`? */
static int has_all(const char *opts, const char *want)
{
  char *w = xasprintf("%s", want), *save, *c;
  int ok = 1;
  for (c = strtok_r(w, ",", &save); c && ok; c = strtok_r(NULL, ",", &save)) {
    size_t n = strlen(c);
    const char *p = opts;
    ok = 0;
    for (; p && !ok; p = strchr(p, ',') ? strchr(p, ',') + 1 : NULL)
      ok = !strncmp(p, c, n) && (!p[n] || p[n] == ',');
  }
  free(w);
  return ok;
}

/* The mount of a hierarchy from mountinfo: fstype "cgroup2", or "cgroup"
   with every controller of `ctrls` among its super options. */
static int find_mount(const char *mi, const char *ctrls, const char *root, char **mnt, char **mroot)
{
  char *copy = xasprintf("%s", mi), *line, *save;
  int found = 0;
  for (line = strtok_r(copy, "\n", &save); line && !found; line = strtok_r(NULL, "\n", &save)) {
    char *f[64], *p, *s2;
    int n = 0, dash = -1;
    for (p = strtok_r(line, " ", &s2); p && n < 64; p = strtok_r(NULL, " ", &s2)) {
      if (dash < 0 && !strcmp(p, "-")) dash = n;
      f[n++] = p;
    }
    if (dash < 6 || n < dash + 4) continue;
    const char *type = f[dash + 1], *sopts = f[dash + 3];
    spec_unescape(f[3]);
    spec_unescape(f[4]);
    size_t rl = strlen(root);
    if (strncmp(f[4], root, rl) || (f[4][rl] && f[4][rl] != '/')) continue;
    if (ctrls ? strcmp(type, "cgroup") || !has_all(sopts, ctrls) : strcmp(type, "cgroup2")) continue;
    *mnt = xasprintf("%s", f[4]);
    *mroot = xasprintf("%s", f[3]);
    found = 1;
  }
  free(copy);
  return found;
}

static void add_hier(const char *name, const char *mnt, const char *mroot, const char *own, int v2)
{
  struct statfs sf;
  struct hier *h;
  if (statfs(mnt, &sf) < 0) die_sys(EXIT_SYSFAIL, "statfs %s", mnt);
  H = xrealloc(H, nh + 1, sizeof *H);
  h = &H[nh++];
  memset(h, 0, sizeof *h);
  h->name = xasprintf("%s", name);
  h->mnt = xasprintf("%s", mnt);
  h->mroot = xasprintf("%s", mroot);
  h->own = xasprintf("%s", own);
  h->v2 = v2;
  h->dfd = -1;
  /* a tree of plain files made by a test (-r): files are created on write */
  h->fake = sf.f_type != CGROUP_SUPER_MAGIC && sf.f_type != CGROUP2_SUPER_MAGIC;
}

static char *colon(char *s)
{
  char *c = strchr(s, ':');
  if (!c) die(EXIT_SYSFAIL, "read %s: bad line %s", opt_self, s);
  return c;
}

static void find_hiers(void)
{
  const char *root = opt_root ? opt_root : "/sys/fs/cgroup";
  char *self = slurp(opt_self), *mi = opt_root ? NULL : slurp("/proc/self/mountinfo"), *line, *save;
  int want_v1 = 1, want_v2 = 1, unified_at_root = 0;
  struct statfs sf;

  if (opt_layout) {
    want_v1 = strcmp(opt_layout, "v2") != 0;
    want_v2 = strcmp(opt_layout, "v1") != 0;
    unified_at_root = !want_v1;
  } else {
    if (statfs(root, &sf) < 0) die_sys(EXIT_SYSFAIL, "statfs %s", root);
    if (sf.f_type == CGROUP2_SUPER_MAGIC) want_v1 = 0, unified_at_root = 1;
  }
  /* "ID:CONTROLLERS:PATH" per hierarchy; "0::PATH" is the unified one */
  for (line = strtok_r(self, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
    char *c1 = colon(line), *c2 = colon(c1 + 1), *mnt = NULL, *mroot = NULL; /* the path may hold ':' */
    char ctrls[4096] = "", *c, *s2;
    *c1 = *c2 = 0;
    if (!strcmp(line, "0") && !c1[1]) {
      if (!want_v2) continue;
      if (opt_root) {
        mnt = unified_at_root ? xasprintf("%s", root) : xasprintf("%s/unified", root);
        mroot = xasprintf("/");
        if (!is_dir(mnt)) continue;
      } else if (!find_mount(mi, NULL, root, &mnt, &mroot)) {
        continue;
      }
      add_hier("unified", mnt, mroot, c2 + 1, 1);
      continue;
    }
    if (!want_v1 || strlen(c1 + 1) >= sizeof ctrls) continue;
    for (c = strtok_r(c1 + 1, ",", &s2); c; c = strtok_r(NULL, ",", &s2)) {
      if (!strncmp(c, "name=", 5)) continue; /* named hierarchies (name=systemd) hold no resources */
      if (*ctrls) strcat(ctrls, ",");
      strcat(ctrls, c);
    }
    if (!*ctrls) continue;
    if (opt_root) {
      mnt = xasprintf("%s/%s", root, ctrls);
      mroot = xasprintf("/");
      if (!is_dir(mnt)) continue;
    } else if (!find_mount(mi, ctrls, root, &mnt, &mroot)) {
      continue; /* not mounted in this mount namespace */
    }
    add_hier(ctrls, mnt, mroot, c2 + 1, 0);
  }
  if (!nh) die(EXIT_SYSFAIL, "find cgroup hierarchies under %s: none mounted", root);
}

static struct hier *v1(const char *ctrl)
{
  for (size_t i = 0; i < nh; i++)
    if (!H[i].v2 && has_all(H[i].name, ctrl)) return &H[i];
  return NULL;
}

static struct hier *v2(void)
{
  for (size_t i = 0; i < nh; i++)
    if (H[i].v2) return &H[i];
  return NULL;
}

static int pure_v2(void) { return nh == 1 && H[0].v2; }

/* Every resource must have somewhere to go: refuse rather than ignore. */
static void check_targets(void)
{
  for (int i = 0; i < NKEY; i++) {
    if (!kr[i] || !keys[i].ctrl) continue;
    if (pure_v2()) {
      if ((i == C_RTRUN || i == C_RTPER) && kv[i] != 0)
        die(EXIT_BADINPUT, "spec line %u: %s is not supported on cgroup v2", kr[i]->line, keys[i].key);
    } else if (!v1(keys[i].ctrl)) {
      die(EXIT_BADINPUT, "spec line %u: %s needs the %s controller, which is not mounted", kr[i]->line,
          keys[i].key, keys[i].ctrl);
    }
  }
  if (pure_v2() && kr[M_SWAP] && kv[M_SWAP] > 0 && (!kr[M_LIMIT] || kv[M_LIMIT] <= 0))
    die(EXIT_BADINPUT, "spec line %u: cgroup.memory.swap needs a cgroup.memory.limit on cgroup v2",
        kr[M_SWAP]->line);
  if (ndev && !v1("devices") && !v2())
    die(EXIT_BADINPUT, "spec line %u: cgroup.device needs the devices controller, which is not mounted",
        devrec[0]->line);
  if (nunified && !v2())
    die(EXIT_BADINPUT, "spec line %u: cgroup.unified needs cgroup v2, which is not mounted",
        unified[0]->line);
}

/* ---- resolving and creating -------------------------------------------- */

/* The host paths of the components of cgroup.path in hierarchy h. */
static void resolve(struct hier *h)
{
  const char *base = path_rec->f[1][0] == '/' ? "" : h->own;
  size_t rl = strlen(h->mroot);
  char *g = xasprintf("%s", strcmp(base, "/") ? base : "");
  int missing = 0;

  if (rl == 1) rl = 0; /* mount root "/" */
  for (size_t i = 0; i < npcomp; i++) {
    char *ng = xasprintf("%s/%s", g, pcomp[i]);
    free(g);
    g = ng;
    if (rl && (!strncmp(h->mroot, g, strlen(g)) && (h->mroot[strlen(g)] == '/' || !h->mroot[strlen(g)])))
      continue; /* at or above the mount's root: exists, not ours */
    if (rl && (strncmp(g, h->mroot, rl) || g[rl] != '/'))
      die(EXIT_SYSFAIL, "resolve cgroup %s in %s: outside the mount at %s", g, h->name, h->mnt);
    char *p = xasprintf("%s%s", h->mnt, g + rl);
    struct stat st;
    if (!missing && lstat(p, &st) < 0) {
      if (errno != ENOENT) die_sys(EXIT_SYSFAIL, "stat %s", p);
      missing = 1;
    }
    h->comp = xrealloc(h->comp, h->ncomp + 1, sizeof *h->comp);
    h->isnew = xrealloc(h->isnew, h->ncomp + 1, sizeof *h->isnew);
    h->comp[h->ncomp] = p;
    h->isnew[h->ncomp++] = missing;
  }
  free(g);
  if (!h->ncomp)
    die(EXIT_SYSFAIL, "resolve cgroup %s in %s: not below the mount at %s", path_rec->f[1], h->name, h->mnt);
  h->dir = h->comp[h->ncomp - 1];
}

static int open_file(struct hier *h, int dfd, const char *name, int flags)
{
  return openat(dfd, name, flags | O_CLOEXEC | (h->fake ? O_CREAT : 0), 0644);
}

/* One write per value: cgroup files take one value per write(2). */
static void cg_write_at(struct hier *h, int dfd, const char *dir, const char *file, const char *val)
{
  int fd = open_file(h, dfd, file, O_WRONLY | (h->fake ? O_TRUNC : 0));
  ssize_t n = fd < 0 ? -1 : write(fd, val, strlen(val));
  if (n >= 0 && (size_t)n != strlen(val)) errno = EIO, n = -1;
  if (n < 0) die_sys(EXIT_SYSFAIL, "write %s in %s", file, dir);
  close(fd);
}

static void cg_write(struct hier *h, const char *file, const char *val)
{
  cg_write_at(h, h->dfd, h->dir, file, val);
}

static char *cg_read(const char *dir, const char *file)
{
  char *p = xasprintf("%s/%s", dir, file), *s = slurp(p);
  s[strcspn(s, "\n")] = 0;
  free(p);
  return s;
}

static int opendir_fd(const char *p)
{
  int fd = open(p, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) die_sys(EXIT_SYSFAIL, "open %s", p);
  return fd;
}

static void add_ctl(char **list, const char *c, size_t len)
{
  char *n, *one = xasprintf("%.*s", (int)len, c);
  if (!**list || !has_all(*list, one)) {
    n = xasprintf("%s%s%s", *list, **list ? "," : "", one);
    free(*list);
    *list = n;
  }
  free(one);
}

/* Controllers the v2 cgroup needs enabled by its created parents, as
   cgroup.subtree_control wants them: "+memory +pids". */
static char *v2_controllers(void)
{
  char *l = xasprintf("%s", ""), *s, *p, *c;
  if (pure_v2()) {
    if (kr[M_LIMIT] || kr[M_RES] || kr[M_SWAP]) add_ctl(&l, "memory", 6);
    if (kr[C_SHARES] || kr[C_QUOTA] || kr[C_PERIOD] || kr[C_BURST] || kr[C_IDLE]) add_ctl(&l, "cpu", 3);
    if (kr[C_CPUS] || kr[C_MEMS]) add_ctl(&l, "cpuset", 6);
    if (kr[P_LIMIT]) add_ctl(&l, "pids", 4);
  }
  for (size_t i = 0; i < nunified; i++) { /* "io.max" needs io; cgroup.* files are core */
    const char *key = unified[i]->f[1];
    size_t len = strcspn(key, ".");
    if (key[len] && strncmp(key, "cgroup.", 7)) add_ctl(&l, key, len);
  }
  s = xrealloc(NULL, 2 * strlen(l) + 2, 1);
  *s = 0;
  for (p = s, c = strtok(l, ","); c; c = strtok(NULL, ",")) p += sprintf(p, "%s+%s", p == s ? "" : " ", c);
  free(l);
  return s;
}

static void create(struct hier *h)
{
  for (size_t i = 0; i < h->ncomp; i++) {
    if (!h->isnew[i]) continue;
    /* EEXIST: lost a race with another creator; the path is ours by spec */
    if (mkdir(h->comp[i], 0755) < 0 && errno != EEXIST) die_sys(EXIT_SYSFAIL, "mkdir %s", h->comp[i]);
    if (!h->v2 && has_all(h->name, "cpuset")) {
      /* a new v1 cpuset starts with empty cpus and mems and takes no task */
      char *parent = xasprintf("%s", h->comp[i]);
      *strrchr(parent, '/') = 0;
      int dfd = opendir_fd(h->comp[i]);
      for (int j = 0; j < 2; j++) {
        const char *f = j ? "cpuset.mems" : "cpuset.cpus";
        char *v = cg_read(parent, f);
        if (*v) cg_write_at(h, dfd, h->comp[i], f, v);
        free(v);
      }
      close(dfd);
      free(parent);
    }
  }
  if (h->v2) {
    /* only cgroups we created: never write to the caller's own cgroups */
    char *ctl = v2_controllers();
    for (size_t i = 0; *ctl && i + 1 < h->ncomp; i++) {
      if (!h->isnew[i]) continue;
      int dfd = opendir_fd(h->comp[i]);
      cg_write_at(h, dfd, h->comp[i], "cgroup.subtree_control", ctl);
      close(dfd);
    }
    free(ctl);
  }
  h->dfd = opendir_fd(h->dir);
}

/* ---- resources ---------------------------------------------------------- */

static const char *num(long long v, int max_for_neg)
{
  static char b[8][32];
  static int k;
  char *s = b[k++ & 7];
  if (v < 0 && max_for_neg) return "max";
  snprintf(s, 32, "%lld", v);
  return s;
}

static void set_if(struct hier *h, int key, const char *file, int skip_zero, int max_for_neg)
{
  if (kr[key] && !(skip_zero && kv[key] == 0)) cg_write(h, file, num(kv[key], max_for_neg));
}

static void apply_v1(void)
{
  struct hier *h;
  if ((h = v1("memory"))) {
    /* memory+swap may never be below memory: raise whichever must go first */
    int swap_first = 0;
    if (kr[M_SWAP] && kv[M_SWAP] != 0 && kr[M_LIMIT] && kv[M_LIMIT] != 0) {
      char *cur = cg_read(h->dir, "memory.memsw.limit_in_bytes");
      long long c = stage_num(cur, 1LL << 62);
      swap_first = kv[M_LIMIT] < 0 || (c >= 0 && kv[M_LIMIT] > c);
      free(cur);
    }
    if (swap_first) set_if(h, M_SWAP, "memory.memsw.limit_in_bytes", 1, 0);
    set_if(h, M_LIMIT, "memory.limit_in_bytes", 1, 0);
    if (!swap_first) set_if(h, M_SWAP, "memory.memsw.limit_in_bytes", 1, 0);
    set_if(h, M_RES, "memory.soft_limit_in_bytes", 1, 0);
    set_if(h, M_KTCP, "memory.kmem.tcp.limit_in_bytes", 1, 0);
    set_if(h, M_SWAPPINESS, "memory.swappiness", 0, 0);
    if (kr[M_NOOOM] && kv[M_NOOOM]) cg_write(h, "memory.oom_control", "1");
    set_if(h, M_HIER, "memory.use_hierarchy", 0, 0);
  }
  if ((h = v1("cpu"))) {
    set_if(h, C_SHARES, "cpu.shares", 1, 0);
    set_if(h, C_PERIOD, "cpu.cfs_period_us", 1, 0);
    set_if(h, C_QUOTA, "cpu.cfs_quota_us", 1, 0);
    set_if(h, C_BURST, "cpu.cfs_burst_us", 0, 0);
    set_if(h, C_RTPER, "cpu.rt_period_us", 1, 0);
    set_if(h, C_RTRUN, "cpu.rt_runtime_us", 1, 0);
    set_if(h, C_IDLE, "cpu.idle", 0, 0);
  }
  if ((h = v1("cpuset"))) {
    if (kr[C_CPUS]) cg_write(h, "cpuset.cpus", kr[C_CPUS]->f[1]);
    if (kr[C_MEMS]) cg_write(h, "cpuset.mems", kr[C_MEMS]->f[1]);
  }
  if ((h = v1("pids")) && kr[P_LIMIT]) cg_write(h, "pids.max", num(kv[P_LIMIT] ? kv[P_LIMIT] : -1, 1));
  if ((h = v1("devices")) && ndev) {
    /* the allow-list: deny everything, then the rules in order */
    cg_write(h, "devices.deny", "a");
    for (size_t i = 0; i < ndev; i++) {
      const struct rec *r = devrec[i];
      char *v =
          devs[i].type == 'a' ? xasprintf("a") : xasprintf("%s %s:%s %s", r->f[2], r->f[3], r->f[4], r->f[5]);
      cg_write(h, devs[i].allow ? "devices.allow" : "devices.deny", v);
      free(v);
    }
  }
}

static void apply_v2(struct hier *h)
{
  if (pure_v2()) {
    set_if(h, M_LIMIT, "memory.max", 1, 1);
    set_if(h, M_RES, "memory.low", 1, 1);
    if (kr[M_SWAP] && kv[M_SWAP] != 0) {
      long long s = kv[M_SWAP], l = kr[M_LIMIT] ? kv[M_LIMIT] : 0;
      cg_write(h, "memory.swap.max", num(s < 0 ? -1 : s - l, 1)); /* v2 swap excludes memory */
    }
    for (int i = M_KTCP; i <= M_NOOOM; i++)
      if (kr[i]) warn("%s is not supported on cgroup v2, ignored", keys[i].key);
    if (kr[C_SHARES] && kv[C_SHARES]) {
      char w[32];
      snprintf(w, sizeof w, "%llu", cgroup_shares_to_weight((unsigned long long)kv[C_SHARES]));
      cg_write(h, "cpu.weight", w);
    }
    if ((kr[C_QUOTA] && kv[C_QUOTA]) || (kr[C_PERIOD] && kv[C_PERIOD])) {
      long long q = kr[C_QUOTA] ? kv[C_QUOTA] : 0, p = kr[C_PERIOD] && kv[C_PERIOD] ? kv[C_PERIOD] : 100000;
      char *v = q > 0 ? xasprintf("%lld %lld", q, p) : xasprintf("max %lld", p);
      cg_write(h, "cpu.max", v);
      free(v);
    }
    set_if(h, C_BURST, "cpu.max.burst", 0, 0);
    set_if(h, C_IDLE, "cpu.idle", 0, 0);
    if (kr[C_CPUS]) cg_write(h, "cpuset.cpus", kr[C_CPUS]->f[1]);
    if (kr[C_MEMS]) cg_write(h, "cpuset.mems", kr[C_MEMS]->f[1]);
    if (kr[P_LIMIT]) cg_write(h, "pids.max", num(kv[P_LIMIT] ? kv[P_LIMIT] : -1, 1)); /* 0 too is unlimited */
  }
  for (size_t i = 0; i < nunified; i++) cg_write(h, unified[i]->f[1], unified[i]->f[2]);
}

/* Devices on cgroup v2: an eBPF program, as runc and crun attach. */
static void devices_bpf(struct hier *h)
{
  const char *step;
  if (cgroup_devices_attach(h->dfd, devs, ndev, &step) < 0)
    die_sys(EXIT_SYSFAIL, "%s device filter %s %s", step, *step == 'l' ? "for" : "to", h->dir);
}

/* ---- handing over ------------------------------------------------------- */

/* An inheritable copy above the spec fd, so it can never land on a
   preserved fd number the container owns. */
static int hand(int fd, const char *what)
{
  int n = fcntl(fd, F_DUPFD_CLOEXEC, spec_fd() + 1);
  if (n < 0) die_sys(EXIT_SYSFAIL, "dup %s", what);
  close(fd);
  return n;
}

static void add_joins(struct specw *w, int *fds, size_t *nfd, char **names, char **dirs, size_t n)
{
  for (size_t i = 0; i < n; i++) {
    int fd;
    if (!strcmp(names[i], "unified")) {
      fd = hand(opendir_fd(dirs[i]), dirs[i]);
      specw_addf(w, "cgroup.v2fd", "%d", fd);
    } else {
      char *t = xasprintf("%s/tasks", dirs[i]);
      int fake = 0;
      struct statfs sf;
      if (statfs(dirs[i], &sf) == 0) fake = sf.f_type != CGROUP_SUPER_MAGIC;
      if ((fd = open(t, O_WRONLY | O_CLOEXEC | (fake ? O_CREAT : 0), 0644)) < 0)
        die_sys(EXIT_SYSFAIL, "open %s", t);
      fd = hand(fd, t);
      specw_addf(w, "cgroup.join", "%d", fd);
      free(t);
    }
    fds[(*nfd)++] = fd;
  }
}

int main(int argc, char **argv)
{
  struct spec sp;
  struct specw w;
  int opt, exec_mode, *fds;
  size_t nfd = 0, n = 0;
  char **names, **dirs;

  stage_init("oci-cgroup");
  while ((opt = getopt(argc, argv, "+r:t:s:")) != -1) switch (opt) {
      case 'r': opt_root = optarg; break;
      case 't':
        if (strcmp(optarg, "v1") && strcmp(optarg, "v2") && strcmp(optarg, "hybrid")) die_usage(USAGE);
        opt_layout = optarg;
        break;
      case 's': opt_self = optarg; break;
      default: die_usage(USAGE);
    }
  if (optind >= argc) die_usage(USAGE);
  argv += optind;

  stage_read(&sp);
  exec_mode = spec_get(&sp, "run.mode") && !strcmp(spec_get(&sp, "run.mode"), "exec");
  parse_records(&sp, exec_mode);
  if (specw_from(&w, &sp) < 0) die_sys(EXIT_SYSFAIL, "allocate memory");

  if (exec_mode) {
    /* join the container's cgroups as created (the last cgroup.dir of each
       hierarchy); create nothing, apply nothing */
    names = xrealloc(NULL, sp.nrec, sizeof *names);
    dirs = xrealloc(NULL, sp.nrec, sizeof *dirs);
    for (const struct rec *r = NULL; (r = spec_next(&sp, "cgroup.dir", r));) {
      size_t i;
      for (i = 0; i < n && strcmp(names[i], r->f[1]); i++) {
      }
      names[i] = r->f[1];
      dirs[i] = r->f[2];
      if (i == n) n++;
    }
    if (!n) die(EXIT_BADINPUT, "spec line 1: no cgroup.dir record to join");
  } else {
    find_hiers();
    check_targets();
    names = xrealloc(NULL, nh, sizeof *names);
    dirs = xrealloc(NULL, nh, sizeof *dirs);
    for (size_t i = 0; i < nh; i++) resolve(&H[i]);
    /* publish what we are about to create first: a failure from here on
       is torn down by oci-delete, which removes the new ones last first */
    for (size_t i = 0; i < nh; i++)
      for (size_t j = 0; j < H[i].ncomp; j++)
        specw_add(&w, "cgroup.dir", H[i].name, H[i].comp[j], H[i].isnew[j] ? "new" : "existing",
                  (char *)NULL);
    if (spec_publish(&w, spec_fd()) < 0) die_sys(EXIT_SYSFAIL, "publish spec on fd %d", spec_fd());
    /* and into the state dir: a create killed from here on leaves oci-delete the list */
    if (spec_get(&sp, "state.dir") && state_save_spec(spec_get(&sp, "state.dir"), w.buf, w.len) < 0)
      die_sys(EXIT_SYSFAIL, "write %s/spec", spec_get(&sp, "state.dir"));
    for (size_t i = 0; i < nh; i++) create(&H[i]);
    if (kr[M_KERNEL]) warn("cgroup.memory.kernel is not supported, ignored");
    apply_v1();
    if (v2()) apply_v2(v2());
    if (ndev && !v1("devices")) devices_bpf(v2());
    for (size_t i = 0; i < nh; i++) names[n] = H[i].name, dirs[n++] = H[i].dir;
  }
  fds = xrealloc(NULL, n, sizeof *fds);
  add_joins(&w, fds, &nfd, names, dirs, n);
  if (spec_publish(&w, spec_fd()) < 0) die_sys(EXIT_SYSFAIL, "publish spec on fd %d", spec_fd());
  for (size_t i = 0; i < nfd; i++)
    if (fd_move(fds[i], fds[i]) < 0) die_sys(EXIT_SYSFAIL, "hand on fd %d", fds[i]);
  chain_exec(&sp, argv);
}
