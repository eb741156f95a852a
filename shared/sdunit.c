/* sdunit.c: unit names, slices and properties of the systemd cgroup
   driver, as runc's libcontainer/cgroups/systemd (common.go, v2.go) makes
   them. */
#include "sdunit.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cgroup.h"
#include "die.h"

#define USEC_INFINITY UINT64_MAX

static int ends_with(const char *s, const char *suf)
{
  size_t n = strlen(s), k = strlen(suf);
  return n >= k && !strcmp(s + n - k, suf);
}

char *sd_expand_slice(const char *slice)
{
  size_t n = strlen(slice);
  if (!ends_with(slice, ".slice") || n == 6 || strchr(slice, '/')) return NULL;
  if (!strcmp(slice, "-.slice")) return xasprintf("%s", "");
  char *name = xasprintf("%.*s", (int)(n - 6), slice), *path = xasprintf("%s", ""), *save = NULL;
  /* every dash-separated prefix is a slice: a-b.slice is in a.slice */
  for (size_t i = 0; i <= n - 6; i++) {
    if (name[i] && name[i] != '-') continue;
    if (i == 0 || name[i - 1] == '-' || (!name[i] && name[i - 1] == '-')) {
      free(name), free(path);
      return NULL; /* "-a", "a--b" and "a-" have an empty component */
    }
    save = xasprintf("%s/%.*s.slice", path, (int)i, name);
    free(path);
    path = save;
  }
  free(name);
  return path;
}

void sd_unit_free(struct sd_unit *u)
{
  free(u->slice), free(u->unit), free(u->path), free(u->name);
  memset(u, 0, sizeof *u);
}

static int unit_bad(struct sd_unit *u, char **parts, char *why, size_t n, const char *fmt, const char *v)
{
  snprintf(why, n, fmt, v);
  for (int i = 0; i < 3; i++) free(parts[i]);
  sd_unit_free(u);
  return -1;
}

int sd_unit_parse(const char *cgpath, const char *id, struct sd_unit *u, char *why, size_t n)
{
  char *parts[3] = {NULL, NULL, NULL}, *exp;
  memset(u, 0, sizeof *u);
  if (!cgpath || !*cgpath) {
    parts[0] = xasprintf("%s", ""), parts[1] = xasprintf("runc"), parts[2] = xasprintf("%s", id);
  } else {
    const char *a = strchr(cgpath, ':'), *b = a ? strchr(a + 1, ':') : NULL;
    if (!a || !b || strchr(b + 1, ':'))
      return unit_bad(
          u, parts, why, n,
          "expected cgroupsPath to be of format \"slice:prefix:name\" for systemd cgroups, got \"%s\" "
          "instead",
          cgpath);
    parts[0] = xasprintf("%.*s", (int)(a - cgpath), cgpath);
    parts[1] = xasprintf("%.*s", (int)(b - a - 1), a + 1);
    parts[2] = xasprintf("%s", b + 1);
  }
  u->slice = xasprintf("%s", *parts[0] ? parts[0] : "system.slice");
  if (!(exp = sd_expand_slice(u->slice)))
    return unit_bad(u, parts, why, n, "invalid slice name: %s", u->slice);
  free(exp);
  if (!*parts[2]) return unit_bad(u, parts, why, n, "%s: the unit name is empty", cgpath);
  if (strchr(parts[1], '/') || strchr(parts[2], '/'))
    return unit_bad(u, parts, why, n, "%s: a unit name must not contain /", cgpath);
  u->is_slice = ends_with(parts[2], ".slice");
  if (u->is_slice) {
    /* a slice's cgroup follows from its own name, whatever the parent */
    if (!(u->path = sd_expand_slice(parts[2])))
      return unit_bad(u, parts, why, n, "invalid slice name: %s", parts[2]);
    u->unit = xasprintf("%s", parts[2]);
  } else {
    exp = sd_expand_slice(u->slice);
    u->unit = xasprintf("%s-%s.scope", parts[1], parts[2]);
    u->path = xasprintf("%s/%s", exp, u->unit);
    free(exp);
  }
  u->name = parts[2];
  free(parts[0]), free(parts[1]);
  return 0;
}

uint64_t sd_cpu_quota_usec(long long quota, unsigned long long period)
{
  if (quota <= 0) return USEC_INFINITY;
  if (!period) period = 100000;
  uint64_t us = (uint64_t)quota * 1000000 / period;
  return us % 10000 ? (us / 10000 + 1) * 10000 : us; /* systemd keeps whole percents */
}

