#include "names.h"
#include "spec.h"

#include <errno.h>
#include <sched.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/mount.h>
#include <sys/resource.h>

#ifndef MS_NOSYMFOLLOW
#define MS_NOSYMFOLLOW 256
#endif
#ifndef MOUNT_ATTR_RDONLY
#define MOUNT_ATTR_RDONLY 0x00000001
#define MOUNT_ATTR_NOSUID 0x00000002
#define MOUNT_ATTR_NODEV 0x00000004
#define MOUNT_ATTR_NOEXEC 0x00000008
#define MOUNT_ATTR__ATIME 0x00000070
#define MOUNT_ATTR_RELATIME 0x00000000
#define MOUNT_ATTR_NOATIME 0x00000010
#define MOUNT_ATTR_STRICTATIME 0x00000020
#define MOUNT_ATTR_NODIRATIME 0x00000080
#endif
#ifndef MOUNT_ATTR_NOSYMFOLLOW
#define MOUNT_ATTR_NOSYMFOLLOW 0x00200000
#endif
#ifndef CLONE_NEWTIME
#define CLONE_NEWTIME 0x00000080
#endif

static const struct mntopt opts[] = {
    {"async", MS_SYNCHRONOUS, MO_CLEAR},
    {"atime", MS_NOATIME, MO_CLEAR},
    {"bind", MS_BIND, MO_SET},
    {"defaults", 0, MO_SET},
    {"dev", MS_NODEV, MO_CLEAR},
    {"diratime", MS_NODIRATIME, MO_CLEAR},
    {"dirsync", MS_DIRSYNC, MO_SET},
    {"exec", MS_NOEXEC, MO_CLEAR},
    {"iversion", MS_I_VERSION, MO_SET},
    {"lazytime", MS_LAZYTIME, MO_SET},
    {"loud", MS_SILENT, MO_CLEAR},
    {"mand", MS_MANDLOCK, MO_SET},
    {"noatime", MS_NOATIME, MO_SET},
    {"nodev", MS_NODEV, MO_SET},
    {"nodiratime", MS_NODIRATIME, MO_SET},
    {"noexec", MS_NOEXEC, MO_SET},
    {"noiversion", MS_I_VERSION, MO_CLEAR},
    {"nolazytime", MS_LAZYTIME, MO_CLEAR},
    {"nomand", MS_MANDLOCK, MO_CLEAR},
    {"norelatime", MS_RELATIME, MO_CLEAR},
    {"nostrictatime", MS_STRICTATIME, MO_CLEAR},
    {"nosuid", MS_NOSUID, MO_SET},
    {"nosymfollow", MS_NOSYMFOLLOW, MO_SET},
    {"private", MS_PRIVATE, MO_PROP},
    {"rbind", MS_BIND | MS_REC, MO_SET},
    {"rdev", MOUNT_ATTR_NODEV, MO_RCLEAR},
    {"rdiratime", MOUNT_ATTR_NODIRATIME, MO_RCLEAR},
    {"relatime", MS_RELATIME, MO_SET},
    {"rexec", MOUNT_ATTR_NOEXEC, MO_RCLEAR},
    {"rnoatime", MOUNT_ATTR_NOATIME, MO_RSET},
    {"rnodev", MOUNT_ATTR_NODEV, MO_RSET},
    {"rnodiratime", MOUNT_ATTR_NODIRATIME, MO_RSET},
    {"rnoexec", MOUNT_ATTR_NOEXEC, MO_RSET},
    {"rnosuid", MOUNT_ATTR_NOSUID, MO_RSET},
    {"rnosymfollow", MOUNT_ATTR_NOSYMFOLLOW, MO_RSET},
    {"ro", MS_RDONLY, MO_SET},
    {"rprivate", MS_PRIVATE | MS_REC, MO_PROP},
    {"rrelatime", MOUNT_ATTR_RELATIME, MO_RSET},
    {"rro", MOUNT_ATTR_RDONLY, MO_RSET},
    {"rrw", MOUNT_ATTR_RDONLY, MO_RCLEAR},
    {"rshared", MS_SHARED | MS_REC, MO_PROP},
    {"rslave", MS_SLAVE | MS_REC, MO_PROP},
    {"rstrictatime", MOUNT_ATTR_STRICTATIME, MO_RSET},
    {"rsuid", MOUNT_ATTR_NOSUID, MO_RCLEAR},
    {"rsymfollow", MOUNT_ATTR_NOSYMFOLLOW, MO_RCLEAR},
    {"runbindable", MS_UNBINDABLE | MS_REC, MO_PROP},
    {"rw", MS_RDONLY, MO_CLEAR},
    {"shared", MS_SHARED, MO_PROP},
    {"silent", MS_SILENT, MO_SET},
    {"slave", MS_SLAVE, MO_PROP},
    {"strictatime", MS_STRICTATIME, MO_SET},
    {"suid", MS_NOSUID, MO_CLEAR},
    {"symfollow", MS_NOSYMFOLLOW, MO_CLEAR},
    {"sync", MS_SYNCHRONOUS, MO_SET},
    {"tmpcopyup", 0, MO_RUNTIME},
    {"unbindable", MS_UNBINDABLE, MO_PROP},
};

