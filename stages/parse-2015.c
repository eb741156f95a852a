/* parse-2015.c: the 2015 pair to today's spec, field by field, following
   runc v0.0.5's semantics: keys matched case-insensitively (Go's decoder),
   mounts by name, one capability list for every set, readonly with its
   extra masks, rprivate by default, a user namespace implied by uid
   mappings, the 2015 device allow-list, seccomp off when empty, blkio
   device lists as strings (0.1.0) or arrays (0.2.0). */
#include "parse-2015.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "json.h"

#define ADD(obj, key, item) cJSON_AddItemToObject(obj, key, item)

int legacy_detect(const cJSON *cfg)
{
  cJSON *v = cJSON_GetObjectItem(cfg, "version");
  return !cJSON_GetObjectItemCaseSensitive(cfg, "ociVersion") && cJSON_IsString(v);
}

static cJSON *dup_or_null(const cJSON *v) { return v ? cJSON_Duplicate(v, 1) : NULL; }

static void conv_process(const cJSON *cfg, const cJSON *rtlx, cJSON *out)
{
  cJSON *p = xjson_obj(cfg, "process", ""), *np = cJSON_CreateObject(), *u, *nu, *a, *caps;
  const char *cwd, *s;
  int term = 0;
  long long v;

  if (!p) json_die("process", "missing");
  xjson_bool(p, "terminal", "process", &term);
  cJSON_AddBoolToObject(np, "terminal", term);
  nu = cJSON_AddObjectToObject(np, "user");
  if ((u = xjson_obj(p, "user", "process"))) {
    if (xjson_int(u, "uid", "process.user", 0, 0xfffffffeLL, &v))
      cJSON_AddNumberToObject(nu, "uid", (double)v);
    if (xjson_int(u, "gid", "process.user", 0, 0xfffffffeLL, &v))
      cJSON_AddNumberToObject(nu, "gid", (double)v);
    if ((a = xjson_arr(u, "additionalGids", "process.user")))
      ADD(nu, "additionalGids", cJSON_Duplicate(a, 1));
  }
  if (!(a = xjson_arr(p, "args", "process"))) json_die("process.args", "missing");
  ADD(np, "args", cJSON_Duplicate(a, 1));
  if ((a = xjson_arr(p, "env", "process"))) ADD(np, "env", cJSON_Duplicate(a, 1));
  cwd = xjson_str(p, "cwd", "process");
  cJSON_AddStringToObject(np, "cwd", cwd && *cwd ? cwd : "/"); /* "" meant no chdir */

  /* one list for bounding, effective, permitted and inheritable (no ambient
     set existed); names without CAP_ get it */
  caps = cJSON_AddObjectToObject(np, "capabilities");
  {
    static const char *const sets[] = {"bounding", "effective", "permitted", "inheritable"};
    cJSON *list = cJSON_CreateArray(), *c;
    int i = 0;
    cJSON_ArrayForEach(c, xjson_arr(xjson_obj(cfg, "linux", ""), "capabilities", "linux"))
    {
      char name[128];
      const char *n = xjson_item_str(c, json_index("linux.capabilities", i++));
      snprintf(name, sizeof name, "%s%s", strncmp(n, "CAP_", 4) ? "CAP_" : "", n);
      cJSON_AddItemToArray(list, cJSON_CreateString(name));
    }
    for (int k = 0; k < 4; k++) ADD(caps, sets[k], cJSON_Duplicate(list, 1));
    cJSON_Delete(list);
  }
  json_file = "runtime.json";
  if ((a = xjson_arr(rtlx, "rlimits", "linux"))) ADD(np, "rlimits", cJSON_Duplicate(a, 1));
  if ((s = xjson_str(rtlx, "apparmorProfile", "linux")) && *s)
    cJSON_AddStringToObject(np, "apparmorProfile", s);
  if ((s = xjson_str(rtlx, "selinuxProcessLabel", "linux")) && *s)
    cJSON_AddStringToObject(np, "selinuxLabel", s);
  json_file = "config.json";
  ADD(out, "process", np);
}

