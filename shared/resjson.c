/* resjson.c: LinuxResources JSON to cgroup.* records. See resjson.h. */
#include "resjson.h"

#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#define MAXV LLONG_MAX

static struct specw *W;
static char P[512]; /* the resources object's path */

static void add(const char *key, ...) __attribute__((sentinel));
static void add(const char *key, ...)
{
  const char *f[8];
  size_t n = 0;
  va_list ap;
  va_start(ap, key);
  while (n < 8 && (f[n] = va_arg(ap, const char *))) n++;
  va_end(ap);
  specw_addv(W, key, f, n);
}
#define ADD(...) add(__VA_ARGS__, (const char *)NULL)

static const char *num(long long v)
{
  static char b[8][32];
  static int k;
  char *s = b[k++ & 7];
  snprintf(s, 32, "%lld", v);
  return s;
}

/* the path of a member of the resources object, copied (json_path's
   buffers are reused) */
static const char *sub(char *buf, const char *key)
{
  snprintf(buf, 512, "%s", json_path(P, key));
  return buf;
}

/* a value that is written whatever it is */
static void any_int(const cJSON *o, const char *key, const char *path, const char *rec, long long min,
                    long long max)
{
  long long v;
  if (xjson_int(o, key, path, min, max, &v)) ADD(rec, num(v));
}

/* a value runc writes only when it is not zero */
static void set_int(const cJSON *o, const char *key, const char *path, const char *rec, long long min,
                    long long max)
{
  long long v;
  if (xjson_int(o, key, path, min, max, &v) && v) ADD(rec, num(v));
}

static void bool_rec(const cJSON *o, const char *key, const char *path, const char *rec, int only_true)
{
  int b = -1;
  xjson_bool(o, key, path, &b);
  if (b == 1 || (b == 0 && !only_true)) ADD(rec, b ? "1" : "0");
}

/* a name that goes into a cgroup file as one word */
static const char *word(const cJSON *o, const char *key, const char *path)
{
  const char *s = xjson_str(o, key, path);
  if (!s || !*s) json_die(json_path(path, key), "missing");
  if (strpbrk(s, " \t\n/")) json_die(json_path(path, key), "bad name %s", s);
  return s;
}

static void memory(const cJSON *r)
{
  char p[512];
  const cJSON *o = xjson_obj(r, "memory", P), *sw;
  if (!o) return;
  sub(p, "memory");
  set_int(o, "limit", p, "cgroup.memory.limit", -1, MAXV);
  set_int(o, "reservation", p, "cgroup.memory.reservation", -1, MAXV);
  set_int(o, "swap", p, "cgroup.memory.swap", -1, MAXV);
  set_int(o, "kernel", p, "cgroup.memory.kernel", -1, MAXV);
  set_int(o, "kernelTCP", p, "cgroup.memory.kernelTCP", -1, MAXV);
  /* swappiness -1 is unset; so is its uint64 form, 2^64-1, which Go clients send */
  sw = cJSON_GetObjectItemCaseSensitive(o, "swappiness");
  if (!(cJSON_IsNumber(sw) && (sw->valuedouble == -1 || sw->valuedouble >= 18446744073709551615.0)))
    any_int(o, "swappiness", p, "cgroup.memory.swappiness", 0, 100);
  bool_rec(o, "disableOOMKiller", p, "cgroup.memory.disableOOMKiller", 1);
  bool_rec(o, "useHierarchy", p, "cgroup.memory.useHierarchy", 0);
  bool_rec(o, "checkBeforeUpdate", p, "cgroup.memory.checkBeforeUpdate", 0);
}

static void cpu(const cJSON *r)
{
  char p[512];
  const cJSON *o = xjson_obj(r, "cpu", P);
  const char *s;
  if (!o) return;
  sub(p, "cpu");
  set_int(o, "shares", p, "cgroup.cpu.shares", 0, 262144);
  set_int(o, "quota", p, "cgroup.cpu.quota", -1, MAXV);
  any_int(o, "burst", p, "cgroup.cpu.burst", 0, MAXV);
  set_int(o, "period", p, "cgroup.cpu.period", 0, 1000000);
  set_int(o, "realtimeRuntime", p, "cgroup.cpu.realtimeRuntime", -1, MAXV);
  set_int(o, "realtimePeriod", p, "cgroup.cpu.realtimePeriod", 0, MAXV);
  if ((s = xjson_str(o, "cpus", p)) && *s) ADD("cgroup.cpu.cpus", s);
  if ((s = xjson_str(o, "mems", p)) && *s) ADD("cgroup.cpu.mems", s);
  any_int(o, "idle", p, "cgroup.cpu.idle", 0, 1);
}

