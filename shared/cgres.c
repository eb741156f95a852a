/* cgres.c: the cgroup.* resource records and their v1/v2 writers, the
   freezer, and the container's cgroup dirs from a saved spec. See cgres.h. */
#include "cgres.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "die.h"
#include "fd.h"
#include "stage.h"

static const struct {
  const char *key, *ctrl; /* record, v1 controller it needs */
  long long min, max;     /* min > max: a string (cpuset list) */
} keys[CGRES_NKEY] = {
    [CGRES_M_LIMIT] = {"cgroup.memory.limit", "memory", -1, 1LL << 62},
    [CGRES_M_RES] = {"cgroup.memory.reservation", "memory", -1, 1LL << 62},
    [CGRES_M_SWAP] = {"cgroup.memory.swap", "memory", -1, 1LL << 62},
    [CGRES_M_KERNEL] = {"cgroup.memory.kernel", NULL, -1, 1LL << 62},
    [CGRES_M_KTCP] = {"cgroup.memory.kernelTCP", "memory", -1, 1LL << 62},
    [CGRES_M_SWAPPINESS] = {"cgroup.memory.swappiness", "memory", 0, 100},
    [CGRES_M_NOOOM] = {"cgroup.memory.disableOOMKiller", "memory", 0, 1},
    [CGRES_M_HIER] = {"cgroup.memory.useHierarchy", "memory", 0, 1},
    [CGRES_C_SHARES] = {"cgroup.cpu.shares", "cpu", 0, 262144},
    [CGRES_C_QUOTA] = {"cgroup.cpu.quota", "cpu", -1, 1LL << 62},
    [CGRES_C_PERIOD] = {"cgroup.cpu.period", "cpu", 0, 1LL << 62},
    [CGRES_C_RTRUN] = {"cgroup.cpu.realtimeRuntime", "cpu", -1, 1LL << 62},
    [CGRES_C_RTPER] = {"cgroup.cpu.realtimePeriod", "cpu", 0, 1LL << 62},
    [CGRES_C_BURST] = {"cgroup.cpu.burst", "cpu", 0, 1LL << 62},
    [CGRES_C_IDLE] = {"cgroup.cpu.idle", "cpu", 0, 1},
    [CGRES_C_CPUS] = {"cgroup.cpu.cpus", "cpuset", 1, 0},
    [CGRES_C_MEMS] = {"cgroup.cpu.mems", "cpuset", 1, 0},
    [CGRES_P_LIMIT] = {"cgroup.pids.limit", "pids", -1, 1LL << 62},
    [CGRES_B_WEIGHT] = {"cgroup.blkio.weight", "blkio", 0, 1000},
};

const char *cgres_key(int k) { return k >= 0 && k < CGRES_NKEY ? keys[k].key : NULL; }

static __attribute__((noreturn)) void bad(const struct rec *r, const char *what)
{
  die(EXIT_BADINPUT, "spec line %u: %s %s", r->line, what, r->f[0]);
}

static void *grow(void *p, size_t n, size_t size)
{
  if (!(p = realloc(p, n * size))) die_sys(EXIT_SYSFAIL, "allocate memory");
  return p;
}

static long long devnum(const struct rec *r, const char *s)
{
  long long v;
  if (!strcmp(s, "*")) return -1;
  if ((v = stage_num(s, 0xffffffffLL)) < 0) bad(r, "bad device number in");
  return v;
}

