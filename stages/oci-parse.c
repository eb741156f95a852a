/* oci-parse: read config.json (OCI runtime-spec 1.x), validate it, fill
   in every default and hand the normalized spec to the next stage on fd 3.
   Writes every record of oci-spec(5) but the ones later stages append.
   Runs first, on the host: it creates nothing but, as its very last step,
   the state dir (so bad input leaves nothing behind). See oci-parse(8). */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <linux/mount.h>
#include <sched.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "chain.h"
#include "cpuset.h"
#include "die.h"
#include "fd.h"
#include "json.h"
#include "names.h"
#include "parse-2015.h"
#include "resjson.h"
#include "parse-exec.h"
#include "sdunit.h"
#include "spec.h"
#include "stage.h"
#include "state.h"

#define USAGE                                                                                                \
  "oci-parse [--bundle=DIR] [--id=ID] [--root=DIR] [--mode=run|create|exec|restore] [--pid-file=FILE] "      \
  "[--log=FILE] [--log-format=text|json] [--debug] [--setup-exit=N] [--no-pivot] [--no-new-keyring] "        \
  "[--preserve-fds=N] [--console-socket=PATH] [--keep] [--no-subreaper] [--systemd-cgroup] [--rootless] "    \
  "[--check] [exec options] [restore options] prog..."

static struct specw w;
static const char *bundle = ".";
static char bundle_abs[PATH_MAX];
static const char *id, *root, *mode = "run", *pidfile, *logfile, *logformat = "text", *consock;
static int debug_on, nopivot, nokeyring, keep, nosubreaper, systemd_cgroup, rootless, check;
static long long preserve;
/* --mode=restore: criu's path, the image and work dirs, criu.opt records (NAME or NAME=VALUE), --detach */
enum { RO_CRIU = 0x200, RO_IMAGE, RO_WORK, RO_OPT };
static const char *criu_path, *criu_image, *criu_work, *criu_opts[32];
static int ncriu_opts, nexecopts, detach;

static void add(const char *key, ...) __attribute__((sentinel));
/* ADD(key, field...): one record */
#define ADD(...) add(__VA_ARGS__, (const char *)NULL)
static void add(const char *key, ...)
{
  const char *f[16];
  size_t n = 0;
  va_list ap;
  va_start(ap, key);
  while (n < 16 && (f[n] = va_arg(ap, const char *))) n++;
  va_end(ap);
  specw_addv(&w, key, f, n);
}

static const char *num(long long v)
{
  static char b[8][32];
  static int k;
  char *s = b[k++ & 7];
  snprintf(s, 32, "%lld", v);
  return s;
}

static const char *unum(unsigned long long v)
{
  static char b[8][32];
  static int k;
  char *s = b[k++ & 7];
  snprintf(s, 32, "%llu", v);
  return s;
}

/* ---- root, hostname, annotations ---------------------------------------- */

static void parse_root(const cJSON *cfg)
{
  cJSON *r = xjson_obj(cfg, "root", "");
  const char *p;
  char abs[PATH_MAX], real[PATH_MAX];
  int ro = 0;
  struct stat st;

  if (!r || !(p = xjson_str(r, "path", "root")) || !*p) json_die("root.path", "missing");
  xjson_bool(r, "readonly", "root", &ro);
  if (*p == '/')
    snprintf(abs, sizeof abs, "%s", p);
  else if ((size_t)snprintf(abs, sizeof abs, "%s/%s", bundle_abs, p) >= sizeof abs)
    json_die("root.path", "too long");
  if (!realpath(abs, real)) json_die("root.path", "%s: %s", abs, strerror(errno));
  if (stat(real, &st) < 0 || !S_ISDIR(st.st_mode)) json_die("root.path", "%s: Not a directory", abs);
  ADD("root.path", real);
  ADD("root.readonly", ro ? "1" : "0");
  ADD("root.pivot", nopivot ? "0" : "1");
}

static void parse_names(const cJSON *cfg)
{
  const char *h = xjson_str(cfg, "hostname", ""), *d = xjson_str(cfg, "domainname", "");
  cJSON *ann = xjson_obj(cfg, "annotations", ""), *a;
  if (h && strlen(h) > 64) json_die("hostname", "longer than 64 bytes");
  if (d && strlen(d) > 64) json_die("domainname", "longer than 64 bytes");
  if (h && *h) ADD("hostname", h);
  if (d && *d) ADD("domainname", d);
  cJSON_ArrayForEach(a, ann)
  {
    if (!cJSON_IsString(a)) json_die(json_path("annotations", a->string), "expected a string");
    ADD("annotation", a->string, a->valuestring);
  }
}

/* ---- mounts --------------------------------------------------------------- */

static int dev_mounted; /* a non-bind mount on /dev: we populate it */
static int nmounts;     /* mount records so far: the index mount.idmap names */

/* mounts[].uidMappings / gidMappings (runtime-spec 1.2) as mount.uidmap / mount.gidmap INDEX C H S records;
   returns the number of entries. */
static int mount_maps(const cJSON *m, const char *key, const char *rec, const char *path)
{
  cJSON *ms = xjson_arr(m, key, path), *e;
  int i = 0;
  char idx[16];
  snprintf(idx, sizeof idx, "%d", nmounts);
  cJSON_ArrayForEach(e, ms)
  {
    const char *p = json_index(json_path(path, key), i++);
    long long c, h, sz;
    if (!cJSON_IsObject(e) || !xjson_int(e, "containerID", p, 0, 0xffffffffLL, &c) ||
        !xjson_int(e, "hostID", p, 0, 0xffffffffLL, &h) || !xjson_int(e, "size", p, 1, 0xffffffffLL, &sz))
      json_die(p, "containerID, hostID and size are required");
    ADD(rec, idx, num(c), num(h), num(sz));
  }
  return i;
}

/* An id-mapped bind (runc 1.2's rules): both maps or neither (then the options idmap/ridmap take the
   container's own), bind mounts only. Written after the mount record it belongs to. */
static void mount_idmap(const cJSON *m, const char *path, int bind, int idmap_opt)
{
  int has = xjson_arr(m, "uidMappings", path) || xjson_arr(m, "gidMappings", path);
  char idx[16];
  if (!has && !idmap_opt) return;
  if (!bind) json_die(path, "id-mapped mounts are only supported for bind-mounts");
  snprintf(idx, sizeof idx, "%d", nmounts);
  ADD("mount.idmap", idx, idmap_opt == 2 ? "1" : "0");
  if (has) {
    int nu = mount_maps(m, "uidMappings", "mount.uidmap", path);
    int ng = mount_maps(m, "gidMappings", "mount.gidmap", path);
    if (!nu || !ng) json_die(path, "id-mapped mounts must have both uid and gid mappings specified");
  }
}

