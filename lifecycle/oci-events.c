/* oci-events: a container's resource statistics and OOM events as runc's
   JSON lines (runc events): {"type":"stats","id":ID,"data":{cpu, cpuset,
   memory, pids, blkio, hugetlb, intel_rdt, network_interfaces}} once with --stats, else every --interval, and
   {"type":"oom","id":ID} when the container hits its memory limit (v1:
   an eventfd on memory.oom_control; v2: memory.events' oom_kill counter,
   watched with inotify). Ends when the container's first process exits.
   A lifecycle program. See oci-events(8). */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/inotify.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "cgres.h"
#include "die.h"
#include "fd.h"
#include "spec.h"
#include "stage.h"
#include "state.h"

#define USAGE "oci-events [--root=DIR] [--stats] [--interval=DURATION] [--setup-exit=N] ID"

static struct cgres_hier H[64];
static size_t nh;
static const char *id;
static char *idj; /* id, JSON-escaped */

/* the dir holding a controller's files: its v1 hierarchy, else the
   unified one when the file is there */
static const char *dir_of(const char *ctrl, const char *probe)
{
  struct cgres_hier *h = cgres_v1(H, nh, ctrl), *u;
  char p[4200];
  if (h) return h->dir;
  if ((u = cgres_v2(H, nh))) {
    snprintf(p, sizeof p, "%s/%s", u->dir, probe);
    if (access(p, F_OK) == 0) return u->dir;
  }
  return NULL;
}

/* a whole small file; NULL when absent */
static char *slurp_in(const char *dir, const char *file)
{
  char p[4200];
  int fd;
  char *s;
  if (!dir) return NULL;
  snprintf(p, sizeof p, "%s/%s", dir, file);
  if ((fd = open(p, O_RDONLY | O_CLOEXEC)) < 0) return NULL;
  s = fd_slurp(fd, NULL);
  close(fd);
  return s;
}

/* one number; "max" is the largest; 0 when absent */
static unsigned long long num_in(const char *dir, const char *file)
{
  char *s = slurp_in(dir, file);
  unsigned long long v = 0;
  if (s) v = !strncmp(s, "max", 3) ? ~0ULL : strtoull(s, NULL, 10);
  free(s);
  return v;
}

/* the value of "key N" in a flat keyed file (memory.stat, cpu.stat) */
static unsigned long long keyed(const char *text, const char *key)
{
  size_t l = strlen(key);
  for (const char *p = text; p && *p; p = strchr(p, '\n') ? strchr(p, '\n') + 1 : NULL)
    if (!strncmp(p, key, l) && p[l] == ' ') return strtoull(p + l + 1, NULL, 10);
  return 0;
}

/* Go's encoding/json: omitempty leaves out zeros */
static void field(FILE *f, int *first, const char *k, unsigned long long v, int omitempty)
{
  if (omitempty && !v) return;
  fprintf(f, "%s\"%s\":%llu", *first ? "" : ",", k, v);
  *first = 0;
}

