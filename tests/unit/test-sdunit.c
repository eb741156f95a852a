/* test-sdunit: the systemd driver's rules (shared/sdunit.c): runc's
   slice expansion and unit names, the quota rounding, cpuset bitmasks,
   and the properties of a container's resources, marshalled. */
#include <stdlib.h>
#include <string.h>

#include "sdunit.h"
#include "tap.h"

static int slice_is(const char *in, const char *want)
{
  char *got = sd_expand_slice(in);
  int r = want ? got && !strcmp(got, want) : !got;
  free(got);
  return r;
}

static int unit_is(const char *cgpath, const char *slice, const char *unit, const char *path)
{
  struct sd_unit u;
  char why[256];
  int r = sd_unit_parse(cgpath, "ID", &u, why, sizeof why) == 0 && !strcmp(u.slice, slice) &&
          !strcmp(u.unit, unit) && !strcmp(u.path, path);
  sd_unit_free(&u);
  return r;
}

static int unit_bad(const char *cgpath, const char *want)
{
  struct sd_unit u;
  char why[256] = "";
  int r = sd_unit_parse(cgpath, "ID", &u, why, sizeof why) < 0 && strstr(why, want);
  if (!r) printf("# got: %s\n", why);
  return r;
}

/* the resources of a spec text, as properties: "NAME=VALUE ..." */
static char *props(const char *text, int sdver)
{
  struct spec sp;
  struct cgres c = {0};
  unsigned bad;
  static char out[1024];
  char *res = NULL;
  const char *why;
  struct dbus_msg m;
  if (spec_parse(strdup(text), strlen(text), &sp, &bad) < 0) return NULL;
  for (const struct rec *r = NULL; (r = spec_next(&sp, NULL, r));) cgres_record(&c, r);
  dbus_msg_init(&m);
  size_t a = dbus_array_begin(&m, 8);
  if (sd_resource_props(&m, &c, sdver, &why) < 0) goto out;
  dbus_array_end(&m, a);
  struct dbus_it it = {.buf = m.buf, .len = m.len, .pos = 4};
  *out = 0;
  while ((it.pos = (it.pos + 7) / 8 * 8) < it.len) {
    const char *name, *sig;
    uint64_t t;
    uint32_t u;
    if (dbus_get_s(&it, &name) < 0 || dbus_get_g(&it, &sig) < 0) goto out;
    size_t n = strlen(out);
    if (!strcmp(sig, "t")) {
      if (dbus_get_t(&it, &t) < 0) goto out;
      if (t == UINT64_MAX)
        snprintf(out + n, sizeof out - n, "%s%s=inf", n ? " " : "", name);
      else
        snprintf(out + n, sizeof out - n, "%s%s=%llu", n ? " " : "", name, (unsigned long long)t);
    } else if (!strcmp(sig, "ay")) {
      if (dbus_get_u(&it, &u) < 0) goto out;
      n += (size_t)snprintf(out + n, sizeof out - n, "%s%s=", n ? " " : "", name);
      for (uint32_t i = 0; i < u; i++)
        n += (size_t)snprintf(out + n, sizeof out - n, "%02x", it.buf[it.pos++]);
    } else {
      goto out;
    }
  }
  res = out;
out:
  dbus_msg_free(&m);
  spec_free(&sp);
  cgres_free(&c);
  return res;
}

static int props_are(const char *text, int sdver, const char *want)
{
  char *got = props(text, sdver);
  if (got && strcmp(got, want)) printf("# got: %s\n", got);
  return got && !strcmp(got, want);
}

