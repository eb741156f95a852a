/* test-criu: criu's RPC client (shared/criu.c): the request bytes, the
   responses, the exchange against a fake `criu swrk` (this program run
   again), the reason of a failure, what is described to criu for a dump
   and a restore, descriptors.json. */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/wait.h>
#include <unistd.h>

#include "criu.h"
#include "mnt.h"
#include "spec.h"
#include "tap.h"

static int bytes_eq(const unsigned char *a, size_t na, const char *hex)
{
  unsigned char b[512];
  size_t nb = 0;
  for (const char *p = hex; *p;) {
    unsigned v;
    if (*p == ' ') {
      p++;
      continue;
    }
    if (sscanf(p, "%2x", &v) != 1) return 0;
    b[nb++] = (unsigned char)v, p += 2;
  }
  if (na != nb || memcmp(a, b, na)) {
    printf("# got:");
    for (size_t i = 0; i < na; i++) printf(" %02x", a[i]);
    printf("\n");
    return 0;
  }
  return 1;
}

static int enc(const struct criu_req *r, const char *hex)
{
  unsigned char *buf;
  size_t len;
  int ok;
  if (criu_encode(r, &buf, &len) < 0) return 0;
  ok = bytes_eq(buf, len, hex);
  free(buf);
  return ok;
}

static int dec(const char *hex, struct criu_resp *o)
{
  unsigned char b[512];
  size_t n = 0;
  for (const char *p = hex; *p;) {
    unsigned v;
    if (*p == ' ') {
      p++;
      continue;
    }
    if (sscanf(p, "%2x", &v) != 1) return -2;
    b[n++] = (unsigned char)v, p += 2;
  }
  return criu_decode(b, n, o);
}

static void parse(struct spec *sp, const char *text)
{
  unsigned line;
  char *t = strdup(text);
  if (!t || spec_parse(t, strlen(t), sp, &line) < 0) {
    printf("Bail out! spec_parse failed at line %u\n", line);
    exit(1);
  }
}

static const char *ext_mnt(const struct criu_req *r, const char *key)
{
  for (size_t i = 0; i < r->n_ext_mnt; i++)
    if (!strcmp(r->ext_mnt[i].key, key)) return r->ext_mnt[i].val;
  return NULL;
}

static int has_external(const struct criu_req *r, const char *s)
{
  for (size_t i = 0; i < r->n_external; i++)
    if (!strcmp(r->external[i], s)) return 1;
  return 0;
}

/* the fake criu: `test-criu swrk 3` answers one request with a NOTIFY
   (carrying an fd) then a final DUMP answer; exits 0 when every check held */
static int fake_criu(void)
{
  unsigned char buf[4096];
  char cbuf[CMSG_SPACE(sizeof(int))] = {0};
  struct iovec iov = {buf, 0};
  struct msghdr mh = {.msg_iov = &iov, .msg_iovlen = 1, .msg_control = cbuf, .msg_controllen = sizeof cbuf};
  struct cmsghdr *c = CMSG_FIRSTHDR(&mh);
  static const unsigned char notify[] = {0x08, 0x06, 0x10, 0x01, 0x2a, 0x0d, 0x0a, 0x09, 'p', 'o',
                                         's',  't',  '-',  'd',  'u',  'm',  'p',  0x10, 0x2a};
  static const unsigned char final[] = {0x08, 0x01, 0x10, 0x01};
  int null = open("/dev/null", O_RDONLY), bad = 0;
  ssize_t n = recv(3, buf, sizeof buf, 0);
  if (n != 2 || buf[0] != 0x08 || buf[1] != 0x0a) bad |= 1; /* a VERSION request */
  if (fcntl(7, F_GETFD) != 0) bad |= 2;                     /* the kept fd is here, inheritable */
  if (fcntl(8, F_GETFD) >= 0) bad |= 4;                     /* the others are closed */
  c->cmsg_level = SOL_SOCKET, c->cmsg_type = SCM_RIGHTS, c->cmsg_len = CMSG_LEN(sizeof(int));
  memcpy(CMSG_DATA(c), &null, sizeof null);
  iov.iov_base = (void *)notify, iov.iov_len = sizeof notify;
  if (sendmsg(3, &mh, 0) < 0) bad |= 8;
  n = recv(3, buf, sizeof buf, 0);
  if (n != 4 || memcmp(buf, "\x08\x06\x18\x01", 4)) bad |= 16; /* notify_success true */
  if (send(3, final, sizeof final, 0) < 0) bad |= 32;
  fprintf(stderr, "fake criu on stderr\n");
  return bad;
}