static void parse_mount(const cJSON *m, const char *path)
{
  const char *dst = xjson_str(m, "destination", path), *type = xjson_str(m, "type", path),
             *src = xjson_str(m, "source", path);
  cJSON *opts = xjson_arr(m, "options", path), *o;
  char flags[1024] = "", data[4096] = "", prop[32] = "", srcabs[PATH_MAX];
  int bind = 0, i = 0, idmap_opt = 0; /* 1 idmap, 2 ridmap */
  size_t ntab;
  const struct mntopt *tab = mount_opt_table(&ntab);
  /* option order matters (rw after ro): track the resulting state per flag */
  int state[64] = {0}; /* index into tab: 1 set, -1 cleared */

  if (!dst || !*dst) json_die(json_path(path, "destination"), "missing");
  if (*dst != '/') json_die(json_path(path, "destination"), "%s is not an absolute path", dst);
  if (!type || !*type) type = "none";
  if (!src) src = "";
  if (!strcmp(type, "bind")) bind = 1;
  cJSON_ArrayForEach(o, opts)
  {
    const char *s = xjson_item_str(o, json_index(json_path(path, "options"), i++));
    const struct mntopt *mo = mount_opt_find(s);
    if (!strcmp(s, "idmap") || !strcmp(s, "ridmap")) { /* runc 1.2: not for the kernel */
      idmap_opt = s[0] == 'r' ? 2 : 1;
      continue;
    }
    if (!mo) {
      if (strchr(s, ',')) json_die(json_index(json_path(path, "options"), i - 1), "option %s has a comma", s);
      if (strlen(data) + strlen(s) + 2 > sizeof data) json_die(json_path(path, "options"), "too long");
      if (*data) strcat(data, ",");
      strcat(data, s);
      continue;
    }
    if (mo->kind == MO_PROP) {
      snprintf(prop, sizeof prop, "%s", mo->name);
      continue;
    }
    if (!strcmp(s, "bind") || !strcmp(s, "rbind")) bind = 1;
    if (mo->kind == MO_CLEAR) {
      /* find the SET entry with the same flag and clear it */
      for (size_t k = 0; k < ntab; k++)
        if (tab[k].kind == MO_SET && tab[k].flag == mo->flag) state[k] = -1;
      continue;
    }
    if (mo->kind == MO_RSET || mo->kind == MO_RCLEAR) {
      /* the last of rro/rrw (and friends) wins */
      for (size_t k = 0; k < ntab; k++)
        if ((tab[k].kind == MO_RSET || tab[k].kind == MO_RCLEAR) && tab[k].flag == mo->flag) state[k] = 0;
    }
    if (mo->kind == MO_SET && !mo->flag) continue; /* "defaults" */
    state[mo - tab] = 1;
  }
  for (size_t k = 0; k < ntab; k++)
    if (state[k] == 1) {
      if (strlen(flags) + strlen(tab[k].name) + 2 > sizeof flags) json_die(path, "too many options");
      if (*flags) strcat(flags, ",");
      strcat(flags, tab[k].name);
    }
  if (bind && !strstr(flags, "bind")) {
    /* type "bind" without the option: a plain bind, as runc does */
    char tmp[1024];
    snprintf(tmp, sizeof tmp, "%s%sbind", flags, *flags ? "," : "");
    strcpy(flags, tmp);
  }
  if (*prop) {
    if (strlen(flags) + strlen(prop) + 2 > sizeof flags) json_die(path, "too many options");
    if (*flags) strcat(flags, ",");
    strcat(flags, prop);
  }
  if (bind) {
    if (!*src) json_die(json_path(path, "source"), "missing for a bind mount");
    if (*src != '/') {
      if ((size_t)snprintf(srcabs, sizeof srcabs, "%s/%s", bundle_abs, src) >= sizeof srcabs)
        json_die(json_path(path, "source"), "too long");
      src = srcabs;
    }
  }
  if (!strcmp(dst, "/dev") && !bind) dev_mounted = 1;
  ADD("mount", dst, type, src, flags, data);
  mount_idmap(m, path, bind, idmap_opt);
  nmounts++;
}

static void parse_mounts(const cJSON *cfg)
{
  cJSON *ms = xjson_arr(cfg, "mounts", ""), *m;
  int i = 0;
  cJSON_ArrayForEach(m, ms)
  {
    const char *p = json_index("mounts", i++);
    if (!cJSON_IsObject(m)) json_die(p, "expected an object");
    parse_mount(m, p);
  }
}

/* ---- devices -------------------------------------------------------------- */

struct devdef {
  const char *path;
  long long major, minor;
};
static const struct devdef default_devs[] = {
    {"/dev/null", 1, 3},   {"/dev/zero", 1, 5},    {"/dev/full", 1, 7},
    {"/dev/random", 1, 8}, {"/dev/urandom", 1, 9}, {"/dev/tty", 5, 0},
};

static void parse_devices(const cJSON *lx)
{
  cJSON *ds = xjson_arr(lx, "devices", "linux"), *d;
  int i = 0;
  int listed[6] = {0};

  cJSON_ArrayForEach(d, ds)
  {
    const char *p = json_index("linux.devices", i++);
    const char *path = xjson_str(d, "path", p), *type = xjson_str(d, "type", p);
    long long maj = 0, min = 0, mode = 0666, uid = 0, gid = 0;
    char mode_s[16];
    if (!cJSON_IsObject(d)) json_die(p, "expected an object");
    if (!path || *path != '/') json_die(json_path(p, "path"), "expected an absolute path");
    if (!type || strlen(type) != 1 || !strchr("cbup", *type))
      json_die(json_path(p, "type"), "expected c, b, u or p");
    if (*type != 'p' &&
        (!xjson_int(d, "major", p, 0, 0xfff, &maj) || !xjson_int(d, "minor", p, 0, 0xfffff, &min)))
      json_die(p, "major and minor are required for type %s", type);
    /* podman sends the file type bits too (S_IFCHR|0666): they must agree with the type */
    if (xjson_int(d, "fileMode", p, 0, S_IFMT | 07777, &mode) && (mode & S_IFMT)) {
      mode_t want = *type == 'b' ? S_IFBLK : *type == 'p' ? S_IFIFO : S_IFCHR;
      if ((mode & S_IFMT) != (long long)want)
        json_die(json_path(p, "fileMode"), "file type bits 0%llo do not match type %s", mode & S_IFMT, type);
    }
    xjson_int(d, "uid", p, 0, 0xffffffffLL, &uid);
    xjson_int(d, "gid", p, 0, 0xffffffffLL, &gid);
    snprintf(mode_s, sizeof mode_s, "0%llo", mode & 07777);
    for (int k = 0; k < 6; k++)
      if (!strcmp(path, default_devs[k].path)) listed[k] = 1;
    ADD("device", path, type, num(maj), num(min), mode_s, num(uid), num(gid));
  }
  if (dev_mounted) {
    for (int k = 0; k < 6; k++)
      if (!listed[k])
        ADD("device", default_devs[k].path, "c", num(default_devs[k].major), num(default_devs[k].minor),
            "0666", "0", "0");
    ADD("symlink", "/proc/self/fd", "/dev/fd");
    ADD("symlink", "/proc/self/fd/0", "/dev/stdin");
    ADD("symlink", "/proc/self/fd/1", "/dev/stdout");
    ADD("symlink", "/proc/self/fd/2", "/dev/stderr");
    ADD("symlink", "pts/ptmx", "/dev/ptmx");
    if (access("/proc/kcore", F_OK) == 0) ADD("symlink", "/proc/kcore", "/dev/core");
  }
}

/* ---- namespaces ----------------------------------------------------------- */

static int has_ns[16];
static const char *userns_path; /* linux.namespaces user with a path: joined */

/* A new namespace of a type this kernel lacks (no /proc/self/ns/TYPE: a time namespace before 5.6, a cgroup
   one before 4.6) is refused here, by name, before anything exists: later it would be an EINVAL from clone.
 */
static void ns_check_kernel(const struct nsinfo *info, const char *path)
{
  char f[64];
  snprintf(f, sizeof f, "/proc/self/ns/%s", info->proc);
  if (access(f, F_OK) < 0 && errno == ENOENT && access("/proc/self/ns", F_OK) == 0)
    json_die(path, "this kernel has no %s namespaces (no %s)", info->oci, f);
}

static void parse_namespaces(const cJSON *lx)
{
  cJSON *ns = xjson_arr(lx, "namespaces", "linux"), *n;
  size_t nt;
  const struct nsinfo *tab = ns_table(&nt);
  int i = 0;
  cJSON_ArrayForEach(n, ns)
  {
    const char *p = json_index("linux.namespaces", i++);
    const char *type = xjson_str(n, "type", p), *path = xjson_str(n, "path", p);
    const struct nsinfo *info;
    if (!cJSON_IsObject(n)) json_die(p, "expected an object");
    if (!type || !(info = ns_find(type)))
      json_die(json_path(p, "type"), "unknown namespace type %s", type ? type : "(none)");
    if (has_ns[info - tab]) json_die(json_path(p, "type"), "duplicate namespace type %s", type);
    has_ns[info - tab] = 1;
    if (path && *path) {
      if (*path != '/') json_die(json_path(p, "path"), "%s is not an absolute path", path);
      if (!strcmp(type, "user")) userns_path = path;
      /* runc's words: criu can only join a cgroup namespace it made itself */
      if (!strcmp(mode, "restore") && !strcmp(type, "cgroup"))
        json_die(json_path(p, "path"), "Do not know how to handle namespace cgroup");
      ADD("ns.join", type, path);
    } else {
      ns_check_kernel(info, json_path(p, "type"));
      ADD("ns.new", type);
    }
  }
}

static int ns_present(const char *type)
{
  size_t nt;
  const struct nsinfo *tab = ns_table(&nt), *info = ns_find(type);
  return info && has_ns[info - tab];
}

static long long root_id[2]; /* host uid and gid of the container's root */

/* One map as the kernel shows it (/proc/PID/uid_map), or as the config gives it: "C H S\n" lines. */
static void map_line(char *buf, size_t size, long long c, long long h, long long s)
{
  size_t n = strlen(buf);
  snprintf(buf + n, size - n, "%lld %lld %lld\n", c, h, s);
}

static void map_normalize(const char *in, char *out, size_t size)
{
  long long c, h, s;
  int n;
  *out = 0;
  while (sscanf(in, "%lld %lld %lld%n", &c, &h, &s, &n) == 3) {
    map_line(out, size, c, h, s);
    in += n;
  }
}

/* The uid and gid maps of the user namespace at PATH: a child joins it (host root may join any) and reads its
   own, which show the parent's ids. */