int sd_cpuset_bits(const char *list, unsigned char **bits, size_t *n)
{
  *bits = NULL, *n = 0;
  const char *p = list;
  while (*p) {
    char *e;
    errno = 0;
    unsigned long lo = strtoul(p, &e, 10), hi = lo;
    if (e == p || errno || lo > 65535) goto bad;
    if (*e == '-') {
      p = e + 1;
      hi = strtoul(p, &e, 10);
      if (e == p || errno || hi > 65535 || hi < lo) goto bad;
    }
    if (hi / 8 + 1 > *n) {
      unsigned char *b = realloc(*bits, hi / 8 + 1);
      if (!b) goto bad;
      memset(b + *n, 0, hi / 8 + 1 - *n);
      *bits = b, *n = hi / 8 + 1;
    }
    for (unsigned long i = lo; i <= hi; i++) (*bits)[i / 8] |= (unsigned char)(1u << (i % 8));
    if (*e == ',')
      e++;
    else if (*e && *e != '\n')
      goto bad;
    else if (*e)
      e++;
    p = e;
  }
  if (*n) return 0;
bad:
  free(*bits);
  *bits = NULL, *n = 0;
  return -1;
}

static void prop_begin(struct dbus_msg *m, const char *name, const char *sig)
{
  dbus_struct_begin(m);
  dbus_put_s(m, name);
  dbus_variant_begin(m, sig);
}

void sd_prop_t(struct dbus_msg *m, const char *name, uint64_t v)
{
  prop_begin(m, name, "t");
  dbus_put_t(m, v);
}

void sd_prop_b(struct dbus_msg *m, const char *name, int v)
{
  prop_begin(m, name, "b");
  dbus_put_b(m, v);
}

void sd_prop_s(struct dbus_msg *m, const char *name, const char *v)
{
  prop_begin(m, name, "s");
  dbus_put_s(m, v);
}

static int prop_bits(struct dbus_msg *m, const char *name, const char *list)
{
  unsigned char *bits;
  size_t n;
  if (sd_cpuset_bits(list, &bits, &n) < 0) return -1;
  prop_begin(m, name, "ay");
  size_t a = dbus_array_begin(m, 1);
  for (size_t i = 0; i < n; i++) dbus_put_y(m, bits[i]);
  dbus_array_end(m, a);
  free(bits);
  return 0;
}

static uint64_t max_or(const char *v, int *ok)
{
  char *e;
  if (!strcmp(v, "max")) return UINT64_MAX;
  errno = 0;
  unsigned long long n = strtoull(v, &e, 10);
  *ok = *ok && e != v && !*e && !errno && *v != '-';
  return n;
}

/* the cgroup.unified keys runc turns into properties; the others go only
   to the files (cgres_apply writes every one) */
static int unified_prop(struct dbus_msg *m, const char *k, const char *v, int sdver, const char **why)
{
  static const char *const mem[][2] = {{"memory.high", "MemoryHigh"},
                                       {"memory.low", "MemoryLow"},
                                       {"memory.min", "MemoryMin"},
                                       {"memory.max", "MemoryMax"},
                                       {"memory.swap.max", "MemorySwapMax"}};
  int ok = 1;
  for (size_t i = 0; i < sizeof mem / sizeof *mem; i++)
    if (!strcmp(k, mem[i][0])) {
      uint64_t n = max_or(v, &ok);
      if (!ok) goto bad;
      sd_prop_t(m, mem[i][1], n);
      return 0;
    }
  if (!strcmp(k, "pids.max")) {
    uint64_t n = max_or(v, &ok);
    if (!ok) goto bad;
    sd_prop_t(m, "TasksMax", n);
  } else if (!strcmp(k, "cpu.weight")) {
    uint64_t n = max_or(v, &ok);
    if (!ok || n == UINT64_MAX) goto bad;
    sd_prop_t(m, "CPUWeight", n);
  } else if (!strcmp(k, "cpu.max")) {
    char q[64], p[64] = "100000";
    int nf = sscanf(v, "%63s %63s", q, p);
    uint64_t quota = nf >= 1 ? max_or(q, &ok) : 0, period = max_or(p, &ok);
    if (nf < 1 || !ok || period == UINT64_MAX || (quota != UINT64_MAX && quota > (1ULL << 62))) goto bad;
    if (sdver >= 242) sd_prop_t(m, "CPUQuotaPeriodUSec", period);
    sd_prop_t(m, "CPUQuotaPerSecUSec", sd_cpu_quota_usec(quota == UINT64_MAX ? 0 : (long long)quota, period));
  } else if (!strcmp(k, "cpuset.cpus") || !strcmp(k, "cpuset.mems")) {
    if (sdver >= 244 && prop_bits(m, k[7] == 'c' ? "AllowedCPUs" : "AllowedMemoryNodes", v) < 0) goto bad;
  }
  return 0;
bad:
  *why = k;
  return -1;
}