int cgres_record(struct cgres *c, const struct rec *r)
{
  const char *k = r->f[0];
  int i;
  for (i = 0; i < CGRES_NKEY && strcmp(k, keys[i].key); i++) {
  }
  if (i < CGRES_NKEY) {
    if (r->nf != 2) bad(r, "bad");
    c->kr[i] = r;
    if (keys[i].min > keys[i].max) {
      if (!*r->f[1]) bad(r, "empty");
    } else if (!strcmp(r->f[1], "-1") && keys[i].min < 0) {
      c->kv[i] = -1;
    } else if ((c->kv[i] = stage_num(r->f[1], keys[i].max)) < 0 || c->kv[i] < keys[i].min) {
      bad(r, "bad value for");
    }
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
    c->devs = grow(c->devs, c->ndev + 1, sizeof *c->devs);
    c->devrec = grow(c->devrec, c->ndev + 1, sizeof *c->devrec);
    c->devrec[c->ndev] = r;
    c->devs[c->ndev++] = d;
  } else if (!strcmp(k, "cgroup.unified")) {
    if (r->nf != 3 || !*r->f[1] || strchr(r->f[1], '/') || !strcmp(r->f[1], ".") || !strcmp(r->f[1], ".."))
      bad(r, "bad");
    c->unified = grow(c->unified, c->nunified + 1, sizeof *c->unified);
    c->unified[c->nunified++] = r;
  } else {
    return 0;
  }
  return 1;
}

void cgres_validate(const struct cgres *c)
{
  const struct rec *s = c->kr[CGRES_M_SWAP], *l = c->kr[CGRES_M_LIMIT];
  if (s && l && c->kv[CGRES_M_SWAP] > 0 && c->kv[CGRES_M_LIMIT] > 0 &&
      c->kv[CGRES_M_SWAP] < c->kv[CGRES_M_LIMIT])
    die(EXIT_BADINPUT, "spec line %u: cgroup.memory.swap is below cgroup.memory.limit", s->line);
}

void cgres_free(struct cgres *c)
{
  free(c->devs);
  free(c->devrec);
  free(c->unified);
  memset(c, 0, sizeof *c);
}

/* Does the comma list `opts` name every controller of the comma list `want`? */
static int has_all(const char *opts, const char *want)
{
  for (const char *w = want; *w;) {
    size_t n = strcspn(w, ",");
    int ok = 0;
    for (const char *p = opts; p && !ok; p = strchr(p, ',') ? strchr(p, ',') + 1 : NULL)
      ok = !strncmp(p, w, n) && (!p[n] || p[n] == ',');
    if (!ok) return 0;
    w += n + (w[n] == ',');
  }
  return 1;
}

struct cgres_hier *cgres_v1(struct cgres_hier *h, size_t n, const char *ctrl)
{
  for (size_t i = 0; i < n; i++)
    if (!h[i].v2 && has_all(h[i].name, ctrl)) return &h[i];
  return NULL;
}

struct cgres_hier *cgres_v2(struct cgres_hier *h, size_t n)
{
  for (size_t i = 0; i < n; i++)
    if (h[i].v2) return &h[i];
  return NULL;
}

static int pure_v2(const struct cgres_hier *h, size_t n) { return n == 1 && h[0].v2; }