static void userns_read_maps(const char *path, char maps[2][4096])
{
  int p[2], fd, st;
  pid_t pid;
  char raw[2][4096] = {"", ""};
  if (pipe2(p, O_CLOEXEC) < 0) die_sys(EXIT_SYSFAIL, "pipe");
  if ((pid = fork()) < 0) die_sys(EXIT_SYSFAIL, "fork");
  if (pid == 0) {
    static const char *const files[] = {"/proc/self/uid_map", "/proc/self/gid_map"};
    close(p[0]);
    if ((fd = open(path, O_RDONLY | O_CLOEXEC)) < 0) die_sys(EXIT_SYSFAIL, "open user namespace %s", path);
    if (setns(fd, CLONE_NEWUSER) < 0) die_sys(EXIT_SYSFAIL, "join user namespace %s", path);
    for (int k = 0; k < 2; k++) {
      char buf[4096] = "";
      if (file_read_at(AT_FDCWD, files[k], buf, sizeof buf) < 0) die_sys(EXIT_SYSFAIL, "read %s", files[k]);
      if (write_all(p[1], buf, sizeof buf) < 0) die_sys(EXIT_SYSFAIL, "send %s", files[k]);
    }
    _exit(0);
  }
  close(p[1]);
  for (int k = 0; k < 2; k++)
    if (read_all(p[0], raw[k], sizeof raw[k]) != sizeof raw[k]) raw[k][0] = 0;
  close(p[0]);
  while (waitpid(pid, &st, 0) < 0)
    if (errno != EINTR) die_sys(EXIT_SYSFAIL, "wait");
  if (!WIFEXITED(st) || WEXITSTATUS(st))
    exit(WIFEXITED(st) ? WEXITSTATUS(st) : EXIT_SYSFAIL); /* it said why */
  raw[0][sizeof raw[0] - 1] = raw[1][sizeof raw[1] - 1] = 0;
  for (int k = 0; k < 2; k++) map_normalize(raw[k], maps[k], sizeof maps[k]);
}

/* Joining a user namespace (runc's rules): mappings are those of the namespace, so none need be given; the
   same ones are accepted with runc's warning, others refused. Its root is the container's (the exec fifo). */
static void userns_join_maps(const char *given[2], int any)
{
  char maps[2][4096];
  long long h;
  userns_read_maps(userns_path, maps);
  if (any && (strcmp(given[0], maps[0]) || strcmp(given[1], maps[1])))
    json_die("linux.uidMappings", "user namespaces enabled, but both namespace path and non-matching mapping "
                                  "specified -- you may only provide one");
  if (any)
    warn("config.json has both a userns path to join and a matching userns mapping specified -- you may only "
         "provide one");
  for (int k = 0; k < 2; k++) {
    const char *l = maps[k];
    long long c, s;
    int n;
    root_id[k] = 65534; /* an unmapped root: nobody, as the kernel shows it */
    while (sscanf(l, "%lld %lld %lld%n", &c, &h, &s, &n) == 3) {
      if (c == 0) root_id[k] = h;
      l += n;
    }
  }
}

static void parse_idmaps(const cJSON *lx)
{
  static const char *const keys[] = {"uidMappings", "gidMappings"}, *const recs[] = {"idmap.uid",
                                                                                     "idmap.gid"};
  static char given[2][4096];
  const char *g[2] = {given[0], given[1]};
  int any = 0;
  for (int k = 0; k < 2; k++) {
    cJSON *ms = xjson_arr(lx, keys[k], "linux"), *m;
    int i = 0;
    cJSON_ArrayForEach(m, ms)
    {
      const char *p = json_index(json_path("linux", keys[k]), i++);
      long long c, h, s;
      if (!xjson_int(m, "containerID", p, 0, 0xffffffffLL, &c) ||
          !xjson_int(m, "hostID", p, 0, 0xffffffffLL, &h) || !xjson_int(m, "size", p, 1, 0xffffffffLL, &s))
        json_die(p, "containerID, hostID and size are required");
      ADD(recs[k], num(c), num(h), num(s));
      map_line(given[k], sizeof given[k], c, h, s);
      if (c == 0) root_id[k] = h; /* who the container's root is on the host */
      any = 1;
    }
  }
  if (any && !ns_present("user")) json_die("linux.uidMappings", "mappings need a user namespace");
  if (userns_path) userns_join_maps(g, any);
  /* runc's rule: a new user namespace with no maps would leave the container's root unmapped */
  if (ns_present("user") && !userns_path && !any)
    json_die("linux.uidMappings",
             "user namespaces enabled, but no namespace path to join nor mappings to apply specified");
}

/* ---- cgroups -------------------------------------------------------------- */

static void parse_resources(const cJSON *lx)
{
  cJSON *r = xjson_obj(lx, "resources", "linux");
  const char *cp = xjson_str(lx, "cgroupsPath", "linux");
  const char *P = "linux.resources";

  if (systemd_cgroup) {
    /* runc --systemd-cgroup: "slice:prefix:name" names a systemd unit */
    struct sd_unit u;
    char why[600];
    if (sd_unit_parse(cp, id, &u, why, sizeof why) < 0) json_die("linux.cgroupsPath", "%s", why);
    ADD("cgroup.driver", "systemd");
    ADD("cgroup.unit", u.slice, u.unit, u.name);
    ADD("cgroup.path", *u.path ? u.path : "/");
    sd_unit_free(&u);
  } else if (cp && *cp) {
    if (strstr(cp, "..")) json_die("linux.cgroupsPath", "%s must not contain ..", cp);
    ADD("cgroup.path", cp);
  } else {
    ADD("cgroup.path", id);
  }
  /* --rootless: cgroups the caller cannot write are skipped when the path
     is the default one (runc's rootless cgroup manager) */
  if (rootless) ADD("cgroup.rootless", cp && *cp && !systemd_cgroup ? "explicit" : "implicit");
  /* every field, as oci-update reads runc update -r: one converter */
  resjson_records(r, P, RESJSON_DEVICES, &w);
  /* runc's default allow-list follows the configured rules: mknod of
     anything, the standard nodes, ptys and tun; not c 5:1, the host's
     console, which a container with CAP_MKNOD could make and open (a
     terminal's /dev/console is its pty slave, c 136:N) */
  ADD("cgroup.device", "allow", "c", "*", "*", "m");
  ADD("cgroup.device", "allow", "b", "*", "*", "m");
  for (int k = 0; k < 6; k++)
    ADD("cgroup.device", "allow", "c", num(default_devs[k].major), num(default_devs[k].minor), "rwm");
  ADD("cgroup.device", "allow", "c", "5", "2", "rwm");
  ADD("cgroup.device", "allow", "c", "136", "*", "rwm");
  ADD("cgroup.device", "allow", "c", "10", "200", "rwm");
}

/* ---- linux: the rest ------------------------------------------------------ */

static void parse_paths(const cJSON *lx, const char *key, const char *rec)
{
  cJSON *a = xjson_arr(lx, key, "linux"), *p;
  int i = 0;
  cJSON_ArrayForEach(p, a)
  {
    const char *path = json_index(json_path("linux", key), i++);
    const char *s = xjson_item_str(p, path);
    if (*s != '/') json_die(path, "%s is not an absolute path", s);
    ADD(rec, s);
  }
}

