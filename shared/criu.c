/* criu.c: checkpoint and restore through criu's RPC (`criu swrk 3`): the
   protobuf wire format by hand (field numbers of criu's images/rpc.proto),
   the exchange, the reason of a failure, what runc describes to criu about
   a container, and descriptors.json. libc only. See criu.h. */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cgres.h"
#include "criu.h"
#include "fd.h"
#include "mnt.h"
#include "names.h"

#ifndef CGROUP2_SUPER_MAGIC
#define CGROUP2_SUPER_MAGIC 0x63677270
#endif
#ifndef TMPFS_MAGIC
#define TMPFS_MAGIC 0x01021994
#endif

/* ---- the request ------------------------------------------------------- */

void criu_req_init(struct criu_req *r, int type)
{
  memset(r, 0, sizeof *r);
  r->type = type;
  r->images_dir_fd = r->work_dir_fd = r->status_fd = -1;
  r->manage_cgroups_mode = -1;
}

static void kv_free(struct criu_kv *kv, size_t n)
{
  for (size_t i = 0; i < n; i++) free(kv[i].key), free(kv[i].val);
}

void criu_req_free(struct criu_req *r)
{
  kv_free(r->ext_mnt, r->n_ext_mnt);
  kv_free(r->cg_root, r->n_cg_root);
  kv_free(r->join_ns, r->n_join_ns);
  for (size_t i = 0; i < r->n_external; i++) free(r->external[i]);
  for (size_t i = 0; i < r->n_inherit_fd; i++) free(r->inherit_fd[i].key);
  r->n_ext_mnt = r->n_cg_root = r->n_join_ns = r->n_external = r->n_inherit_fd = 0;
}

static char *dup_or_null(const char *s, int *bad)
{
  char *d;
  if (!s) return NULL;
  if (!(d = strdup(s))) *bad = 1;
  return d;
}

static int kv_add(struct criu_kv *kv, size_t *n, size_t max, const char *key, const char *val)
{
  int bad = 0;
  if (*n >= max) return errno = E2BIG, -1;
  kv[*n].key = dup_or_null(key, &bad);
  kv[*n].val = dup_or_null(val, &bad);
  if (bad) {
    free(kv[*n].key), free(kv[*n].val);
    return errno = ENOMEM, -1;
  }
  (*n)++;
  return 0;
}

int criu_add_ext_mnt(struct criu_req *r, const char *key, const char *val)
{
  for (size_t i = 0; i < r->n_ext_mnt; i++)
    if (!strcmp(r->ext_mnt[i].key, key)) return 0; /* criu wants one value per key: the first wins */
  return kv_add(r->ext_mnt, &r->n_ext_mnt, CRIU_NLIST, key, val);
}

int criu_add_cg_root(struct criu_req *r, const char *ctrl, const char *path)
{
  return kv_add(r->cg_root, &r->n_cg_root, sizeof r->cg_root / sizeof *r->cg_root, ctrl, path);
}

int criu_add_join_ns(struct criu_req *r, const char *ns, const char *path)
{
  return kv_add(r->join_ns, &r->n_join_ns, sizeof r->join_ns / sizeof *r->join_ns, ns, path);
}

int criu_add_external(struct criu_req *r, const char *fmt, ...)
{
  va_list ap;
  char *s;
  int n;
  va_start(ap, fmt);
  n = vasprintf(&s, fmt, ap);
  va_end(ap);
  if (n < 0) return errno = ENOMEM, -1;
  for (size_t i = 0; i < r->n_external; i++)
    if (!strcmp(r->external[i], s)) return free(s), 0;
  if (r->n_external >= CRIU_NLIST) return free(s), errno = E2BIG, -1;
  r->external[r->n_external++] = s;
  return 0;
}

int criu_add_inherit_fd(struct criu_req *r, const char *key, int fd)
{
  for (size_t i = 0; i < r->n_inherit_fd; i++)
    if (!strcmp(r->inherit_fd[i].key, key)) return 0;
  if (r->n_inherit_fd >= sizeof r->inherit_fd / sizeof *r->inherit_fd) return errno = E2BIG, -1;
  if (!(r->inherit_fd[r->n_inherit_fd].key = strdup(key))) return errno = ENOMEM, -1;
  r->inherit_fd[r->n_inherit_fd++].fd = fd;
  return 0;
}

/* ---- encoder: wire types 0 (varint) and 2 (length-delimited) ------------ */

struct pb {
  unsigned char *p;
  size_t len, cap;
  int oom;
};

static void pb_raw(struct pb *b, const void *d, size_t n)
{
  if (b->oom) return;
  if (b->len + n > b->cap) {
    size_t cap = (b->len + n) * 2 + 64;
    unsigned char *p = realloc(b->p, cap);
    if (!p) {
      b->oom = 1;
      return;
    }
    b->p = p, b->cap = cap;
  }
  if (n) memcpy(b->p + b->len, d, n);
  b->len += n;
}