static void cpu(FILE *f)
{
  struct cgres_hier *v1 = cgres_v1(H, nh, "cpuacct");
  const char *acct = v1 ? v1->dir : NULL, *c = dir_of("cpu", "cpu.stat");
  char *st = slurp_in(c, "cpu.stat");
  int first = 1;
  fputs("\"cpu\":{\"usage\":{", f);
  if (acct) {
    static const char *const pk[] = {"percpu", "percpu_kernel", "percpu_user"};
    static const char *const pf[] = {"cpuacct.usage_percpu", "cpuacct.usage_percpu_sys",
                                     "cpuacct.usage_percpu_user"};
    char *s = slurp_in(acct, "cpuacct.stat");
    long hz = sysconf(_SC_CLK_TCK);
    field(f, &first, "total", num_in(acct, "cpuacct.usage"), 1);
    for (int i = 0; i < 3; i++) {
      char *t = slurp_in(acct, pf[i]);
      int n = 0;
      for (const char *p = t; p && *p;) {
        char *end;
        unsigned long long v = strtoull(p, &end, 10);
        if (end == p) break;
        if (!n++) fprintf(f, "%s\"%s\":[", first ? "" : ",", pk[i]), first = 0;
        fprintf(f, "%s%llu", n > 1 ? "," : "", v);
        p = end + strspn(end, " \n");
      }
      if (n) fputs("]", f);
      free(t);
    }
    if (hz <= 0) hz = 100;
    field(f, &first, "kernel", s ? keyed(s, "system") * (1000000000ULL / (unsigned long long)hz) : 0, 0);
    field(f, &first, "user", s ? keyed(s, "user") * (1000000000ULL / (unsigned long long)hz) : 0, 0);
    free(s);
  } else {
    field(f, &first, "total", st ? keyed(st, "usage_usec") * 1000 : 0, 1);
    field(f, &first, "kernel", st ? keyed(st, "system_usec") * 1000 : 0, 0);
    field(f, &first, "user", st ? keyed(st, "user_usec") * 1000 : 0, 0);
  }
  fputs("},\"throttling\":{", f);
  first = 1;
  if (st) {
    field(f, &first, "periods", keyed(st, "nr_periods"), 1);
    field(f, &first, "throttledPeriods", keyed(st, "nr_throttled"), 1);
    field(f, &first, "throttledTime",
          strstr(st, "throttled_usec") ? keyed(st, "throttled_usec") * 1000 : keyed(st, "throttled_time"), 1);
  }
  fputs("}}", f);
  free(st);
}

/* a cpu or node list "0-3,8" as a JSON array [0,1,2,3,8] under key k (omitempty) */
static void id_list(FILE *f, int *first, const char *k, const char *list)
{
  int n = 0;
  for (const char *p = list; p && *p;) {
    char *end;
    unsigned long a = strtoul(p, &end, 10), b = a;
    if (end == p) break;
    if (*end == '-') b = strtoul(end + 1, &end, 10);
    for (unsigned long i = a; i <= b && i < 65536; i++) {
      if (!n++) fprintf(f, "%s\"%s\":[", *first ? "" : ",", k), *first = 0;
      fprintf(f, "%s%lu", n > 1 ? "," : "", i);
    }
    p = end + strspn(end, ",\n ");
  }
  if (n) fputs("]", f);
}

/* runc's cpuset stats: the lists, and v1's flags (0 on v2) */
static void cpuset(FILE *f)
{
  static const char *const flags[][2] = {{"cpu_exclusive", "cpuset.cpu_exclusive"},
                                         {"mem_hardwall", "cpuset.mem_hardwall"},
                                         {"mem_exclusive", "cpuset.mem_exclusive"},
                                         {"memory_migrate", "cpuset.memory_migrate"},
                                         {"memory_spread_page", "cpuset.memory_spread_page"},
                                         {"memory_spread_slab", "cpuset.memory_spread_slab"},
                                         {"memory_pressure", "cpuset.memory_pressure"},
                                         {"sched_load_balance", "cpuset.sched_load_balance"}};
  struct cgres_hier *v1 = cgres_v1(H, nh, "cpuset");
  const char *d = v1 ? v1->dir : dir_of("cpuset", "cpuset.cpus.effective");
  char *cpus = slurp_in(d, v1 ? "cpuset.cpus" : "cpuset.cpus.effective"),
       *mems = slurp_in(d, v1 ? "cpuset.mems" : "cpuset.mems.effective"),
       *lvl = v1 ? slurp_in(d, "cpuset.sched_relax_domain_level") : NULL;
  int first = 1;
  fputs(",\"cpuset\":{", f);
  id_list(f, &first, "cpus", cpus);
  for (size_t i = 0; i < sizeof flags / sizeof *flags; i++) {
    if (i == 1) id_list(f, &first, "mems", mems);
    field(f, &first, flags[i][0], v1 ? num_in(d, flags[i][1]) : 0, 0);
  }
  fprintf(f, ",\"sched_relax_domain_level\":%lld", lvl ? strtoll(lvl, NULL, 10) : 0LL);
  fputs("}", f);
  free(cpus);
  free(mems);
  free(lvl);
}