static void parse_seccomp(const cJSON *lx)
{
  cJSON *s = xjson_obj(lx, "seccomp", "linux"), *a;
  const char *P = "linux.seccomp", *def, *l;
  long long err;
  int i = 0;
  if (!s) return;
  def = xjson_str(s, "defaultAction", P);
  if (!def || !*def) json_die(json_path(P, "defaultAction"), "missing");
  ADD("seccomp.default", def, xjson_int(s, "defaultErrnoRet", P, 0, 4095, &err) ? num(err) : "");
  /* the notify agent's socket, on the host (oci-secure checks NOTIFY rules have one) */
  if ((l = xjson_str(s, "listenerPath", P)) && *l) {
    if (*l != '/') json_die(json_path(P, "listenerPath"), "%s is not an absolute path", l);
    ADD("seccomp.listener", l);
  }
  if ((l = xjson_str(s, "listenerMetadata", P)) && *l) ADD("seccomp.listenermeta", l);
  cJSON_ArrayForEach(a, xjson_arr(s, "architectures", P))
      ADD("seccomp.arch", xjson_item_str(a, json_path(P, "architectures")));
  cJSON_ArrayForEach(a, xjson_arr(s, "flags", P))
      ADD("seccomp.flag", xjson_item_str(a, json_path(P, "flags")));
  cJSON_ArrayForEach(a, xjson_arr(s, "syscalls", P))
  {
    const char *p = json_index(json_path(P, "syscalls"), i++);
    const char *action = xjson_str(a, "action", p);
    const char *f[8 + 6];
    char argbuf[6][128];
    size_t nargs = 0;
    cJSON *arg, *name;
    int j = 0;
    if (!action || !*action) json_die(json_path(p, "action"), "missing");
    cJSON_ArrayForEach(arg, xjson_arr(a, "args", p))
    {
      const char *ap = json_index(json_path(p, "args"), j++);
      long long idx;
      uint64_t v = 0, v2 = 0;
      const char *op = xjson_str(arg, "op", ap);
      if (nargs >= 6) json_die(ap, "more than 6 argument conditions");
      if (!xjson_int(arg, "index", ap, 0, 5, &idx)) json_die(json_path(ap, "index"), "missing");
      xjson_u64(arg, "value", ap, &v);
      xjson_u64(arg, "valueTwo", ap, &v2);
      if (!op || !*op) json_die(json_path(ap, "op"), "missing");
      snprintf(argbuf[nargs], sizeof argbuf[nargs], "%lld:%s:%llu:%llu", idx, op, (unsigned long long)v,
               (unsigned long long)v2);
      nargs++;
    }
    j = 0;
    cJSON_ArrayForEach(name, xjson_arr(a, "names", p))
    {
      size_t n = 0;
      f[n++] = xjson_item_str(name, json_index(json_path(p, "names"), j++));
      f[n++] = action;
      f[n++] = xjson_int(a, "errnoRet", p, 0, 4095, &err) ? num(err) : "";
      for (size_t k = 0; k < nargs; k++) f[n++] = argbuf[k];
      specw_addv(&w, "seccomp.syscall", f, n);
    }
  }
}

/* process.personality DOMAIN: personality(2)'s PER_LINUX (0) or PER_LINUX32 (8). runc knows no flag and
   ignores them with a warning; so do we. */
static void parse_personality(const cJSON *lx)
{
  const char *P = "linux.personality", *d;
  cJSON *pe = xjson_obj(lx, "personality", "linux"), *f;
  int i = 0;
  if (!pe) return;
  d = xjson_str(pe, "domain", P);
  if (!d || !*d) json_die(json_path(P, "domain"), "missing");
  if (strcmp(d, "LINUX") && strcmp(d, "LINUX32"))
    json_die(json_path(P, "domain"), "unknown domain %s (LINUX or LINUX32)", d);
  cJSON_ArrayForEach(f, xjson_arr(pe, "flags", P))
      warn("%s: ignoring unsupported personality flag %s", json_path(P, "flags"),
           xjson_item_str(f, json_index(json_path(P, "flags"), i++)));
  ADD("process.personality", strcmp(d, "LINUX") ? "8" : "0");
}

static void parse_linux(const cJSON *cfg)
{
  cJSON *lx = xjson_obj(cfg, "linux", ""), *sys, *t;
  const char *s;
  static const char *const unsupported[] = {"intelRdt", "memoryPolicy", "netDevices"};

  parse_namespaces(lx);
  parse_idmaps(lx);
  s = xjson_str(lx, "rootfsPropagation", "linux");
  if (s && *s) {
    const struct mntopt *o = mount_opt_find(s);
    if (!o || o->kind != MO_PROP) json_die("linux.rootfsPropagation", "unknown propagation %s", s);
    ADD("root.propagation", s);
  } else {
    ADD("root.propagation", "rslave");
  }
  if ((sys = xjson_obj(lx, "sysctl", "linux"))) cJSON_ArrayForEach(t, sys)
    {
      if (!cJSON_IsString(t)) json_die(json_path("linux.sysctl", t->string), "expected a string");
      if (!*t->string || strstr(t->string, "..") || *t->string == '/' || *t->string == '.')
        json_die("linux.sysctl", "bad key %s", t->string);
      ADD("sysctl", t->string, t->valuestring);
    }
  if ((sys = xjson_obj(lx, "timeOffsets", "linux"))) cJSON_ArrayForEach(t, sys)
    {
      const char *p = json_path("linux.timeOffsets", t->string);
      long long secs = 0, ns = 0;
      if (strcmp(t->string, "monotonic") && strcmp(t->string, "boottime")) json_die(p, "unknown clock");
      xjson_int(t, "secs", p, LLONG_MIN, LLONG_MAX, &secs);
      xjson_int(t, "nanosecs", p, 0, 999999999, &ns);
      ADD("time.offset", t->string, num(secs), num(ns));
    }
  parse_personality(lx);
  parse_devices(lx);
  parse_resources(lx);
  parse_paths(lx, "maskedPaths", "mask");
  parse_paths(lx, "readonlyPaths", "readonly");
  if ((s = xjson_str(lx, "mountLabel", "linux")) && *s) ADD("mountlabel", s);
  parse_seccomp(lx);
  for (size_t k = 0; k < sizeof unsupported / sizeof *unsupported; k++)
    if (lx && cJSON_GetObjectItemCaseSensitive(lx, unsupported[k]) &&
        !cJSON_IsNull(cJSON_GetObjectItemCaseSensitive(lx, unsupported[k])))
      json_die(json_path("linux", unsupported[k]), "not supported");
}

/* ---- process -------------------------------------------------------------- */

static void parse_caps(const cJSON *proc)
{
  static const char *const sets[] = {"bounding", "effective", "permitted", "inheritable", "ambient"};
  cJSON *caps = xjson_obj(proc, "capabilities", "process");
  for (int k = 0; k < 5; k++) {
    char list[2048] = "", key[32];
    cJSON *a = xjson_arr(caps, sets[k], "process.capabilities"), *c;
    int i = 0;
    cJSON_ArrayForEach(c, a)
    {
      const char *s = xjson_item_str(c, json_index(json_path("process.capabilities", sets[k]), i++));
      if (!*s || strchr(s, ',') || strchr(s, ' '))
        json_die(json_path("process.capabilities", sets[k]), "bad capability name \"%s\"", s);
      if (strlen(list) + strlen(s) + 2 > sizeof list)
        json_die(json_path("process.capabilities", sets[k]), "too long");
      if (*list) strcat(list, ",");
      strcat(list, s);
    }
    snprintf(key, sizeof key, "cap.%s", sets[k]);
    ADD(key, list);
  }
}

/* process.scheduler POLICY NICE PRIORITY FLAGS RUNTIME DEADLINE PERIOD, sched_setattr(2)'s numbers. Checked
   here as runc's validator does, so that a value the kernel would read differently never reaches it. */
static void parse_scheduler(const cJSON *proc)
{
  static const char *const policies[] = {"SCHED_OTHER", "SCHED_FIFO", "SCHED_RR",      "SCHED_BATCH",
                                         "SCHED_ISO",   "SCHED_IDLE", "SCHED_DEADLINE"};
  static const char *const flags[] = {"SCHED_FLAG_RESET_ON_FORK", "SCHED_FLAG_RECLAIM",
                                      "SCHED_FLAG_DL_OVERRUN",    "SCHED_FLAG_KEEP_POLICY",
                                      "SCHED_FLAG_KEEP_PARAMS",   "SCHED_FLAG_UTIL_CLAMP_MIN",
                                      "SCHED_FLAG_UTIL_CLAMP_MAX"};
  const char *P = "process.scheduler", *pol;
  cJSON *s = xjson_obj(proc, "scheduler", "process"), *f;
  long long nice = 0, prio = 0;
  uint64_t runtime = 0, deadline = 0, period = 0, fl = 0;
  int k = 0, i = 0;
  if (!s) return;
  pol = xjson_str(s, "policy", P);
  if (!pol || !*pol) json_die(json_path(P, "policy"), "missing");
  while (k < 7 && strcmp(pol, policies[k])) k++;
  if (k == 7) json_die(json_path(P, "policy"), "unknown policy %s", pol);
  /* the kernel has no SCHED_ISO: refused here rather than as EINVAL from inside the container */
  if (k == 4) json_die(json_path(P, "policy"), "SCHED_ISO is not implemented by Linux");
  xjson_int(s, "nice", P, INT32_MIN, INT32_MAX, &nice);
  xjson_int(s, "priority", P, INT32_MIN, INT32_MAX, &prio);
  xjson_u64(s, "runtime", P, &runtime);
  xjson_u64(s, "deadline", P, &deadline);
  xjson_u64(s, "period", P, &period);
  if ((k == 0 || k == 3) && (nice < -20 || nice > 19))
    json_die(json_path(P, "nice"), "%lld is out of range for %s (-20 to 19)", nice, pol);
  /* a priority is a real-time one: FIFO and RR only, 1 to 99 (the kernel's range) */
  if (prio && k != 1 && k != 2) json_die(json_path(P, "priority"), "only for SCHED_FIFO and SCHED_RR");
  if ((k == 1 || k == 2) && (prio < 1 || prio > 99))
    json_die(json_path(P, "priority"), "%lld is out of range for %s (1 to 99)", prio, pol);
  if (k != 6 && (runtime || deadline || period))
    json_die(P, "runtime, deadline and period are only for SCHED_DEADLINE");
  cJSON_ArrayForEach(f, xjson_arr(s, "flags", P))
  {
    const char *fp = json_index(json_path(P, "flags"), i++), *name = xjson_item_str(f, fp);
    int b = 0;
    while (b < 7 && strcmp(name, flags[b])) b++;
    if (b == 7) json_die(fp, "unknown flag %s", name);
    fl |= 1ULL << b;
  }
  ADD("process.scheduler", num(k), num(nice), num(prio), unum(fl), unum(runtime), unum(deadline),
      unum(period));
}