static int seen_fd = -2, seen_pid;
static char seen_script[64];
static int on_notify(void *ctx, const char *script, int pid, int fd)
{
  (void)ctx;
  snprintf(seen_script, sizeof seen_script, "%s", script);
  seen_pid = pid, seen_fd = fd;
  if (fd >= 0) close(fd);
  return 0;
}

static void test_codec(void)
{
  struct criu_req r;
  struct criu_resp o;

  criu_req_init(&r, CRIU_REQ_DUMP);
  r.images_dir_fd = 3, r.work_dir_fd = 4, r.pid = 24993, r.leave_running = 1, r.log_level = 4;
  r.log_file = "dump.log";
  ok(enc(&r, "08 01 12 17 08 03 10 a1 c3 01 18 01 48 04 52 08 64 75 6d 70 2e 6c 6f 67 88 01 04"),
     "DUMP pid 24993 leave_running: the reference bytes");
  criu_req_init(&r, CRIU_REQ_VERSION);
  ok(enc(&r, "08 0a"), "VERSION: the type alone");
  criu_req_init(&r, CRIU_REQ_CHECK);
  ok(enc(&r, "08 03"), "CHECK without an images dir: the type alone");
  criu_req_init(&r, CRIU_REQ_FEATURE_CHECK);
  r.feat_mem_track = r.feat_lazy_pages = 1;
  ok(enc(&r, "08 09 2a 04 08 01 10 01"), "FEATURE_CHECK mem_track lazy_pages");
  criu_req_init(&r, CRIU_REQ_RESTORE);
  r.images_dir_fd = 5, r.rst_sibling = 1, r.manage_cgroups_mode = CRIU_CG_SOFT, r.empty_ns = 0x40000000;
  ok(criu_add_inherit_fd(&r, "pipe:[1]", 0) == 0 && criu_add_inherit_fd(&r, "pipe:[1]", 2) == 0 &&
         r.n_inherit_fd == 1,
     "inherit_fd: a key already there is not added again");
  ok(enc(&r, "08 02 12 1e 08 05 d0 01 01 da 01 0c 0a 08 70 69 70 65 3a 5b 31 5d 10 00 90 02 03"
             " b0 02 80 80 80 80 04"),
     "RESTORE rst_sibling inherit_fd cg mode soft empty_ns NEWNET");
  criu_req_free(&r);
  criu_req_init(&r, CRIU_REQ_DUMP);
  r.images_dir_fd = 3;
  criu_add_ext_mnt(&r, "/a", "/b");
  criu_add_ext_mnt(&r, "/a", "/c");
  criu_add_cg_root(&r, NULL, "/x");
  criu_add_external(&r, "net[%d]:extRootNetNS", 7);
  criu_add_join_ns(&r, "uts", "/u");
  r.orphan_pts_master = r.notify_scripts = 1;
  ok(r.n_ext_mnt == 1 && !strcmp(r.ext_mnt[0].val, "/b"), "ext_mnt: the first value of a key wins");
  ok(enc(&r, "08 01 12 3b 08 03 60 01 ba 01 08 0a 02 2f 61 12 02 2f 62 ca 01 04 12 02 2f 78"
             " aa 02 13 6e 65 74 5b 37 5d 3a 65 78 74 52 6f 6f 74 4e 65 74 4e 53"
             " ba 02 09 0a 03 75 74 73 12 02 2f 75 90 03 01"),
     "ext_mnt, cg_root without ctrl, external, join_ns, orphan_pts_master, notify_scripts");
  criu_req_free(&r);
  ok(r.n_ext_mnt == 0 && r.n_external == 0, "criu_req_free empties the lists");

  ok(dec("08 01 10 01 1a 02 08 00", &o) == 0 && o.type == CRIU_REQ_DUMP && o.success && !o.cr_errmsg[0],
     "decode: DUMP success");
  ok(dec("08 01 10 00 38 11 4a 10 45 72 72 6f 72 20 28 78 29 3a 20 79 21 0a 0a 0a", &o) == 0 && !o.success &&
         o.has_errno && o.cr_errno == 17 && !strcmp(o.cr_errmsg, "Error (x): y!"),
     "decode: failure with cr_errno 17 and cr_errmsg (trailing newlines stripped)");
  ok(dec("08 02 10 00 22 0b 08 ff ff ff ff ff ff ff ff ff 01", &o) == 0 && o.type == CRIU_REQ_RESTORE &&
         o.restore_pid == -1,
     "decode: RESTORE pid -1 (a 10-byte varint)");
  ok(dec("08 06 10 01 2a 11 0a 0c 70 6f 73 74 2d 72 65 73 74 6f 72 65 10 ad 02", &o) == 0 &&
         o.type == CRIU_REQ_NOTIFY && !strcmp(o.notify_script, "post-restore") && o.notify_pid == 301,
     "decode: NOTIFY post-restore pid 301");
  ok(dec("08 0a 10 01 52 09 08 03 10 11 1a 01 67 20 01", &o) == 0 && o.has_version && o.v_major == 3 &&
         o.v_minor == 17 && o.v_sublevel == 1 && !strcmp(o.v_gitid, "g"),
     "decode: VERSION 3.17.1");
  ok(dec("08 09 10 01 42 04 08 01 10 00", &o) == 0 && o.has_features && o.mem_track && !o.lazy_pages,
     "decode: FEATURE_CHECK mem_track only");
  ok(dec("08 01 10 01 58 05 65 01 02 03 04 69 01 02 03 04 05 06 07 08", &o) == 0 && o.success,
     "decode: unknown varint, fixed32 and fixed64 fields are skipped");
  ok(dec("08 01 10", &o) < 0 && errno == EBADMSG, "decode: a truncated varint is EBADMSG");
  ok(dec("08 01 10 01 4a 10 41", &o) < 0 && errno == EBADMSG, "decode: a length past the end is EBADMSG");
  ok(dec("08 01", &o) < 0 && errno == EBADMSG, "decode: no success field is EBADMSG");
  ok(dec("0a 00 10 01", &o) < 0 && errno == EBADMSG, "decode: type as bytes is EBADMSG");
  ok(dec("08 01 10 01 0b", &o) < 0 && errno == EBADMSG, "decode: wire type 3 is EBADMSG");
  ok(dec("", &o) < 0 && errno == EBADMSG, "decode: an empty message is EBADMSG");
}