int sd_resource_props(struct dbus_msg *m, const struct cgres *c, int sdver, const char **why)
{
  const struct rec *const *kr = c->kr;
  const long long *kv = c->kv;
  long long mem = kr[CGRES_M_LIMIT] ? kv[CGRES_M_LIMIT] : 0;
  if (mem) sd_prop_t(m, "MemoryMax", (uint64_t)mem); /* -1 is infinity */
  if (kr[CGRES_M_RES] && kv[CGRES_M_RES]) sd_prop_t(m, "MemoryLow", (uint64_t)kv[CGRES_M_RES]);
  /* v2 swap excludes memory; unlimited memory with no swap asked for means unlimited swap too */
  long long sw = kr[CGRES_M_SWAP] ? kv[CGRES_M_SWAP] : 0;
  if (mem == -1 && !sw)
    sw = -1;
  else if (sw > 0) {
    if (mem <= 0) {
      *why = "cgroup.memory.swap (unable to set swap limit without memory limit)";
      return -1;
    }
    sw -= mem; /* cgres_validate made sure swap >= memory */
  }
  if (sw) sd_prop_t(m, "MemorySwapMax", (uint64_t)sw);
  int idle = kr[CGRES_C_IDLE] && kv[CGRES_C_IDLE] == 1 && sdver >= 252;
  if (idle)
    sd_prop_t(m, "CPUWeight", 0);
  else if (kr[CGRES_C_SHARES] && kv[CGRES_C_SHARES])
    sd_prop_t(m, "CPUWeight", cgroup_shares_to_weight((unsigned long long)kv[CGRES_C_SHARES]));
  long long quota = kr[CGRES_C_QUOTA] ? kv[CGRES_C_QUOTA] : 0;
  unsigned long long period = kr[CGRES_C_PERIOD] ? (unsigned long long)kv[CGRES_C_PERIOD] : 0;
  if (period && sdver >= 242) sd_prop_t(m, "CPUQuotaPeriodUSec", period);
  if (quota || period) sd_prop_t(m, "CPUQuotaPerSecUSec", sd_cpu_quota_usec(quota, period));
  if (kr[CGRES_P_LIMIT] && (kv[CGRES_P_LIMIT] > 0 || kv[CGRES_P_LIMIT] == -1))
    sd_prop_t(m, "TasksMax", (uint64_t)kv[CGRES_P_LIMIT]);
  if (sdver >= 244) {
    if (kr[CGRES_C_CPUS] && prop_bits(m, "AllowedCPUs", kr[CGRES_C_CPUS]->f[1]) < 0) {
      *why = "cgroup.cpu.cpus";
      return -1;
    }
    if (kr[CGRES_C_MEMS] && prop_bits(m, "AllowedMemoryNodes", kr[CGRES_C_MEMS]->f[1]) < 0) {
      *why = "cgroup.cpu.mems";
      return -1;
    }
  }
  for (size_t i = 0; i < c->nunified; i++)
    if (unified_prop(m, c->unified[i]->f[1], c->unified[i]->f[2], sdver, why) < 0) return -1;
  return 0;
}

/* ---- calls ------------------------------------------------------------------ */

#define SD_DEST "org.freedesktop.systemd1"
#define SD_PATH "/org/freedesktop/systemd1"
#define SD_MANAGER "org.freedesktop.systemd1.Manager"

static const char *dest(const struct sd_conn *c) { return c->on_bus ? SD_DEST : NULL; }