/* process.ioprio CLASS PRIORITY: ioprio_set(2)'s class number (1 RT, 2 BE, 3 IDLE) and level. */
static void parse_ioprio(const cJSON *proc)
{
  static const char *const classes[] = {"IOPRIO_CLASS_RT", "IOPRIO_CLASS_BE", "IOPRIO_CLASS_IDLE"};
  const char *P = "process.ioPriority", *cl;
  cJSON *io = xjson_obj(proc, "ioPriority", "process");
  long long prio = 0;
  int k = 0;
  if (!io) return;
  cl = xjson_str(io, "class", P);
  if (!cl || !*cl) json_die(json_path(P, "class"), "missing");
  while (k < 3 && strcmp(cl, classes[k])) k++;
  if (k == 3) json_die(json_path(P, "class"), "unknown class %s", cl);
  xjson_int(io, "priority", P, LLONG_MIN, LLONG_MAX, &prio);
  /* the level has 3 bits in the kernel's ioprio value: a bigger one would spill into the class bits */
  if (prio < 0 || prio > 7) json_die(json_path(P, "priority"), "%lld is out of range (0 to 7)", prio);
  ADD("process.ioprio", num(k + 1), num(prio));
}

/* process.cpuaffinity INITIAL FINAL: CPU lists, - for none; used by exec only (runc), kept in the container's
   spec so that an exec without its own takes the container's. */
static void parse_cpuaffinity(const cJSON *proc)
{
  const char *P = "process.execCPUAffinity", *keys[2] = {"initial", "final"}, *v[2];
  cJSON *a = xjson_obj(proc, "execCPUAffinity", "process");
  if (!a) return;
  for (int k = 0; k < 2; k++) {
    cpu_set_t *set;
    size_t size;
    v[k] = xjson_str(a, keys[k], P);
    if (!v[k]) v[k] = "";
    if (!*v[k]) continue;
    if (cpuset_parse(v[k], &set, &size) < 0) json_die(json_path(P, keys[k]), "bad CPU list \"%s\"", v[k]);
    CPU_FREE(set);
  }
  if (*v[0] || *v[1]) ADD("process.cpuaffinity", v[0], v[1]);
}

void parse_process(const cJSON *cfg)
{
  cJSON *p = xjson_obj(cfg, "process", ""), *u, *a, *cs;
  const char *cwd, *s;
  long long uid = 0, gid = 0, v;
  int term = 0, nnp = 0, i = 0;
  char groups[4096] = "";

  if (!p) json_die("process", "missing");
  xjson_bool(p, "terminal", "process", &term);
  ADD("process.terminal", term ? "1" : "0");
  if ((cs = xjson_obj(p, "consoleSize", "process"))) {
    long long h = 0, wd = 0;
    xjson_int(cs, "height", "process.consoleSize", 0, 65535, &h);
    xjson_int(cs, "width", "process.consoleSize", 0, 65535, &wd);
    ADD("process.consolesize", num(h), num(wd));
  }
  cwd = xjson_str(p, "cwd", "process");
  if (!cwd || !*cwd) json_die("process.cwd", "missing");
  if (*cwd != '/') json_die("process.cwd", "%s is not an absolute path", cwd);
  ADD("process.cwd", cwd);
  v = 022; /* runc's default umask */
  if ((u = xjson_obj(p, "user", "process"))) {
    xjson_int(u, "uid", "process.user", 0, 0xfffffffeLL, &uid);
    xjson_int(u, "gid", "process.user", 0, 0xfffffffeLL, &gid);
    xjson_int(u, "umask", "process.user", 0, 0777, &v);
    cJSON_ArrayForEach(a, xjson_arr(u, "additionalGids", "process.user"))
    {
      const char *ip = json_index("process.user.additionalGids", i++);
      if (!cJSON_IsNumber(a) || a->valuedouble < 0 || a->valuedouble > 0xfffffffeLL ||
          a->valuedouble != (long long)a->valuedouble)
        json_die(ip, "expected a group id");
      if (strlen(groups) + 12 > sizeof groups) json_die("process.user.additionalGids", "too many groups");
      snprintf(groups + strlen(groups), sizeof groups - strlen(groups), "%s%lld", *groups ? "," : "",
               (long long)a->valuedouble);
    }
  }
  {
    char m[16];
    snprintf(m, sizeof m, "0%03llo", v);
    ADD("process.umask", m);
  }
  ADD("process.user", num(uid), num(gid));
  ADD("process.groups", groups);
  xjson_bool(p, "noNewPrivileges", "process", &nnp);
  ADD("process.nnp", nnp ? "1" : "0");
  if (xjson_int(p, "oomScoreAdj", "process", -1000, 1000, &v)) ADD("process.oomscoreadj", num(v));
  if ((s = xjson_str(p, "apparmorProfile", "process")) && *s) ADD("process.apparmor", s);
  if ((s = xjson_str(p, "selinuxLabel", "process")) && *s) ADD("process.selinux", s);
  if (!nokeyring) ADD("process.keyring", id);
  parse_scheduler(p);
  parse_ioprio(p);
  parse_cpuaffinity(p);
  parse_caps(p);
  i = 0;
  cJSON_ArrayForEach(a, xjson_arr(p, "rlimits", "process"))
  {
    const char *rp = json_index("process.rlimits", i++);
    const char *type = xjson_str(a, "type", rp);
    uint64_t soft = 0, hard = 0;
    if (!type || rlimit_from_name(type) < 0)
      json_die(json_path(rp, "type"), "unknown rlimit %s", type ? type : "(none)");
    if (!xjson_u64(a, "soft", rp, &soft) || !xjson_u64(a, "hard", rp, &hard))
      json_die(rp, "soft and hard are required");
    if (soft > hard)
      json_die(rp, "soft limit %llu is above the hard limit %llu", (unsigned long long)soft,
               (unsigned long long)hard);
    ADD("rlimit", type, unum(soft), unum(hard));
  }
  a = xjson_arr(p, "args", "process");
  if (!a || !a->child) json_die("process.args", "missing");
  i = 0;
  cJSON_ArrayForEach(u, a) ADD("arg", xjson_item_str(u, json_index("process.args", i++)));
  if (!*a->child->valuestring) json_die("process.args[0]", "empty");
  i = 0;
  cJSON_ArrayForEach(u, xjson_arr(p, "env", "process"))
  {
    const char *e = xjson_item_str(u, json_index("process.env", i++));
    if (!strchr(e, '=') || *e == '=')
      json_die(json_index("process.env", i - 1), "expected KEY=VALUE, got \"%s\"", e);
    ADD("env", e);
  }
}

/* ---- hooks ---------------------------------------------------------------- */

/* hook KIND PATH TIMEOUT NARGS ARG... ENV...: one record per hook */
static void parse_hooks(const cJSON *cfg)
{
  static const char *const kinds[] = {"prestart",       "createRuntime", "createContainer",
                                      "startContainer", "poststart",     "poststop"};
  cJSON *h = xjson_obj(cfg, "hooks", "");
  for (size_t k = 0; k < sizeof kinds / sizeof *kinds; k++) {
    cJSON *a = xjson_arr(h, kinds[k], "hooks"), *hk;
    int i = 0;
    cJSON_ArrayForEach(hk, a)
    {
      const char *p = json_index(json_path("hooks", kinds[k]), i++);
      const char *path = xjson_str(hk, "path", p), **f;
      cJSON *args = xjson_arr(hk, "args", p), *env = xjson_arr(hk, "env", p), *x;
      long long timeout = 0;
      size_t n = 0, max = 4 + (size_t)cJSON_GetArraySize(args) + (size_t)cJSON_GetArraySize(env);
      int j = 0;
      if (!cJSON_IsObject(hk)) json_die(p, "expected an object");
      if (!path || *path != '/') json_die(json_path(p, "path"), "expected an absolute path");
      if (cJSON_GetObjectItemCaseSensitive(hk, "timeout") &&
          !cJSON_IsNull(cJSON_GetObjectItemCaseSensitive(hk, "timeout")))
        xjson_int(hk, "timeout", p, 1, 1 << 30, &timeout);
      if (!(f = calloc(max, sizeof *f))) die_sys(EXIT_SYSFAIL, "allocate");
      f[n++] = kinds[k];
      f[n++] = path;
      f[n++] = num(timeout);
      f[n++] = num(cJSON_GetArraySize(args));
      cJSON_ArrayForEach(x, args) f[n++] = xjson_item_str(x, json_index(json_path(p, "args"), j++));
      j = 0;
      cJSON_ArrayForEach(x, env)
      {
        const char *e = xjson_item_str(x, json_index(json_path(p, "env"), j++));
        if (!strchr(e, '=')) json_die(json_index(json_path(p, "env"), j - 1), "expected KEY=VALUE");
        f[n++] = e;
      }
      specw_addv(&w, "hook", f, n);
      free(f);
    }
  }
}

