/* names.h: string <-> constant tables shared by the stages. */
#ifndef NAMES_H
#define NAMES_H

#include <stddef.h>

enum mo_kind {
  MO_SET,    /* sets a mount(2) flag: ro, nosuid, ... */
  MO_CLEAR,  /* clears one: rw, suid, ... (oci-parse resolves these) */
  MO_PROP,   /* propagation: private, rslave, ... */
  MO_RSET,   /* mount_setattr(AT_RECURSIVE) attr_set: rro, rnosuid, ... */
  MO_RCLEAR, /* mount_setattr attr_clr: rrw, rsuid, ... */
  MO_RUNTIME /* handled by the runtime, not the kernel: tmpcopyup */
};

struct mntopt {
  const char *name;
  unsigned long flag; /* MS_* for SET/CLEAR/PROP, MOUNT_ATTR_* for RSET/RCLEAR */
  enum mo_kind kind;
};

const struct mntopt *mount_opt_find(const char *name);
const struct mntopt *mount_opt_table(size_t *n);

struct mount_flags {
  unsigned long flags;           /* MS_* to pass to mount(2) */
  unsigned long prop;            /* MS_PRIVATE|MS_REC ..., 0 for none */
  unsigned long long rset, rclr; /* recursive attributes */
  int tmpcopyup;
};
/* Parse a normalized option list ("nosuid,rbind,rprivate" or "-").
   -1 with errno EINVAL on an unknown name. */
int mount_flags_parse(const char *list, struct mount_flags *mf);
/* A mount of TYPE with these options is a bind mount (the bind/rbind option, or type bind). */
int mount_is_bind(const char *type, const struct mount_flags *mf);
struct rec;
/* A mount record (mount DEST TYPE SOURCE OPTIONS DATA) that is a bind mount, by the rule oci-mount reads it
   with. */
int mount_rec_is_bind(const struct rec *r);

/* RLIMIT_NOFILE -> 7; -1 when unknown. */
int rlimit_from_name(const char *name);
/* "TERM", "SIGTERM", "sigterm" or "15" -> 15; -1 when unknown. */
int signal_from_name(const char *name);
const char *signal_name(int sig);

struct nsinfo {
  const char *oci;  /* OCI type: pid, network, ... */
  const char *proc; /* /proc/PID/ns/<proc> */
  int clone_flag;   /* CLONE_NEW* */
};
const struct nsinfo *ns_find(const char *oci_type);
const struct nsinfo *ns_table(size_t *n);

#endif