static void test_exchange(const char *self)
{
  struct criu_session s;
  struct criu_req r;
  struct criu_resp o;
  char errpath[] = "/tmp/test-criu-err.XXXXXX", buf[256];
  int errfd = mkstemp(errpath), keep[] = {7}, st, rc;

  dup2(errfd, 7); /* an fd criu must keep (as inherit_fd would) */
  dup2(errfd, 8); /* one it must not get */
  fcntl(7, F_SETFD, FD_CLOEXEC);
  criu_req_init(&r, CRIU_REQ_VERSION);
  ok(criu_start(&s, self, keep, 1, errfd) == 0, "criu_start the fake criu");
  rc = criu_call(&s, &r, &o, on_notify, NULL);
  ok(rc == 0 && o.type == CRIU_REQ_DUMP && o.success, "criu_call: the final answer");
  ok(!strcmp(seen_script, "post-dump") && seen_pid == 42 && seen_fd >= 0,
     "criu_call: the NOTIFY reached the callback with its pid and fd");
  st = criu_finish(&s, 0);
  ok(WIFEXITED(st) && WEXITSTATUS(st) == 0,
     "criu_finish: the fake's checks held (fds kept, closed, ack sent)");
  ok(pread(errfd, buf, sizeof buf - 1, 0) > 0 && strstr(buf, "fake criu on stderr"),
     "criu's stderr went to errfd");
  close(7), close(8), close(errfd), unlink(errpath);

  keep[0] = 3;
  ok(criu_start(&s, self, keep, 1, -1) < 0 && errno == EINVAL,
     "criu_start: fd 3 cannot be kept (the socket)");
  ok(criu_start(&s, "/nonexistent/criu", NULL, 0, -1) == 0, "criu_start a criu that does not exist forks");
  rc = criu_call(&s, &r, &o, NULL, NULL);
  ok(rc < 0 && (errno == EPIPE || errno == ECONNRESET), "criu_call: EPIPE/ECONNRESET when criu cannot run");
  st = criu_finish(&s, 0);
  ok(WIFEXITED(st) && WEXITSTATUS(st) == 127, "criu_finish: exit status 127");
  ok(criu_version("/nonexistent/criu") < 0 && errno == ENOENT, "criu_version of a missing criu: ENOENT");
}

