/* test-resjson: a LinuxResources object to cgroup.* records
   (shared/resjson.c), the one converter of oci-parse and oci-update:
   every field, runc's "zero is not set", the list entries; and runc's
   v1 -> v2 conversions of shared/cgres.c (shares -> cpu.weight, blkio
   weight -> io.weight, the throttles -> one io.max line). */
#include <stdlib.h>
#include <string.h>

#include "cgres.h"
#include "cgroup.h"
#include "json.h"
#include "resjson.h"
#include "spec.h"
#include "tap.h"

/* the records of one JSON text, without the header */
static char *records(const char *json, int flags)
{
  struct specw w;
  cJSON *r = cJSON_Parse(json);
  char *s;
  specw_init(&w);
  specw_from(&w, NULL);
  resjson_records(r, "linux.resources", flags, &w);
  cJSON_Delete(r);
  s = strdup(strchr(w.buf, '\n') + 1);
  specw_free(&w);
  return s;
}

static int is(const char *json, int flags, const char *want)
{
  char *got = records(json, flags);
  int same = !strcmp(got, want);
  if (!same) printf("# got:\n%s# want:\n%s", got, want);
  free(got);
  return same;
}

int main(void)
{
  json_file = "config.json";
  ok(is("{\"memory\": {\"limit\": 67108864, \"reservation\": 1, \"swap\": -1, \"kernel\": 2, \"kernelTCP\": "
        "3,"
        " \"swappiness\": 10, \"disableOOMKiller\": true, \"useHierarchy\": false, \"checkBeforeUpdate\": "
        "true}}",
        0,
        "cgroup.memory.limit 67108864\ncgroup.memory.reservation 1\ncgroup.memory.swap -1\n"
        "cgroup.memory.kernel 2\ncgroup.memory.kernelTCP 3\ncgroup.memory.swappiness 10\n"
        "cgroup.memory.disableOOMKiller 1\ncgroup.memory.useHierarchy 0\ncgroup.memory.checkBeforeUpdate "
        "1\n"),
     "memory: every field");
  ok(is("{\"memory\": {\"limit\": 0, \"swappiness\": 18446744073709551615, \"disableOOMKiller\": false}}", 0,
        ""),
     "memory: zeros and the uint64 -1 swappiness are not set");
  ok(is("{\"cpu\": {\"shares\": 512, \"quota\": 50000, \"burst\": 0, \"period\": 100000, "
        "\"realtimeRuntime\": 5,"
        " \"realtimePeriod\": 6, \"cpus\": \"0-1\", \"mems\": \"\", \"idle\": 1}}",
        0,
        "cgroup.cpu.shares 512\ncgroup.cpu.quota 50000\ncgroup.cpu.burst 0\ncgroup.cpu.period 100000\n"
        "cgroup.cpu.realtimeRuntime 5\ncgroup.cpu.realtimePeriod 6\ncgroup.cpu.cpus 0-1\ncgroup.cpu.idle "
        "1\n"),
     "cpu: every field, a zero burst kept, an empty mems not");
  ok(is("{\"pids\": {\"limit\": -5}}", 0, "cgroup.pids.limit -1\n"), "pids: any negative is unlimited");
  ok(is("{\"blockIO\": {\"weight\": 500, \"leafWeight\": 0, \"weightDevice\": [{\"major\": 8, \"minor\": 0, "
        "\"weight\": 600}, {\"major\": 8, \"minor\": 16, \"weight\": 0, \"leafWeight\": 0}],"
        " \"throttleReadBpsDevice\": [{\"major\": 8, \"minor\": 0, \"rate\": 1}],"
        " \"throttleWriteBpsDevice\": [{\"major\": 8, \"minor\": 0, \"rate\": 0}],"
        " \"throttleReadIOPSDevice\": [{\"major\": 8, \"minor\": 0, \"rate\": 3}],"
        " \"throttleWriteIOPSDevice\": [{\"major\": 8, \"minor\": 0, \"rate\": 4}]}}",
        0,
        "cgroup.blkio.weight 500\ncgroup.blkio.weightDevice 8 0 600 0\ncgroup.blkio.throttleReadBps 8 0 1\n"
        "cgroup.blkio.throttleReadIops 8 0 3\ncgroup.blkio.throttleWriteIops 8 0 4\n"),
     "blockIO: weights and throttles, zeros not set");
  ok(is("{\"hugepageLimits\": [{\"pageSize\": \"2MB\", \"limit\": 4194304}, {\"pageSize\": \"1GB\", "
        "\"limit\": 0}]}",
        0, "cgroup.hugetlb 2MB 4194304\ncgroup.hugetlb 1GB 0\n"),
     "hugepageLimits: each page size, a zero limit kept");
  ok(is("{\"network\": {\"classID\": 1048577, \"priorities\": [{\"name\": \"eth0\", \"priority\": 5}]}}", 0,
        "cgroup.net.classID 1048577\ncgroup.net.priority eth0 5\n"),
     "network");
  ok(is("{\"rdma\": {\"mlx5_1\": {\"hcaHandles\": 3}, \"mlx4_0\": {\"hcaHandles\": 1, \"hcaObjects\": 2}, "
        "\"x\": {}}}",
        0, "cgroup.rdma mlx5_1 3 -\ncgroup.rdma mlx4_0 1 2\n"),
     "rdma: an unset count is empty, an empty entry nothing");
  ok(is("{\"unified\": {\"memory.high\": \"max\"}}", 0, "cgroup.unified memory.high max\n"), "unified");
  ok(is("{\"devices\": [{\"allow\": false, \"access\": \"rwm\"}]}", 0, ""), "devices: not without the flag");
  ok(is("{\"devices\": [{\"allow\": true, \"type\": \"c\", \"major\": 1, \"minor\": 3}]}", RESJSON_DEVICES,
        "cgroup.device allow c 1 3 rwm\n"),
     "devices: with it");

  /* runc's conversions, pinned */
  ok(cgroup_shares_to_weight(2) == 1 && cgroup_shares_to_weight(1024) == 100 &&
         cgroup_shares_to_weight(262144) == 10000 && cgroup_shares_to_weight(512) == 59 &&
         cgroup_shares_to_weight(0) == 0,
     "cpu shares -> cpu.weight");
  ok(cgres_blkio_to_io_weight(10) == 1 && cgres_blkio_to_io_weight(1000) == 10000 &&
         cgres_blkio_to_io_weight(500) == 4950 && cgres_blkio_to_io_weight(100) == 910 &&
         cgres_blkio_to_io_weight(0) == 0,
     "blkio weight -> io.weight: 1 + (w - 10) * 9999 / 990");
  {
    struct spec sp;
    struct cgres c = {0};
    unsigned line;
    char *t = strdup("ocispec 1\ncgroup.blkio.throttleWriteIops 8 0 4\ncgroup.blkio.throttleReadBps 8 0 1\n"
                     "cgroup.blkio.throttleReadBps 8 16 9\ncgroup.blkio.throttleWriteBps 8 0 0\n"
                     "cgroup.blkio.throttleReadBps 8 0 2\n");
    char *a, *b;
    ok(spec_parse(t, strlen(t), &sp, &line) == 0, "throttle records");
    for (const struct rec *r = NULL; (r = spec_next(&sp, NULL, r));) cgres_record(&c, r);
    a = cgres_io_max(&c, "8", "0");
    b = cgres_io_max(&c, "8", "16");
    ok(!strcmp(a, "8:0 rbps=2 wbps=max wiops=4"),
       "io.max: one line per device, the last rate of a kind wins");
    ok(!strcmp(b, "8:16 rbps=9"), "io.max: another device");
    free(a), free(b);
    cgres_free(&c);
    spec_free(&sp);
  }
  return done();
}