const struct mntopt *mount_opt_table(size_t *n)
{
  *n = sizeof opts / sizeof *opts;
  return opts;
}

static int cmp_opt(const void *k, const void *e) { return strcmp(k, ((const struct mntopt *)e)->name); }

const struct mntopt *mount_opt_find(const char *name)
{
  return bsearch(name, opts, sizeof opts / sizeof *opts, sizeof *opts, cmp_opt);
}

int mount_flags_parse(const char *list, struct mount_flags *mf)
{
  char buf[1024];
  memset(mf, 0, sizeof *mf);
  if (!*list || !strcmp(list, "-")) return 0;
  if (strlen(list) >= sizeof buf) goto bad;
  strcpy(buf, list);
  for (char *save, *t = strtok_r(buf, ",", &save); t; t = strtok_r(NULL, ",", &save)) {
    const struct mntopt *o = mount_opt_find(t);
    if (!o) goto bad;
    switch (o->kind) {
      case MO_SET: mf->flags |= o->flag; break;
      case MO_CLEAR: mf->flags &= ~o->flag; break;
      case MO_PROP: mf->prop = o->flag; break;
      case MO_RSET:
        if (o->flag == MOUNT_ATTR_NOATIME || o->flag == MOUNT_ATTR_STRICTATIME ||
            o->flag == MOUNT_ATTR_RELATIME)
          mf->rclr |= MOUNT_ATTR__ATIME; /* the atime attrs are one field */
        mf->rset |= o->flag;
        mf->rclr &= ~(unsigned long long)o->flag;
        break;
      case MO_RCLEAR:
        mf->rclr |= o->flag;
        mf->rset &= ~(unsigned long long)o->flag;
        break;
      case MO_RUNTIME: mf->tmpcopyup = 1; break;
    }
  }
  return 0;
bad:
  errno = EINVAL;
  return -1;
}

static const struct {
  const char *name;
  int res;
} rlimits[] = {
    {"RLIMIT_AS", RLIMIT_AS},
    {"RLIMIT_CORE", RLIMIT_CORE},
    {"RLIMIT_CPU", RLIMIT_CPU},
    {"RLIMIT_DATA", RLIMIT_DATA},
    {"RLIMIT_FSIZE", RLIMIT_FSIZE},
    {"RLIMIT_LOCKS", RLIMIT_LOCKS},
    {"RLIMIT_MEMLOCK", RLIMIT_MEMLOCK},
    {"RLIMIT_MSGQUEUE", RLIMIT_MSGQUEUE},
    {"RLIMIT_NICE", RLIMIT_NICE},
    {"RLIMIT_NOFILE", RLIMIT_NOFILE},
    {"RLIMIT_NPROC", RLIMIT_NPROC},
    {"RLIMIT_RSS", RLIMIT_RSS},
    {"RLIMIT_RTPRIO", RLIMIT_RTPRIO},
    {"RLIMIT_RTTIME", RLIMIT_RTTIME},
    {"RLIMIT_SIGPENDING", RLIMIT_SIGPENDING},
    {"RLIMIT_STACK", RLIMIT_STACK},
};