static void test_reason(void)
{
  char tmpl[] = "/tmp/test-criu.XXXXXX", *dir = mkdtemp(tmpl), buf[256], path[300];
  struct criu_resp o;
  int dfd = open(dir, O_RDONLY | O_DIRECTORY), fd;
  FILE *f;

  snprintf(path, sizeof path, "%s/dump.log", dir);
  f = fopen(path, "w");
  fprintf(f, "(00.000010) Version: 3.17.1 (gitid 0)\n(00.001000) kerndat: something\n"
             "(00.063495) Error (criu/vdso.c:381): vdso: Unexpected rt vDSO area bounds\n"
             "(00.063500) Error (criu/kerndat.c:1615): kerndat_vdso_fill_symtable failed\n");
  fclose(f);
  memset(&o, 0, sizeof o);
  criu_reason(&o, dfd, "dump.log", 1 << 8, buf, sizeof buf);
  ok(!strcmp(buf, "Error (criu/vdso.c:381): vdso: Unexpected rt vDSO area bounds"),
     "reason: the log's first Error line without its time");
  snprintf(o.cr_errmsg, sizeof o.cr_errmsg, "Error (criu/tty.c:410): tty: oops");
  criu_reason(&o, dfd, "dump.log", 1 << 8, buf, sizeof buf);
  ok(!strcmp(buf, "Error (criu/tty.c:410): tty: oops"), "reason: cr_errmsg first");
  /* criu's closing summary as its first error: the log says why */
  snprintf(path, sizeof path, "%s/restore.log", dir);
  f = fopen(path, "w");
  fprintf(f, "(01.053177) Error (criu/cr-restore.c:2537): Restoring FAILED.\n"
             "(01.046827)      1: Error (criu/pagemap.c:557): Can't read async pr bytes\n");
  fclose(f);
  snprintf(o.cr_errmsg, sizeof o.cr_errmsg, "Error (criu/cr-restore.c:2537): Restoring FAILED.");
  criu_reason(&o, dfd, "restore.log", 1 << 8, buf, sizeof buf);
  ok(!strcmp(buf, "Error (criu/pagemap.c:557): Can't read async pr bytes"),
     "reason: a closing \"Restoring FAILED.\" gives way to the log's specific error");
  criu_reason(&o, dfd, "missing.log", 1 << 8, buf, sizeof buf);
  ok(!strcmp(buf, "Error (criu/cr-restore.c:2537): Restoring FAILED."),
     "reason: the summary when the log has nothing more specific");
  memset(&o, 0, sizeof o);
  criu_reason(&o, dfd, "restore.log", 1 << 8, buf, sizeof buf);
  ok(!strcmp(buf, "Error (criu/pagemap.c:557): Can't read async pr bytes"),
     "reason: from the log alone, the summary line is passed over");
  criu_reason(NULL, dfd, "missing.log", 1 << 8, buf, sizeof buf);
  ok(!strcmp(buf, "criu exit status 1"), "reason: no log: the exit status");
  fd = openat(dfd, "clean.log", O_WRONLY | O_CREAT, 0600);
  (void)!write(fd, "(00.1) all fine\n", 16);
  close(fd);
  criu_reason(NULL, dfd, "clean.log", SIGKILL, buf, sizeof buf);
  ok(!strcmp(buf, "criu killed by signal 9"), "reason: no Error line, killed: the signal");
  unlinkat(dfd, "dump.log", 0), unlinkat(dfd, "clean.log", 0), unlinkat(dfd, "restore.log", 0);
  close(dfd);
  rmdir(dir);
}