static void mem_entry(FILE *f, const char *name, unsigned long long limit, unsigned long long usage,
                      unsigned long long max, unsigned long long failcnt)
{
  int first = 1;
  fprintf(f, ",\"%s\":{", name);
  field(f, &first, "limit", limit, 0);
  field(f, &first, "usage", usage, 1);
  field(f, &first, "max", max, 1);
  field(f, &first, "failcnt", failcnt, 0);
  fputs("}", f);
}

static int cmp(const void *a, const void *b) { return strcmp(*(char *const *)a, *(char *const *)b); }

static void memory(FILE *f)
{
  struct cgres_hier *v1 = cgres_v1(H, nh, "memory");
  const char *d = v1 ? v1->dir : dir_of("memory", "memory.current");
  char *st = slurp_in(d, "memory.stat");
  fputs(",\"memory\":{", f);
  if (st) fprintf(f, "\"cache\":%llu,", keyed(st, v1 ? "cache" : "file"));
  fputs("\"usage\":", f);
  if (v1) {
    /* usage without its leading comma */
    int first = 1;
    fputs("{", f);
    field(f, &first, "limit", num_in(d, "memory.limit_in_bytes"), 0);
    field(f, &first, "usage", num_in(d, "memory.usage_in_bytes"), 1);
    field(f, &first, "max", num_in(d, "memory.max_usage_in_bytes"), 1);
    field(f, &first, "failcnt", num_in(d, "memory.failcnt"), 0);
    fputs("}", f);
    mem_entry(f, "swap", num_in(d, "memory.memsw.limit_in_bytes"), num_in(d, "memory.memsw.usage_in_bytes"),
              num_in(d, "memory.memsw.max_usage_in_bytes"), num_in(d, "memory.memsw.failcnt"));
    mem_entry(f, "kernel", num_in(d, "memory.kmem.limit_in_bytes"), num_in(d, "memory.kmem.usage_in_bytes"),
              num_in(d, "memory.kmem.max_usage_in_bytes"), num_in(d, "memory.kmem.failcnt"));
    mem_entry(f, "kernelTCP", num_in(d, "memory.kmem.tcp.limit_in_bytes"),
              num_in(d, "memory.kmem.tcp.usage_in_bytes"), num_in(d, "memory.kmem.tcp.max_usage_in_bytes"),
              num_in(d, "memory.kmem.tcp.failcnt"));
  } else {
    char *ev = slurp_in(d, "memory.events");
    int first = 1;
    fputs("{", f);
    field(f, &first, "limit", num_in(d, "memory.max"), 0);
    field(f, &first, "usage", num_in(d, "memory.current"), 1);
    field(f, &first, "max", num_in(d, "memory.peak"), 1);
    field(f, &first, "failcnt", ev ? keyed(ev, "max") : 0, 0);
    fputs("}", f);
    /* as runc: v1's swap is memory+swap, so v2's swap files plus memory's */
    unsigned long long smax = num_in(d, "memory.swap.max"), mmax = num_in(d, "memory.max");
    mem_entry(f, "swap", smax == ~0ULL || mmax == ~0ULL ? ~0ULL : smax + mmax,
              num_in(d, "memory.swap.current") + num_in(d, "memory.current"), 0, 0);
    mem_entry(f, "kernel", 0, 0, 0, 0);
    mem_entry(f, "kernelTCP", 0, 0, 0, 0);
    free(ev);
  }
  if (st) {
    /* raw: memory.stat as a map, keys sorted as Go prints maps */
    char *lines[512] = {0}, *save;
    size_t n = 0;
    for (char *l = strtok_r(st, "\n", &save); l && n < 512; l = strtok_r(NULL, "\n", &save))
      if (strchr(l, ' ')) lines[n++] = l;
    qsort(lines, n, sizeof *lines, cmp);
    for (size_t i = 0; i < n; i++) {
      char *sp = strchr(lines[i], ' ');
      fprintf(f, "%s\"%.*s\":%llu", i ? "," : ",\"raw\":{", (int)(sp - lines[i]), lines[i],
              strtoull(sp + 1, NULL, 10));
    }
    if (n) fputs("}", f);
  }
  fputs("}", f);
  free(st);
}