static void pb_varint(struct pb *b, uint64_t v)
{
  unsigned char t[10];
  size_t n = 0;
  do {
    t[n] = v & 0x7f;
    v >>= 7;
    if (v) t[n] |= 0x80;
    n++;
  } while (v);
  pb_raw(b, t, n);
}

static void pb_key(struct pb *b, unsigned field, unsigned wt) { pb_varint(b, (uint64_t)field << 3 | wt); }
/* int32 and enums: a negative value is sign-extended to 64 bits (10 bytes) */
static void pb_int(struct pb *b, unsigned f, int64_t v) { pb_key(b, f, 0), pb_varint(b, (uint64_t)v); }
static void pb_bool(struct pb *b, unsigned f, int v)
{
  if (v) pb_int(b, f, 1);
}
static void pb_bytes(struct pb *b, unsigned f, const void *d, size_t n)
{
  pb_key(b, f, 2), pb_varint(b, n), pb_raw(b, d, n);
}
static void pb_str(struct pb *b, unsigned f, const char *s)
{
  if (s) pb_bytes(b, f, s, strlen(s));
}
/* a sub-message encoded into its own buffer, written as bytes, then emptied */
static void pb_msg(struct pb *b, unsigned f, struct pb *sub)
{
  if (sub->oom) b->oom = 1;
  pb_bytes(b, f, sub->p, sub->len);
  sub->len = 0, sub->oom = 0;
}

static void pb_kvs(struct pb *b, struct pb *sub, unsigned f, const struct criu_kv *kv, size_t n)
{
  for (size_t i = 0; i < n; i++) {
    pb_str(sub, 1, kv[i].key), pb_str(sub, 2, kv[i].val);
    pb_msg(b, f, sub);
  }
}

static void encode_opts(struct pb *op, struct pb *sub, const struct criu_req *r)
{
  pb_int(op, 1, r->images_dir_fd); /* required */
  if (r->pid > 0) pb_int(op, 2, r->pid);
  pb_bool(op, 3, r->leave_running);
  pb_bool(op, 4, r->ext_unix_sk);
  pb_bool(op, 5, r->tcp_established);
  pb_bool(op, 6, r->evasive_devices);
  pb_bool(op, 7, r->shell_job);
  pb_bool(op, 8, r->file_locks);
  if (r->log_level) pb_int(op, 9, r->log_level);
  pb_str(op, 10, r->log_file);
  if (r->ps_address) { /* criu_page_server_info { address 1, port 2 } */
    pb_str(sub, 1, r->ps_address), pb_int(sub, 2, r->ps_port);
    pb_msg(op, 11, sub);
  }
  pb_bool(op, 12, r->notify_scripts);
  pb_str(op, 13, r->root);
  pb_str(op, 14, r->parent_img);
  pb_bool(op, 15, r->track_mem);
  pb_bool(op, 16, r->auto_dedup);
  if (r->work_dir_fd >= 0) pb_int(op, 17, r->work_dir_fd);
  pb_kvs(op, sub, 23, r->ext_mnt, r->n_ext_mnt); /* ext_mount_map { key 1, val 2 } */
  pb_bool(op, 24, r->manage_cgroups);
  pb_kvs(op, sub, 25, r->cg_root, r->n_cg_root); /* cgroup_root { ctrl 1 (unset: every one), path 2 } */
  pb_bool(op, 26, r->rst_sibling);
  for (size_t i = 0; i < r->n_inherit_fd; i++) { /* inherit_fd { key 1, fd 2 } */
    pb_str(sub, 1, r->inherit_fd[i].key), pb_int(sub, 2, r->inherit_fd[i].fd);
    pb_msg(op, 27, sub);
  }
  if (r->manage_cgroups_mode >= 0) pb_int(op, 34, r->manage_cgroups_mode);
  for (size_t i = 0; i < r->n_external; i++) pb_str(op, 37, r->external[i]);
  if (r->empty_ns) pb_int(op, 38, r->empty_ns);
  pb_kvs(op, sub, 39, r->join_ns, r->n_join_ns); /* join_namespace { ns 1, ns_file 2 } */
  pb_str(op, 44, r->freeze_cgroup);
  pb_bool(op, 48, r->lazy_pages);
  if (r->status_fd >= 0) pb_int(op, 49, r->status_fd);
  pb_bool(op, 50, r->orphan_pts_master);
  pb_str(op, 51, r->config_file);
  pb_str(op, 53, r->lsm_profile);
  pb_str(op, 63, r->lsm_mount_context);
}

int criu_encode(const struct criu_req *r, unsigned char **buf, size_t *len)
{
  struct pb b = {0}, op = {0}, sub = {0};
  pb_int(&b, 1, r->type);
  if (r->type == CRIU_REQ_FEATURE_CHECK) { /* criu_features { mem_track 1, lazy_pages 2 } */
    pb_bool(&sub, 1, r->feat_mem_track), pb_bool(&sub, 2, r->feat_lazy_pages);
    pb_msg(&b, 5, &sub);
  } else if (r->type != CRIU_REQ_VERSION && (r->type != CRIU_REQ_CHECK || r->images_dir_fd >= 0)) {
    encode_opts(&op, &sub, r);
    pb_msg(&b, 2, &op);
  }
  free(op.p), free(sub.p);
  if (b.oom) return free(b.p), errno = ENOMEM, -1;
  *buf = b.p, *len = b.len;
  return 0;
}