static void conv_mounts(const cJSON *cfg, const cJSON *rt, int readonly, cJSON *out)
{
  cJSON *ms = xjson_arr(cfg, "mounts", ""), *m, *table, *nm = cJSON_AddArrayToObject(out, "mounts");
  int i = 0;
  json_file = "runtime.json";
  table = xjson_obj(rt, "mounts", "");
  json_file = "config.json";
  cJSON_ArrayForEach(m, ms)
  {
    const char *p = json_index("mounts", i++);
    const char *name = xjson_str(m, "name", p), *path = xjson_str(m, "path", p), *type;
    cJSON *def, *o = cJSON_CreateObject(), *opts;
    char rp[64];
    if (!name) json_die(json_path(p, "name"), "missing");
    if (!path || *path != '/')
      json_die(json_path(p, "path"), "%s is not an absolute path", path ? path : "(none)");
    def = table ? cJSON_GetObjectItemCaseSensitive(table, name) : NULL;
    if (!def || !cJSON_IsObject(def))
      json_die(json_path(p, "name"), "mount \"%s\" not found in runtime.json", name);
    snprintf(rp, sizeof rp, "mounts.%s", name);
    json_file = "runtime.json";
    type = xjson_str(def, "type", rp);
    cJSON_AddStringToObject(o, "destination", path);
    cJSON_AddStringToObject(o, "type", type ? type : "");
    cJSON_AddStringToObject(o, "source", xjson_str(def, "source", rp) ? xjson_str(def, "source", rp) : "");
    opts = xjson_arr(def, "options", rp);
    opts = opts ? cJSON_Duplicate(opts, 1) : cJSON_CreateArray();
    {
      cJSON *x;
      int k = 0;
      cJSON_ArrayForEach(x, opts) xjson_item_str(x, json_index(json_path(rp, "options"), k++));
    }
    /* readonly made every sysfs mount read-only */
    if (readonly && type && !strcmp(type, "sysfs")) cJSON_AddItemToArray(opts, cJSON_CreateString("ro"));
    ADD(o, "options", opts);
    json_file = "config.json";
    cJSON_AddItemToArray(nm, o);
  }
}

/* 0.1.0 wrote blkio device lists as raw cgroup text; 0.2.0 as arrays. Only
   empty ones are accepted until the blkio controller is implemented. */
static void check_blkio(const cJSON *bio)
{
  cJSON *v;
  cJSON_ArrayForEach(v, bio)
  {
    const char *p = json_path("linux.resources.blockIO", v->string);
    if (cJSON_IsNull(v) || (cJSON_IsString(v) && !*v->valuestring) || (cJSON_IsArray(v) && !v->child) ||
        (cJSON_IsNumber(v) && v->valuedouble == 0))
      continue;
    if (!cJSON_IsString(v) && !cJSON_IsArray(v) && !cJSON_IsNumber(v)) json_die(p, "expected a list");
    json_die(p, "blkio limits are not supported yet");
  }
}

