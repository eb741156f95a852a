/* cgres.h: the container's cgroup resources, one implementation for the
   programs that set them (oci-cgroup at create, oci-update later) and for
   those that act on the container's cgroups (oci-pause, oci-events, oci-ps,
   oci-kill, oci-delete): the cgroup.* resource records, how they are
   validated and written to v1 and v2 files, the freezer, and the deepest
   dir of each hierarchy as the saved spec records it. The writers die
   (111) on a failed write: every caller is a program that stops there. */
#ifndef CGRES_H
#define CGRES_H

#include <stddef.h>

#include "cgroup.h"
#include "spec.h"

/* clang-format off */
enum { CGRES_M_LIMIT, CGRES_M_RES, CGRES_M_SWAP, CGRES_M_KERNEL, CGRES_M_KTCP, CGRES_M_SWAPPINESS,
       CGRES_M_NOOOM, CGRES_M_HIER, CGRES_C_SHARES, CGRES_C_QUOTA, CGRES_C_PERIOD, CGRES_C_RTRUN,
       CGRES_C_RTPER, CGRES_C_BURST, CGRES_C_IDLE, CGRES_C_CPUS, CGRES_C_MEMS, CGRES_P_LIMIT,
       CGRES_B_WEIGHT, CGRES_M_CHECK, CGRES_B_LEAF, CGRES_N_CLASSID, CGRES_NKEY };
/* the list records: one entry per device, page size, interface, rdma
   device (a later record for the same one replaces it) */
enum { CGRES_L_WDEV, CGRES_L_RBPS, CGRES_L_WBPS, CGRES_L_RIOPS, CGRES_L_WIOPS, CGRES_L_HUGE, CGRES_L_PRIO,
       CGRES_L_RDMA, CGRES_NLIST };
/* clang-format on */

/* The record key of a resource ("cgroup.memory.limit"). */
const char *cgres_key(int k);

/* The resource records of a spec, validated. */
struct cgres {
  const struct rec *kr[CGRES_NKEY]; /* the record (last wins), or NULL */
  long long kv[CGRES_NKEY];         /* its value; cpuset lists stay in kr */
  struct cgroup_dev *devs;          /* cgroup.device rules, in order */
  const struct rec **devrec;
  size_t ndev;
  const struct rec **unified; /* cgroup.unified KEY VALUE */
  size_t nunified;
  const struct rec **list[CGRES_NLIST]; /* the list records, in order */
  size_t nlist[CGRES_NLIST];
};

/* Take one record: 1 when it is a resource record (cgroup.memory.*,
   .cpu.*, .pids.limit, .blkio.*, .hugetlb, .net.*, .rdma, .device,
   .unified), 0 when it is not; dies 100 naming the spec line on a bad
   value. */
int cgres_record(struct cgres *c, const struct rec *r);
/* Checks across records (swap below memory). Dies 100. */
void cgres_validate(const struct cgres *c);
void cgres_free(struct cgres *c);

/* One hierarchy the container has a cgroup in. */
struct cgres_hier {
  const char *name; /* "memory", "cpu,cpuacct" (v1) or "unified" */
  const char *dir;  /* the container's cgroup there */
  int dfd;          /* open on dir (apply only) */
  int v2;
  int fake; /* a tree of plain files (tests): files are created on write */
};

/* The v1 hierarchy holding controller ctrl, the unified one, or NULL. */
struct cgres_hier *cgres_v1(struct cgres_hier *h, size_t n, const char *ctrl);
struct cgres_hier *cgres_v2(struct cgres_hier *h, size_t n);
/* Every resource must have somewhere to go: dies 100 naming the record
   when its controller is not mounted (or it cannot be set on v2). Each
   controller goes to its v1 hierarchy, or else (hybrid, pure v2) to the
   unified one in its v2 form; cgroup.unified only on a pure v2 host. */
void cgres_check(const struct cgres *c, struct cgres_hier *h, size_t n);
/* The controllers the unified cgroup needs from its parents'
   cgroup.subtree_control: "+memory +pids" (malloc'd, maybe ""): on a
   pure v2 host every one a resource is written to, on a hybrid one those
   not on v1 (hugetlb). */
char *cgres_v2_controllers(const struct cgres *c, struct cgres_hier *h, size_t n);
/* Write every resource to the v1 and v2 files, as runc does: zero means
   unset for the values runc reads so, -1 is unlimited ("max" on v2). */
void cgres_apply(const struct cgres *c, struct cgres_hier *h, size_t n);
/* runc's v1 -> v2 conversions. blkio weight [10, 1000] to io.weight
   [1, 10000] (0 stays 0); a device's throttle records to one io.max line
   "MAJ:MIN rbps=N wbps=N riops=N wiops=N" (the keys it has; a rate of 0
   is "max"), malloc'd. */
unsigned long long cgres_blkio_to_io_weight(unsigned long long w);
char *cgres_io_max(const struct cgres *c, const char *maj, const char *min);
/* One value to one file of a cgroup: one write(2). Dies 111. */
void cgres_write(const struct cgres_hier *h, int dfd, const char *dir, const char *file, const char *val);

/* The deepest cgroup.dir of each hierarchy in a saved spec, in the order
   of their first record; fills h (dfd -1, fake 0: a program that writes
   sets both). No system call. Returns how many, at most max. */
size_t cgres_dirs(const struct spec *sp, struct cgres_hier *h, size_t max);
/* The freezer of a container: the v1 freezer hierarchy, or else the
   unified one (cgroup.freeze). NULL when it has neither. */
const struct cgres_hier *cgres_freezer(const struct cgres_hier *h, size_t n);
/* Is it frozen: 1, 0, -1 with errno when unreadable. */
int cgres_frozen(const struct cgres_hier *f);
/* Freeze (1) or thaw (0) and wait until the kernel says it is done (v1
   freezer.state FROZEN, v2 cgroup.events "frozen 1"); -1 with errno
   (ETIMEDOUT after about 10 s). */
int cgres_freeze(const struct cgres_hier *f, int on);
/* Thaw the container of a saved spec when its freezer is frozen (a frozen
   task does not die of SIGKILL); writes nothing otherwise. 0, or -1 with
   errno. */
int cgres_thaw(const struct spec *sp);

#endif