/* the answer to a NOTIFY: { type NOTIFY, notify_success } */
static int encode_ack(int ok, unsigned char *buf)
{
  buf[0] = 1 << 3, buf[1] = CRIU_REQ_NOTIFY, buf[2] = 3 << 3, buf[3] = ok ? 1 : 0;
  return 4;
}

/* ---- decoder ------------------------------------------------------------- */

struct pbr {
  const unsigned char *p, *end;
};

static int pbr_varint(struct pbr *r, uint64_t *v)
{
  *v = 0;
  for (int s = 0; s < 64; s += 7) {
    if (r->p >= r->end) return -1;
    unsigned char c = *r->p++;
    *v |= (uint64_t)(c & 0x7f) << s;
    if (!(c & 0x80)) return 0;
  }
  return -1;
}

/* The next field: 1 with *f, *wt and *v (varint) or *d, *n (bytes); 0 at
   the end; -1 when malformed. Fixed 32/64-bit fields are skipped. */
static int pbr_next(struct pbr *r, unsigned *f, unsigned *wt, uint64_t *v, const unsigned char **d, size_t *n)
{
  uint64_t k;
  for (;;) {
    if (r->p == r->end) return 0;
    if (pbr_varint(r, &k) < 0 || k >> 3 == 0 || k >> 3 > 536870911) return -1;
    *f = (unsigned)(k >> 3), *wt = k & 7;
    switch (*wt) {
      case 0: return pbr_varint(r, v) < 0 ? -1 : 1;
      case 2:
        if (pbr_varint(r, v) < 0 || *v > (uint64_t)(r->end - r->p)) return -1;
        *d = r->p, *n = (size_t)*v, r->p += *v;
        return 1;
      case 1:
      case 5: {
        size_t skip = *wt == 1 ? 8 : 4;
        if ((size_t)(r->end - r->p) < skip) return -1;
        r->p += skip;
        continue;
      }
      default: return -1;
    }
  }
}

static void copystr(char *dst, size_t size, const unsigned char *d, size_t n)
{
  if (n >= size) n = size - 1;
  memcpy(dst, d, n);
  dst[n] = 0;
}

/* A nested message: its varint fields 1..6 into out[], its string field
   sfield into s. */
static int decode_sub(const unsigned char *d, size_t n, int64_t out[7], unsigned sfield, char *s,
                      size_t ssize)
{
  struct pbr r = {d, d + n};
  unsigned f, wt;
  uint64_t v;
  const unsigned char *sd;
  size_t sn;
  int k;
  while ((k = pbr_next(&r, &f, &wt, &v, &sd, &sn)) > 0)
    if (wt == 0 && f < 7)
      out[f] = (int64_t)v;
    else if (wt == 2 && f == sfield && s)
      copystr(s, ssize, sd, sn);
  return k;
}

int criu_decode(const unsigned char *buf, size_t len, struct criu_resp *o)
{
  struct pbr r = {buf, buf + len};
  unsigned f, wt;
  uint64_t v;
  const unsigned char *d = NULL;
  size_t n = 0;
  int k, has_type = 0, has_success = 0;
  int64_t sub[7];
  memset(o, 0, sizeof *o);
  while ((k = pbr_next(&r, &f, &wt, &v, &d, &n)) > 0) {
    memset(sub, 0, sizeof sub);
    if (f == 1 && wt == 0)
      o->type = (int)v, has_type = 1;
    else if (f == 2 && wt == 0)
      o->success = v != 0, has_success = 1;
    else if (f == 7 && wt == 0)
      o->has_errno = 1, o->cr_errno = (int)v;
    else if (f == 9 && wt == 2) {
      copystr(o->cr_errmsg, sizeof o->cr_errmsg, d, n);
      for (size_t l = strlen(o->cr_errmsg); l && o->cr_errmsg[l - 1] == '\n'; l--) o->cr_errmsg[l - 1] = 0;
    } else if (f == 3 && wt == 2) { /* criu_dump_resp { restored 1 } */
      if (decode_sub(d, n, sub, 0, NULL, 0) < 0) break;
      o->dump_restored = sub[1] != 0;
    } else if (f == 4 && wt == 2) { /* criu_restore_resp { pid 1 } */
      if (decode_sub(d, n, sub, 0, NULL, 0) < 0) break;
      o->restore_pid = (int)sub[1];
    } else if (f == 5 && wt == 2) { /* criu_notify { script 1, pid 2 } */
      if (decode_sub(d, n, sub, 1, o->notify_script, sizeof o->notify_script) < 0) break;
      o->notify_pid = (int)sub[2];
    } else if (f == 8 && wt == 2) { /* criu_features { mem_track 1, lazy_pages 2 } */
      if (decode_sub(d, n, sub, 0, NULL, 0) < 0) break;
      o->has_features = 1, o->mem_track = sub[1] != 0, o->lazy_pages = sub[2] != 0;
    } else if (f == 10 && wt == 2) { /* criu_version { major 1, minor 2, gitid 3, sublevel 4 } */
      if (decode_sub(d, n, sub, 3, o->v_gitid, sizeof o->v_gitid) < 0) break;
      o->has_version = 1, o->v_major = (int)sub[1], o->v_minor = (int)sub[2], o->v_sublevel = (int)sub[4];
    } else if ((f <= 5 || f == 8 || f == 9 || f == 10) || (f == 7 && wt != 0))
      break; /* a known field of the wrong wire type */
  }
  if (k != 0 || !has_type || !has_success) return errno = EBADMSG, -1;
  return 0;
}

