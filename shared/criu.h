/* criu.h: checkpoint and restore through criu's RPC. `criu swrk 3` runs
   with one end of a SOCK_SEQPACKET socketpair on its fd 3; the client sends
   one criu_req and reads criu_resp messages: NOTIFY ones (answered with
   notify_success), then the final answer. The protobuf wire format is
   encoded and decoded here by hand (varints and length-delimited fields,
   with the field numbers of criu's images/rpc.proto), so no protobuf-c is
   needed and the static programs stay static. libc only. Nothing here
   prints or exits; every function returns -1 with errno on failure.

   The RPC and not criu's command line: only the RPC has orphan_pts_master
   (terminal containers) in criu 3.17, and its notifications give the
   restored pid and the moments for hooks without scripts or files. */
#ifndef CRIU_H
#define CRIU_H

#include <stddef.h>
#include <sys/types.h>

#include "spec.h"

/* criu_req_type */
enum {
  CRIU_REQ_DUMP = 1,
  CRIU_REQ_RESTORE = 2,
  CRIU_REQ_CHECK = 3,
  CRIU_REQ_PRE_DUMP = 4,
  CRIU_REQ_NOTIFY = 6,
  CRIU_REQ_FEATURE_CHECK = 9,
  CRIU_REQ_VERSION = 10
};
/* criu_cg_mode */
enum { CRIU_CG_IGNORE = 0, CRIU_CG_SOFT = 3, CRIU_CG_FULL = 4, CRIU_CG_STRICT = 5 };

#define CRIU_NLIST 512 /* ext_mnt and external entries */

struct criu_kv {
  char *key, *val;
};
struct criu_inherit {
  char *key;
  int fd; /* criu's own fd: open and not CLOEXEC when criu execs */
};

/* A request. A field left 0 / NULL is not sent; so is an fd field left -1.
   Strings are copied in by the criu_add_* functions and freed by
   criu_req_free; the plain char * fields are borrowed (not freed). */
struct criu_req {
  int type;
  int images_dir_fd, work_dir_fd; /* the CLIENT's fds: criu opens /proc/PEER/fd/N (they may be CLOEXEC) */
  int pid;
  int log_level;        /* 0: not sent (criu's default is 2); runc sends 4 */
  const char *log_file; /* a name in the work dir: no slash */
  const char *root, *parent_img, *freeze_cgroup, *config_file, *lsm_profile, *lsm_mount_context;
  const char *ps_address; /* page server: sent with ps_port when set */
  int ps_port;
  int leave_running, ext_unix_sk, tcp_established, evasive_devices, shell_job, file_locks, notify_scripts,
      track_mem, auto_dedup, manage_cgroups, rst_sibling, lazy_pages, orphan_pts_master;
  int manage_cgroups_mode;             /* CRIU_CG_*, -1: not sent */
  unsigned empty_ns;                   /* CLONE_NEW* flags, 0: not sent */
  int status_fd;                       /* criu's own fd, -1: not sent */
  int feat_mem_track, feat_lazy_pages; /* FEATURE_CHECK: the features asked about */
  struct criu_kv ext_mnt[CRIU_NLIST];  /* key: the mount point in the container, val: cookie or source */
  size_t n_ext_mnt;
  char *external[CRIU_NLIST]; /* "mnt[KEY]:VAL", "net[INO]:extRootNetNS", "file[MNT:INO]" */
  size_t n_external;
  struct criu_kv cg_root[16]; /* key: a controller (NULL: every one), val: a path in the hierarchy */
  size_t n_cg_root;
  struct criu_kv join_ns[8]; /* key: criu's ns name (uts ipc mnt user time net), val: a path */
  size_t n_join_ns;
  struct criu_inherit inherit_fd[16];
  size_t n_inherit_fd;
};

