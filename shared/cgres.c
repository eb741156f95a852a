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

/* the controllers, by their v1 name, and their v2 name where they have one */
enum { K_MEM, K_CPU, K_CPUSET, K_PIDS, K_BLKIO, K_HUGE, K_NETCLS, K_NETPRIO, K_RDMA, K_NCTL };
static const struct {
  const char *v1, *v2;
} ctls[K_NCTL] = {{"memory", "memory"}, {"cpu", "cpu"},     {"cpuset", "cpuset"},
                  {"pids", "pids"},     {"blkio", "io"},    {"hugetlb", "hugetlb"},
                  {"net_cls", NULL},    {"net_prio", NULL}, {"rdma", "rdma"}};

static const struct {
  const char *key;
  int ctl;            /* the controller it goes to, -1 none (ignored) */
  int v2;             /* it has a v2 file */
  long long min, max; /* min > max: a string (cpuset list) */
} keys[CGRES_NKEY] = {
    [CGRES_M_LIMIT] = {"cgroup.memory.limit", K_MEM, 1, -1, 1LL << 62},
    [CGRES_M_RES] = {"cgroup.memory.reservation", K_MEM, 1, -1, 1LL << 62},
    [CGRES_M_SWAP] = {"cgroup.memory.swap", K_MEM, 1, -1, 1LL << 62},
    [CGRES_M_KERNEL] = {"cgroup.memory.kernel", -1, 0, -1, 1LL << 62},
    [CGRES_M_KTCP] = {"cgroup.memory.kernelTCP", K_MEM, 0, -1, 1LL << 62},
    [CGRES_M_SWAPPINESS] = {"cgroup.memory.swappiness", K_MEM, 0, 0, 100},
    [CGRES_M_NOOOM] = {"cgroup.memory.disableOOMKiller", K_MEM, 0, 0, 1},
    [CGRES_M_HIER] = {"cgroup.memory.useHierarchy", K_MEM, 0, 0, 1},
    [CGRES_M_CHECK] = {"cgroup.memory.checkBeforeUpdate", -1, 0, 0, 1},
    [CGRES_C_SHARES] = {"cgroup.cpu.shares", K_CPU, 1, 0, 262144},
    [CGRES_C_QUOTA] = {"cgroup.cpu.quota", K_CPU, 1, -1, 1LL << 62},
    [CGRES_C_PERIOD] = {"cgroup.cpu.period", K_CPU, 1, 0, 1LL << 62},
    [CGRES_C_RTRUN] = {"cgroup.cpu.realtimeRuntime", K_CPU, 0, -1, 1LL << 62},
    [CGRES_C_RTPER] = {"cgroup.cpu.realtimePeriod", K_CPU, 0, 0, 1LL << 62},
    [CGRES_C_BURST] = {"cgroup.cpu.burst", K_CPU, 1, 0, 1LL << 62},
    [CGRES_C_IDLE] = {"cgroup.cpu.idle", K_CPU, 1, 0, 1},
    [CGRES_C_CPUS] = {"cgroup.cpu.cpus", K_CPUSET, 1, 1, 0},
    [CGRES_C_MEMS] = {"cgroup.cpu.mems", K_CPUSET, 1, 1, 0},
    [CGRES_P_LIMIT] = {"cgroup.pids.limit", K_PIDS, 1, -1, 1LL << 62},
    [CGRES_B_WEIGHT] = {"cgroup.blkio.weight", K_BLKIO, 1, 0, 1000},
    [CGRES_B_LEAF] = {"cgroup.blkio.leafWeight", K_BLKIO, 0, 0, 1000},
    [CGRES_N_CLASSID] = {"cgroup.net.classID", K_NETCLS, 0, 0, 0xffffffffLL},
};