/* ---- the exchange ---------------------------------------------------------- */

static int cmp_int(const void *a, const void *b) { return *(const int *)a - *(const int *)b; }

int criu_start(struct criu_session *s, const char *criu, const int *keep, size_t nkeep, int errfd)
{
  int sv[2], sorted[64];
  size_t ns = 0;
  sigset_t all, old;
  if (!criu) criu = "criu";
  if (nkeep > sizeof sorted / sizeof *sorted) return errno = E2BIG, -1;
  for (size_t i = 0; i < nkeep; i++) {
    if (keep[i] == 3 || keep[i] < 0) return errno = EINVAL, -1; /* 3 is the socket */
    if (keep[i] > 3) sorted[ns++] = keep[i];                    /* 0-2 are kept anyway */
  }
  qsort(sorted, ns, sizeof *sorted, cmp_int);
  if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) < 0) return -1;
  sigfillset(&all);
  sigprocmask(SIG_SETMASK, &all, &old); /* no handler of ours runs in the child */
  s->pid = fork();
  if (s->pid == 0) {
    unsigned lo = 4;
    for (int sig = 1; sig < NSIG; sig++) signal(sig, SIG_DFL);
    if (errfd >= 0 && errfd != 2 && dup2(errfd, 2) < 0) _exit(127);
    if ((sv[1] == 3 ? fcntl(3, F_SETFD, 0) : dup2(sv[1], 3)) < 0) _exit(127);
    for (size_t i = 0; i < ns; i++) {
      if (fd_cloexec(sorted[i], 0) < 0) _exit(127);
      if ((unsigned)sorted[i] > lo) fd_close_range(lo, (unsigned)sorted[i] - 1);
      lo = (unsigned)sorted[i] + 1;
    }
    fd_close_range(lo, ~0U);
    sigemptyset(&all);
    sigprocmask(SIG_SETMASK, &all, NULL);
    if (strchr(criu, '/'))
      execl(criu, criu, "swrk", "3", (char *)NULL);
    else
      execlp(criu, criu, "swrk", "3", (char *)NULL);
    _exit(127);
  }
  sigprocmask(SIG_SETMASK, &old, NULL);
  close(sv[1]);
  if (s->pid < 0) {
    int e = errno;
    close(sv[0]);
    return errno = e, -1;
  }
  s->sock = sv[0];
  return 0;
}

/* one message and at most one SCM_RIGHTS fd (CLOEXEC) */
static ssize_t recv_one(int sk, unsigned char *buf, size_t size, int *fd)
{
  union {
    char b[CMSG_SPACE(sizeof(int) * 4)];
    struct cmsghdr align;
  } u;
  struct iovec iov = {buf, size};
  struct msghdr mh = {.msg_iov = &iov, .msg_iovlen = 1, .msg_control = u.b, .msg_controllen = sizeof u.b};
  ssize_t r;
  *fd = -1;
  do r = recvmsg(sk, &mh, MSG_CMSG_CLOEXEC);
  while (r < 0 && errno == EINTR);
  if (r < 0) return -1;
  for (struct cmsghdr *c = CMSG_FIRSTHDR(&mh); c; c = CMSG_NXTHDR(&mh, c))
    if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_RIGHTS) {
      size_t nfd = (c->cmsg_len - CMSG_LEN(0)) / sizeof(int);
      for (size_t i = 0; i < nfd; i++) {
        int x;
        memcpy(&x, CMSG_DATA(c) + i * sizeof(int), sizeof x);
        if (*fd < 0)
          *fd = x;
        else
          close(x);
      }
    }
  if (mh.msg_flags & (MSG_TRUNC | MSG_CTRUNC)) {
    if (*fd >= 0) close(*fd), *fd = -1;
    return errno = EMSGSIZE, -1;
  }
  return r;
}