/* ---- rootless: runc's checks for a non-root caller ------------------------ */

/* Does a mapping of linux.KEY hold container id `id`? */
static int id_mapped(const cJSON *lx, const char *key, long long id)
{
  const cJSON *m;
  cJSON_ArrayForEach(m, cJSON_GetObjectItemCaseSensitive(lx, key))
  {
    const cJSON *c = cJSON_GetObjectItemCaseSensitive(m, "containerID"),
                *n = cJSON_GetObjectItemCaseSensitive(m, "size");
    if (cJSON_IsNumber(c) && cJSON_IsNumber(n) && id >= c->valuedouble &&
        id < c->valuedouble + n->valuedouble)
      return 1;
  }
  return 0;
}

/* A joined user namespace (linux.namespaces user with a path) brings its own maps. */
static int userns_joined(const cJSON *lx)
{
  const cJSON *n;
  cJSON_ArrayForEach(n, cJSON_GetObjectItemCaseSensitive(lx, "namespaces"))
  {
    const char *t = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(n, "type")),
               *p = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(n, "path"));
    if (t && !strcmp(t, "user") && p && *p) return 1;
  }
  return 0;
}

/* A non-root caller (runc's "rootless EUID" checks), before anything is made: without a user namespace
   nothing it asks for could be set up; a uid=/gid= mount option naming an id the namespace does not map
   would be mounted with an id the container cannot use. */
static void rootless_check(const cJSON *cfg)
{
  const cJSON *lx = cJSON_GetObjectItemCaseSensitive(cfg, "linux"), *m;
  int i = 0;
  if (!ns_present("user")) json_die("linux.namespaces", "rootless container requires user namespaces");
  if (!userns_joined(lx)) {
    if (!cJSON_GetArraySize(cJSON_GetObjectItemCaseSensitive(lx, "uidMappings")))
      json_die("linux.uidMappings", "rootless container requires at least one UID mapping");
    if (!cJSON_GetArraySize(cJSON_GetObjectItemCaseSensitive(lx, "gidMappings")))
      json_die("linux.gidMappings", "rootless container requires at least one GID mapping");
  }
  cJSON_ArrayForEach(m, cJSON_GetObjectItemCaseSensitive(cfg, "mounts"))
  {
    const cJSON *o;
    const char *p = json_index("mounts", i++);
    cJSON_ArrayForEach(o, cJSON_GetObjectItemCaseSensitive(m, "options"))
    {
      const char *v = cJSON_GetStringValue(o), *key;
      char *end;
      long long id;
      if (!v || (strncmp(v, "uid=", 4) && strncmp(v, "gid=", 4))) continue;
      key = v[0] == 'u' ? "uidMappings" : "gidMappings";
      errno = 0;
      id = strtoll(v + 4, &end, 10);
      if (errno || end == v + 4 || *end) continue; /* not a number: the kernel's to judge, as in runc */
      if (!id_mapped(lx, key, id))
        json_die(p, "option %s: cannot specify %.3s= mount options for unmapped %.3s in rootless containers",
                 v, v, v);
    }
  }
}

/* ---- the pipeline --------------------------------------------------------- */

/* remove the state dir oci-parse made (nothing else exists yet) */
static void undo_statedir(const char *statedir)
{
  static const char *const files[] = {"exec.fifo", "spec", ".spec.tmp"};
  for (size_t i = 0; i < sizeof files / sizeof *files; i++) {
    char *p = xasprintf("%s/%s", statedir, files[i]);
    unlink(p);
    free(p);
  }
  rmdir(statedir);
}

/* An fd above the spec fd that survives exec, for records like fd.log. */
static int keep_fd(int fd, int specfd)
{
  int k = fcntl(fd, F_DUPFD, specfd + 1);
  if (k < 0) die_sys(EXIT_SYSFAIL, "dup fd %d", fd);
  close(fd);
  return k;
}

/* The stage directory as a read-only detached mount clone: /proc/self/exe
   of every later stage (oci-exec runs inside the container) is then on a
   read-only mount and cannot be reopened for writing (CVE-2019-5736). */
static int open_stagedir(int specfd)
{
  char exe[PATH_MAX], *slash;
  ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
  int fd = -1;
  if (n < 0) die_sys(EXIT_SYSFAIL, "readlink /proc/self/exe");
  exe[n] = 0;
  if ((slash = strrchr(exe, '/'))) *slash = 0;
  /* --check makes no mount, not even a detached one: no container process will run */
  if (!check) fd = (int)syscall(SYS_open_tree, AT_FDCWD, exe, OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC);
  if (fd >= 0) {
    struct mount_attr attr = {.attr_set = MOUNT_ATTR_RDONLY | MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV};
    if (syscall(SYS_mount_setattr, fd, "", AT_EMPTY_PATH, &attr, sizeof attr) < 0) {
      close(fd);
      fd = -1;
    }
  }
  if (fd < 0) fd = open(exe, O_PATH | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) die_sys(EXIT_SYSFAIL, "open %s", exe);
  return keep_fd(fd, specfd);
}

/* The path given with option OPT made absolute against the working directory: the stages that use it (the
   monitor, criu) run elsewhere. */
static const char *abs_path(const char *opt, const char *path, char *buf, size_t size)
{
  char cwd[PATH_MAX];
  if (*path == '/') return path;
  if (!getcwd(cwd, sizeof cwd)) die_sys(EXIT_SYSFAIL, "getcwd");
  if ((size_t)snprintf(buf, size, "%s/%s", cwd, path) >= size)
    die(EXIT_BADINPUT, "%s %s: name too long", opt, path);
  return buf;
}

/* --mode=restore: the criu.* records and run.detach, refused before anything exists. The image dir must be
   there (runc opens it first: its os.Open error); the work dir is criu's to make. */
static void restore_records(void)
{
  static const char *const flags[] = {"tcp-established", "ext-unix-sk", "auto-dedup",
                                      "shell-job",       "file-locks",  "lazy-pages"};
  char img[PATH_MAX], work[PATH_MAX];
  const char *image = img;
  int fd = open(criu_image, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0 || !realpath(criu_image, img)) die_sys(EXIT_BADINPUT, "open %s", criu_image);
  close(fd);
  if (criu_path) ADD("criu.path", criu_path);
  ADD("criu.image", image);
  if (criu_work) ADD("criu.work", abs_path("--criu-work", criu_work, work, sizeof work));
  for (int i = 0; i < ncriu_opts; i++) {
    char name[64];
    const char *o = criu_opts[i], *eq = strchr(o, '='), *val = eq ? eq + 1 : NULL;
    size_t n = eq ? (size_t)(eq - o) : strlen(o);
    int flag = 0;
    if (n >= sizeof name) die(EXIT_BADINPUT, "--criu-opt %s: unknown option", o);
    memcpy(name, o, n);
    name[n] = 0;
    for (size_t k = 0; k < sizeof flags / sizeof *flags; k++) flag |= !strcmp(name, flags[k]);
    if (flag) {
      if (val) die(EXIT_BADINPUT, "--criu-opt %s: %s takes no value", o, name);
      ADD("criu.opt", name);
      continue;
    }
    if (!strcmp(name, "manage-cgroups")) {
      if (val && !strcmp(val, "strict"))
        die(EXIT_BADINPUT,
            "--manage-cgroups-mode strict: the container's cgroup exists before criu runs; use "
            "soft or full");
      if (!val || (strcmp(val, "soft") && strcmp(val, "full") && strcmp(val, "ignore")))
        die(EXIT_BADINPUT, "Invalid manage cgroups mode"); /* runc's words */
    } else if (!strcmp(name, "empty-ns")) {
      if (!val || strcmp(val, "network"))
        die(EXIT_BADINPUT, "namespace \"%s\" is not supported", val ? val : "");
    } else if (!strcmp(name, "lsm-profile")) {
      if (!val || !strchr(val, ':') || val[0] == ':')
        die(EXIT_BADINPUT, "--lsm-profile %s: expected TYPE:NAME (apparmor:NAME or selinux:LABEL)",
            val ? val : "");
    } else if (!strcmp(name, "lsm-mount-context")) {
      if (!val || !*val) die(EXIT_BADINPUT, "--lsm-mount-context: empty context");
    } else {
      die(EXIT_BADINPUT, "--criu-opt %s: unknown option", o);
    }
    ADD("criu.opt", name, val);
  }
  if (detach) ADD("run.detach", "1");
}

