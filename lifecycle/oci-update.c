/* oci-update: change a running container's cgroup resources (runc update).
   The flags, or a runtime-spec LinuxResources JSON (-r FILE, - for stdin),
   become cgroup.* records, written to the v1/v2 files by the same code as
   oci-cgroup's at create (shared/cgres.c), then appended to the state
   dir's saved spec (last record wins) so that a later update or events
   sees them. Zero means unchanged, -1 unlimited, as in runc. A lifecycle
   program. See oci-update(8). */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <linux/magic.h>
#include <sys/file.h>
#include <sys/statfs.h>
#include <unistd.h>

#include "cgres.h"
#include "die.h"
#include "fd.h"
#include "json.h"
#include "resjson.h"
#include "spec.h"
#include "stage.h"
#include "state.h"

#define USAGE                                                                                                \
  "oci-update [--root=DIR] [-r FILE|-] [--memory=N] [--memory-swap=N] [--memory-reservation=N] "             \
  "[--kernel-memory=N] [--kernel-memory-tcp=N] [--cpu-share=N] [--cpu-period=N] [--cpu-quota=N] "            \
  "[--cpu-burst=N] [--cpu-rt-period=N] [--cpu-rt-runtime=N] [--cpu-idle=0|1] [--cpuset-cpus=LIST] "          \
  "[--cpuset-mems=LIST] [--pids-limit=N] [--blkio-weight=N] [--l3-cache-schema=S] [--mem-bw-schema=S] ID"

static struct specw nw; /* the new records */

/* go-units' RAMInBytes: "512", "1.5k", "64m", "1 GiB", binary multiples */
static long long ram_bytes(const char *flag, const char *s)
{
  const char *p = s, *u;
  double v;
  char *end;
  if (!strcmp(s, "-1")) return -1;
  if (*p < '0' || *p > '9') goto bad;
  v = strtod(p, &end);
  for (const char *q = p; q < end; q++)
    if (!((*q >= '0' && *q <= '9') || *q == '.')) goto bad;
  u = end;
  if (*u == ' ') u++;
  double m = 1;
  if (*u && strchr("kKmMgGtTpP", *u)) {
    static const char units[] = "kmgtp";
    for (const char *c = units; c <= strchr(units, *u | 0x20); c++) m *= 1024;
    u++;
  }
  if (*u == 'i' || *u == 'I') u++;
  if (*u == 'b' || *u == 'B') u++;
  if (*u || v * m > 9.2e18) goto bad;
  return (long long)(v * m);
bad:
  die(EXIT_BADINPUT, "invalid value for %s: invalid size: '%s'", flag, s);
}

static long long int_arg(const char *flag, const char *s, int sign, long long max)
{
  char *end;
  long long v;
  errno = 0;
  v = strtoll(s, &end, 10);
  if (!*s || *end || errno || (!sign && (v < 0 || *s == '-')) || v > max)
    die(EXIT_BADINPUT, "invalid value for %s: %s", flag, s);
  return v;
}

/* a record for a value that says something: zero means unchanged */
static void put(int key, long long v)
{
  if (v) specw_addf(&nw, cgres_key(key), "%lld", v < 0 ? -1 : v);
}

static void put_str(int key, const char *s)
{
  if (*s) specw_add(&nw, cgres_key(key), s, (char *)NULL);
}

/* -r: a LinuxResources object, read as oci-parse reads linux.resources
   (shared/resjson.c): every field; the devices list is not updated, as
   in runc */
static void from_json(const char *file)
{
  int fd = strcmp(file, "-") ? open(file, O_RDONLY | O_CLOEXEC) : 0;
  size_t len;
  char *text;
  cJSON *r;
  if (fd < 0) die_sys(EXIT_BADINPUT, "open %s", file);
  if (!(text = fd_slurp(fd, &len))) die_sys(EXIT_SYSFAIL, "read %s", file);
  if (fd) close(fd);
  json_file = strcmp(file, "-") ? file : "stdin";
  r = xjson_parse(text, len);
  if (!cJSON_IsObject(r)) json_die("", "expected an object");
  resjson_records(r, "", 0, &nw);
  cJSON_Delete(r);
  free(text);
}

/* The records a writer holds, parsed (from a copy: spec_parse takes its buffer). */
static void records(const struct specw *w, struct spec *sp)
{
  char *copy = malloc(w->len + 1);
  unsigned line;
  if (!copy) die_sys(EXIT_SYSFAIL, "allocate memory");
  memcpy(copy, w->buf, w->len + 1);
  if (spec_parse(copy, w->len, sp, &line) < 0) die(EXIT_SYSFAIL, "records: bad line %u", line);
}