static void pids(FILE *f)
{
  const char *d = dir_of("pids", "pids.current");
  unsigned long long max = num_in(d, "pids.max");
  int first = 1;
  fputs(",\"pids\":{", f);
  field(f, &first, "current", num_in(d, "pids.current"), 1);
  field(f, &first, "limit", max == ~0ULL ? 0 : max, 1);
  fputs("}", f);
}

/* v1 "8:0 Read 4096" lines ("Total N" skipped) as blkioEntry objects */
static void blkio_v1(FILE *f, int *first, const char *key, const char *text)
{
  int n = 0;
  char *copy, *save;
  if (!text) return;
  copy = xasprintf("%s", text);
  for (char *l = strtok_r(copy, "\n", &save); l; l = strtok_r(NULL, "\n", &save)) {
    unsigned long long maj, min, v;
    char op[32];
    int e = 1;
    if (sscanf(l, "%llu:%llu %31s %llu", &maj, &min, op, &v) != 4) continue;
    fprintf(f, "%s", n++ ? "," : "");
    if (n == 1) fprintf(f, "%s\"%s\":[", *first ? "" : ",", key), *first = 0;
    fputs("{", f);
    field(f, &e, "major", maj, 1);
    field(f, &e, "minor", min, 1);
    fprintf(f, "%s\"op\":\"%s\"", e ? "" : ",", op), e = 0;
    field(f, &e, "value", v, 1);
    fputs("}", f);
  }
  if (n) fputs("]", f);
  free(copy);
}

/* v2 io.stat "8:0 rbytes=1 wbytes=2 rios=3 wios=4 ..." */
static void blkio_v2(FILE *f, int *first, const char *key, const char *text, const char *rk, const char *wk)
{
  int n = 0;
  char *copy, *save;
  if (!text) return;
  copy = xasprintf("%s", text);
  for (char *l = strtok_r(copy, "\n", &save); l; l = strtok_r(NULL, "\n", &save)) {
    unsigned long long maj, min;
    if (sscanf(l, "%llu:%llu", &maj, &min) != 2) continue;
    for (int k = 0; k < 2; k++) {
      const char *p = strstr(l, k ? wk : rk);
      int e = 1;
      if (!p) continue;
      if (!n++)
        fprintf(f, "%s\"%s\":[", *first ? "" : ",", key), *first = 0;
      else
        fputs(",", f);
      fputs("{", f);
      field(f, &e, "major", maj, 1);
      field(f, &e, "minor", min, 1);
      fprintf(f, "%s\"op\":\"%s\"", e ? "" : ",", k ? "Write" : "Read"), e = 0;
      field(f, &e, "value", strtoull(p + strlen(rk), NULL, 10), 1);
      fputs("}", f);
    }
  }
  if (n) fputs("]", f);
  free(copy);
}

static void blkio(FILE *f)
{
  struct cgres_hier *v1 = cgres_v1(H, nh, "blkio");
  int first = 1;
  fputs(",\"blkio\":{", f);
  if (v1) {
    /* the CFQ files where the scheduler has them, else the throttle ones */
    char *b = slurp_in(v1->dir, "blkio.io_service_bytes_recursive"),
         *s = slurp_in(v1->dir, "blkio.io_serviced_recursive");
    if (!b) b = slurp_in(v1->dir, "blkio.throttle.io_service_bytes_recursive");
    if (!s) s = slurp_in(v1->dir, "blkio.throttle.io_serviced_recursive");
    blkio_v1(f, &first, "ioServiceBytesRecursive", b);
    blkio_v1(f, &first, "ioServicedRecursive", s);
    free(b);
    free(s);
  } else {
    char *s = slurp_in(dir_of("io", "io.stat"), "io.stat");
    blkio_v2(f, &first, "ioServiceBytesRecursive", s, "rbytes=", "wbytes=");
    blkio_v2(f, &first, "ioServicedRecursive", s, "rios=", "wios=");
    free(s);
  }
  fputs("}", f);
}

