/* test-cgres: the shared resource records and writers (shared/cgres.c) on
   a fake cgroupfs tree (plain files in a temp dir), as oci-cgroup and
   oci-update use them; the saved spec's dirs; the freezer choice. */
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cgres.h"
#include "fd.h"
#include "spec.h"
#include "tap.h"

static char dir[] = "/tmp/test-cgres-XXXXXX";

static int parse(const char *text, struct spec *sp)
{
  unsigned line;
  char *t = strdup(text);
  return spec_parse(t, strlen(t), sp, &line);
}

static int is(const char *sub, const char *file, const char *want)
{
  char p[256], buf[256] = "";
  snprintf(p, sizeof p, "%s/%s/%s", dir, sub, file);
  if (file_read_at(AT_FDCWD, p, buf, sizeof buf) < 0) return 0;
  buf[strcspn(buf, "\n")] = 0;
  return !strcmp(buf, want);
}

static int absent(const char *sub, const char *file)
{
  char p[256];
  snprintf(p, sizeof p, "%s/%s/%s", dir, sub, file);
  return access(p, F_OK) < 0;
}

static void load(struct cgres *c, const struct spec *sp)
{
  memset(c, 0, sizeof *c);
  for (const struct rec *r = NULL; (r = spec_next(sp, NULL, r));) cgres_record(c, r);
}

int main(void)
{
  struct spec sp;
  struct cgres c;
  struct cgres_hier h[8];
  char v2[300], mem[300], cpu[300], pids[300], frz[300], *text;
  size_t n;

  if (!mkdtemp(dir)) return 1;
  snprintf(v2, sizeof v2, "%s/v2", dir);
  snprintf(mem, sizeof mem, "%s/mem", dir);
  snprintf(cpu, sizeof cpu, "%s/cpu", dir);
  snprintf(pids, sizeof pids, "%s/pids", dir);
  snprintf(frz, sizeof frz, "%s/frz", dir);
  mkdir(v2, 0755), mkdir(mem, 0755), mkdir(cpu, 0755), mkdir(pids, 0755), mkdir(frz, 0755);

  /* a pure v2 tree: one unified hierarchy */
  ok(parse("ocispec 1\ncgroup.memory.limit 67108864\ncgroup.memory.swap 134217728\ncgroup.cpu.shares 1024\n"
           "cgroup.cpu.quota 20000\ncgroup.pids.limit 0\ncgroup.blkio.weight 500\ncgroup.unified memory.high "
           "1000\n"
           "cgroup.cpu.cpus 0-1\nstate.dir /x\n",
           &sp) == 0,
     "a spec of resource records");
  load(&c, &sp);
  ok(c.kr[CGRES_M_LIMIT] && c.kv[CGRES_M_LIMIT] == 67108864, "memory limit read");
  ok(c.kv[CGRES_B_WEIGHT] == 500 && c.nunified == 1, "blkio weight and unified read");
  h[0] = (struct cgres_hier){
      .name = "unified", .dir = v2, .v2 = 1, .fake = 1, .dfd = open(v2, O_RDONLY | O_DIRECTORY)};
  cgres_check(&c, h, 1);
  text = cgres_v2_controllers(&c, h, 1);
  ok(!strcmp(text, "+memory +cpu +cpuset +pids +io"), "v2 controllers for the parents");
  free(text);
  cgres_apply(&c, h, 1);
  ok(is("v2", "memory.max", "67108864"), "v2 memory.max");
  ok(is("v2", "memory.swap.max", "67108864"), "v2 memory.swap.max is swap less memory");
  ok(is("v2", "cpu.weight", "100"), "v2 cpu.weight from shares 1024");
  ok(is("v2", "cpu.max", "20000 100000"), "v2 cpu.max with the default period");
  ok(is("v2", "pids.max", "max"), "v2 pids.max 0 is max");
  ok(is("v2", "io.weight", "4950"), "v2 io.weight from blkio weight 500");
  ok(is("v2", "memory.high", "1000"), "v2 unified file");
  ok(is("v2", "cpuset.cpus", "0-1"), "v2 cpuset.cpus");
  close(h[0].dfd);
  cgres_free(&c);
  spec_free(&sp);

  /* v1 hierarchies: memory -1 makes memory+swap -1 too when it exists */
  ok(parse("ocispec 1\ncgroup.memory.limit -1\ncgroup.cpu.period 50000\ncgroup.cpu.quota -1\n"
           "cgroup.pids.limit 7\ncgroup.cpu.shares 0\n",
           &sp) == 0,
     "v1 records");
  load(&c, &sp);
  {
    char p[400];
    snprintf(p, sizeof p, "%s/memory.memsw.limit_in_bytes", mem);
    int fd = open(p, O_WRONLY | O_CREAT, 0644);
    ok(fd >= 0 && write(fd, "1000\n", 5) == 5, "a memsw file");
    close(fd);
  }
  h[0] =
      (struct cgres_hier){.name = "memory", .dir = mem, .fake = 1, .dfd = open(mem, O_RDONLY | O_DIRECTORY)};
  h[1] = (struct cgres_hier){
      .name = "cpu,cpuacct", .dir = cpu, .fake = 1, .dfd = open(cpu, O_RDONLY | O_DIRECTORY)};
  h[2] =
      (struct cgres_hier){.name = "pids", .dir = pids, .fake = 1, .dfd = open(pids, O_RDONLY | O_DIRECTORY)};
  ok(cgres_v1(h, 3, "cpu") == &h[1] && cgres_v1(h, 3, "cpuacct") == &h[1] && !cgres_v1(h, 3, "freezer"),
     "v1 lookup by controller, comounted");
  cgres_check(&c, h, 3);
  cgres_apply(&c, h, 3);
  ok(is("mem", "memory.limit_in_bytes", "-1") && is("mem", "memory.memsw.limit_in_bytes", "-1"),
     "v1 memory -1 with memsw -1");
  ok(is("cpu", "cpu.cfs_period_us", "50000") && is("cpu", "cpu.cfs_quota_us", "-1"),
     "v1 cpu period and quota");
  ok(absent("cpu", "cpu.shares"), "v1 zero shares is unset");
  ok(is("pids", "pids.max", "7"), "v1 pids.max");
  for (int i = 0; i < 3; i++) close(h[i].dfd);
  cgres_free(&c);
  spec_free(&sp);

  /* the deepest dir of each hierarchy; the freezer choice */
  text = malloc(2048);
  snprintf(
      text, 2048,
      "ocispec 1\ncgroup.dir freezer %s existing\ncgroup.dir unified %s new\ncgroup.dir freezer %s/a new\n",
      dir, v2, dir);
  ok(parse(text, &sp) == 0, "cgroup.dir records");
  n = cgres_dirs(&sp, h, 8);
  ok(n == 2 && !strcmp(h[0].name, "freezer") && strstr(h[0].dir, "/a") && h[1].v2, "the deepest of each");
  ok(cgres_freezer(h, n) == &h[0], "v1 freezer first");
  ok(cgres_freezer(h + 1, 1) == &h[1], "else the unified one");
  spec_free(&sp);
  free(text);

  /* a swap below memory is refused; other records are not ours */
  ok(parse("ocispec 1\nroot.path /r\n", &sp) == 0, "a non-resource record");
  memset(&c, 0, sizeof c);
  ok(cgres_record(&c, spec_next(&sp, NULL, NULL)) == 0, "is not taken");
  spec_free(&sp);

  {
    char cmd[300];
    snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
    ok(system(cmd) == 0, "temp tree removed");
  }
  return done();
}