static void test_cgroup_path(void)
{
  struct mnt_info e[] = {
      {.point = "/sys/fs/cgroup", .root = "/", .fstype = "tmpfs"},
      {.point = "/sys/fs/cgroup/memory", .root = "/", .fstype = "cgroup"},
      {.point = "/sys/fs/cgroup/unified", .root = "/", .fstype = "cgroup2"},
      {.point = "/sys/fs/cgroup/pids", .root = "/outer", .fstype = "cgroup"},
  };
  struct mnt_table t = {.e = e, .n = 4};
  struct mnt_info e2[] = {{.point = "/sys/fs/cgroup", .root = "/", .fstype = "cgroup2"}};
  struct mnt_table t2 = {.e = e2, .n = 1};
  char buf[256];
  ok(criu_cgroup_path(&t, "/sys/fs/cgroup/memory/user/c1", buf, sizeof buf) == 0 && !strcmp(buf, "/user/c1"),
     "cg path v1: below the memory hierarchy");
  ok(criu_cgroup_path(&t, "/sys/fs/cgroup/unified/user/c1", buf, sizeof buf) == 0 && !strcmp(buf, "/user/c1"),
     "cg path hybrid: below the unified hierarchy");
  ok(criu_cgroup_path(&t, "/sys/fs/cgroup/pids/c1", buf, sizeof buf) == 0 && !strcmp(buf, "/outer/c1"),
     "cg path: the mount's root goes in front");
  ok(criu_cgroup_path(&t, "/sys/fs/cgroup/memoryx/c1", buf, sizeof buf) < 0 && errno == ENOENT,
     "cg path: a name that only starts like a mount point is not below it");
  ok(criu_cgroup_path(&t2, "/sys/fs/cgroup/system.slice/job/c2", buf, sizeof buf) == 0 &&
         !strcmp(buf, "/system.slice/job/c2"),
     "cg path v2: below /sys/fs/cgroup");
  ok(criu_cgroup_path(&t2, "/sys/fs/cgroup", buf, sizeof buf) == 0 && !strcmp(buf, "/"),
     "cg path v2: the root itself is /");
}