int sd_connect(struct sd_conn *c)
{
  char first[sizeof c->bus.err];
  struct dbus_msg m;
  struct dbus_in r;
  memset(c, 0, sizeof *c);
  if (dbus_connect(&c->bus, "/run/systemd/private", 0) < 0) {
    memcpy(first, c->bus.err, sizeof first);
    if (dbus_connect(&c->bus, "/run/dbus/system_bus_socket", 1) < 0) {
      char second[sizeof c->bus.err];
      memcpy(second, c->bus.err, sizeof second);
      snprintf(c->bus.err, sizeof c->bus.err, "%.250s; %.250s", first, second);
      return -1;
    }
    c->on_bus = 1;
    /* on a bus, signals come only to who asks for them */
    dbus_msg_init(&m);
    dbus_put_s(&m, "type='signal',sender='" SD_DEST "',interface='" SD_MANAGER "',member='JobRemoved'");
    int rc = dbus_call(&c->bus, "org.freedesktop.DBus", "/org/freedesktop/DBus", "org.freedesktop.DBus",
                       "AddMatch", "s", &m, &r);
    dbus_msg_free(&m);
    if (rc < 0) return -1;
    dbus_in_free(&r);
    if (dbus_call(&c->bus, SD_DEST, SD_PATH, SD_MANAGER, "Subscribe", "", NULL, &r) < 0) return -1;
    dbus_in_free(&r);
  }
  /* the version decides a few properties, as runc's */
  dbus_msg_init(&m);
  dbus_put_s(&m, SD_MANAGER);
  dbus_put_s(&m, "Version");
  for (int tries = 0; tries < 3 && !c->version; tries++) {
    if (dbus_call(&c->bus, dest(c), SD_PATH, "org.freedesktop.DBus.Properties", "Get", "ss", &m, &r) < 0)
      continue;
    struct dbus_it it = dbus_body(&r);
    const char *sig, *v;
    if (dbus_get_g(&it, &sig) == 0 && !strcmp(sig, "s") && dbus_get_s(&it, &v) == 0)
      c->version = atoi(v + (*v == 'v'));
    dbus_in_free(&r);
  }
  dbus_msg_free(&m);
  if (!c->version) { /* runc goes on without the properties that need a version: so do we, saying so */
    char e[sizeof c->bus.err];
    memcpy(e, c->bus.err, sizeof e);
    snprintf(c->bus.err, sizeof c->bus.err, "systemd's version unknown: %.400s", e);
  }
  return 0;
}

int sd_call_unit(struct sd_conn *c, const char *method, const char *unit, const char *mode, struct dbus_in *r)
{
  struct dbus_msg m;
  dbus_msg_init(&m);
  dbus_put_s(&m, unit);
  if (mode) dbus_put_s(&m, mode);
  int rc = dbus_call(&c->bus, dest(c), SD_PATH, SD_MANAGER, method, mode ? "ss" : "s", &m, r);
  dbus_msg_free(&m);
  return rc;
}

char *sd_wait_job(struct sd_conn *c, const char *job)
{
  for (;;) {
    struct dbus_in in;
    const char *jpath, *u, *result;
    uint32_t id;
    if (dbus_recv(&c->bus, &in) < 0) return NULL;
    struct dbus_it it = dbus_body(&in);
    if (in.type == DBUS_SIGNAL && !strcmp(in.member, "JobRemoved") && !strcmp(in.sig, "uoss") &&
        dbus_get_u(&it, &id) == 0 && dbus_get_s(&it, &jpath) == 0 && dbus_get_s(&it, &u) == 0 &&
        dbus_get_s(&it, &result) == 0 && !strcmp(jpath, job)) {
      char *res = xasprintf("%s", result);
      dbus_in_free(&in);
      return res;
    }
    dbus_in_free(&in);
  }
}

int sd_stop_unit(struct sd_conn *c, const char *unit)
{
  struct dbus_in r;
  int rc = 0;
  if (sd_call_unit(c, "StopUnit", unit, "replace", &r) == 0) {
    struct dbus_it it = dbus_body(&r);
    const char *job;
    char *res = dbus_get_s(&it, &job) == 0 ? sd_wait_job(c, job) : NULL;
    rc = res ? 0 : -1;
    free(res); /* a result other than done: runc warns and goes on */
    dbus_in_free(&r);
  } else if (!strstr(c->bus.err, "org.freedesktop.systemd1.NoSuchUnit")) {
    rc = -1;
  }
  /* a failed unit stays loaded: let systemd forget it */
  if (sd_call_unit(c, "ResetFailedUnit", unit, NULL, &r) == 0) dbus_in_free(&r);
  return rc;
}