int rlimit_from_name(const char *name)
{
  for (size_t i = 0; i < sizeof rlimits / sizeof *rlimits; i++)
    if (!strcmp(rlimits[i].name, name)) return rlimits[i].res;
  return -1;
}

static const char *const signames[] = {
    [SIGHUP] = "HUP",       [SIGINT] = "INT",   [SIGQUIT] = "QUIT",   [SIGILL] = "ILL",   [SIGTRAP] = "TRAP",
    [SIGABRT] = "ABRT",     [SIGBUS] = "BUS",   [SIGFPE] = "FPE",     [SIGKILL] = "KILL", [SIGUSR1] = "USR1",
    [SIGSEGV] = "SEGV",     [SIGUSR2] = "USR2", [SIGPIPE] = "PIPE",   [SIGALRM] = "ALRM", [SIGTERM] = "TERM",
    [SIGSTKFLT] = "STKFLT", [SIGCHLD] = "CHLD", [SIGCONT] = "CONT",   [SIGSTOP] = "STOP", [SIGTSTP] = "TSTP",
    [SIGTTIN] = "TTIN",     [SIGTTOU] = "TTOU", [SIGURG] = "URG",     [SIGXCPU] = "XCPU", [SIGXFSZ] = "XFSZ",
    [SIGVTALRM] = "VTALRM", [SIGPROF] = "PROF", [SIGWINCH] = "WINCH", [SIGIO] = "IO",     [SIGPWR] = "PWR",
    [SIGSYS] = "SYS",
};

const char *signal_name(int sig)
{
  if (sig > 0 && sig < (int)(sizeof signames / sizeof *signames)) return signames[sig];
  return NULL;
}

int signal_from_name(const char *name)
{
  char *end;
  if (*name >= '0' && *name <= '9') {
    long v = strtol(name, &end, 10);
    return (*end || v <= 0 || v > SIGRTMAX) ? -1 : (int)v;
  }
  if (!strncasecmp(name, "SIG", 3)) name += 3;
  for (int i = 1; i < (int)(sizeof signames / sizeof *signames); i++)
    if (signames[i] && !strcasecmp(signames[i], name)) return i;
  if (!strncasecmp(name, "RTMIN", 5) || !strncasecmp(name, "RTMAX", 5)) {
    int max = !strncasecmp(name, "RTMAX", 5);
    long off = 0;
    if (name[5] && (name[5] != (max ? '-' : '+') || (off = strtol(name + 6, &end, 10)) <= 0 || *end))
      return -1;
    long sig = max ? SIGRTMAX - off : SIGRTMIN + off;
    return (sig < SIGRTMIN || sig > SIGRTMAX) ? -1 : (int)sig;
  }
  return -1;
}

static const struct nsinfo nss[] = {
    {"pid", "pid", CLONE_NEWPID},          {"network", "net", CLONE_NEWNET}, {"mount", "mnt", CLONE_NEWNS},
    {"ipc", "ipc", CLONE_NEWIPC},          {"uts", "uts", CLONE_NEWUTS},     {"user", "user", CLONE_NEWUSER},
    {"cgroup", "cgroup", CLONE_NEWCGROUP}, {"time", "time", CLONE_NEWTIME},
};

const struct nsinfo *ns_find(const char *oci_type)
{
  for (size_t i = 0; i < sizeof nss / sizeof *nss; i++)
    if (!strcmp(nss[i].oci, oci_type)) return &nss[i];
  return NULL;
}

const struct nsinfo *ns_table(size_t *n)
{
  *n = sizeof nss / sizeof *nss;
  return nss;
}

int mount_is_bind(const char *type, const struct mount_flags *mf)
{
  return (mf->flags & MS_BIND) || !strcmp(type, "bind");
}

int mount_rec_is_bind(const struct rec *r)
{
  struct mount_flags mf;
  return r->nf == 6 && mount_flags_parse(r->f[4], &mf) == 0 && mount_is_bind(r->f[2], &mf);
}