/* a block device of a blockIO list entry: major and minor are required */
static void blkdev(const cJSON *e, const char *q, long long *maj, long long *min)
{
  if (!cJSON_IsObject(e)) json_die(q, "expected an object");
  if (!xjson_int(e, "major", q, 0, 0xffffffffLL, maj) || !xjson_int(e, "minor", q, 0, 0xffffffffLL, min))
    json_die(q, "major and minor are required");
}

static void blockio(const cJSON *r)
{
  static const char *const tl[][2] = {{"throttleReadBpsDevice", "cgroup.blkio.throttleReadBps"},
                                      {"throttleWriteBpsDevice", "cgroup.blkio.throttleWriteBps"},
                                      {"throttleReadIOPSDevice", "cgroup.blkio.throttleReadIops"},
                                      {"throttleWriteIOPSDevice", "cgroup.blkio.throttleWriteIops"}};
  char p[512], lp[512];
  const cJSON *o = xjson_obj(r, "blockIO", P), *e;
  long long maj, min, w, lw, rate;
  int i = 0;
  if (!o) return;
  sub(p, "blockIO");
  set_int(o, "weight", p, "cgroup.blkio.weight", 0, 1000);
  set_int(o, "leafWeight", p, "cgroup.blkio.leafWeight", 0, 1000);
  snprintf(lp, sizeof lp, "%s", json_path(p, "weightDevice"));
  cJSON_ArrayForEach(e, xjson_arr(o, "weightDevice", p))
  {
    char q[512];
    snprintf(q, sizeof q, "%s", json_index(lp, i++));
    blkdev(e, q, &maj, &min);
    w = lw = 0;
    xjson_int(e, "weight", q, 0, 1000, &w);
    xjson_int(e, "leafWeight", q, 0, 1000, &lw);
    if (w || lw) ADD("cgroup.blkio.weightDevice", num(maj), num(min), num(w), num(lw));
  }
  for (size_t k = 0; k < sizeof tl / sizeof *tl; k++) {
    i = 0;
    snprintf(lp, sizeof lp, "%s", json_path(p, tl[k][0]));
    cJSON_ArrayForEach(e, xjson_arr(o, tl[k][0], p))
    {
      char q[512];
      snprintf(q, sizeof q, "%s", json_index(lp, i++));
      blkdev(e, q, &maj, &min);
      if (!xjson_int(e, "rate", q, 0, MAXV, &rate)) json_die(q, "rate is required");
      if (rate) ADD(tl[k][1], num(maj), num(min), num(rate));
    }
  }
}

/* "2MB", "1GB", "64KB": as the kernel names its hugetlb files */
static int pagesize_ok(const char *s)
{
  size_t n = strspn(s, "0123456789");
  return n > 0 && n < 20 && s[0] != '0' && strchr("KMGT", s[n]) && s[n] && s[n + 1] == 'B' && !s[n + 2];
}

static void hugepages(const cJSON *r)
{
  char p[512];
  const cJSON *e;
  int i = 0;
  sub(p, "hugepageLimits");
  cJSON_ArrayForEach(e, xjson_arr(r, "hugepageLimits", P))
  {
    char q[512];
    const char *ps;
    long long lim;
    snprintf(q, sizeof q, "%s", json_index(p, i++));
    if (!cJSON_IsObject(e)) json_die(q, "expected an object");
    if (!(ps = xjson_str(e, "pageSize", q))) json_die(json_path(q, "pageSize"), "missing");
    if (!pagesize_ok(ps)) json_die(json_path(q, "pageSize"), "bad page size %s (expected e.g. 2MB, 1GB)", ps);
    if (!xjson_int(e, "limit", q, 0, MAXV, &lim)) json_die(json_path(q, "limit"), "missing");
    ADD("cgroup.hugetlb", ps, num(lim));
  }
}