int criu_call(struct criu_session *s, const struct criu_req *r, struct criu_resp *out, criu_notify_fn fn,
              void *ctx)
{
  unsigned char *req, buf[65536];
  size_t len;
  ssize_t n;
  if (criu_encode(r, &req, &len) < 0) return -1;
  n = send(s->sock, req, len, MSG_NOSIGNAL);
  free(req);
  if (n < 0) return -1;
  for (;;) {
    unsigned char ack[4];
    int fd, ok = 0;
    if ((n = recv_one(s->sock, buf, sizeof buf, &fd)) < 0) return -1;
    if (n == 0) return errno = ECONNRESET, -1; /* criu went away without an answer */
    if (criu_decode(buf, (size_t)n, out) < 0) {
      if (fd >= 0) close(fd);
      return -1;
    }
    if (out->type != CRIU_REQ_NOTIFY) {
      if (fd >= 0) close(fd);
      return 0;
    }
    if (fn)
      ok = fn(ctx, out->notify_script, out->notify_pid, fd) == 0;
    else if (fd >= 0)
      close(fd), ok = 1;
    else
      ok = 1;
    if (send(s->sock, ack, (size_t)encode_ack(ok, ack), MSG_NOSIGNAL) < 0) return -1;
  }
}

int criu_finish(struct criu_session *s, int kill_it)
{
  int status = 0;
  if (s->sock >= 0) close(s->sock), s->sock = -1;
  if (s->pid <= 0) return 0;
  if (kill_it) kill(s->pid, SIGKILL);
  while (waitpid(s->pid, &status, 0) < 0)
    if (errno != EINTR) {
      status = 0;
      break;
    }
  s->pid = 0;
  return status;
}

/* One request without opts, criu's stderr to /dev/null (it prints kerndat
   errors there on a host it cannot work on). */
static int ask(const char *criu, struct criu_req *r, struct criu_resp *o)
{
  struct criu_session s;
  int null = open("/dev/null", O_WRONLY | O_CLOEXEC), rc, e;
  rc = criu_start(&s, criu, NULL, 0, null);
  e = errno;
  if (null >= 0) close(null);
  if (rc < 0) return errno = e, -1;
  rc = criu_call(&s, r, o, NULL, NULL);
  e = errno;
  int st = criu_finish(&s, rc < 0);
  if (rc < 0 && WIFEXITED(st) && WEXITSTATUS(st) == 127) e = ENOENT; /* could not be exec'd */
  return rc < 0 ? (errno = e, -1) : 0;
}

int criu_version(const char *criu)
{
  struct criu_req r;
  struct criu_resp o;
  criu_req_init(&r, CRIU_REQ_VERSION);
  if (ask(criu, &r, &o) < 0) return -1;
  if (!o.success || !o.has_version) return errno = EPROTO, -1;
  return o.v_major * 10000 + o.v_minor * 100 + o.v_sublevel;
}

int criu_feature(const char *criu, const char *feature)
{
  struct criu_req r;
  struct criu_resp o;
  int mem = !strcmp(feature, "mem_track");
  if (!mem && strcmp(feature, "lazy_pages")) return errno = EINVAL, -1;
  criu_req_init(&r, CRIU_REQ_FEATURE_CHECK);
  r.feat_mem_track = mem, r.feat_lazy_pages = !mem;
  if (ask(criu, &r, &o) < 0) return -1;
  if (!o.success || !o.has_features) return 0;
  return mem ? o.mem_track : o.lazy_pages;
}

/* ---- the reason of a failure --------------------------------------------- */

/* criu's closing line of a failed action ("Restoring FAILED.", "Dumping
   FAILED."): it says that the action failed, not why */
static int is_summary(const char *msg)
{
  size_t n = strlen(msg);
  return n >= 7 && !strcmp(msg + n - 7, "FAILED.");
}

/* the first "Error (" line of the log (its time stripped) that is not the
   closing summary; 0 when there is none */
static int log_error(int workfd, const char *log, char *buf, size_t size)
{
  int fd = log ? openat(workfd, log, O_RDONLY | O_CLOEXEC) : -1, found = 0;
  FILE *f = fd >= 0 ? fdopen(fd, "r") : NULL;
  char *line = NULL, *e;
  size_t cap = 0;

  if (fd >= 0 && !f) close(fd);
  while (f && !found && getline(&line, &cap, f) > 0)
    if ((e = strstr(line, "Error ("))) {
      e[strcspn(e, "\n")] = 0;
      if (!is_summary(e)) found = snprintf(buf, size, "%s", e) >= 0;
    }
  free(line);
  if (f) fclose(f);
  return found;
}

void criu_reason(const struct criu_resp *out, int workfd, const char *log, int wstatus, char *buf,
                 size_t size)
{
  const char *msg = out && out->cr_errmsg[0] ? out->cr_errmsg : NULL;

  if (msg && !is_summary(msg))
    snprintf(buf, size, "%s", msg);
  else if (log_error(workfd, log, buf, size))
    return;
  else if (msg)
    snprintf(buf, size, "%s", msg);
  else if (WIFSIGNALED(wstatus))
    snprintf(buf, size, "criu killed by signal %d", WTERMSIG(wstatus));
  else
    snprintf(buf, size, "criu exit status %d", WEXITSTATUS(wstatus));
}

/* ---- what runc describes to criu ----------------------------------------- */

static int is_cgroup(const struct rec *r)
{
  return r->nf == 6 && (!strcmp(r->f[2], "cgroup") || !strcmp(r->f[2], "cgroup2"));
}