static void test_describe(void)
{
  struct spec sp;
  struct criu_req r;
  struct statfs sf;
  struct stat st;
  char err[512], want[128];

  stat("/proc/self/ns/net", &st);
  parse(&sp, "ocispec 1\n"
             "mount /proc proc proc nosuid,noexec,nodev -\n"
             "mount /data bind /srv/data rbind,rprivate -\n"
             "mount /etc/hosts none /tmp/hosts bind,ro -\n"
             "mount /sys/fs/cgroup cgroup cgroup nosuid,noexec,nodev,relatime,ro -\n"
             "mask /dev/null\nmask /tmp\nmask /no/such/file\n"
             "device /dev/fuse c 10 229 0666 0 0\n"
             "ns.new mount\nns.join network /proc/self/ns/net\nns.join uts /proc/self/ns/uts\n");
  criu_req_init(&r, CRIU_REQ_DUMP);
  ok(criu_dump_describe(&r, &sp, getpid(), err, sizeof err) == 0, "dump describe: ok");
  ok(ext_mnt(&r, "/data") && !strcmp(ext_mnt(&r, "/data"), "/data"),
     "dump: a bind (rbind) is mnt[DEST]:DEST");
  ok(ext_mnt(&r, "/etc/hosts") && !strcmp(ext_mnt(&r, "/etc/hosts"), "/etc/hosts"),
     "dump: a bind (type none)");
  ok(!ext_mnt(&r, "/proc"), "dump: a proc mount is not external");
  ok(ext_mnt(&r, "/dev/null") && !strcmp(ext_mnt(&r, "/dev/null"), "/dev/null"), "dump: a masked file");
  ok(!ext_mnt(&r, "/tmp") && !ext_mnt(&r, "/no/such/file"), "dump: masked dirs and missing paths are not");
  ok(ext_mnt(&r, "/dev/fuse") && !strcmp(ext_mnt(&r, "/dev/fuse"), "/dev/fuse"), "dump: a device");
  snprintf(want, sizeof want, "net[%lu]:extRootNetNS", (unsigned long)st.st_ino);
  ok(has_external(&r, want) && r.n_external == 1,
     "dump: a joined network namespace is net[INO]:extRootNetNS");
  if (statfs("/sys/fs/cgroup", &sf) == 0 && (unsigned long)sf.f_type == 0x63677270)
    ok(ext_mnt(&r, "/sys/fs/cgroup") != NULL, "dump: the v2 cgroup bind at its destination");
  else
    ok(ext_mnt(&r, "/sys/fs/cgroup/memory") || ext_mnt(&r, "/sys/fs/cgroup/unified"),
       "dump: the v1 cgroup binds below the destination");
  criu_req_free(&r);
  spec_free(&sp);

  parse(&sp,
        "ocispec 1\nns.new cgroup\nmount /sys/fs/cgroup cgroup cgroup ro -\nns.join pid /proc/self/ns/pid\n");
  stat("/proc/self/ns/pid", &st);
  criu_req_init(&r, CRIU_REQ_DUMP);
  snprintf(want, sizeof want, "pid[%lu]:extRootPidNS", (unsigned long)st.st_ino);
  ok(criu_dump_describe(&r, &sp, getpid(), err, sizeof err) == 0 && r.n_ext_mnt == 0 &&
         has_external(&r, want),
     "dump: with a cgroup namespace nothing about cgroups; a joined pid ns is pid[INO]:extRootPidNS");
  criu_req_free(&r);
  spec_free(&sp);

  parse(&sp, "ocispec 1\nns.join network /no/such/netns\n");
  criu_req_init(&r, CRIU_REQ_DUMP);
  ok(criu_dump_describe(&r, &sp, getpid(), err, sizeof err) < 0 && errno == ENOENT &&
         !strcmp(err, "spec line 2: ns.join network /no/such/netns: No such file or directory"),
     "dump: a joined namespace that is gone: the spec line");
  criu_req_free(&r);
  spec_free(&sp);

  parse(&sp, "ocispec 1\n"
             "mount /data bind /srv/new rbind -\n"
             "mask /proc/kcore\nmask /proc/keys\n"
             "device /dev/fuse c 10 229 0666 0 0\n"
             "ns.new cgroup\nns.join uts /run/uts\nns.join mount /run/mnt\nns.join network /run/net\n"
             "ns.join ipc /run/ipc\nns.join time /run/time\nns.join user /run/user\n");
  criu_req_init(&r, CRIU_REQ_RESTORE);
  ok(criu_restore_describe(&r, &sp, err, sizeof err) == 0, "restore describe: ok");
  ok(ext_mnt(&r, "/data") && !strcmp(ext_mnt(&r, "/data"), "/srv/new"),
     "restore: a bind is mnt[DEST]:SOURCE");
  ok(ext_mnt(&r, "/dev/null") && !strcmp(ext_mnt(&r, "/dev/null"), "/dev/null") &&
         !ext_mnt(&r, "/proc/kcore"),
     "restore: masks are one /dev/null mapping");
  ok(ext_mnt(&r, "/dev/fuse") != NULL, "restore: a device");
  ok(r.n_join_ns == 5 && !strcmp(r.join_ns[0].key, "uts") && !strcmp(r.join_ns[1].key, "mnt") &&
         !strcmp(r.join_ns[1].val, "/run/mnt") && !strcmp(r.join_ns[2].key, "ipc") &&
         !strcmp(r.join_ns[3].key, "time") && !strcmp(r.join_ns[4].key, "user"),
     "restore: join_ns for uts mnt ipc time user, not net (the caller's inherit_fd)");
  ok(r.n_cg_root == 0 && r.n_external == 0, "restore: no cgroup dir, no cg_root");
  criu_req_free(&r);
  spec_free(&sp);

  parse(&sp, "ocispec 1\nns.join cgroup /run/cg\n");
  criu_req_init(&r, CRIU_REQ_RESTORE);
  ok(criu_restore_describe(&r, &sp, err, sizeof err) < 0 &&
         !strcmp(err, "spec line 2: ns.join cgroup /run/cg: criu cannot join a cgroup namespace"),
     "restore: a joined cgroup namespace is refused");
  criu_req_free(&r);
  spec_free(&sp);

  /* cgroup dirs below this machine's own cgroup mounts: what cg_root gets is their path in the hierarchy */
  {
    struct mnt_table t;
    const char *v2 = NULL, *v1 = NULL;
    char text[2048], rel1[512] = "", rel2[512] = "", d1[512] = "", d2[512] = "";
    mnt_table_read(&t);
    for (size_t i = 0; i < t.n; i++) {
      if (!v2 && !strcmp(t.e[i].fstype, "cgroup2")) v2 = t.e[i].point;
      if (!v1 && !strcmp(t.e[i].fstype, "cgroup") && strstr(t.e[i].super, "memory")) v1 = t.e[i].point;
    }
    if (v1) snprintf(d1, sizeof d1, "%s/t1/c1", v1);
    if (v2) snprintf(d2, sizeof d2, "%s/t2/c2", v2);
    criu_cgroup_path(&t, d1, rel1, sizeof rel1);
    criu_cgroup_path(&t, d2, rel2, sizeof rel2);
    snprintf(text, sizeof text, "ocispec 1\nmount /sys/fs/cgroup cgroup cgroup ro -\n%s%s%s%s%s%s",
             v1 ? "cgroup.dir memory " : "", v1 ? d1 : "", v1 ? " new\n" : "",
             v2 ? "cgroup.dir unified " : "", v2 ? d2 : "", v2 ? " new\n" : "");
    parse(&sp, text);
    criu_req_init(&r, CRIU_REQ_RESTORE);
    ok(criu_restore_describe(&r, &sp, err, sizeof err) == 0, "restore with cgroup dirs: ok");
    if (v1) {
      size_t i = 0;
      while (i < r.n_cg_root && !(r.cg_root[i].key && !strcmp(r.cg_root[i].key, "memory"))) i++;
      ok(i < r.n_cg_root && !strcmp(r.cg_root[i].val, rel1) && !strcmp(rel1, "/t1/c1"),
         "cg_root v1: memory:/t1/c1 (the path in its hierarchy)");
      snprintf(want, sizeof want, "/sys/fs/cgroup/%s", strrchr(v1, '/') + 1);
      ok(ext_mnt(&r, want) && !strcmp(ext_mnt(&r, want), d1),
         "restore v1: the cgroup bind maps to the new dir");
    }
    if (v2) {
      size_t i = 0;
      while (i < r.n_cg_root && r.cg_root[i].key) i++;
      ok(i < r.n_cg_root && !strcmp(r.cg_root[i].val, rel2), "cg_root v2: one entry without a controller");
    }
    if (statfs("/sys/fs/cgroup", &sf) == 0 && (unsigned long)sf.f_type == 0x63677270)
      ok(ext_mnt(&r, "/sys/fs/cgroup") && !strcmp(ext_mnt(&r, "/sys/fs/cgroup"), d2),
         "restore v2: the cgroup bind maps to the new dir");
    criu_req_free(&r);
    spec_free(&sp);
    mnt_table_free(&t);
  }
}