/* --debug: the stages after oci-parse, so that the log shows the chain a chain file gave */
static void debug_chain(char *const *argv)
{
  char line[2048];
  size_t n = 0;
  for (; *argv && n < sizeof line - 1; argv++) n += (size_t)snprintf(line + n, sizeof line - n, " %s", *argv);
  if (n >= sizeof line) memcpy(line + sizeof line - 4, "...", 4);
  debug("chain:%s", n ? line : " (none)");
}

/* config.json of a bundle, or the 2015 pair converted into today's tree;
 *ver gets its ociVersion. Dies with 100 naming the file and the field. */
cJSON *config_load(const char *dir, const char **ver)
{
  char path[PATH_MAX];
  int cfgfd;
  size_t len;
  char *text;
  cJSON *cfg;

  if ((size_t)snprintf(path, sizeof path, "%s/config.json", dir) >= sizeof path)
    die(EXIT_BADINPUT, "bundle %s: name too long", dir);
  cfgfd = open(path, O_RDONLY | O_CLOEXEC);
  if (cfgfd < 0) die_sys(EXIT_BADINPUT, "open %s", path);
  text = fd_slurp(cfgfd, &len);
  if (!text) die_sys(EXIT_SYSFAIL, "read %s", path);
  close(cfgfd);
  json_file = "config.json";
  cfg = xjson_parse(text, len);
  if (!cJSON_IsObject(cfg)) json_die(NULL, "expected a JSON object");
  if (legacy_detect(cfg)) {
    /* 2015: config.json + runtime.json, converted into today's tree */
    char *rtext;
    size_t rlen;
    cJSON *rt, *conv;
    if ((size_t)snprintf(path, sizeof path, "%s/runtime.json", dir) >= sizeof path)
      die(EXIT_BADINPUT, "bundle %s: name too long", dir);
    cfgfd = open(path, O_RDONLY | O_CLOEXEC);
    if (cfgfd < 0) die_sys(EXIT_BADINPUT, "open %s", path);
    if (!(rtext = fd_slurp(cfgfd, &rlen))) die_sys(EXIT_SYSFAIL, "read %s", path);
    close(cfgfd);
    json_file = "runtime.json";
    rt = xjson_parse(rtext, rlen);
    if (!cJSON_IsObject(rt)) json_die(NULL, "expected a JSON object");
    conv = legacy_convert(cfg, rt);
    cJSON_Delete(rt);
    cJSON_Delete(cfg);
    free(rtext);
    cfg = conv;
    *ver = xjson_str(cfg, "ociVersion", "");
  } else {
    *ver = xjson_str(cfg, "ociVersion", "");
    if (!*ver) json_die("ociVersion", "missing");
    if (strncmp(*ver, "1.", 2)) json_die("ociVersion", "unsupported version %s", *ver);
  }

  free(text);
  return cfg;
}

/* The records of a config's tree (the fuzzer calls this too: see
   tests/fuzz/fuzz-config.c). Dies with 100 naming the field. */
static void config_records(const cJSON *cfg)
{
  parse_root(cfg);
  parse_names(cfg);
  parse_mounts(cfg);
  parse_linux(cfg);
  parse_process(cfg);
  parse_hooks(cfg);
  if (geteuid() != 0) rootless_check(cfg);
  {
    /* runc: a terminal must go somewhere once runc is gone */
    cJSON *pr = xjson_obj(cfg, "process", "");
    int term = 0;
    xjson_bool(pr, "terminal", "process", &term);
    if (term && !strcmp(mode, "create") && !consock)
      die(EXIT_BADINPUT, "cannot allocate tty if runc will detach without setting console socket");
    if (term && !strcmp(mode, "restore") && detach && !consock)
      die(EXIT_BADINPUT, "cannot allocate tty if runc will detach without setting console socket");
    if (!term && consock)
      die(EXIT_BADINPUT, "cannot use console socket if runc will not detach or allocate tty");
  }
  if (xjson_str(cfg, "hostname", "") && *xjson_str(cfg, "hostname", "") && !ns_present("uts"))
    json_die("hostname", "setting the hostname needs a uts namespace");
}