/* page sizes as runc names them: 2048kB -> 2MB, 1048576kB -> 1GB */
static void hugetlb(FILE *f)
{
  DIR *d = opendir("/sys/kernel/mm/hugepages");
  struct dirent *e;
  char *names[32] = {0};
  size_t n = 0;
  int first = 1;
  fputs(",\"hugetlb\":{", f);
  while (d && (e = readdir(d)) && n < 32) {
    unsigned long long kb;
    if (sscanf(e->d_name, "hugepages-%llukB", &kb) != 1) continue;
    names[n++] = kb >= 1048576 ? xasprintf("%lluGB", kb / 1048576)
                 : kb >= 1024  ? xasprintf("%lluMB", kb / 1024)
                               : xasprintf("%llukB", kb);
  }
  if (d) closedir(d);
  qsort(names, n, sizeof *names, cmp);
  for (size_t i = 0; i < n; i++) {
    char usage[64], max[64], fail[64], cur[64], ev[64];
    struct cgres_hier *v1 = cgres_v1(H, nh, "hugetlb");
    const char *dir;
    int e2 = 1;
    snprintf(usage, sizeof usage, "hugetlb.%s.usage_in_bytes", names[i]);
    snprintf(max, sizeof max, "hugetlb.%s.max_usage_in_bytes", names[i]);
    snprintf(fail, sizeof fail, "hugetlb.%s.failcnt", names[i]);
    snprintf(cur, sizeof cur, "hugetlb.%s.current", names[i]);
    snprintf(ev, sizeof ev, "hugetlb.%s.events", names[i]);
    dir = v1 ? v1->dir : dir_of("hugetlb", cur);
    if (!dir) {
      free(names[i]);
      continue;
    }
    fprintf(f, "%s\"%s\":{", first ? "" : ",", names[i]), first = 0;
    if (v1) {
      field(f, &e2, "usage", num_in(dir, usage), 1);
      field(f, &e2, "max", num_in(dir, max), 1);
      field(f, &e2, "failcnt", num_in(dir, fail), 0);
    } else {
      char *evs = slurp_in(dir, ev);
      field(f, &e2, "usage", num_in(dir, cur), 1);
      field(f, &e2, "failcnt", evs ? keyed(evs, "max") : 0, 0);
      free(evs);
    }
    fputs("}", f);
    free(names[i]);
  }
  fputs("}", f);
}

static void print_stats(void)
{
  char *buf = NULL;
  size_t len = 0;
  FILE *f = open_memstream(&buf, &len);
  if (!f) die_sys(EXIT_SYSFAIL, "allocate memory");
  cpu(f);
  cpuset(f);
  memory(f);
  pids(f);
  blkio(f);
  hugetlb(f);
  /* runc prints these always: no Intel RDT here, and no interface of a
     network namespace of its own is counted */
  fputs(",\"intel_rdt\":{},\"network_interfaces\":null", f);
  if (fclose(f)) die_sys(EXIT_SYSFAIL, "allocate memory");
  printf("{\"type\":\"stats\",\"id\":\"%s\",\"data\":{%s}}\n", idj, buf);
  if (fflush(stdout)) die_sys(EXIT_SYSFAIL, "write");
  free(buf);
}