void cgres_check(const struct cgres *c, struct cgres_hier *h, size_t n)
{
  for (int i = 0; i < CGRES_NKEY; i++) {
    if (!c->kr[i] || !keys[i].ctrl) continue;
    if (pure_v2(h, n)) {
      if ((i == CGRES_C_RTRUN || i == CGRES_C_RTPER) && c->kv[i] != 0)
        die(EXIT_BADINPUT, "spec line %u: %s is not supported on cgroup v2", c->kr[i]->line, keys[i].key);
    } else if (!cgres_v1(h, n, keys[i].ctrl)) {
      die(EXIT_BADINPUT, "spec line %u: %s needs the %s controller, which is not mounted", c->kr[i]->line,
          keys[i].key, keys[i].ctrl);
    }
  }
  if (pure_v2(h, n) && c->kr[CGRES_M_SWAP] && c->kv[CGRES_M_SWAP] > 0 &&
      (!c->kr[CGRES_M_LIMIT] || c->kv[CGRES_M_LIMIT] <= 0))
    die(EXIT_BADINPUT, "spec line %u: cgroup.memory.swap needs a cgroup.memory.limit on cgroup v2",
        c->kr[CGRES_M_SWAP]->line);
  if (c->ndev && !cgres_v1(h, n, "devices") && !cgres_v2(h, n))
    die(EXIT_BADINPUT, "spec line %u: cgroup.device needs the devices controller, which is not mounted",
        c->devrec[0]->line);
  if (c->nunified && !cgres_v2(h, n))
    die(EXIT_BADINPUT, "spec line %u: cgroup.unified needs cgroup v2, which is not mounted",
        c->unified[0]->line);
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

char *cgres_v2_controllers(const struct cgres *c, struct cgres_hier *h, size_t n)
{
  char *l = xasprintf("%s", ""), *s, *p, *tok, *save;
  const struct rec *const *kr = c->kr;
  if (pure_v2(h, n)) {
    if (kr[CGRES_M_LIMIT] || kr[CGRES_M_RES] || kr[CGRES_M_SWAP]) add_ctl(&l, "memory", 6);
    if (kr[CGRES_C_SHARES] || kr[CGRES_C_QUOTA] || kr[CGRES_C_PERIOD] || kr[CGRES_C_BURST] ||
        kr[CGRES_C_IDLE])
      add_ctl(&l, "cpu", 3);
    if (kr[CGRES_C_CPUS] || kr[CGRES_C_MEMS]) add_ctl(&l, "cpuset", 6);
    if (kr[CGRES_P_LIMIT]) add_ctl(&l, "pids", 4);
    if (kr[CGRES_B_WEIGHT] && c->kv[CGRES_B_WEIGHT]) add_ctl(&l, "io", 2);
  }
  for (size_t i = 0; i < c->nunified; i++) { /* "io.max" needs io; cgroup.* files are core */
    const char *key = c->unified[i]->f[1];
    size_t len = strcspn(key, ".");
    if (key[len] && strncmp(key, "cgroup.", 7)) add_ctl(&l, key, len);
  }
  s = grow(NULL, 2 * strlen(l) + 2, 1);
  *s = 0;
  for (p = s, tok = strtok_r(l, ",", &save); tok; tok = strtok_r(NULL, ",", &save))
    p += sprintf(p, "%s+%s", p == s ? "" : " ", tok);
  free(l);
  return s;
}

void cgres_write(const struct cgres_hier *h, int dfd, const char *dir, const char *file, const char *val)
{
  int fd = openat(dfd, file, O_WRONLY | O_CLOEXEC | (h->fake ? O_CREAT | O_TRUNC : 0), 0644);
  ssize_t n = fd < 0 ? -1 : write(fd, val, strlen(val));
  if (n >= 0 && (size_t)n != strlen(val)) errno = EIO, n = -1;
  if (n < 0) die_sys(EXIT_SYSFAIL, "write %s in %s", file, dir);
  close(fd);
}

static void cg_write(const struct cgres_hier *h, const char *file, const char *val)
{
  cgres_write(h, h->dfd, h->dir, file, val);
}

static int exists(const struct cgres_hier *h, const char *file)
{
  return faccessat(h->dfd, file, F_OK, 0) == 0;
}

static const char *num(long long v, int max_for_neg)
{
  static char b[8][32];
  static int k;
  char *s = b[k++ & 7];
  if (v < 0 && max_for_neg) return "max";
  snprintf(s, 32, "%lld", v);
  return s;
}

static void set_if(const struct cgres *c, const struct cgres_hier *h, int key, const char *file,
                   int skip_zero, int max_for_neg)
{
  if (c->kr[key] && !(skip_zero && c->kv[key] == 0)) cg_write(h, file, num(c->kv[key], max_for_neg));
}

static void apply_v1(const struct cgres *c, struct cgres_hier *hs, size_t nh)
{
  const struct rec *const *kr = c->kr;
  const long long *kv = c->kv;
  struct cgres_hier *h;
  if ((h = cgres_v1(hs, nh, "memory"))) {
    /* memory+swap may never be below memory: raise whichever must go
       first. An unlimited memory without a swap value makes memory+swap
       unlimited too, as runc does. */
    long long lim = kr[CGRES_M_LIMIT] ? kv[CGRES_M_LIMIT] : 0, sw = kr[CGRES_M_SWAP] ? kv[CGRES_M_SWAP] : 0;
    int swap_first = 0;
    if (lim == -1 && sw == 0 && exists(h, "memory.memsw.limit_in_bytes")) sw = -1;
    if (sw != 0 && lim != 0) {
      char cur[64] = "";
      long long v;
      if (file_read_at(h->dfd, "memory.memsw.limit_in_bytes", cur, sizeof cur) < 0)
        die_sys(EXIT_SYSFAIL, "read memory.memsw.limit_in_bytes in %s", h->dir);
      cur[strcspn(cur, "\n")] = 0;
      v = stage_num(cur, 1LL << 62);
      swap_first = lim < 0 || (v >= 0 && lim > v);
    }
    if (swap_first) cg_write(h, "memory.memsw.limit_in_bytes", num(sw, 0));
    set_if(c, h, CGRES_M_LIMIT, "memory.limit_in_bytes", 1, 0);
    if (!swap_first && sw != 0) cg_write(h, "memory.memsw.limit_in_bytes", num(sw, 0));
    set_if(c, h, CGRES_M_RES, "memory.soft_limit_in_bytes", 1, 0);
    set_if(c, h, CGRES_M_KTCP, "memory.kmem.tcp.limit_in_bytes", 1, 0);
    set_if(c, h, CGRES_M_SWAPPINESS, "memory.swappiness", 0, 0);
    if (kr[CGRES_M_NOOOM] && kv[CGRES_M_NOOOM]) cg_write(h, "memory.oom_control", "1");
    set_if(c, h, CGRES_M_HIER, "memory.use_hierarchy", 0, 0);
  }
  if ((h = cgres_v1(hs, nh, "cpu"))) {
    set_if(c, h, CGRES_C_SHARES, "cpu.shares", 1, 0);
    set_if(c, h, CGRES_C_PERIOD, "cpu.cfs_period_us", 1, 0);
    set_if(c, h, CGRES_C_QUOTA, "cpu.cfs_quota_us", 1, 0);
    set_if(c, h, CGRES_C_BURST, "cpu.cfs_burst_us", 0, 0);
    set_if(c, h, CGRES_C_RTPER, "cpu.rt_period_us", 1, 0);
    set_if(c, h, CGRES_C_RTRUN, "cpu.rt_runtime_us", 1, 0);
    set_if(c, h, CGRES_C_IDLE, "cpu.idle", 0, 0);
  }
  if ((h = cgres_v1(hs, nh, "cpuset"))) {
    if (kr[CGRES_C_CPUS]) cg_write(h, "cpuset.cpus", kr[CGRES_C_CPUS]->f[1]);
    if (kr[CGRES_C_MEMS]) cg_write(h, "cpuset.mems", kr[CGRES_C_MEMS]->f[1]);
  }
  if ((h = cgres_v1(hs, nh, "pids")) && kr[CGRES_P_LIMIT])
    cg_write(h, "pids.max", num(kv[CGRES_P_LIMIT] ? kv[CGRES_P_LIMIT] : -1, 1));
  /* blkio.bfq.weight where the bfq scheduler has it, else blkio.weight
     (whose absence fails the write, as runc's does) */
  if ((h = cgres_v1(hs, nh, "blkio")) && kr[CGRES_B_WEIGHT] && kv[CGRES_B_WEIGHT])
    cg_write(h, exists(h, "blkio.bfq.weight") ? "blkio.bfq.weight" : "blkio.weight",
             num(kv[CGRES_B_WEIGHT], 0));
  if ((h = cgres_v1(hs, nh, "devices")) && c->ndev) {
    /* the allow-list: deny everything, then the rules in order */
    cg_write(h, "devices.deny", "a");
    for (size_t i = 0; i < c->ndev; i++) {
      const struct rec *r = c->devrec[i];
      char *v = c->devs[i].type == 'a' ? xasprintf("a")
                                       : xasprintf("%s %s:%s %s", r->f[2], r->f[3], r->f[4], r->f[5]);
      cg_write(h, c->devs[i].allow ? "devices.allow" : "devices.deny", v);
      free(v);
    }
  }
}

static void apply_v2(const struct cgres *c, struct cgres_hier *h, int pure)
{
  const struct rec *const *kr = c->kr;
  const long long *kv = c->kv;
  if (pure) {
    set_if(c, h, CGRES_M_LIMIT, "memory.max", 1, 1);
    set_if(c, h, CGRES_M_RES, "memory.low", 1, 1);
    if (kr[CGRES_M_SWAP] && kv[CGRES_M_SWAP] != 0) {
      long long s = kv[CGRES_M_SWAP], l = kr[CGRES_M_LIMIT] ? kv[CGRES_M_LIMIT] : 0;
      cg_write(h, "memory.swap.max", num(s < 0 ? -1 : s - l, 1)); /* v2 swap excludes memory */
    } else if (kr[CGRES_M_LIMIT] && kv[CGRES_M_LIMIT] == -1 && exists(h, "memory.swap.max")) {
      cg_write(h, "memory.swap.max", "max"); /* unlimited memory: swap too, as on v1 */
    }
    for (int i = CGRES_M_KTCP; i <= CGRES_M_NOOOM; i++)
      if (kr[i]) warn("%s is not supported on cgroup v2, ignored", keys[i].key);
    if (kr[CGRES_C_SHARES] && kv[CGRES_C_SHARES])
      cg_write(h, "cpu.weight",
               num((long long)cgroup_shares_to_weight((unsigned long long)kv[CGRES_C_SHARES]), 0));
    if ((kr[CGRES_C_QUOTA] && kv[CGRES_C_QUOTA]) || (kr[CGRES_C_PERIOD] && kv[CGRES_C_PERIOD])) {
      long long q = kr[CGRES_C_QUOTA] ? kv[CGRES_C_QUOTA] : 0,
                p = kr[CGRES_C_PERIOD] && kv[CGRES_C_PERIOD] ? kv[CGRES_C_PERIOD] : 100000;
      char *v = q > 0 ? xasprintf("%lld %lld", q, p) : xasprintf("max %lld", p);
      cg_write(h, "cpu.max", v);
      free(v);
    }
    set_if(c, h, CGRES_C_BURST, "cpu.max.burst", 0, 0);
    set_if(c, h, CGRES_C_IDLE, "cpu.idle", 0, 0);
    if (kr[CGRES_C_CPUS]) cg_write(h, "cpuset.cpus", kr[CGRES_C_CPUS]->f[1]);
    if (kr[CGRES_C_MEMS]) cg_write(h, "cpuset.mems", kr[CGRES_C_MEMS]->f[1]);
    if (kr[CGRES_P_LIMIT]) /* 0 too is unlimited */
      cg_write(h, "pids.max", num(kv[CGRES_P_LIMIT] ? kv[CGRES_P_LIMIT] : -1, 1));
    if (kr[CGRES_B_WEIGHT] && kv[CGRES_B_WEIGHT]) {
      /* io.bfq.weight takes the blkio range; io.weight its own [1, 10000] */
      long long w = kv[CGRES_B_WEIGHT];
      if (exists(h, "io.bfq.weight") || w < 10)
        cg_write(h, "io.bfq.weight", num(w, 0));
      else
        cg_write(h, "io.weight", num(1 + (w - 10) * 9999 / 990, 0));
    }
  }
  for (size_t i = 0; i < c->nunified; i++) cg_write(h, c->unified[i]->f[1], c->unified[i]->f[2]);
}

void cgres_apply(const struct cgres *c, struct cgres_hier *h, size_t n)
{
  struct cgres_hier *u = cgres_v2(h, n);
  if (c->kr[CGRES_M_KERNEL]) warn("cgroup.memory.kernel is not supported, ignored");
  apply_v1(c, h, n);
  if (u) apply_v2(c, u, pure_v2(h, n));
  if (c->ndev && !cgres_v1(h, n, "devices")) {
    /* devices on cgroup v2: an eBPF program, as runc and crun attach */
    const char *step;
    if (cgroup_devices_attach(u->dfd, c->devs, c->ndev, &step) < 0)
      die_sys(EXIT_SYSFAIL, "%s device filter %s %s", step, *step == 'l' ? "for" : "to", u->dir);
  }
}

/* ---- the container's cgroups, from a saved spec --------------------------- */

size_t cgres_dirs(const struct spec *sp, struct cgres_hier *h, size_t max)
{
  size_t n = 0;
  for (const struct rec *r = NULL; (r = spec_next(sp, "cgroup.dir", r));) {
    size_t i;
    if (r->nf != 4) continue;
    for (i = 0; i < n && strcmp(h[i].name, r->f[1]); i++) {
    }
    if (i == n) {
      if (n == max) continue;
      n++;
      h[i].name = r->f[1];
      h[i].v2 = !strcmp(r->f[1], "unified");
      h[i].dfd = -1;
      h[i].fake = 0;
    }
    h[i].dir = r->f[2]; /* the last one is the deepest */
  }
  return n;
}

const struct cgres_hier *cgres_freezer(const struct cgres_hier *h, size_t n)
{
  for (size_t i = 0; i < n; i++)
    if (!h[i].v2 && has_all(h[i].name, "freezer")) return &h[i];
  for (size_t i = 0; i < n; i++)
    if (h[i].v2) return &h[i];
  return NULL;
}

static int read_in(const char *dir, const char *file, char *buf, size_t size)
{
  char path[4200];
  if ((size_t)snprintf(path, sizeof path, "%s/%s", dir, file) >= sizeof path) {
    errno = ENAMETOOLONG;
    return -1;
  }
  return file_read_at(AT_FDCWD, path, buf, size) < 0 ? -1 : 0;
}

int cgres_frozen(const struct cgres_hier *f)
{
  char buf[4096];
  if (f->v2) {
    /* cgroup.events says whether the kernel has finished freezing */
    if (read_in(f->dir, "cgroup.events", buf, sizeof buf) < 0) return -1;
    const char *p = strstr(buf, "frozen ");
    return p && (p == buf || p[-1] == '\n') && p[7] == '1';
  }
  if (read_in(f->dir, "freezer.state", buf, sizeof buf) < 0) return -1;
  return !strncmp(buf, "FROZEN", 6);
}

int cgres_freeze(const struct cgres_hier *f, int on)
{
  char path[4200];
  snprintf(path, sizeof path, "%s/%s", f->dir, f->v2 ? "cgroup.freeze" : "freezer.state");
  for (int tries = 0; tries < 1000; tries++) {
    int fz;
    /* v1: FREEZING until every task stops; writing FROZEN again retries */
    if (tries % 100 == 0 || !f->v2)
      if (file_write_at(AT_FDCWD, path, f->v2 ? (on ? "1" : "0") : (on ? "FROZEN" : "THAWED")) < 0) return -1;
    if ((fz = cgres_frozen(f)) < 0) return -1;
    if (fz == on) return 0;
    struct timespec t = {0, tries < 100 ? 1000000L : 10000000L};
    nanosleep(&t, NULL);
  }
  errno = ETIMEDOUT;
  return -1;
}

int cgres_thaw(const struct spec *sp)
{
  struct cgres_hier h[64];
  size_t n = cgres_dirs(sp, h, sizeof h / sizeof *h);
  const struct cgres_hier *f = cgres_freezer(h, n);
  return f && cgres_frozen(f) == 1 ? cgres_freeze(f, 0) : 0;
}