int main(void)
{
  ok(slice_is("system.slice", "/system.slice"), "system.slice");
  ok(slice_is("a-b-c.slice", "/a.slice/a-b.slice/a-b-c.slice"), "a-b-c.slice expands");
  ok(slice_is("-.slice", ""), "-.slice is the root");
  ok(slice_is("a--b.slice", NULL) && slice_is("-a.slice", NULL) && slice_is("a-.slice", NULL),
     "empty components refused");
  ok(slice_is(".slice", NULL) && slice_is("foo", NULL) && slice_is("a/b.slice", NULL), "not slices refused");

  ok(unit_is("", "system.slice", "runc-ID.scope", "/system.slice/runc-ID.scope"), "empty: runc-ID.scope");
  ok(unit_is("machine.slice:libpod:abc", "machine.slice", "libpod-abc.scope",
             "/machine.slice/libpod-abc.scope"),
     "slice:prefix:name");
  ok(unit_is(":docker:1", "system.slice", "docker-1.scope", "/system.slice/docker-1.scope"), "default slice");
  ok(unit_is("a-b.slice:p:n", "a-b.slice", "p-n.scope", "/a.slice/a-b.slice/p-n.scope"), "nested slice");
  ok(unit_is("system.slice:x:system-ctr.slice", "system.slice", "system-ctr.slice",
             "/system.slice/system-ctr.slice"),
     "a name ending in .slice makes a slice");
  ok(unit_bad("foo", "slice:prefix:name") && unit_bad("a:b:c:d", "slice:prefix:name"), "not three parts");
  ok(unit_bad("bad:p:n", "invalid slice name") && unit_bad("a--b.slice:p:n", "invalid slice name"),
     "bad slice");
  ok(unit_bad("system.slice:p:a/b", "must not contain /") && unit_bad("system.slice:p:", "empty"),
     "bad name");

  ok(sd_cpu_quota_usec(50000, 100000) == 500000, "quota 50% of a cpu");
  ok(sd_cpu_quota_usec(12345, 100000) == 130000, "quota rounded up to 10 ms");
  ok(sd_cpu_quota_usec(20000, 0) == 200000, "default period");
  ok(sd_cpu_quota_usec(-1, 100000) == UINT64_MAX && sd_cpu_quota_usec(0, 5) == UINT64_MAX,
     "no quota: infinity");

  unsigned char *b;
  size_t n;
  ok(sd_cpuset_bits("0-2,9", &b, &n) == 0 && n == 2 && b[0] == 7 && b[1] == 2, "cpuset bits");
  free(b);
  ok(sd_cpuset_bits("1,x", &b, &n) < 0 && sd_cpuset_bits("3-1", &b, &n) < 0 && sd_cpuset_bits("", &b, &n) < 0,
     "bad cpuset lists refused");

  ok(props_are("ocispec 1\ncgroup.memory.limit 1048576\ncgroup.memory.swap 2097152\ncgroup.pids.limit 10\n",
               252, "MemoryMax=1048576 MemorySwapMax=1048576 TasksMax=10"),
     "memory, swap (less memory), tasks");
  ok(props_are("ocispec 1\ncgroup.memory.limit -1\ncgroup.pids.limit -1\n", 252,
               "MemoryMax=inf MemorySwapMax=inf TasksMax=inf"),
     "unlimited memory: swap too; unlimited pids");
  ok(props_are("ocispec 1\ncgroup.cpu.shares 1024\ncgroup.cpu.quota 50000\ncgroup.cpu.period 100000\n", 252,
               "CPUWeight=100 CPUQuotaPeriodUSec=100000 CPUQuotaPerSecUSec=500000"),
     "shares to weight, quota and period");
  ok(props_are("ocispec 1\ncgroup.cpu.period 100000\n", 241, "CPUQuotaPerSecUSec=inf"),
     "period alone, old systemd: no period property");
  ok(props_are("ocispec 1\ncgroup.cpu.cpus 0-1\ncgroup.cpu.mems 0\ncgroup.memory.reservation 4096\n", 252,
               "MemoryLow=4096 AllowedCPUs=03 AllowedMemoryNodes=01"),
     "cpuset and reservation");
  ok(props_are("ocispec 1\ncgroup.cpu.cpus 0-1\n", 243, ""), "cpuset, old systemd: files only");
  ok(props_are("ocispec 1\ncgroup.cpu.idle 1\ncgroup.cpu.shares 1024\n", 252, "CPUWeight=0"), "idle");
  ok(props_are("ocispec 1\ncgroup.unified memory.high 8192\ncgroup.unified pids.max max\n"
               "cgroup.unified cpu.max 20000\ncgroup.unified io.weight 50\n",
               252, "MemoryHigh=8192 TasksMax=inf CPUQuotaPeriodUSec=100000 CPUQuotaPerSecUSec=200000"),
     "unified keys converted, the others left to the files");
  ok(!props("ocispec 1\ncgroup.unified memory.high lots\n", 252), "bad unified value refused");
  return done();
}