static void conv_resources(const cJSON *rtlx, const cJSON *devices, cJSON *nlx)
{
  cJSON *r = xjson_obj(rtlx, "resources", "linux"), *nr = cJSON_AddObjectToObject(nlx, "resources"), *o, *d,
        *v;
  cJSON *nd = cJSON_AddArrayToObject(nr, "devices");
  static const char *const dflt[][4] = {
      {"c", NULL, NULL, "m"}, {"b", NULL, NULL, "m"},    {"c", "5", "1", "rwm"}, {"c", "4", "0", "rwm"},
      {"c", "4", "1", "rwm"}, {"c", "136", NULL, "rwm"}, {"c", "5", "2", "rwm"}, {"c", "10", "200", "rwm"}};
  const char *P = "linux.resources";
  int oomoff = 0;

  /* the 2015 allow-list: deny all, the defaults, then each device */
  d = cJSON_CreateObject();
  cJSON_AddBoolToObject(d, "allow", 0);
  cJSON_AddStringToObject(d, "access", "rwm");
  cJSON_AddItemToArray(nd, d);
  for (size_t k = 0; k < sizeof dflt / sizeof *dflt; k++) {
    d = cJSON_CreateObject();
    cJSON_AddBoolToObject(d, "allow", 1);
    cJSON_AddStringToObject(d, "type", dflt[k][0]);
    if (dflt[k][1]) cJSON_AddNumberToObject(d, "major", atoi(dflt[k][1]));
    if (dflt[k][2]) cJSON_AddNumberToObject(d, "minor", atoi(dflt[k][2]));
    cJSON_AddStringToObject(d, "access", dflt[k][3]);
    cJSON_AddItemToArray(nd, d);
  }
  cJSON_ArrayForEach(v, devices)
  {
    cJSON *t = cJSON_GetObjectItem(v, "type");
    if (cJSON_IsString(t) && !strcmp(t->valuestring, "p")) continue;
    d = cJSON_CreateObject();
    cJSON_AddBoolToObject(d, "allow", 1);
    cJSON_AddStringToObject(d, "type", cJSON_IsString(t) && !strcmp(t->valuestring, "b") ? "b" : "c");
    ADD(d, "major", dup_or_null(cJSON_GetObjectItem(v, "major")));
    ADD(d, "minor", dup_or_null(cJSON_GetObjectItem(v, "minor")));
    /* a permissions of another type is an error, never "rwm" */
    cJSON_AddStringToObject(
        d, "access",
        xjson_str(v, "permissions", "linux.devices") ? xjson_str(v, "permissions", "linux.devices") : "rwm");
    cJSON_AddItemToArray(nd, d);
  }
  if (!r) return;

  /* zero meant unset in 2015 */
  if ((o = xjson_obj(r, "memory", P))) {
    static const char *const keys[] = {"limit", "reservation", "swap", "kernel"};
    cJSON *nm = cJSON_AddObjectToObject(nr, "memory");
    long long x;
    for (size_t k = 0; k < 4; k++)
      if (xjson_int(o, keys[k], json_path(P, "memory"), -1, 0x7fffffffffffffffLL, &x) && x)
        cJSON_AddNumberToObject(nm, keys[k], (double)x);
    if (xjson_int(o, "swappiness", json_path(P, "memory"), -1, 100, &x) && x >= 0)
      cJSON_AddNumberToObject(nm, "swappiness", (double)x);
    xjson_bool(r, "disableOOMKiller", P, &oomoff);
    if (oomoff) cJSON_AddBoolToObject(nm, "disableOOMKiller", 1);
  }
  if ((o = xjson_obj(r, "cpu", P))) {
    static const char *const keys[] = {"shares", "quota", "period", "realtimeRuntime", "realtimePeriod"};
    cJSON *nc = cJSON_AddObjectToObject(nr, "cpu");
    const char *s;
    long long x;
    for (size_t k = 0; k < 5; k++)
      if (xjson_int(o, keys[k], json_path(P, "cpu"), -1, 0x7fffffffffffffffLL, &x) && x)
        cJSON_AddNumberToObject(nc, keys[k], (double)x);
    if ((s = xjson_str(o, "cpus", json_path(P, "cpu"))) && *s) cJSON_AddStringToObject(nc, "cpus", s);
    if ((s = xjson_str(o, "mems", json_path(P, "cpu"))) && *s) cJSON_AddStringToObject(nc, "mems", s);
  }
  if ((o = xjson_obj(r, "pids", P))) {
    long long x;
    if (xjson_int(o, "limit", json_path(P, "pids"), -1, 0x7fffffffffffffffLL, &x) && x)
      cJSON_AddNumberToObject(cJSON_AddObjectToObject(nr, "pids"), "limit", (double)x);
  }
  if ((o = xjson_obj(r, "blockIO", P))) check_blkio(o);
  if ((v = xjson_arr(r, "hugepageLimits", P)) && v->child)
    json_die(json_path(P, "hugepageLimits"), "not supported yet");
  if ((o = xjson_obj(r, "network", P))) {
    const char *cls = xjson_str(o, "classId", json_path(P, "network"));
    cJSON *pr = xjson_arr(o, "priorities", json_path(P, "network"));
    if ((cls && *cls) || (pr && pr->child)) json_die(json_path(P, "network"), "not supported yet");
  }
}