int main(int argc, char **argv)
{
  static const struct option longopts[] = {{"bundle", required_argument, 0, 'b'},
                                           {"id", required_argument, 0, 'i'},
                                           {"root", required_argument, 0, 'r'},
                                           {"mode", required_argument, 0, 'm'},
                                           {"pid-file", required_argument, 0, 'p'},
                                           {"log", required_argument, 0, 'l'},
                                           {"log-format", required_argument, 0, 'f'},
                                           {"debug", no_argument, 0, 'd'},
                                           {"setup-exit", required_argument, 0, 'E'},
                                           {"no-pivot", no_argument, 0, 'P'},
                                           {"no-new-keyring", no_argument, 0, 'K'},
                                           {"preserve-fds", required_argument, 0, 'F'},
                                           {"console-socket", required_argument, 0, 'C'},
                                           {"keep", no_argument, 0, 'k'},
                                           {"no-subreaper", no_argument, 0, 'S'},
                                           {"systemd-cgroup", no_argument, 0, 'Y'},
                                           {"rootless", no_argument, 0, 'R'},
                                           {"check", no_argument, 0, 'X'},
                                           {"criu", required_argument, 0, RO_CRIU},
                                           {"criu-image", required_argument, 0, RO_IMAGE},
                                           {"criu-work", required_argument, 0, RO_WORK},
                                           {"criu-opt", required_argument, 0, RO_OPT},
                                           EXEC_LONGOPTS{0, 0, 0, 0}};
  char statedir[PATH_MAX] = "", pidbuf[PATH_MAX], csbuf[PATH_MAX];
  int opt, specfd = spec_fd(), logfd = -1, stagedir, exec_mode, restore_mode;
  cJSON *cfg;
  const char *ver;

  stage_init("oci-parse");
  while ((opt = getopt_long(argc, argv, "+b:i:r:m:p:l:f:dE:PKF:C:kS", longopts, NULL)) != -1) switch (opt) {
      case 'b': bundle = optarg; break;
      case 'i': id = optarg; break;
      case 'r': root = optarg; break;
      case 'm': mode = optarg; break;
      case 'p': pidfile = optarg; break;
      case 'l': logfile = optarg; break;
      case 'f': logformat = optarg; break;
      case 'd': debug_on = 1; break;
      case 'E': {
        long long st = stage_num(optarg, 255);
        if (st < 0) die_usage(USAGE);
        die_set_exit((int)st);
        break;
      }
      case 'P': nopivot = 1; break;
      case 'K': nokeyring = 1; break;
      case 'C': consock = optarg; break;
      case 'k': keep = 1; break;
      case 'S': nosubreaper = 1; break;
      case 'Y': systemd_cgroup = 1; break;
      case 'R': rootless = 1; break;
      case 'X': check = 1; break;
      case 'F':
        if ((preserve = stage_num(optarg, 10000)) < 0) die_usage(USAGE);
        break;
      case RO_CRIU: criu_path = optarg; break;
      case RO_IMAGE: criu_image = optarg; break;
      case RO_WORK: criu_work = optarg; break;
      case RO_OPT:
        if (ncriu_opts == (int)(sizeof criu_opts / sizeof *criu_opts))
          die(EXIT_BADINPUT, "too many --criu-opt");
        criu_opts[ncriu_opts++] = optarg;
        break;
      default:
        if (!exec_option(opt, optarg)) die_usage(USAGE);
        nexecopts++;
        detach += opt == XO_DETACH; /* --detach: exec's, and restore's (run.detach) */
    }
  argv += optind;
  if (!*argv && !check) die_usage(USAGE);
  if (check) {
    /* a check makes nothing: none of what would make a state dir, a pid file or a terminal */
    const char *bad = root ? "--root" : pidfile ? "--pid-file" : consock ? "--console-socket" : NULL;
    if (bad) die(EXIT_BADINPUT, "--check: %s cannot be used", bad);
    if (!strcmp(mode, "exec")) die(EXIT_BADINPUT, "--check: --mode=exec cannot be used");
  }
  if (strcmp(mode, "run") && strcmp(mode, "create") && strcmp(mode, "exec") && strcmp(mode, "restore"))
    die(EXIT_BADINPUT, "unknown mode %s", mode);
  exec_mode = !strcmp(mode, "exec");
  restore_mode = !strcmp(mode, "restore");
  if ((keep || nosubreaper) && strcmp(mode, "run") && !(nosubreaper && !keep && restore_mode))
    die(EXIT_BADINPUT, "--%s is for --mode=run only", keep ? "keep" : "no-subreaper");
  if (exec_options_given() && !exec_mode && !(restore_mode && nexecopts == 1 && detach == 1))
    die(EXIT_BADINPUT, "exec options need --mode=exec");
  if ((criu_path || criu_image || criu_work || ncriu_opts) && !restore_mode)
    die(EXIT_BADINPUT, "--criu options need --mode=restore");
  if (restore_mode && check) die(EXIT_BADINPUT, "--check: --mode=restore cannot be used");
  if (restore_mode && !root) die(EXIT_BADINPUT, "--mode=restore needs --root");
  if (restore_mode && !criu_image) die(EXIT_BADINPUT, "--mode=restore needs --criu-image");
  if (exec_mode && (nopivot || nokeyring))
    die(EXIT_BADINPUT, "--no-pivot and --no-new-keyring are for run and create");
  if (strcmp(logformat, "text") && strcmp(logformat, "json"))
    die(EXIT_BADINPUT, "unknown log format %s", logformat);
  if (preserve && specfd != 3 + preserve)
    die(EXIT_BADINPUT, "--preserve-fds=%lld needs OCI_SPEC_FD=%lld", preserve, 3 + preserve);
  if (logfile) {
    int fd = open(logfile, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0644);
    if (fd < 0) die_sys(EXIT_SYSFAIL, "open log %s", logfile);
    logfd = keep_fd(fd, specfd);
    die_set_log(logfd, !strcmp(logformat, "json"), debug_on);
    debug("start");
    if (debug_on) debug_chain(argv);
  }
  if (exec_mode) {
    /* the container's bundle; its keyring is the container's too */
    if (!id) die(EXIT_BADINPUT, "--mode=exec needs --id");
    if (!state_valid_id(id)) die(EXIT_BADINPUT, "invalid container ID format: %s", id);
    if (root && *root != '/') die(EXIT_BADINPUT, "--root %s is not an absolute path", root);
    exec_load(root, id, bundle_abs, sizeof bundle_abs);
    nokeyring = 1;
  } else if (!realpath(bundle, bundle_abs))
    die_sys(EXIT_BADINPUT, "bundle %s", bundle);
  if (!id) {
    const char *b = strrchr(bundle_abs, '/');
    id = b && b[1] ? b + 1 : "container";
  }
  if (!state_valid_id(id)) die(EXIT_BADINPUT, "invalid container ID format: %s", id);
  if (root && *root != '/') die(EXIT_BADINPUT, "--root %s is not an absolute path", root);
  if (pidfile) pidfile = abs_path("--pid-file", pidfile, pidbuf, sizeof pidbuf);
  if (consock) consock = abs_path("--console-socket", consock, csbuf, sizeof csbuf);

  if (exec_mode) {
    cfg = exec_process(bundle_abs);
    ver = exec_version();
  } else {
    cfg = config_load(bundle_abs, &ver);
  }

  specw_from(&w, NULL);
  ADD("oci.version", ver);
  stagedir = -1;
  if (*argv) {
    stagedir = open_stagedir(specfd);
    ADD("fd.stagedir", num(stagedir));
  }
  if (logfd >= 0) {
    ADD("fd.log", num(logfd));
    ADD("log.format", logformat);
    if (debug_on) ADD("log.level", "debug");
  }
  {
    int st = -1;
    /* die.c keeps the status; read it back through the option we parsed */
    for (char **a = argv - optind; a < argv; a++)
      if (!strncmp(*a, "--setup-exit=", 13))
        st = atoi(*a + 13);
      else if (!strcmp(*a, "--setup-exit") && a + 1 < argv)
        st = atoi(a[1]);
      else if (!strncmp(*a, "-E", 2))
        st = atoi((*a)[2] ? *a + 2 : (a + 1 < argv ? a[1] : "-1"));
    if (st >= 0) ADD("exit.setup", num(st));
  }
  ADD("run.mode", mode);
  if (preserve) ADD("run.preservefds", num(preserve));
  if (pidfile) ADD("run.pidfile", pidfile);
  if (keep) ADD("run.keep", "1");
  if (nosubreaper) ADD("run.nosubreaper", "1");
  if (consock) ADD("run.consolesocket", consock);
  if (root) {
    if ((size_t)snprintf(statedir, sizeof statedir, "%s/%s", root, id) >= sizeof statedir)
      die(EXIT_BADINPUT, "state dir %s/%s: name too long", root, id);
    ADD("state.root", root);
    /* never in exec mode: state.dir arms the teardown of the container */
    if (!exec_mode) ADD("state.dir", statedir);
  }
  ADD("state.id", id);
  ADD("state.bundle", bundle_abs);
  if (exec_mode) {
    exec_records(&w, cfg, consock != NULL);
    cJSON_Delete(cfg);
    if (spec_publish(&w, specfd) < 0) die_sys(EXIT_SYSFAIL, "publish spec on fd %d", specfd);
    chain_try_dir(stagedir, argv);
    die_sys(errno == ENOENT ? EXIT_NOTFOUND : EXIT_NOEXEC, "exec %s", argv[0]);
  }
  if (restore_mode) restore_records();
  config_records(cfg);
  cJSON_Delete(cfg);
  if (check && !*argv) {
    /* the spec it would publish, for a reader: without the fd numbers */
    if (w.oom) die_sys(EXIT_SYSFAIL, "allocate memory");
    if (write_lines_except(1, w.buf, w.len, "fd.") < 0) die_sys(EXIT_SYSFAIL, "write the spec to stdout");
    return 0;
  }

  /* Last: the state dir. Everything before created nothing; from here on a
     failure of a later stage is torn down by oci-delete. */
  if (root) {
    /* like runc (MkdirAll), --root is made with its parents: containerd's shim passes ROOT/NAMESPACE */
    char *dir = strdup(root);
    for (char *s = dir && *dir ? dir + 1 : NULL; s; s++)
      if (*s == '/' || !*s) {
        char c0 = *s;
        *s = 0;
        if (mkdir(dir, 0711) < 0 && errno != EEXIST) die_sys(EXIT_SYSFAIL, "mkdir %s", dir);
        if (!(*s = c0)) break;
      }
    free(dir);
    if (mkdir(statedir, 0711) < 0) {
      if (errno == EEXIST) die(EXIT_BADINPUT, "container with given ID already exists: %s", id);
      die_sys(EXIT_SYSFAIL, "mkdir %s", statedir);
    }
    /* create: the init waits on this fifo until `runc start` writes to it */
    if (!strcmp(mode, "create")) {
      char fifo[PATH_MAX + 16];
      snprintf(fifo, sizeof fifo, "%s/exec.fifo", statedir);
      /* owned by the container's root, who opens it (in a user namespace) */
      if (mkfifo(fifo, 0600) < 0 || chown(fifo, (uid_t)root_id[0], (gid_t)root_id[1]) < 0) {
        int e = errno;
        unlink(fifo);
        rmdir(statedir);
        errno = e;
        die_sys(EXIT_SYSFAIL, "mkfifo %s", fifo);
      }
    }
    /* the lock (DESIGN.md 6): the chain holds it until the state is written
       (oci-ns), so start and delete wait for a create in progress */
    {
      int lk = state_lock(statedir, 1000);
      if (lk < 0) {
        int e = errno;
        undo_statedir(statedir);
        errno = e;
        die_sys(EXIT_SYSFAIL, "lock %s", statedir);
      }
      ADD("state.lock", num(keep_fd(lk, specfd)));
    }
  }
  if (spec_publish(&w, specfd) < 0) {
    int e = errno;
    if (root) undo_statedir(statedir);
    errno = e;
    die_sys(EXIT_SYSFAIL, "publish spec on fd %d", specfd);
  }
  /* the spec goes into the state dir at once: a create killed from here on
     leaves oci-delete what it needs (oci-cgroup saves it again with the
     cgroups it is about to make, the monitor with the pid) */
  if (root && state_save_spec(statedir, w.buf, w.len) < 0) {
    int e = errno;
    undo_statedir(statedir);
    errno = e;
    die_sys(EXIT_SYSFAIL, "write %s/spec", statedir);
  }
  chain_try_dir(stagedir, argv);
  {
    int e = errno;
    if (root) undo_statedir(statedir); /* nothing else exists yet */
    errno = e;
  }
  die_sys(errno == ENOENT ? EXIT_NOTFOUND : EXIT_NOEXEC, "exec %s", argv[0]);
}