/* a Go duration: [0-9.]+ with ns us µs ms s m h, repeated; in ms */
static long long duration_ms(const char *s)
{
  static const struct {
    const char *u;
    double ms;
  } units[] = {{"ns", 1e-6}, {"us", 1e-3}, {"\xc2\xb5s", 1e-3}, {"ms", 1},
               {"s", 1000},  {"m", 60000}, {"h", 3600000}};
  double total = 0;
  const char *p = s;
  if (!strcmp(s, "0")) return 0;
  if (!*p) return -1;
  while (*p) {
    char *end;
    double v;
    size_t best = 0, bl = 0;
    if (!((*p >= '0' && *p <= '9') || *p == '.')) return -1;
    v = strtod(p, &end);
    if (end == p) return -1;
    p = end;
    for (size_t i = 0; i < sizeof units / sizeof *units; i++) {
      size_t l = strlen(units[i].u);
      if (!strncmp(p, units[i].u, l) && l > bl) best = i, bl = l;
    }
    if (!bl) return -1;
    total += v * units[best].ms;
    p += bl;
  }
  return total < 1 && total > 0 ? 1 : (long long)total;
}

/* v1: one oom event per eventfd wake-up; 0 when it woke because the cgroup went away (nothing printed) */
static int v1_oom(int efd, const char *dir, const char *idj)
{
  char path[PATH_MAX];
  unsigned long long c;
  if (read(efd, &c, sizeof c) != sizeof c) return 1;
  snprintf(path, sizeof path, "%s/cgroup.event_control", dir);
  if (access(path, F_OK) < 0) return 0;
  printf("{\"type\":\"oom\",\"id\":\"%s\"}\n", idj);
  if (fflush(stdout)) die_sys(EXIT_SYSFAIL, "write");
  return 1;
}

/* v2: one oom event per memory.events oom_kill counted since *seen */
static void v2_ooms(const char *dir, const char *idj, unsigned long long *seen)
{
  char *ev = slurp_in(dir, "memory.events");
  unsigned long long k;
  if (!ev) return;
  k = keyed(ev, "oom_kill");
  free(ev);
  for (; *seen < k; (*seen)++) printf("{\"type\":\"oom\",\"id\":\"%s\"}\n", idj);
  if (fflush(stdout)) die_sys(EXIT_SYSFAIL, "write");
}