static cJSON *conv_devices(const cJSON *rtlx)
{
  cJSON *ds = xjson_arr(rtlx, "devices", "linux"), *d, *out = cJSON_CreateArray();
  int i = 0;
  cJSON_ArrayForEach(d, ds)
  {
    const char *p = json_index("linux.devices", i++);
    cJSON *nd = cJSON_CreateObject(), *t = cJSON_GetObjectItem(d, "type");
    char type[2] = "";
    if (!cJSON_IsObject(d)) json_die(p, "expected an object");
    /* a Go rune: 99 'c', 98 'b', 117 'u', 112 'p'; strings accepted too */
    if (cJSON_IsNumber(t) &&
        (t->valueint == 'c' || t->valueint == 'b' || t->valueint == 'u' || t->valueint == 'p'))
      type[0] = (char)t->valueint;
    else if (cJSON_IsString(t) && strlen(t->valuestring) == 1 && strchr("cbup", t->valuestring[0]))
      type[0] = t->valuestring[0];
    else
      json_die(json_path(p, "type"), "expected 99 (c), 98 (b), 117 (u) or 112 (p)");
    type[1] = 0;
    ADD(nd, "path", dup_or_null(cJSON_GetObjectItem(d, "path")));
    cJSON_AddStringToObject(nd, "type", type);
    ADD(nd, "major", dup_or_null(cJSON_GetObjectItem(d, "major")));
    ADD(nd, "minor", dup_or_null(cJSON_GetObjectItem(d, "minor")));
    { /* os.FileMode, a uint32: keep the permission bits; another type is an error */
      long long m;
      if (xjson_int(d, "fileMode", p, 0, 0xffffffffLL, &m))
        cJSON_AddNumberToObject(nd, "fileMode", (double)(m & 07777));
    }
    ADD(nd, "uid", dup_or_null(cJSON_GetObjectItem(d, "uid")));
    ADD(nd, "gid", dup_or_null(cJSON_GetObjectItem(d, "gid")));
    ADD(nd, "permissions", dup_or_null(cJSON_GetObjectItem(d, "permissions")));
    cJSON_AddItemToArray(out, nd);
  }
  return out;
}

static void conv_seccomp(const cJSON *rtlx, cJSON *nlx)
{
  cJSON *s = xjson_obj(rtlx, "seccomp", "linux"), *ns, *sc, *c;
  const char *def;
  int i = 0;
  if (!s) return;
  def = xjson_str(s, "defaultAction", "linux.seccomp");
  sc = xjson_arr(s, "syscalls", "linux.seccomp");
  /* "" with no rules was "no seccomp"; ALLOW with no rules filters nothing */
  if ((!def || !*def || !strcmp(def, "SCMP_ACT_ALLOW")) && (!sc || !sc->child)) return;
  if (!def || !*def) json_die("linux.seccomp.defaultAction", "missing");
  ns = cJSON_AddObjectToObject(nlx, "seccomp");
  cJSON_AddStringToObject(ns, "defaultAction", def);
  if (xjson_arr(s, "architectures", "linux.seccomp"))
    ADD(ns, "architectures", cJSON_Duplicate(xjson_arr(s, "architectures", "linux.seccomp"), 1));
  sc = cJSON_AddArrayToObject(ns, "syscalls");
  cJSON_ArrayForEach(c, xjson_arr(s, "syscalls", "linux.seccomp"))
  {
    const char *p = json_index("linux.seccomp.syscalls", i++);
    const char *name = xjson_str(c, "name", p), *action = xjson_str(c, "action", p);
    cJSON *n = cJSON_CreateObject(), *args = xjson_arr(c, "args", p);
    if (!name || !action) json_die(p, "name and action are required");
    ADD(n, "names", cJSON_CreateStringArray(&name, 1));
    cJSON_AddStringToObject(n, "action", action);
    if (args) ADD(n, "args", cJSON_Duplicate(args, 1));
    cJSON_AddItemToArray(sc, n);
  }
}

