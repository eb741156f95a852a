/* sdunit.h: the systemd cgroup driver's rules: the unit and cgroup of a
   "slice:prefix:name" cgroupsPath and the unit properties runc sets for a
   container's resources (runc's libcontainer/cgroups/systemd), marshalled
   for StartTransientUnit; and the few calls to systemd's manager that
   oci-cgroup and oci-delete make. */
#ifndef SDUNIT_H
#define SDUNIT_H

#include <stddef.h>
#include <stdint.h>

#include "cgres.h"
#include "dbus.h"

/* A slice's cgroup: "a-b.slice" is "/a.slice/a-b.slice", "-.slice" the
   root (""). malloc'd; NULL when the name is not a valid slice. */
char *sd_expand_slice(const char *slice);

/* cgroupsPath under --systemd-cgroup: "slice:prefix:name", empty for
   ":runc:ID". Fills the parent slice (default system.slice), the unit
   (prefix-name.scope, or name itself when it ends in .slice), its cgroup
   (absolute, in the unified hierarchy) and the name part; malloc'd. -1
   with runc's message in why on a bad path. */
struct sd_unit {
  char *slice, *unit, *path, *name;
  int is_slice;
};
int sd_unit_parse(const char *cgpath, const char *id, struct sd_unit *u, char *why, size_t n);
void sd_unit_free(struct sd_unit *u);

/* CPUQuotaPerSecUSec for cpu.max "quota period": USEC_INFINITY for no
   quota, else quota per second rounded up to 10 ms, as runc does. */
uint64_t sd_cpu_quota_usec(long long quota, unsigned long long period);
/* A cpuset list ("0-3,8") as systemd's AllowedCPUs bytes (bit i of byte
   i/8 is cpu i). malloc'd; -1 when malformed. */
int sd_cpuset_bits(const char *list, unsigned char **bits, size_t *n);

/* Append the (sv) entries runc sets for these resources on cgroup v2
   (MemoryMax, MemoryLow, MemorySwapMax, CPUWeight, CPUQuotaPeriodUSec,
   CPUQuotaPerSecUSec, TasksMax, AllowedCPUs, AllowedMemoryNodes, and the
   cgroup.unified keys it converts) to an open a(sv) array. -1 with *why
   on a value systemd cannot take. sdver: systemd's version (runc leaves
   out what older ones lack: CPUQuotaPeriodUSec before 242, AllowedCPUs
   and AllowedMemoryNodes before 244, CPUWeight 0 for cpu.idle before 252). */
int sd_resource_props(struct dbus_msg *m, const struct cgres *c, int sdver, const char **why);
/* One property: ("NAME", <value>) of D-Bus type t, b, s. */
void sd_prop_t(struct dbus_msg *m, const char *name, uint64_t v);
void sd_prop_b(struct dbus_msg *m, const char *name, int v);
void sd_prop_s(struct dbus_msg *m, const char *name, const char *v);

/* A connection to systemd's manager: its private socket (root), else the
   system bus (Hello, and a match for JobRemoved). */
struct sd_conn {
  struct dbus bus;
  int on_bus;
  int version; /* systemd's, 0 when unknown */
};
/* 0, or -1 with c->bus.err. */
int sd_connect(struct sd_conn *c);
/* Call a manager method on a unit name (mode NULL: one argument). */
int sd_call_unit(struct sd_conn *c, const char *method, const char *unit, const char *mode,
                 struct dbus_in *r);
/* The result of a job ("done", "failed", "canceled", ...) once systemd says
   JobRemoved: malloc'd, NULL with c->bus.err. */
char *sd_wait_job(struct sd_conn *c, const char *job);
/* Stop a unit and wait for the job, then reset it if it failed, as runc's
   stopUnit: 0 (also when there is no such unit), -1 with c->bus.err. */
int sd_stop_unit(struct sd_conn *c, const char *unit);

#endif