void criu_req_init(struct criu_req *r, int type); /* everything unset: fds and modes -1 */
void criu_req_free(struct criu_req *r);
/* Append to the lists (the strings are copied). -1 with E2BIG when full. */
int criu_add_ext_mnt(struct criu_req *r, const char *key, const char *val);
int criu_add_external(struct criu_req *r, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
int criu_add_cg_root(struct criu_req *r, const char *ctrl, const char *path);
int criu_add_join_ns(struct criu_req *r, const char *ns, const char *path);
int criu_add_inherit_fd(struct criu_req *r, const char *key, int fd); /* a key already there: 0, not added */

/* The wire format (exposed for the unit test). criu_encode gives a malloc'd
   buffer; criu_decode fills *o (-1 with EBADMSG on a malformed message). */
int criu_encode(const struct criu_req *r, unsigned char **buf, size_t *len);
struct criu_resp {
  int type, success;
  int has_errno, cr_errno;
  char cr_errmsg[4096]; /* without its trailing newline; empty when not sent */
  int restore_pid;      /* trust it only when success */
  int dump_restored;
  char notify_script[64]; /* NOTIFY: "post-dump", "setup-namespaces", "orphan-pts-master", ... */
  int notify_pid;
  int has_version, v_major, v_minor, v_sublevel;
  char v_gitid[64];
  int has_features, mem_track, lazy_pages;
};
int criu_decode(const unsigned char *buf, size_t len, struct criu_resp *o);

/* One `criu swrk` process. */
struct criu_session {
  pid_t pid;
  int sock;
};
/* Fork and exec `CRIU swrk 3` (CRIU: a path, or a name looked up on PATH;
   NULL means "criu"). The child gets its socket end on fd 3, keeps fds 0-2
   (fd 2 replaced by errfd when errfd >= 0: criu writes errors from before
   its log opens there) and each fd of keep[] (made inheritable: these are
   the inherit_fd and status_fd numbers), closes every other fd, empties
   its signal mask and resets the handlers. A criu that cannot be exec'd
   exits 127: criu_call then fails with EPIPE/ECONNRESET and criu_finish
   gives the status. */
int criu_start(struct criu_session *s, const char *criu, const int *keep, size_t nkeep, int errfd);
/* A NOTIFY: script, pid (0 when criu sends none) and fd (an fd that came
   with it, e.g. the new pty master of "orphan-pts-master", else -1; the
   callback owns it). Returns 0 to answer notify_success true, -1 to answer
   false (criu then fails the action). */
typedef int (*criu_notify_fn)(void *ctx, const char *script, int pid, int fd);
/* Send r, answer every NOTIFY through fn (NULL: acknowledge all), return
   the final response in *out. 0 when a final response came (look at
   out->success), -1 with errno when the exchange broke (criu died). */
int criu_call(struct criu_session *s, const struct criu_req *r, struct criu_resp *out, criu_notify_fn fn,
              void *ctx);
/* Close the socket, SIGKILL criu first when kill_it, reap it. Returns its
   wait status (as waitpid gives it). */
int criu_finish(struct criu_session *s, int kill_it);

/* criu's version as MAJOR*10000+MINOR*100+SUBLEVEL (31701), through a
   VERSION request. -1 with errno when criu cannot be run. */
int criu_version(const char *criu);
/* FEATURE_CHECK: 1 when criu has the feature ("mem_track", "lazy_pages"),
   0 when not. */
int criu_feature(const char *criu, const char *feature);

/* Why an action failed, for "criu failed: type dump: REASON (log file:
   PATH)": out->cr_errmsg (criu's first error) when set, else the first
   "Error (" line of the log LOG in the work dir workfd (the "(00.063495) "
   time stripped), else "criu exit status N" / "criu killed by signal S"
   from wstatus. A closing "Restoring FAILED." says only that it failed:
   a specific Error line of the log comes before it (a restored task's
   error can reach the log after criu's own summary). Never empty. Only
   call it when the action failed: a successful run logs harmless Error
   lines too. */
void criu_reason(const struct criu_resp *out, int workfd, const char *log, int wstatus, char *buf,
                 size_t size);

/* What runc describes to criu about a container, from its spec (the saved
   ROOT/ID/spec for a dump, the restore chain's spec for a restore):
   - every bind mount record: dump mnt[DEST]:DEST, restore mnt[DEST]:SOURCE;
   - oci-mount's binds of the container's cgroup dirs (no cgroup
     namespace): dump mnt[DEST]:DEST, restore mnt[DEST]:NEW CGROUP DIR;
   - masked paths that are files in the container (dump: looked up in
     /proc/PID/root): mnt[PATH]:/dev/null; restore: mnt[/dev/null]:/dev/null
     once when the spec masks anything;
   - every device record: mnt[PATH]:PATH;
   - a joined network (pid) namespace: dump external net[INO]:extRootNetNS
     (pid[INO]:extRootPidNS); on restore the caller opens the path and adds
     the inherit_fd;
   - restore only: cg_root (the container's cgroup dir, relative to its
     hierarchy: one entry without a controller on v2, one per controller on
     v1) and join_ns for the other joined namespaces (uts ipc mnt user
     time; a joined cgroup namespace is refused).
   err gets "spec line N: ..." on a refusal. */
int criu_dump_describe(struct criu_req *r, const struct spec *sp, pid_t pid, char *err, size_t errlen);
int criu_restore_describe(struct criu_req *r, const struct spec *sp, char *err, size_t errlen);
/* A cgroup dir as a path inside its hierarchy (cg_root's form): DIR less
   the mount point of the cgroup mount of t it is below (the deepest), with
   that mount's root in front ("/sys/fs/cgroup/memory/a" -> "/a"). -1 with
   ENOENT when no cgroup mount of t holds it. */
struct mnt_table;
int criu_cgroup_path(const struct mnt_table *t, const char *dir, char *buf, size_t size);

/* IMAGE/descriptors.json: a JSON array of the init's fds 0-2 as
   readlink(/proc/PID/fd/N) gives them (runc's file), except a file whose
   mount is outside the container (a host /dev/null or log file): written
   as criu's key "file[MNTID:INO]" (hex) and added to r as an external, so
   that a restore can give criu the caller's new stdio for it. Unreadable:
   "". The file is written in the images dir fd imgfd. */
int criu_descriptors_dump(int imgfd, pid_t pid, struct criu_req *r);
/* On restore: for each entry i of imgfd's descriptors.json that starts
   with "pipe:[" or "file[", inherit_fd {entry, i} (fd i of criu = the
   caller's stdio). A missing file: -1 with ENOENT (runc fails too). */
int criu_descriptors_restore(int imgfd, struct criu_req *r);

#endif