static int has_new_ns(const struct spec *sp, const char *type)
{
  for (const struct rec *r = NULL; (r = spec_next(sp, "ns.new", r));)
    if (r->nf == 2 && !strcmp(r->f[1], type)) return 1;
  return 0;
}

static int fail(char *err, size_t errlen, int e, const char *fmt, ...) __attribute__((format(printf, 4, 5)));
static int fail(char *err, size_t errlen, int e, const char *fmt, ...)
{
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(err, errlen, fmt, ap);
  va_end(ap);
  return errno = e, -1;
}

/* Each mount point of a mountinfo file below DEST (DEST itself excluded)
   whose filesystem is cgroup or cgroup2, to fn. Mount points keep their
   octal escapes (\040): criu's keys are compared with mountinfo's. */
static int cgroup_mounts_below(const char *mountinfo, const char *dest, struct criu_req *r)
{
  FILE *f = fopen(mountinfo, "re");
  char *line = NULL;
  size_t cap = 0, dl = strlen(dest);
  int rc = 0;
  if (!f) return -1;
  while (rc == 0 && getline(&line, &cap, f) > 0) {
    char *save, *tok, *point = NULL, *sep = strstr(line, " - ");
    int i = 0;
    if (!sep) continue;
    *sep = 0;
    for (tok = strtok_r(line, " ", &save); tok && i < 4; tok = strtok_r(NULL, " ", &save)) i++;
    point = tok;
    tok = strtok_r(sep + 3, " ", &save);
    if (!point || !tok || (strcmp(tok, "cgroup") && strcmp(tok, "cgroup2"))) continue;
    if (strncmp(point, dest, dl) || point[dl] != '/' || (dl == 1 && point[1] == 0)) continue;
    rc = criu_add_ext_mnt(r, point, point);
  }
  free(line);
  fclose(f);
  return rc;
}

int criu_dump_describe(struct criu_req *r, const struct spec *sp, pid_t pid, char *err, size_t errlen)
{
  char path[4200];
  struct stat st;
  struct statfs sf;
  int cgroupns = has_new_ns(sp, "cgroup");
  for (const struct rec *m = NULL; (m = spec_next(sp, "mount", m));) {
    if (mount_rec_is_bind(m)) {
      if (criu_add_ext_mnt(r, m->f[1], m->f[1]) < 0) goto sys;
    } else if (is_cgroup(m) && !cgroupns) {
      /* oci-mount binds the container's own cgroup dirs: v2 at DEST, v1 below a tmpfs at DEST */
      snprintf(path, sizeof path, "/proc/%d/root%s", (int)pid, m->f[1]);
      if (statfs(path, &sf) < 0) continue; /* not there: nothing to describe */
      if ((unsigned long)sf.f_type == CGROUP2_SUPER_MAGIC) {
        if (criu_add_ext_mnt(r, m->f[1], m->f[1]) < 0) goto sys;
      } else {
        snprintf(path, sizeof path, "/proc/%d/mountinfo", (int)pid);
        if (cgroup_mounts_below(path, m->f[1], r) < 0) goto sys;
      }
    }
  }
  /* masked files that exist in the container are /dev/null binds; masked dirs are tmpfs criu dumps */
  for (const struct rec *m = NULL; (m = spec_next(sp, "mask", m));) {
    if (m->nf != 2) continue;
    snprintf(path, sizeof path, "/proc/%d/root%s", (int)pid, m->f[1]);
    if (stat(path, &st) == 0 && !S_ISDIR(st.st_mode) && criu_add_ext_mnt(r, m->f[1], "/dev/null") < 0)
      goto sys;
  }
  for (const struct rec *d = NULL; (d = spec_next(sp, "device", d));)
    if (d->nf >= 2 && criu_add_ext_mnt(r, d->f[1], d->f[1]) < 0) goto sys;
  for (const struct rec *j = NULL; (j = spec_next(sp, "ns.join", j));) {
    int net;
    if (j->nf != 3) continue;
    net = !strcmp(j->f[1], "network");
    if (!net && strcmp(j->f[1], "pid")) continue;
    if (stat(j->f[2], &st) < 0)
      return fail(err, errlen, errno, "spec line %u: ns.join %s %s: %s", j->line, j->f[1], j->f[2],
                  strerror(errno));
    if (criu_add_external(r, "%s[%lu]:%s", net ? "net" : "pid", (unsigned long)st.st_ino,
                          net ? "extRootNetNS" : "extRootPidNS") < 0)
      goto sys;
  }
  return 0;
sys:
  return fail(err, errlen, errno, "describe the container to criu: %s", strerror(errno));
}