int main(int argc, char **argv)
{
  static const struct option longopts[] = {{"root", required_argument, 0, 'r'},
                                           {"stats", no_argument, 0, 's'},
                                           {"interval", required_argument, 0, 'i'},
                                           {"setup-exit", required_argument, 0, 'E'},
                                           {0, 0, 0, 0}};
  const char *root = "/run/runc";
  long long interval = 5000;
  int opt, once = 0, pidfd, efd = -1, ino = -1, ofd = -1;
  unsigned long long ooms = 0;
  struct cstate st;
  struct spec sp;
  struct cgres_hier *mem;
  char path[4200];

  stage_init("oci-events");
  while ((opt = getopt_long(argc, argv, "+r:", longopts, NULL)) != -1) switch (opt) {
      case 'r': root = optarg; break;
      case 's': once = 1; break;
      case 'i':
        if ((interval = duration_ms(optarg)) < 0) die(EXIT_BADINPUT, "invalid --interval value: %s", optarg);
        if (interval == 0) die(EXIT_BADINPUT, "duration interval must be greater than 0");
        break;
      case 'E': {
        long long e = stage_num(optarg, 255);
        if (e < 0) die_usage(USAGE);
        die_set_exit((int)e);
        break;
      }
      default: die_usage(USAGE);
    }
  argv += optind;
  if (!argv[0] || argv[1]) die_usage(USAGE);
  id = argv[0];
  if (!state_valid_id(id)) die(EXIT_BADINPUT, "invalid container ID format: %s", id);
  idj = xasprintf("%s", id); /* a valid id needs no escaping */
  xstate_load(root, id, &st);
  if (!st.pid) die(EXIT_BADINPUT, "container with id %s is not running", id);
  if (state_spec(st.dir, &sp) < 0) die_sys(EXIT_SYSFAIL, "read %s/spec", st.dir);
  nh = cgres_dirs(&sp, H, sizeof H / sizeof *H);
  if (!nh) die(EXIT_BADINPUT, "container %s has no cgroups", id); /* rootless: none the user could make */
  if (once) {
    print_stats();
    return 0;
  }
  signal(SIGPIPE, SIG_DFL);
  if ((pidfd = (int)syscall(SYS_pidfd_open, st.pid, 0)) < 0)
    die(EXIT_BADINPUT, "container with id %s is not running", id);
  /* the OOM notifications */
  if ((mem = cgres_v1(H, nh, "memory"))) {
    char line[64];
    snprintf(path, sizeof path, "%s/memory.oom_control", mem->dir);
    if ((ofd = open(path, O_RDONLY | O_CLOEXEC)) < 0) die_sys(EXIT_SYSFAIL, "open %s", path);
    if ((efd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK)) < 0) die_sys(EXIT_SYSFAIL, "eventfd");
    snprintf(line, sizeof line, "%d %d", efd, ofd);
    snprintf(path, sizeof path, "%s/cgroup.event_control", mem->dir);
    if (file_write_at(AT_FDCWD, path, line) < 0) die_sys(EXIT_SYSFAIL, "write %s", path);
  } else if ((mem = cgres_v2(H, nh))) {
    char *ev;
    snprintf(path, sizeof path, "%s/memory.events", mem->dir);
    if ((ev = slurp_in(mem->dir, "memory.events"))) {
      ooms = keyed(ev, "oom_kill");
      free(ev);
      if ((ino = inotify_init1(IN_CLOEXEC | IN_NONBLOCK)) < 0) die_sys(EXIT_SYSFAIL, "inotify");
      if (inotify_add_watch(ino, path, IN_MODIFY) < 0) die_sys(EXIT_SYSFAIL, "watch %s", path);
    }
  }
  struct timespec next;
  /* the first stats after one interval, as runc's ticker */
  clock_gettime(CLOCK_MONOTONIC, &next);
  next.tv_sec += interval / 1000;
  next.tv_nsec += (interval % 1000) * 1000000L;
  if (next.tv_nsec >= 1000000000L) next.tv_sec++, next.tv_nsec -= 1000000000L;
  for (;;) {
    struct pollfd p[3] = {
        {.fd = pidfd, .events = POLLIN}, {.fd = efd, .events = POLLIN}, {.fd = ino, .events = POLLIN}};
    struct timespec now;
    long long wait;
    clock_gettime(CLOCK_MONOTONIC, &now);
    wait = (next.tv_sec - now.tv_sec) * 1000LL + (next.tv_nsec - now.tv_nsec) / 1000000;
    if (wait <= 0) {
      print_stats();
      next.tv_sec += interval / 1000;
      next.tv_nsec += (interval % 1000) * 1000000L;
      if (next.tv_nsec >= 1000000000L) next.tv_sec++, next.tv_nsec -= 1000000000L;
      continue;
    }
    if (poll(p, 3, (int)(wait > 1 << 30 ? 1 << 30 : wait)) < 0) {
      if (errno == EINTR) continue;
      die_sys(EXIT_SYSFAIL, "poll");
    }
    if ((p[1].revents & POLLIN) && !v1_oom(efd, mem->dir, idj)) return 0;
    if (p[2].revents & POLLIN) {
      char buf[4096];
      while (read(ino, buf, sizeof buf) > 0) {
      }
      v2_ooms(mem->dir, idj, &ooms);
    }
    if (p[0].revents & POLLIN) { /* the container's first process exited */
      /* the kernel counts an OOM kill before it sends the SIGKILL, but cgroup_file_notify rate-limits the
         watchers of memory.events (a timer): a last look reports an OOM that killed the init itself */
      if (efd >= 0) v1_oom(efd, mem->dir, idj);
      if (ino >= 0) v2_ooms(mem->dir, idj, &ooms);
      return 0;
    }
  }
}