cJSON *legacy_convert(const cJSON *cfg, const cJSON *rt)
{
  cJSON *out = cJSON_CreateObject(), *root, *nlx, *lx, *v, *ns;
  const char *s, *ver;
  int readonly = 0, has_user = 0;

  json_nocase = 1;
  json_file = "config.json";
  ver = xjson_str(cfg, "version", "");
  if (strcmp(ver, "0.1.0") && strcmp(ver, "0.2.0"))
    json_die("version", "spec version %s is not supported (0.1.0 and 0.2.0 are)", ver);
  cJSON_AddStringToObject(out, "ociVersion", ver);
  root = xjson_obj(cfg, "root", "");
  if (root) {
    xjson_bool(root, "readonly", "root", &readonly);
    ADD(out, "root", cJSON_Duplicate(root, 1));
  }
  if ((s = xjson_str(cfg, "hostname", "")) && *s) cJSON_AddStringToObject(out, "hostname", s);
  json_file = "runtime.json";
  lx = xjson_obj(rt, "linux", "");
  json_file = "config.json";
  conv_process(cfg, lx, out);
  conv_mounts(cfg, rt, readonly, out);

  json_file = "runtime.json";
  if ((v = xjson_obj(rt, "hooks", ""))) ADD(out, "hooks", cJSON_Duplicate(v, 1));
  nlx = cJSON_AddObjectToObject(out, "linux");
  ns = cJSON_AddArrayToObject(nlx, "namespaces");
  {
    cJSON *n;
    int i = 0;
    cJSON_ArrayForEach(n, xjson_arr(lx, "namespaces", "linux"))
    {
      const char *p = json_index("linux.namespaces", i++);
      const char *type = xjson_str(n, "type", p), *path = xjson_str(n, "path", p);
      cJSON *o = cJSON_CreateObject();
      cJSON_AddStringToObject(o, "type", type ? type : "");
      if (path && *path) cJSON_AddStringToObject(o, "path", path);
      if (type && !strcmp(type, "user")) has_user = 1;
      cJSON_AddItemToArray(ns, o);
    }
  }
  if ((v = xjson_arr(lx, "uidMappings", "linux")) && v->child) {
    ADD(nlx, "uidMappings", cJSON_Duplicate(v, 1));
    if (!has_user) {
      cJSON *o = cJSON_CreateObject();
      cJSON_AddStringToObject(o, "type", "user");
      cJSON_AddItemToArray(ns, o);
    }
  }
  if ((v = xjson_arr(lx, "gidMappings", "linux")) && v->child) ADD(nlx, "gidMappings", cJSON_Duplicate(v, 1));
  if ((v = xjson_obj(lx, "sysctl", "linux"))) ADD(nlx, "sysctl", cJSON_Duplicate(v, 1));
  if ((s = xjson_str(lx, "cgroupsPath", "linux")) && *s) cJSON_AddStringToObject(nlx, "cgroupsPath", s);
  s = xjson_str(lx, "rootfsPropagation", "linux");
  cJSON_AddStringToObject(nlx, "rootfsPropagation", s && *s ? s : "rprivate");
  v = conv_devices(lx);
  conv_resources(lx, v, nlx);
  ADD(nlx, "devices", v);
  conv_seccomp(lx, nlx);
  if (readonly) {
    static const char *const ro[] = {"/proc/sys", "/proc/sysrq-trigger", "/proc/irq", "/proc/bus"};
    static const char *const masked[] = {"/proc/kcore"};
    ADD(nlx, "maskedPaths", cJSON_CreateStringArray(masked, 1));
    ADD(nlx, "readonlyPaths", cJSON_CreateStringArray(ro, 4));
  }
  json_file = "config.json";
  json_nocase = 0;
  return out;
}