static void network(const cJSON *r)
{
  char p[512], lp[512];
  const cJSON *o = xjson_obj(r, "network", P), *e;
  int i = 0;
  if (!o) return;
  sub(p, "network");
  set_int(o, "classID", p, "cgroup.net.classID", 0, 0xffffffffLL);
  snprintf(lp, sizeof lp, "%s", json_path(p, "priorities"));
  cJSON_ArrayForEach(e, xjson_arr(o, "priorities", p))
  {
    char q[512];
    long long prio;
    const char *name;
    snprintf(q, sizeof q, "%s", json_index(lp, i++));
    if (!cJSON_IsObject(e)) json_die(q, "expected an object");
    name = word(e, "name", q);
    if (!xjson_int(e, "priority", q, 0, 0xffffffffLL, &prio)) json_die(json_path(q, "priority"), "missing");
    ADD("cgroup.net.priority", name, num(prio));
  }
}

static void rdma(const cJSON *r)
{
  char p[512];
  const cJSON *o = xjson_obj(r, "rdma", P), *e;
  if (!o) return;
  sub(p, "rdma");
  cJSON_ArrayForEach(e, o)
  {
    char q[512], hs[32] = "", os[32] = "";
    long long v;
    snprintf(q, sizeof q, "%s", json_path(p, e->string));
    if (!*e->string || strpbrk(e->string, " \t\n/")) json_die(p, "bad device name %s", e->string);
    if (!cJSON_IsObject(e)) json_die(q, "expected an object");
    if (xjson_int(e, "hcaHandles", q, 0, 0xffffffffLL, &v)) snprintf(hs, sizeof hs, "%lld", v);
    if (xjson_int(e, "hcaObjects", q, 0, 0xffffffffLL, &v)) snprintf(os, sizeof os, "%lld", v);
    if (*hs || *os) ADD("cgroup.rdma", e->string, hs, os);
  }
}

static void unified(const cJSON *r)
{
  char p[512];
  const cJSON *o = xjson_obj(r, "unified", P), *u;
  if (!o) return;
  sub(p, "unified");
  cJSON_ArrayForEach(u, o)
  {
    if (!cJSON_IsString(u)) json_die(json_path(p, u->string), "expected a string");
    if (!*u->string || strchr(u->string, '/') || !strcmp(u->string, "..") || !strcmp(u->string, "."))
      json_die(p, "bad file name %s", u->string);
    ADD("cgroup.unified", u->string, u->valuestring);
  }
}

static void devices(const cJSON *r)
{
  char p[512];
  const cJSON *d;
  int i = 0;
  sub(p, "devices");
  cJSON_ArrayForEach(d, xjson_arr(r, "devices", P))
  {
    char q[512];
    const char *type, *access;
    long long maj = -1, min = -1;
    int allow = 0;
    snprintf(q, sizeof q, "%s", json_index(p, i++));
    if (!cJSON_IsObject(d)) json_die(q, "expected an object");
    type = xjson_str(d, "type", q);
    access = xjson_str(d, "access", q);
    if (!cJSON_GetObjectItemCaseSensitive(d, "allow")) json_die(json_path(q, "allow"), "missing");
    xjson_bool(d, "allow", q, &allow);
    if (!type || !*type) type = "a";
    if (strlen(type) != 1 || !strchr("acb", *type)) json_die(json_path(q, "type"), "expected a, c or b");
    xjson_int(d, "major", q, -1, 0xfff, &maj);
    xjson_int(d, "minor", q, -1, 0xfffff, &min);
    if (!access || !*access) access = "rwm";
    if (strspn(access, "rwm") != strlen(access)) json_die(json_path(q, "access"), "expected letters of rwm");
    ADD("cgroup.device", allow ? "allow" : "deny", type, maj < 0 ? "*" : num(maj), min < 0 ? "*" : num(min),
        access);
  }
}

void resjson_records(const cJSON *r, const char *path, int flags, struct specw *w)
{
  if (!r) return;
  if (!cJSON_IsObject(r)) json_die(path && *path ? path : "", "expected an object");
  W = w;
  snprintf(P, sizeof P, "%s", path ? path : "");
  memory(r);
  cpu(r);
  if (xjson_obj(r, "pids", P)) {
    char p[512];
    long long v;
    /* any negative limit is unlimited, as in runc */
    if (xjson_int(xjson_obj(r, "pids", P), "limit", sub(p, "pids"), LLONG_MIN + 1, MAXV, &v) && v)
      ADD("cgroup.pids.limit", num(v < 0 ? -1 : v));
  }
  blockio(r);
  hugepages(r);
  network(r);
  rdma(r);
  unified(r);
  if (flags & RESJSON_DEVICES) devices(r);
}