int main(int argc, char **argv)
{
  enum {
    O_ROOT = 256,
    O_MEM,
    O_SWAP,
    O_RES,
    O_KMEM,
    O_KTCP,
    O_SHARE,
    O_PERIOD,
    O_QUOTA,
    O_RTPER,
    O_RTRUN,
    O_CPUS,
    O_MEMS,
    O_PIDS,
    O_BLKIO,
    O_BURST,
    O_IDLE,
    O_L3,
    O_MBW
  };
  static const struct option longopts[] = {{"root", required_argument, 0, O_ROOT},
                                           {"resources", required_argument, 0, 'r'},
                                           {"memory", required_argument, 0, O_MEM},
                                           {"memory-swap", required_argument, 0, O_SWAP},
                                           {"memory-reservation", required_argument, 0, O_RES},
                                           {"kernel-memory", required_argument, 0, O_KMEM},
                                           {"kernel-memory-tcp", required_argument, 0, O_KTCP},
                                           {"cpu-share", required_argument, 0, O_SHARE},
                                           {"cpu-shares", required_argument, 0, O_SHARE},
                                           {"cpu-period", required_argument, 0, O_PERIOD},
                                           {"cpu-quota", required_argument, 0, O_QUOTA},
                                           {"cpu-rt-period", required_argument, 0, O_RTPER},
                                           {"cpu-rt-runtime", required_argument, 0, O_RTRUN},
                                           {"cpuset-cpus", required_argument, 0, O_CPUS},
                                           {"cpuset-mems", required_argument, 0, O_MEMS},
                                           {"pids-limit", required_argument, 0, O_PIDS},
                                           {"blkio-weight", required_argument, 0, O_BLKIO},
                                           {"cpu-burst", required_argument, 0, O_BURST},
                                           {"cpu-idle", required_argument, 0, O_IDLE},
                                           {"l3-cache-schema", required_argument, 0, O_L3},
                                           {"mem-bw-schema", required_argument, 0, O_MBW},
                                           {0, 0, 0, 0}};
  const char *root = "/run/runc", *id, *resources = NULL;
  int opt, flags = 0, lock;
  struct cgres_hier h[64];
  struct cgres old = {0}, res = {0};
  struct spec saved, add, app;
  struct specw all, aw;
  struct cstate st;
  size_t n;

  stage_init("oci-update");
  specw_init(&nw);
  if (specw_from(&nw, NULL) < 0) die_sys(EXIT_SYSFAIL, "allocate memory");
  /* -memory as --memory: Go's flag package takes both */
  while ((opt = getopt_long_only(argc, argv, "+r:", longopts, NULL)) != -1) {
    const char *f = opt >= O_MEM ? longopts[opt - O_MEM + 2].name : NULL;
    if (opt != O_ROOT && opt != 'r') flags++;
    switch (opt) {
      case O_ROOT: root = optarg; break;
      case 'r': resources = optarg; break;
      case O_MEM: put(CGRES_M_LIMIT, ram_bytes(f, optarg)); break;
      case O_SWAP: put(CGRES_M_SWAP, ram_bytes(f, optarg)); break;
      case O_RES: put(CGRES_M_RES, ram_bytes(f, optarg)); break;
      case O_KMEM: put(CGRES_M_KERNEL, ram_bytes(f, optarg)); break;
      case O_KTCP: put(CGRES_M_KTCP, ram_bytes(f, optarg)); break;
      case O_SHARE: put(CGRES_C_SHARES, int_arg("cpu-share", optarg, 0, 262144)); break;
      case O_PERIOD: put(CGRES_C_PERIOD, int_arg("cpu-period", optarg, 0, 1LL << 62)); break;
      case O_QUOTA: put(CGRES_C_QUOTA, int_arg("cpu-quota", optarg, 1, 1LL << 62)); break;
      case O_RTPER: put(CGRES_C_RTPER, int_arg("cpu-rt-period", optarg, 0, 1LL << 62)); break;
      case O_RTRUN: put(CGRES_C_RTRUN, int_arg("cpu-rt-runtime", optarg, 1, 1LL << 62)); break;
      case O_CPUS: put_str(CGRES_C_CPUS, optarg); break;
      case O_MEMS: put_str(CGRES_C_MEMS, optarg); break;
      case O_PIDS: put(CGRES_P_LIMIT, int_arg("pids-limit", optarg, 1, 1LL << 62)); break;
      case O_BLKIO: put(CGRES_B_WEIGHT, int_arg("blkio-weight", optarg, 0, 1000)); break;
      /* burst and idle: 0 is a value (no burst, not idle), not "unchanged" */
      case O_BURST:
        specw_addf(&nw, cgres_key(CGRES_C_BURST), "%lld", int_arg("cpu-burst", optarg, 0, 1LL << 62));
        break;
      case O_IDLE: specw_addf(&nw, cgres_key(CGRES_C_IDLE), "%lld", int_arg("cpu-idle", optarg, 0, 1)); break;
      case O_L3: die(EXIT_BADINPUT, "--l3-cache-schema: Intel RDT is not supported by this runtime");
      case O_MBW: die(EXIT_BADINPUT, "--mem-bw-schema: Intel RDT is not supported by this runtime");
      default: die_usage(USAGE);
    }
  }
  argv += optind;
  if (!argv[0] || argv[1]) die_usage(USAGE);
  id = argv[0];
  if (resources && flags) die(EXIT_BADINPUT, "--resources cannot be combined with other update flags");
  if (!state_valid_id(id)) die(EXIT_BADINPUT, "invalid container ID format: %s", id);
  if (resources) from_json(resources);
  if (nw.oom) die_sys(EXIT_SYSFAIL, "allocate memory");

  xstate_load(root, id, &st);
  if (!strcmp(st.status, "stopped")) die(EXIT_BADINPUT, "container not running");
  /* one update at a time: the saved spec is read, extended and replaced */
  if ((lock = open(st.dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) < 0 || flock(lock, LOCK_EX) < 0)
    die_sys(EXIT_SYSFAIL, "lock %s", st.dir);
  if (state_spec(st.dir, &saved) < 0) die_sys(EXIT_SYSFAIL, "read %s/spec", st.dir);
  for (const struct rec *r = NULL; (r = spec_next(&saved, NULL, r));)
    if (!strncmp(r->f[0], "cgroup.", 7)) cgres_record(&old, r);
  n = cgres_dirs(&saved, h, sizeof h / sizeof *h);
  if (!n) die(EXIT_BADINPUT, "container %s has no cgroups", id);

  /* what is written: the new records, and the saved partner a value
     needs on cgroup v2 (cpu.max is quota and period; memory.swap.max is
     swap less memory) and the saved checkBeforeUpdate a new limit is
     checked by (runc keeps it in its state) */
  records(&nw, &add);
  specw_init(&aw);
  specw_from(&aw, &add);
  {
    static const int pairs[][2] = {{CGRES_C_QUOTA, CGRES_C_PERIOD},
                                   {CGRES_C_PERIOD, CGRES_C_QUOTA},
                                   {CGRES_M_SWAP, CGRES_M_LIMIT},
                                   {CGRES_M_LIMIT, CGRES_M_CHECK},
                                   {CGRES_M_SWAP, CGRES_M_CHECK}};
    for (size_t i = 0; i < sizeof pairs / sizeof *pairs; i++) {
      const char *k = cgres_key(pairs[i][0]), *p = cgres_key(pairs[i][1]);
      if (spec_get(&add, k) && !spec_get(&add, p) && old.kr[pairs[i][1]])
        specw_add(&aw, p, old.kr[pairs[i][1]]->f[1], (char *)NULL);
    }
  }
  if (aw.oom) die_sys(EXIT_SYSFAIL, "allocate memory");
  records(&aw, &app);
  for (const struct rec *r = NULL; (r = spec_next(&app, NULL, r));) cgres_record(&res, r);
  cgres_validate(&res);
  cgres_check(&res, h, n);
  for (size_t i = 0; i < n; i++) {
    struct statfs sf;
    if ((h[i].dfd = open(h[i].dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) < 0)
      die_sys(EXIT_SYSFAIL, "open %s", h[i].dir);
    /* a tree of plain files made by a test: files are created on write */
    h[i].fake =
        fstatfs(h[i].dfd, &sf) == 0 && sf.f_type != CGROUP_SUPER_MAGIC && sf.f_type != CGROUP2_SUPER_MAGIC;
  }
  cgres_apply(&res, h, n);

  /* saved: the old text plus the new records, replaced atomically */
  specw_init(&all);
  specw_from(&all, &saved);
  for (const struct rec *r = NULL; (r = spec_next(&add, NULL, r));)
    specw_addv(&all, r->f[0], (const char *const *)r->f + 1, r->nf - 1);
  if (all.oom) die_sys(EXIT_SYSFAIL, "allocate memory");
  if (state_save_spec(st.dir, all.buf, all.len) < 0) die_sys(EXIT_SYSFAIL, "write %s/spec", st.dir);
  return 0;
}