static const struct {
  const char *key;
  int ctl, v2;
  size_t nf, nid; /* fields of a record, of them the ones naming the entry */
} lists[CGRES_NLIST] = {
    [CGRES_L_WDEV] = {"cgroup.blkio.weightDevice", K_BLKIO, 1, 5, 2},
    [CGRES_L_RBPS] = {"cgroup.blkio.throttleReadBps", K_BLKIO, 1, 4, 2},
    [CGRES_L_WBPS] = {"cgroup.blkio.throttleWriteBps", K_BLKIO, 1, 4, 2},
    [CGRES_L_RIOPS] = {"cgroup.blkio.throttleReadIops", K_BLKIO, 1, 4, 2},
    [CGRES_L_WIOPS] = {"cgroup.blkio.throttleWriteIops", K_BLKIO, 1, 4, 2},
    [CGRES_L_HUGE] = {"cgroup.hugetlb", K_HUGE, 1, 3, 1},
    [CGRES_L_PRIO] = {"cgroup.net.priority", K_NETPRIO, 0, 3, 1},
    [CGRES_L_RDMA] = {"cgroup.rdma", K_RDMA, 1, 4, 1},
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

/* "2MB", "1GB": as the kernel names its hugetlb files */
static int pagesize_ok(const char *s)
{
  size_t n = strspn(s, "0123456789");
  return n > 0 && n < 20 && s[0] != '0' && s[n] && strchr("KMGT", s[n]) && s[n + 1] == 'B' && !s[n + 2];
}

/* one word of a cgroup file: an interface or rdma device name */
static int word_ok(const char *s) { return *s && !strpbrk(s, " \t\n/:="); }

static void list_record(struct cgres *c, int l, const struct rec *r)
{
  size_t i;
  int ok = r->nf == lists[l].nf;
  if (ok && lists[l].ctl == K_BLKIO) {
    ok = stage_num(r->f[1], 0xffffffffLL) >= 0 && stage_num(r->f[2], 0xffffffffLL) >= 0;
    if (l == CGRES_L_WDEV)
      ok = ok && stage_num(r->f[3], 1000) >= 0 && stage_num(r->f[4], 1000) >= 0;
    else
      ok = ok && stage_num(r->f[3], 1LL << 62) >= 0;
  } else if (ok && l == CGRES_L_HUGE) {
    ok = pagesize_ok(r->f[1]) && stage_num(r->f[2], 1LL << 62) >= 0;
  } else if (ok && l == CGRES_L_PRIO) {
    ok = word_ok(r->f[1]) && stage_num(r->f[2], 0xffffffffLL) >= 0;
  } else if (ok) {
    ok = word_ok(r->f[1]) && (*r->f[2] || *r->f[3]); /* "-" (empty): unset */
    for (int k = 2; ok && k < 4; k++) ok = !*r->f[k] || stage_num(r->f[k], 0xffffffffLL) >= 0;
  }
  if (!ok) bad(r, "bad");
  /* a later record for the same device, page size, interface replaces it */
  for (i = 0; i < c->nlist[l]; i++) {
    size_t k;
    for (k = 1; k <= lists[l].nid && !strcmp(c->list[l][i]->f[k], r->f[k]); k++) {
    }
    if (k > lists[l].nid) break;
  }
  if (i == c->nlist[l]) c->list[l] = grow(c->list[l], ++c->nlist[l], sizeof *c->list[l]);
  c->list[l][i] = r;
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
    return 1;
  }
  for (i = 0; i < CGRES_NLIST; i++)
    if (!strcmp(k, lists[i].key)) {
      list_record(c, i, r);
      return 1;
    }
  if (!strcmp(k, "cgroup.device")) {
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
  for (int i = 0; i < CGRES_NLIST; i++) free(c->list[i]);
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

/* Where a controller's values go: its v1 hierarchy, or else the unified
   one when it has a v2 form there (*v2 set); NULL when nowhere. */
static struct cgres_hier *place(struct cgres_hier *h, size_t n, int ctl, int *v2)
{
  struct cgres_hier *x = cgres_v1(h, n, ctls[ctl].v1);
  *v2 = 0;
  if (!x && ctls[ctl].v2 && (x = cgres_v2(h, n))) *v2 = 1;
  return x;
}

/* The first record asking something of a controller, or NULL. */
static const struct rec *asks(const struct cgres *c, int ctl)
{
  for (int i = 0; i < CGRES_NKEY; i++)
    if (c->kr[i] && keys[i].ctl == ctl) return c->kr[i];
  for (int l = 0; l < CGRES_NLIST; l++)
    if (c->nlist[l] && lists[l].ctl == ctl) return c->list[l][0];
  return NULL;
}

/* Does it write a v2 file of the controller (which the parents must enable)? */
static int asks_v2(const struct cgres *c, int ctl)
{
  for (int i = 0; i < CGRES_NKEY; i++)
    if (c->kr[i] && keys[i].ctl == ctl && keys[i].v2 && !(i == CGRES_B_WEIGHT && !c->kv[i])) return 1;
  for (int l = 0; l < CGRES_NLIST; l++)
    if (c->nlist[l] && lists[l].ctl == ctl && lists[l].v2) return 1;
  return 0;
}

void cgres_check(const struct cgres *c, struct cgres_hier *h, size_t n)
{
  for (int k = 0; k < K_NCTL; k++) {
    const struct rec *r = asks(c, k);
    int v2;
    if (!r) continue;
    if (!place(h, n, k, &v2)) {
      if (pure_v2(h, n))
        continue; /* v1 only (net_cls, net_prio): ignored with a warning, as runc ignores it */
      die(EXIT_BADINPUT, "spec line %u: %s needs the %s controller, which is not mounted", r->line, r->f[0],
          ctls[k].v1);
    }
    if (!v2) continue;
    for (int i = CGRES_C_RTRUN; i <= CGRES_C_RTPER; i++)
      if (k == K_CPU && c->kr[i] && c->kv[i] != 0)
        die(EXIT_BADINPUT, "spec line %u: %s is not supported on cgroup v2", c->kr[i]->line, keys[i].key);
    if (k == K_MEM && c->kr[CGRES_M_SWAP] && c->kv[CGRES_M_SWAP] > 0 &&
        (!c->kr[CGRES_M_LIMIT] || c->kv[CGRES_M_LIMIT] <= 0))
      die(EXIT_BADINPUT, "spec line %u: cgroup.memory.swap needs a cgroup.memory.limit on cgroup v2",
          c->kr[CGRES_M_SWAP]->line);
  }
  if (c->ndev && !cgres_v1(h, n, "devices") && !cgres_v2(h, n))
    die(EXIT_BADINPUT, "spec line %u: cgroup.device needs the devices controller, which is not mounted",
        c->devrec[0]->line);
  /* runc refuses unified wherever the host is not pure v2, hybrid too */
  if (c->nunified && !pure_v2(h, n))
    die(EXIT_BADINPUT,
        "spec line %u: cgroup.unified %s: invalid configuration: cannot use unified on cgroup v1",
        c->unified[0]->line, c->unified[0]->f[1]);
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
  for (int k = 0; k < K_NCTL; k++) {
    int v2;
    if (asks_v2(c, k) && place(h, n, k, &v2) && v2) add_ctl(&l, ctls[k].v2, strlen(ctls[k].v2));
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

unsigned long long cgres_blkio_to_io_weight(unsigned long long w)
{
  return w ? 1 + (w - 10) * 9999 / 990 : 0;
}

char *cgres_io_max(const struct cgres *c, const char *maj, const char *min)
{
  static const char *const names[] = {"rbps", "wbps", "riops", "wiops"};
  char *s = xasprintf("%s:%s", maj, min), *t;
  for (int l = CGRES_L_RBPS; l <= CGRES_L_WIOPS; l++)
    for (size_t i = 0; i < c->nlist[l]; i++) {
      const struct rec *r = c->list[l][i];
      if (strcmp(r->f[1], maj) || strcmp(r->f[2], min)) continue;
      t = strcmp(r->f[3], "0") ? xasprintf("%s %s=%s", s, names[l - CGRES_L_RBPS], r->f[3])
                               : xasprintf("%s %s=max", s, names[l - CGRES_L_RBPS]);
      free(s);
      s = t;
    }
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

/* a file the kernel may not have (hugetlb's rsvd): 0 written, -1 absent */
static int write_opt(const struct cgres_hier *h, const char *file, const char *val)
{
  if (!h->fake && !exists(h, file)) return -1;
  cg_write(h, file, val);
  return 0;
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

static void ignored_v2(const struct rec *r) { warn("%s is not supported on cgroup v2, ignored", r->f[0]); }

/* ---- each controller on v1 and on v2 ---------------------------------- */

static void memory_v1(const struct cgres *c, const struct cgres_hier *h)
{
  const struct rec *const *kr = c->kr;
  const long long *kv = c->kv;
  /* memory+swap may never be below memory: raise whichever must go
     first. An unlimited memory without a swap value makes memory+swap
     unlimited too, as runc does. */
  long long lim = kr[CGRES_M_LIMIT] ? kv[CGRES_M_LIMIT] : 0, sw = kr[CGRES_M_SWAP] ? kv[CGRES_M_SWAP] : 0;
  int swap_first = 0;
  if (lim == -1 && sw == 0 && exists(h, "memory.memsw.limit_in_bytes")) sw = -1;
  if (sw != 0 && lim != 0) {
    char cur[64] = "";
    long long v;
    /* (a fake tree's new dir has none: nothing to be above) */
    if (file_read_at(h->dfd, "memory.memsw.limit_in_bytes", cur, sizeof cur) < 0 &&
        !(h->fake && errno == ENOENT))
      die_sys(EXIT_SYSFAIL, "read memory.memsw.limit_in_bytes in %s", h->dir);
    cur[strcspn(cur, "\n")] = 0;
    v = stage_num(cur, 1LL << 62);
    swap_first = lim < 0 || (v >= 0 && lim > v);
  }
  if (swap_first) cg_write(h, "memory.memsw.limit_in_bytes", num(sw, 0));
  set_if(c, h, CGRES_M_LIMIT, "memory.limit_in_bytes", 1, 0);
  if (!swap_first && sw != 0) cg_write(h, "memory.memsw.limit_in_bytes", num(sw, 0));
  set_if(c, h, CGRES_M_RES, "memory.soft_limit_in_bytes", 1, 0);
  /* kernelTCP where the kernel still has it; else ignored, in runc's words */
  if (kr[CGRES_M_KTCP] && kv[CGRES_M_KTCP]) {
    if (exists(h, "memory.kmem.tcp.limit_in_bytes") || h->fake)
      set_if(c, h, CGRES_M_KTCP, "memory.kmem.tcp.limit_in_bytes", 1, 0);
    else
      warn("Kernel memory settings are ignored and will be removed");
  }
  set_if(c, h, CGRES_M_SWAPPINESS, "memory.swappiness", 0, 0);
  if (kr[CGRES_M_NOOOM] && kv[CGRES_M_NOOOM]) cg_write(h, "memory.oom_control", "1");
  set_if(c, h, CGRES_M_HIER, "memory.use_hierarchy", 0, 0);
}

/* runc's checkBeforeUpdate (v2): no limit at or below what is in use */
static void check_usage(const struct cgres *c, const struct cgres_hier *h)
{
  char cur[64] = "";
  long long use, sw = c->kr[CGRES_M_SWAP] ? c->kv[CGRES_M_SWAP] : 0,
                 lim = c->kr[CGRES_M_LIMIT] ? c->kv[CGRES_M_LIMIT] : 0;
  if ((lim <= 0 && sw <= 0) || file_read_at(h->dfd, "memory.current", cur, sizeof cur) < 0) return;
  cur[strcspn(cur, "\n")] = 0;
  if ((use = stage_num(cur, 1LL << 62)) < 0) return; /* best effort, as runc's */
  if (sw > 0 && sw <= use) die(EXIT_BADINPUT, "rejecting memory+swap limit %lld <= usage %lld", sw, use);
  if (lim > 0 && lim <= use) die(EXIT_BADINPUT, "rejecting memory limit %lld <= usage %lld", lim, use);
}

static void memory_v2(const struct cgres *c, const struct cgres_hier *h)
{
  const struct rec *const *kr = c->kr;
  const long long *kv = c->kv;
  if (kr[CGRES_M_CHECK] && kv[CGRES_M_CHECK]) check_usage(c, h);
  set_if(c, h, CGRES_M_LIMIT, "memory.max", 1, 1);
  set_if(c, h, CGRES_M_RES, "memory.low", 1, 1);
  if (kr[CGRES_M_SWAP] && kv[CGRES_M_SWAP] != 0) {
    long long s = kv[CGRES_M_SWAP], l = kr[CGRES_M_LIMIT] ? kv[CGRES_M_LIMIT] : 0;
    cg_write(h, "memory.swap.max", num(s < 0 ? -1 : s - l, 1)); /* v2 swap excludes memory */
  } else if (kr[CGRES_M_LIMIT] && kv[CGRES_M_LIMIT] == -1 && exists(h, "memory.swap.max")) {
    cg_write(h, "memory.swap.max", "max"); /* unlimited memory: swap too, as on v1 */
  }
  if (kr[CGRES_M_KTCP]) warn("Kernel memory settings are ignored and will be removed");
  for (int i = CGRES_M_SWAPPINESS; i <= CGRES_M_HIER; i++)
    if (kr[i]) ignored_v2(kr[i]);
}

static void cpu_v1(const struct cgres *c, const struct cgres_hier *h)
{
  /* realtime first, as runc: a period the runtime must fit in */
  set_if(c, h, CGRES_C_RTPER, "cpu.rt_period_us", 1, 0);
  set_if(c, h, CGRES_C_RTRUN, "cpu.rt_runtime_us", 1, 0);
  set_if(c, h, CGRES_C_SHARES, "cpu.shares", 1, 0);
  set_if(c, h, CGRES_C_PERIOD, "cpu.cfs_period_us", 1, 0);
  set_if(c, h, CGRES_C_QUOTA, "cpu.cfs_quota_us", 1, 0);
  set_if(c, h, CGRES_C_BURST, "cpu.cfs_burst_us", 0, 0);
  set_if(c, h, CGRES_C_IDLE, "cpu.idle", 0, 0);
}

static void cpu_v2(const struct cgres *c, const struct cgres_hier *h)
{
  const struct rec *const *kr = c->kr;
  const long long *kv = c->kv;
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
}

static void cpuset(const struct cgres *c, const struct cgres_hier *h)
{
  if (c->kr[CGRES_C_CPUS]) cg_write(h, "cpuset.cpus", c->kr[CGRES_C_CPUS]->f[1]);
  if (c->kr[CGRES_C_MEMS]) cg_write(h, "cpuset.mems", c->kr[CGRES_C_MEMS]->f[1]);
}

static void pids(const struct cgres *c, const struct cgres_hier *h)
{
  if (c->kr[CGRES_P_LIMIT]) /* 0 too is unlimited */
    cg_write(h, "pids.max", num(c->kv[CGRES_P_LIMIT] ? c->kv[CGRES_P_LIMIT] : -1, 1));
}

static void dev_write(const struct cgres_hier *h, const char *file, const struct rec *r, const char *v)
{
  char *s = xasprintf("%s:%s %s", r->f[1], r->f[2], v);
  cg_write(h, file, s);
  free(s);
}

static void blkio_v1(const struct cgres *c, const struct cgres_hier *h)
{
  static const char *const tf[] = {"blkio.throttle.read_bps_device", "blkio.throttle.write_bps_device",
                                   "blkio.throttle.read_iops_device", "blkio.throttle.write_iops_device"};
  /* the bfq scheduler's files where it has them, else CFQ's (whose
     absence fails the write, as runc's does) */
  int bfq = exists(h, "blkio.bfq.weight");
  if (c->kr[CGRES_B_WEIGHT] && c->kv[CGRES_B_WEIGHT])
    cg_write(h, bfq ? "blkio.bfq.weight" : "blkio.weight", num(c->kv[CGRES_B_WEIGHT], 0));
  set_if(c, h, CGRES_B_LEAF, "blkio.leaf_weight", 1, 0);
  for (size_t i = 0; i < c->nlist[CGRES_L_WDEV]; i++) {
    const struct rec *r = c->list[CGRES_L_WDEV][i];
    if (strcmp(r->f[3], "0"))
      dev_write(h, bfq ? "blkio.bfq.weight_device" : "blkio.weight_device", r, r->f[3]);
    if (strcmp(r->f[4], "0")) dev_write(h, "blkio.leaf_weight_device", r, r->f[4]);
  }
  for (int l = CGRES_L_RBPS; l <= CGRES_L_WIOPS; l++)
    for (size_t i = 0; i < c->nlist[l]; i++)
      dev_write(h, tf[l - CGRES_L_RBPS], c->list[l][i], c->list[l][i]->f[3]);
}

static void blkio_v2(const struct cgres *c, const struct cgres_hier *h)
{
  int bfq = exists(h, "io.bfq.weight"), bfq_dev = 0;
  if (bfq && c->nlist[CGRES_L_WDEV]) {
    /* per-device weights: a bfq that reads back "default N" (5.4+) */
    char cur[256] = "";
    bfq_dev = file_read_at(h->dfd, "io.bfq.weight", cur, sizeof cur) >= 0 && !strncmp(cur, "default", 7);
  }
  if (c->kr[CGRES_B_WEIGHT] && c->kv[CGRES_B_WEIGHT]) {
    /* io.bfq.weight takes the blkio range; io.weight its own [1, 10000] */
    long long w = c->kv[CGRES_B_WEIGHT];
    if (bfq || w < 10)
      cg_write(h, "io.bfq.weight", num(w, 0));
    else
      cg_write(h, "io.weight", num((long long)cgres_blkio_to_io_weight((unsigned long long)w), 0));
  }
  if (c->kr[CGRES_B_LEAF]) ignored_v2(c->kr[CGRES_B_LEAF]);
  for (size_t i = 0; i < c->nlist[CGRES_L_WDEV]; i++) {
    const struct rec *r = c->list[CGRES_L_WDEV][i];
    if (!strcmp(r->f[3], "0")) continue;
    if (bfq_dev)
      dev_write(h, "io.bfq.weight", r, r->f[3]);
    else
      warn("%s %s:%s needs the bfq scheduler's per-device io.bfq.weight, ignored", r->f[0], r->f[1], r->f[2]);
  }
  /* the throttles of each device as one io.max line */
  for (int l = CGRES_L_RBPS; l <= CGRES_L_WIOPS; l++)
    for (size_t i = 0; i < c->nlist[l]; i++) {
      const struct rec *r = c->list[l][i];
      int seen = 0;
      for (int m = CGRES_L_RBPS; m <= l && !seen; m++)
        for (size_t j = 0; j < (m == l ? i : c->nlist[m]) && !seen; j++)
          seen = !strcmp(c->list[m][j]->f[1], r->f[1]) && !strcmp(c->list[m][j]->f[2], r->f[2]);
      if (!seen) {
        char *v = cgres_io_max(c, r->f[1], r->f[2]);
        cg_write(h, "io.max", v);
        free(v);
      }
    }
}

static void hugetlb(const struct cgres *c, const struct cgres_hier *h, int v2)
{
  const char *suffix = v2 ? "max" : "limit_in_bytes";
  int rsvd = 1;
  for (size_t i = 0; i < c->nlist[CGRES_L_HUGE]; i++) {
    const struct rec *r = c->list[CGRES_L_HUGE][i];
    char *f = xasprintf("hugetlb.%s.%s", r->f[1], suffix);
    cg_write(h, f, r->f[2]);
    free(f);
    /* the reservation limit too, where the kernel has it (5.7+), as runc */
    f = xasprintf("hugetlb.%s.rsvd.%s", r->f[1], suffix);
    if (rsvd && write_opt(h, f, r->f[2]) < 0) rsvd = 0;
    free(f);
  }
}

static void net(const struct cgres *c, const struct cgres_hier *h, int ctl)
{
  if (ctl == K_NETCLS) {
    set_if(c, h, CGRES_N_CLASSID, "net_cls.classid", 1, 0);
    return;
  }
  for (size_t i = 0; i < c->nlist[CGRES_L_PRIO]; i++) {
    char *v = xasprintf("%s %s", c->list[CGRES_L_PRIO][i]->f[1], c->list[CGRES_L_PRIO][i]->f[2]);
    cg_write(h, "net_prio.ifpriomap", v);
    free(v);
  }
}

static void rdma(const struct cgres *c, const struct cgres_hier *h)
{
  for (size_t i = 0; i < c->nlist[CGRES_L_RDMA]; i++) {
    const struct rec *r = c->list[CGRES_L_RDMA][i];
    char *a = *r->f[2] ? xasprintf(" hca_handle=%s", r->f[2]) : xasprintf("%s", ""),
         *b = *r->f[3] ? xasprintf(" hca_object=%s", r->f[3]) : xasprintf("%s", ""),
         *v = xasprintf("%s%s%s", r->f[1], a, b);
    cg_write(h, "rdma.max", v);
    free(a), free(b), free(v);
  }
}

/* One v1 device rule: each of devices.deny and devices.allow opened once
   and written once per rule (the kernel takes one rule per write); a fake
   tree's file is rewritten per rule, as cg_write does. */
static void dev_rule(const struct cgres_hier *d, int fds[2], int allow, const char *v)
{
  const char *file = allow ? "devices.allow" : "devices.deny";
  ssize_t w;
  if (d->fake) {
    cg_write(d, file, v);
    return;
  }
  if (fds[allow] < 0 && (fds[allow] = openat(d->dfd, file, O_WRONLY | O_CLOEXEC)) < 0)
    die_sys(EXIT_SYSFAIL, "write %s in %s", file, d->dir);
  if ((w = write(fds[allow], v, strlen(v))) >= 0 && (size_t)w != strlen(v)) errno = EIO, w = -1;
  if (w < 0) die_sys(EXIT_SYSFAIL, "write %s in %s", file, d->dir);
}

void cgres_apply(const struct cgres *c, struct cgres_hier *h, size_t n)
{
  struct cgres_hier *u = cgres_v2(h, n);
  /* kernel memory limits: gone from the kernel (6.x) and from runc */
  if (c->kr[CGRES_M_KERNEL] && c->kv[CGRES_M_KERNEL])
    warn("Kernel memory settings are ignored and will be removed");
  for (int k = 0; k < K_NCTL; k++) {
    const struct rec *r = asks(c, k);
    struct cgres_hier *x;
    int v2;
    if (!r) continue;
    if (!(x = place(h, n, k, &v2))) { /* cgres_check let it through: v1 only, on pure v2 */
      ignored_v2(r);
      continue;
    }
    switch (k) {
      case K_MEM: v2 ? memory_v2(c, x) : memory_v1(c, x); break;
      case K_CPU: v2 ? cpu_v2(c, x) : cpu_v1(c, x); break;
      case K_CPUSET: cpuset(c, x); break;
      case K_PIDS: pids(c, x); break;
      case K_BLKIO: v2 ? blkio_v2(c, x) : blkio_v1(c, x); break;
      case K_HUGE: hugetlb(c, x, v2); break;
      case K_NETCLS:
      case K_NETPRIO: net(c, x, k); break;
      case K_RDMA: rdma(c, x); break;
    }
  }
  if (c->ndev && cgres_v1(h, n, "devices")) {
    /* the allow-list: deny everything, then the rules in order (a first
       "deny a" rule is that same write: made once) */
    struct cgres_hier *d = cgres_v1(h, n, "devices");
    int fds[2] = {-1, -1}; /* devices.deny, devices.allow */
    if (c->devs[0].type != 'a' || c->devs[0].allow) dev_rule(d, fds, 0, "a");
    for (size_t i = 0; i < c->ndev; i++) {
      const struct rec *r = c->devrec[i];
      char *v = c->devs[i].type == 'a' ? xasprintf("a")
                                       : xasprintf("%s %s:%s %s", r->f[2], r->f[3], r->f[4], r->f[5]);
      dev_rule(d, fds, c->devs[i].allow, v);
      free(v);
    }
    for (int i = 0; i < 2; i++)
      if (fds[i] >= 0) close(fds[i]);
  } else if (c->ndev) {
    /* devices on cgroup v2: an eBPF program, as runc and crun attach */
    const char *step;
    if (cgroup_devices_attach(u->dfd, c->devs, c->ndev, &step) < 0)
      die_sys(EXIT_SYSFAIL, "%s device filter %s %s", step, *step == 'l' ? "for" : "to", u->dir);
  }
  if (u && pure_v2(h, n))
    for (size_t i = 0; i < c->nunified; i++) cg_write(u, c->unified[i]->f[1], c->unified[i]->f[2]);
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
