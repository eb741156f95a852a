/* cgroup.h: cgroup helpers shared by the programs that set resources
   (oci-cgroup; later oci-update): the v2 device filter and unit
   conversions. No printing, no exiting: -1 with errno. */
#ifndef CGROUP_H
#define CGROUP_H

#include <stddef.h>

/* One cgroup.device record: the allow-list in order. */
struct cgroup_dev {
  int allow;          /* 1 allow, 0 deny */
  int type;           /* 'a', 'c' or 'b' */
  long long maj, min; /* -1 is * */
  unsigned access;    /* CGROUP_DEV_* bits */
};
enum { CGROUP_DEV_MKNOD = 1, CGROUP_DEV_READ = 2, CGROUP_DEV_WRITE = 4 };

/* "rwm" letters to CGROUP_DEV_* bits; -1 on any other letter or none. */
int cgroup_dev_access(const char *rwm);
/* Build a BPF_PROG_TYPE_CGROUP_DEVICE program that decides as the v1
   devices controller would after "deny a" and the rules in order, load it
   and attach it (BPF_F_ALLOW_MULTI, so the parents' filters still apply)
   to the cgroup v2 directory dirfd. On failure *step says which of
   "load" or "attach" failed. The attachment lives as long as the cgroup. */
int cgroup_devices_attach(int dirfd, const struct cgroup_dev *rules, size_t n, const char **step);
/* cpu.shares (v1) to cpu.weight (v2), as runc (opencontainers/cgroups
   >= 0.0.3) converts: 0 stays 0 (unset). */
unsigned long long cgroup_shares_to_weight(unsigned long long shares);

/* Send sig to every process listed in DIR/cgroup.procs (never to pid 1 or
   ourselves); returns how many were listed, -1 when the file is unreadable. */
int cgroup_signal(const char *dir, int sig);

#endif