int criu_cgroup_path(const struct mnt_table *t, const char *dir, char *buf, size_t size)
{
  const struct mnt_info *best = NULL;
  size_t bl = 0;
  for (size_t i = 0; i < t->n; i++) {
    const struct mnt_info *m = &t->e[i];
    size_t l = strlen(m->point);
    if (strcmp(m->fstype, "cgroup") && strcmp(m->fstype, "cgroup2")) continue;
    if (strncmp(dir, m->point, l) || (dir[l] && dir[l] != '/') || (best && l <= bl)) continue;
    best = m, bl = l;
  }
  if (!best) return errno = ENOENT, -1;
  const char *rest = dir + bl, *root = strcmp(best->root, "/") ? best->root : "";
  if ((size_t)snprintf(buf, size, "%s%s", root, *rest || *root ? rest : "/") >= size)
    return errno = ENAMETOOLONG, -1;
  return 0;
}

static const char *ns_criu_name(const char *type)
{
  static const char *const map[][2] = {
      {"uts", "uts"}, {"ipc", "ipc"}, {"mount", "mnt"}, {"user", "user"}, {"time", "time"}};
  for (size_t i = 0; i < sizeof map / sizeof *map; i++)
    if (!strcmp(type, map[i][0])) return map[i][1];
  return NULL;
}

int criu_restore_describe(struct criu_req *r, const struct spec *sp, char *err, size_t errlen)
{
  struct cgres_hier h[64];
  size_t nh = cgres_dirs(sp, h, sizeof h / sizeof *h);
  struct mnt_table t = {0};
  struct statfs sf;
  char rel[4200];
  int cgroupns = has_new_ns(sp, "cgroup"), have_table = 0, rc = -1;
  for (const struct rec *j = NULL; (j = spec_next(sp, "ns.join", j));) {
    const char *name;
    if (j->nf != 3) continue;
    if (!strcmp(j->f[1], "cgroup"))
      return fail(err, errlen, EINVAL, "spec line %u: ns.join cgroup %s: criu cannot join a cgroup namespace",
                  j->line, j->f[2]);
    if ((name = ns_criu_name(j->f[1])) && criu_add_join_ns(r, name, j->f[2]) < 0) goto sys;
  }
  if (nh) {
    if (mnt_table_read(&t) < 0) goto sys;
    have_table = 1;
  }
  for (size_t i = 0; i < nh; i++) {
    if (criu_cgroup_path(&t, h[i].dir, rel, sizeof rel) < 0) {
      rc = fail(err, errlen, errno, "cgroup %s: not below a cgroup mount", h[i].dir);
      goto out;
    }
    if (criu_add_cg_root(r, h[i].v2 ? NULL : h[i].name, rel) < 0) goto sys;
  }
  for (const struct rec *m = NULL; (m = spec_next(sp, "mount", m));) {
    if (mount_rec_is_bind(m)) {
      if (criu_add_ext_mnt(r, m->f[1], m->f[3]) < 0) goto sys;
    } else if (is_cgroup(m) && !cgroupns) {
      const struct cgres_hier *u = cgres_v2(h, nh);
      if (!strcmp(m->f[2], "cgroup2") ||
          (statfs("/sys/fs/cgroup", &sf) == 0 && (unsigned long)sf.f_type == CGROUP2_SUPER_MAGIC)) {
        if (u && criu_add_ext_mnt(r, m->f[1], u->dir) < 0) goto sys;
        continue;
      }
      /* v1: DEST/NAME (NAME: the host mount point's last component) is the container's dir there */
      for (size_t k = 0; have_table && k < t.n; k++) {
        const struct mnt_info *e = &t.e[k];
        size_t l = strlen(e->point);
        char key[4200];
        if (strcmp(e->fstype, "cgroup") && strcmp(e->fstype, "cgroup2")) continue;
        for (size_t i = 0; i < nh; i++)
          if (!strncmp(h[i].dir, e->point, l) && h[i].dir[l] == '/') {
            snprintf(key, sizeof key, "%s/%s", strcmp(m->f[1], "/") ? m->f[1] : "",
                     strrchr(e->point, '/') + 1);
            if (criu_add_ext_mnt(r, key, h[i].dir) < 0) goto sys;
            break;
          }
      }
    }
  }
  if (spec_next(sp, "mask", NULL) && criu_add_ext_mnt(r, "/dev/null", "/dev/null") < 0) goto sys;
  for (const struct rec *d = NULL; (d = spec_next(sp, "device", d));)
    if (d->nf >= 2 && criu_add_ext_mnt(r, d->f[1], d->f[1]) < 0) goto sys;
  rc = 0;
  goto out;
sys:
  rc = fail(err, errlen, errno, "describe the container to criu: %s", strerror(errno));
out:
  if (have_table) mnt_table_free(&t);
  return rc;
}

/* ---- descriptors.json ------------------------------------------------------ */

/* 1 when mount id mnt is in /proc/PID/mountinfo (the container's mount namespace) */
static int mount_in(pid_t pid, unsigned mnt)
{
  char path[64], *line = NULL;
  size_t cap = 0;
  int found = 0;
  FILE *f;
  snprintf(path, sizeof path, "/proc/%d/mountinfo", (int)pid);
  if (!(f = fopen(path, "re"))) return 1; /* cannot tell: leave it to criu */
  while (!found && getline(&line, &cap, f) > 0) found = strtoul(line, NULL, 10) == mnt;
  free(line);
  fclose(f);
  return found;
}