/* descriptors.json with this text in dfd, read back for a restore into *r (criu_req_free it) */
static int restore_from(int dfd, const char *json, struct criu_req *r)
{
  int fd = openat(dfd, "descriptors.json", O_WRONLY | O_CREAT | O_TRUNC, 0600);
  (void)!write(fd, json, strlen(json));
  close(fd);
  criu_req_init(r, CRIU_REQ_RESTORE);
  return criu_descriptors_restore(dfd, r);
}

static void test_descriptors(void)
{
  char tmpl[] = "/tmp/test-criu-img.XXXXXX", *dir = mkdtemp(tmpl), buf[1024], want[1024];
  int dfd = open(dir, O_RDONLY | O_DIRECTORY), in[2], out[2], ready[2], fd;
  struct stat a, b;
  struct criu_req r;
  pid_t child;

  (void)!pipe(in), (void)!pipe(out), (void)!pipe(ready);
  fstat(in[0], &a), fstat(out[1], &b);
  if ((child = fork()) == 0) {
    int null = open("/dev/null", O_WRONLY);
    dup2(in[0], 0), dup2(out[1], 1), dup2(null, 2);
    close(ready[0]);
    close(ready[1]); /* ready: the parent reads EOF */
    pause();
    _exit(0);
  }
  close(ready[1]);
  (void)!read(ready[0], buf, 1);
  close(ready[0]);
  criu_req_init(&r, CRIU_REQ_DUMP);
  ok(criu_descriptors_dump(dfd, child, &r) == 0, "descriptors.json written");
  kill(child, SIGKILL);
  waitpid(child, NULL, 0);
  memset(buf, 0, sizeof buf);
  fd = openat(dfd, "descriptors.json", O_RDONLY);
  (void)!read(fd, buf, sizeof buf - 1);
  close(fd);
  snprintf(want, sizeof want, "[\"pipe:[%lu]\",\"pipe:[%lu]\",\"/dev/null\"]", (unsigned long)a.st_ino,
           (unsigned long)b.st_ino);
  ok(!strcmp(buf, want), "descriptors.json: runc's array of readlink(fd 0-2)");
  ok(r.n_external == 0, "a file in the process's own mount namespace is not external");
  criu_req_free(&r);
  criu_req_init(&r, CRIU_REQ_RESTORE);
  ok(criu_descriptors_restore(dfd, &r) == 0 && r.n_inherit_fd == 2 && r.inherit_fd[0].fd == 0 &&
         r.inherit_fd[1].fd == 1,
     "restore: the pipes become inherit_fd 0 and 1, /dev/null nothing");
  criu_req_free(&r);

  ok(restore_from(dfd, " [ \"file[18:4]\" , \"pipe:[5]\",\"pipe:[5]\" ]\n", &r) == 0 && r.n_inherit_fd == 2 &&
         !strcmp(r.inherit_fd[0].key, "file[18:4]") && r.inherit_fd[0].fd == 0 &&
         !strcmp(r.inherit_fd[1].key, "pipe:[5]") && r.inherit_fd[1].fd == 1,
     "restore: a file[MNT:INO] key too; a pipe shared by fds 1 and 2 once");
  criu_req_free(&r);

  ok(restore_from(dfd, "[\"pipe:\\u005b7]\", \"a\\\"b\"]", &r) == 0 && r.n_inherit_fd == 1 &&
         !strcmp(r.inherit_fd[0].key, "pipe:[7]"),
     "restore: JSON escapes are read");
  criu_req_free(&r);

  ok(restore_from(dfd, "[\"a\",\"b\",\"c\",\"pipe:[9]\"]", &r) == 0 && r.n_inherit_fd == 0,
     "restore: an entry past fd 2 is no inherit_fd (criu's fd 3 is its socket)");
  criu_req_free(&r);

  ok(restore_from(dfd, "[\"pipe:[5]\" \"x\"]", &r) < 0 && errno == EBADMSG,
     "restore: malformed JSON is EBADMSG");
  criu_req_free(&r);
  unlinkat(dfd, "descriptors.json", 0);
  criu_req_init(&r, CRIU_REQ_RESTORE);
  ok(criu_descriptors_restore(dfd, &r) < 0 && errno == ENOENT, "restore: no descriptors.json is ENOENT");
  close(dfd);
  rmdir(dir);
  close(in[0]), close(in[1]), close(out[0]), close(out[1]);
}

int main(int argc, char **argv)
{
  char self[4096];
  ssize_t n;
  if (argc == 3 && !strcmp(argv[1], "swrk")) return fake_criu();
  n = readlink("/proc/self/exe", self, sizeof self - 1);
  self[n < 0 ? 0 : n] = 0;
  test_codec();
  test_exchange(self);
  test_reason();
  test_cgroup_path();
  test_describe();
  test_descriptors();
  return done();
}