static int fd_mnt_id(pid_t pid, int fd, unsigned *mnt)
{
  char path[64], buf[4096], *p;
  snprintf(path, sizeof path, "/proc/%d/fdinfo/%d", (int)pid, fd);
  if (file_read_at(AT_FDCWD, path, buf, sizeof buf) < 0) return -1;
  if (!(p = strstr(buf, "mnt_id:"))) return errno = ENOENT, -1;
  *mnt = (unsigned)strtoul(p + 7, NULL, 10);
  return 0;
}

static void json_str(FILE *f, const char *s)
{
  fputc('"', f);
  for (; *s; s++) {
    unsigned char c = (unsigned char)*s;
    if (c == '"' || c == '\\')
      fprintf(f, "\\%c", c);
    else if (c < 0x20)
      fprintf(f, "\\u%04x", c);
    else
      fputc(c, f);
  }
  fputc('"', f);
}

int criu_descriptors_dump(int imgfd, pid_t pid, struct criu_req *r)
{
  char ent[3][4200];
  for (int i = 0; i < 3; i++) {
    char path[64];
    ssize_t n;
    unsigned mnt;
    struct stat st;
    snprintf(path, sizeof path, "/proc/%d/fd/%d", (int)pid, i);
    n = readlink(path, ent[i], sizeof ent[i] - 1);
    ent[i][n < 0 ? 0 : n] = 0;
    if (n <= 0 || ent[i][0] != '/') continue;
    /* a file whose mount is outside the container: criu cannot dump it as is, it is external */
    if (fd_mnt_id(pid, i, &mnt) == 0 && !mount_in(pid, mnt) && stat(path, &st) == 0) {
      snprintf(ent[i], sizeof ent[i], "file[%x:%lx]", mnt, (unsigned long)st.st_ino);
      if (r && criu_add_external(r, "%s", ent[i]) < 0) return -1;
    }
  }
  int fd = openat(imgfd, "descriptors.json", O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  FILE *f;
  if (fd < 0) return -1;
  if (!(f = fdopen(fd, "w"))) {
    int e = errno;
    close(fd);
    return errno = e, -1;
  }
  fputc('[', f);
  for (int i = 0; i < 3; i++) {
    if (i) fputc(',', f);
    json_str(f, ent[i]);
  }
  fputc(']', f);
  if (ferror(f)) {
    fclose(f);
    return errno = EIO, -1;
  }
  return fclose(f) == 0 ? 0 : -1;
}

/* One JSON string at *p into out (\uXXXX below 0x80 only; others kept as '?'). */
static int json_take(const char **p, char *out, size_t size)
{
  const char *s = *p;
  size_t n = 0;
  if (*s++ != '"') return -1;
  for (; *s != '"'; s++) {
    char c = *s;
    if (!c) return -1;
    if (c == '\\') {
      switch (*++s) {
        case '"':
        case '\\':
        case '/': c = *s; break;
        case 'n': c = '\n'; break;
        case 't': c = '\t'; break;
        case 'r': c = '\r'; break;
        case 'b': c = '\b'; break;
        case 'f': c = '\f'; break;
        case 'u': {
          unsigned v = 0;
          for (int k = 1; k <= 4; k++) {
            char h = s[k];
            if (!((h >= '0' && h <= '9') || (h >= 'a' && h <= 'f') || (h >= 'A' && h <= 'F'))) return -1;
            v = v * 16 + (unsigned)(h <= '9' ? h - '0' : (h | 32) - 'a' + 10);
          }
          s += 4;
          c = v && v < 0x80 ? (char)v : '?';
          break;
        }
        default: return -1;
      }
    }
    if (n + 1 < size) out[n++] = c;
  }
  out[n] = 0;
  *p = s + 1;
  return 0;
}

static const char *json_ws(const char *s)
{
  while (*s == ' ' || *s == '\n' || *s == '\t' || *s == '\r') s++;
  return s;
}

int criu_descriptors_restore(int imgfd, struct criu_req *r)
{
  char buf[65536], ent[4200];
  ssize_t n = file_read_at(imgfd, "descriptors.json", buf, sizeof buf);
  const char *p;
  if (n < 0) return -1;
  p = json_ws(buf);
  if (*p++ != '[') return errno = EBADMSG, -1;
  p = json_ws(p);
  for (int i = 0; *p != ']'; i++) {
    if (json_take(&p, ent, sizeof ent) < 0) return errno = EBADMSG, -1;
    /* criu's fds 0-2 are the caller's stdio; a longer array is not runc's (fd 3 is criu's socket) */
    if (i < 3 && (!strncmp(ent, "pipe:[", 6) || !strncmp(ent, "file[", 5)) &&
        criu_add_inherit_fd(r, ent, i) < 0)
      return -1;
    p = json_ws(p);
    if (*p == ',')
      p = json_ws(p + 1);
    else if (*p != ']')
      return errno = EBADMSG, -1;
  }
  return 0;
}
