/* oci-secure: compile and check the security policy; apply nothing.
   Reads cap.*, seccomp.*, process.apparmor, process.selinux, mountlabel; appends secure.cap.SET (all five),
   secure.bpf + secure.bpfflags (when a filter is set), secure.apparmor, secure.selinux. Runs on the host,
   before any kernel object exists (right after oci-parse); oci-exec applies what it prepared. */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <linux/audit.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <seccomp.h>
#include <stdint.h>
#include <stdio.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <sys/capability.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/utsname.h>
#include <unistd.h>

#ifdef HAVE_APPARMOR
#include <sys/apparmor.h>
#endif
#ifdef HAVE_SELINUX
#include <selinux/selinux.h>
#endif

#include "bpfcache.h"
#include "chain.h"
#include "die.h"
#include "fd.h"
#include "spec.h"
#include "stage.h"

#define USAGE "oci-secure [--check | prog...]"

#ifndef SECCOMP_FILTER_FLAG_LOG
#define SECCOMP_FILTER_FLAG_LOG (1UL << 1)
#endif
#ifndef SECCOMP_FILTER_FLAG_SPEC_ALLOW
#define SECCOMP_FILTER_FLAG_SPEC_ALLOW (1UL << 2)
#endif
#ifndef SECCOMP_FILTER_FLAG_NEW_LISTENER
#define SECCOMP_FILTER_FLAG_NEW_LISTENER (1UL << 3)
#endif
#ifndef SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV
#define SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV (1UL << 5)
#endif

static const char *const capsets[] = {"bounding", "effective", "permitted", "inheritable", "ambient"};
enum { NSETS = 5 };

/* ---- capabilities ---------------------------------------------------- */

static int cap_last(void)
{
  char buf[32];
  long long v;
  /* An old kernel without the file knows at most what libcap was built with. */
  if (file_read_at(AT_FDCWD, "/proc/sys/kernel/cap_last_cap", buf, sizeof buf) <= 0) return CAP_LAST_CAP;
  buf[strcspn(buf, "\n")] = 0;
  v = stage_num(buf, 63);
  return v < 0 ? CAP_LAST_CAP : (int)v;
}

/* "CAP_CHOWN,CAP_KILL" (or "") -> mask. Only the exact upper-case CAP_ spelling is a name: libcap also takes
   "chown" and "12", which the OCI spec does not. */
static uint64_t cap_mask(const struct rec *r, int last)
{
  uint64_t m = 0;
  char *list = r->f[1], *save = NULL, *name;
  if (r->nf != 2) die(EXIT_BADINPUT, "spec line %u: %s takes one field", r->line, r->f[0]);
  for (name = strtok_r(list, ",", &save); name; name = strtok_r(NULL, ",", &save)) {
    cap_value_t v;
    int bad = strncmp(name, "CAP_", 4) != 0;
    for (const char *p = name; *p && !bad; p++) bad = (*p < 'A' || *p > 'Z') && *p != '_';
    if (bad || cap_from_name(name, &v) < 0 || v < 0 || v > 63)
      die(EXIT_BADINPUT, "spec line %u: process.capabilities.%s: unknown capability %s", r->line, r->f[0] + 4,
          name);
    if (v > last) {
      warn("spec line %u: capability %s is not supported by this kernel, dropped", r->line, name);
      continue;
    }
    m |= (uint64_t)1 << v;
  }
  return m;
}

/* ---- seccomp --------------------------------------------------------- */

static int seccomp_used; /* set when any seccomp.* record is seen */
static int notify_used;  /* set when a rule's action is SCMP_ACT_NOTIFY */

/* ACTION and ERRNO fields -> a libseccomp action. ERRNO "-" means EPERM for ERRNO and TRACE, as in runc. */
static uint32_t action(const struct rec *r, const char *name, const char *err)
{
  static const struct {
    const char *name;
    uint32_t act;
    int takes_errno;
  } acts[] = {
      {"SCMP_ACT_KILL", SCMP_ACT_KILL, 0},
      {"SCMP_ACT_KILL_THREAD", SCMP_ACT_KILL_THREAD, 0},
      {"SCMP_ACT_KILL_PROCESS", SCMP_ACT_KILL_PROCESS, 0},
      {"SCMP_ACT_TRAP", SCMP_ACT_TRAP, 0},
      {"SCMP_ACT_ERRNO", SCMP_ACT_ERRNO(0), 1},
      {"SCMP_ACT_TRACE", SCMP_ACT_TRACE(0), 1},
      {"SCMP_ACT_ALLOW", SCMP_ACT_ALLOW, 0},
      {"SCMP_ACT_LOG", SCMP_ACT_LOG, 0},
  };
  long long e = EPERM;
  if (!strcmp(name, "SCMP_ACT_NOTIFY")) {
    if (*err) die(EXIT_BADINPUT, "spec line %u: %s takes no errno, got %s", r->line, name, err);
    return SCMP_ACT_NOTIFY;
  }
  for (size_t i = 0; i < sizeof acts / sizeof *acts; i++) {
    if (strcmp(name, acts[i].name)) continue;
    if (*err) {
      if (!acts[i].takes_errno)
        die(EXIT_BADINPUT, "spec line %u: %s takes no errno, got %s", r->line, name, err);
      if ((e = stage_num(err, 4095)) < 0) die(EXIT_BADINPUT, "spec line %u: bad errno %s", r->line, err);
    }
    return acts[i].takes_errno ? acts[i].act | (uint32_t)e : acts[i].act;
  }
  die(EXIT_BADINPUT, "spec line %u: unknown seccomp action %s", r->line, name);
}

/* "INDEX:OP:VALUE:VALUETWO" */
static struct scmp_arg_cmp condition(const struct rec *r, char *s)
{
  static const struct {
    const char *name;
    enum scmp_compare op;
  } ops[] = {
      {"SCMP_CMP_NE", SCMP_CMP_NE},
      {"SCMP_CMP_LT", SCMP_CMP_LT},
      {"SCMP_CMP_LE", SCMP_CMP_LE},
      {"SCMP_CMP_EQ", SCMP_CMP_EQ},
      {"SCMP_CMP_GE", SCMP_CMP_GE},
      {"SCMP_CMP_GT", SCMP_CMP_GT},
      {"SCMP_CMP_MASKED_EQ", SCMP_CMP_MASKED_EQ},
  };
  struct scmp_arg_cmp c = {0};
  char *f[4], *save = NULL, *end;
  int n = 0;
  for (char *t = strtok_r(s, ":", &save); t; t = strtok_r(NULL, ":", &save)) {
    if (n < 4)
      f[n++] = t;
    else
      die(EXIT_BADINPUT, "spec line %u: bad seccomp argument condition", r->line);
  }
  if (n != 4 || stage_num(f[0], 5) < 0)
    die(EXIT_BADINPUT, "spec line %u: bad seccomp argument condition", r->line);
  c.arg = (unsigned)stage_num(f[0], 5);
  for (size_t i = 0; i < sizeof ops / sizeof *ops; i++)
    if (!strcmp(f[1], ops[i].name)) c.op = ops[i].op;
  if (!c.op) die(EXIT_BADINPUT, "spec line %u: unknown seccomp operator %s", r->line, f[1]);
  for (int k = 2; k < 4; k++) {
    errno = 0;
    unsigned long long v = strtoull(f[k], &end, 10);
    if (*f[k] < '0' || *f[k] > '9' || *end || errno)
      die(EXIT_BADINPUT, "spec line %u: bad seccomp argument value %s", r->line, f[k]);
    if (k == 2)
      c.datum_a = v;
    else
      c.datum_b = v;
  }
  return c;
}

static void syscall_rule(scmp_filter_ctx ctx, uint32_t defact, const struct rec *r)
{
  struct scmp_arg_cmp conds[6];
  unsigned n = 0, count[6] = {0};
  int nr, rc, multi = 0;
  uint32_t act;

  if (r->nf < 4) die(EXIT_BADINPUT, "spec line %u: seccomp.syscall needs NAME ACTION ERRNO", r->line);
  if (r->nf > 4 + 6) die(EXIT_BADINPUT, "spec line %u: more than 6 seccomp argument conditions", r->line);
  act = action(r, r->f[2], r->f[3]);
  /* After loading its filter the process sends the listener to the monitor (sendmsg; write for runc): a
     notified call there would wait for an agent that never gets the fd, and the container would hang. */
  if (act == SCMP_ACT_NOTIFY && (!strcmp(r->f[1], "write") || !strcmp(r->f[1], "sendmsg")))
    die(EXIT_BADINPUT, "spec line %u: SCMP_ACT_NOTIFY cannot be used for the %s syscall", r->line, r->f[1]);
  if (act == SCMP_ACT_NOTIFY) notify_used = 1;
  for (unsigned i = 4; i < r->nf; i++) {
    conds[n] = condition(r, r->f[i]);
    if (++count[conds[n].arg] > 1) multi = 1;
    n++;
  }
  /* A name this libseccomp does not know is a syscall this kernel lacks or a typo in a shared profile: runc
     skips it, and so do we. */
  nr = seccomp_syscall_resolve_name(r->f[1]);
  if (nr == __NR_SCMP_ERROR) {
    debug("spec line %u: unknown syscall %s ignored", r->line, r->f[1]);
    return;
  }
  if (act == defact) return; /* libseccomp refuses a rule that repeats the default; it changes nothing */
  if (!multi) {
    rc = seccomp_rule_add_array(ctx, act, nr, n, conds);
  } else {
    /* The same argument compared twice can never match in one rule (the comparisons AND): runc makes one rule
       per condition instead (OR), and we keep its meaning. */
    rc = 0;
    for (unsigned i = 0; i < n && rc == 0; i++) rc = seccomp_rule_add_array(ctx, act, nr, 1, &conds[i]);
  }
  if (rc < 0) {
    errno = -rc;
    die_sys(EXIT_BADINPUT, "spec line %u: seccomp rule for %s", r->line, r->f[1]);
  }
}

/* A seccomp.arch record -> libseccomp's token (the kernel's AUDIT_ARCH_ value). */
static uint32_t arch_token(const struct rec *r)
{
  char low[64];
  uint32_t arch = 0;
  size_t i;
  /* SCMP_ARCH_X86_64 -> "x86_64", the name libseccomp resolves */
  if (r->nf == 2 && !strncmp(r->f[1], "SCMP_ARCH_", 10) && strlen(r->f[1] + 10) < sizeof low) {
    for (i = 0; r->f[1][10 + i]; i++) {
      char c = r->f[1][10 + i];
      low[i] = c >= 'A' && c <= 'Z' ? (char)(c - 'A' + 'a') : c;
    }
    low[i] = 0;
    arch = seccomp_arch_resolve_name(low);
  }
  if (!arch) die(EXIT_BADINPUT, "spec line %u: unknown seccomp architecture %s", r->line, r->f[1]);
  return arch;
}

static int sealed_copy(const char *data, size_t len);

/* ---- the ENOSYS stub --------------------------------------------------

   A syscall newer than the profile (clone3 under a profile written before
   it, or a number no kernel has yet) would get the profile's default
   action, EPERM as a rule: libc takes that as a refusal and never falls
   back to the older call. Like runc (its patchbpf), a short program in
   front of libseccomp's answers ENOSYS, per architecture, for every
   syscall number above the highest one the profile names. Not for a
   permissive default (ALLOW, LOG, TRACE) nor one that already answers
   ENOSYS. */

static int stub_wanted(uint32_t defact)
{
  /* TRACE is permissive too, as in runc: a tracer handles new syscalls itself */
  int trace = (defact & 0xffff0000U) == SCMP_ACT_TRACE(0);
  return defact != SCMP_ACT_ALLOW && defact != SCMP_ACT_LOG && !trace && defact != SCMP_ACT_ERRNO(ENOSYS);
}

/* The highest number, on ARCH, of a syscall the profile names; -1 when it names none there. */
static long last_syscall(const struct spec *sp, uint32_t arch)
{
  long last = -1;
  for (const struct rec *r = spec_next(sp, "seccomp.syscall", NULL); r;
       r = spec_next(sp, "seccomp.syscall", r)) {
    int nr = seccomp_syscall_resolve_name_arch(arch, r->f[1]);
    if (nr >= 0 && nr > last) last = nr; /* negative: unknown here, or a libseccomp pseudo-number */
  }
  return last;
}

/* One block per architecture: wrong arch -> next block; nr > last -> ENOSYS; otherwise on. x32 is the
   kernel's x86_64 with bit 30 set in the number: each of the two checks that bit, so neither judges the
   other's calls. */
static size_t stub_block(struct sock_filter *f, uint32_t arch, long last)
{
  size_t n = 0;
  int x32 = arch == SCMP_ARCH_X32, x86_64 = arch == AUDIT_ARCH_X86_64 || x32;
  f[n++] = (struct sock_filter)BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, arch));
  f[n++] = (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, x86_64 ? AUDIT_ARCH_X86_64 : arch, 0,
                                        (unsigned char)(x86_64 ? 4 : 3));
  f[n++] = (struct sock_filter)BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr));
  if (x86_64) /* the other mode's call: on to the next block */
    f[n++] = (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JSET | BPF_K, 0x40000000, x32 ? 0 : 2, x32 ? 2 : 0);
  f[n++] = (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JGT | BPF_K, (uint32_t)last, 0, 1);
  f[n++] = (struct sock_filter)BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | ENOSYS);
  return n;
}

/* The exported program in memfd m, with the stub in front: a new sealed memfd (m is closed). */
static int stub_prepend(const struct spec *sp, int m)
{
  uint32_t arches[64];
  size_t narch = 0, len, n = 0;
  char *prog = fd_slurp(m, &len);
  struct sock_filter *f;
  int out;
  if (!prog) die_sys(EXIT_SYSFAIL, "read the seccomp program back");
  arches[narch++] = seccomp_arch_native();
  for (const struct rec *r = spec_next(sp, "seccomp.arch", NULL); r && narch < 64;
       r = spec_next(sp, "seccomp.arch", r)) {
    uint32_t a = arch_token(r);
    size_t i;
    for (i = 0; i < narch && arches[i] != a; i++) {
    }
    if (i == narch) arches[narch++] = a;
  }
  if (!(f = malloc(narch * 6 * sizeof *f + len))) die_sys(EXIT_SYSFAIL, "allocate");
  for (size_t i = 0; i < narch; i++) {
    long last = last_syscall(sp, arches[i]);
    if (last >= 0) n += stub_block(f + n, arches[i], last);
  }
  debug("seccomp: ENOSYS stub of %zu instructions", n);
  /* the kernel loads no longer program: say so here, not as a failed load inside the container */
  if (n + len / sizeof *f > BPF_MAXINSNS)
    die(EXIT_BADINPUT, "seccomp: the profile makes more than %d instructions", BPF_MAXINSNS);
  memcpy(f + n, prog, len);
  out = sealed_copy((const char *)f, n * sizeof *f + len);
  free(f);
  free(prog);
  close(m);
  return out;
}

/* NOTIFY rules: the filter is loaded with a new listener, for the agent at seccomp.listener. */
static unsigned listener_flags(const struct spec *sp, const struct rec *waitkill)
{
  unsigned f = SECCOMP_FILTER_FLAG_NEW_LISTENER;
  /* a notify rule without an agent would block the process for good */
  if (!spec_get(sp, "seccomp.listener"))
    die(EXIT_BADINPUT, "spec: SCMP_ACT_NOTIFY needs linux.seccomp.listenerPath");
  if (waitkill) {
    /* The kernel's own probe: flags it knows get EFAULT for the NULL program, unknown ones EINVAL. A flag the
       kernel lacks is refused here, before anything exists, not at the load. */
    f |= SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV;
    if (syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, f, NULL) == 0 || errno != EFAULT)
      die(EXIT_SYSFAIL, "spec line %u: %s: not supported by this kernel", waitkill->line, waitkill->f[1]);
  }
  return f;
}

/* Build the filter, export it into a sealed memfd; returns the fd (not CLOEXEC) or -1 when there is no
 * filter. */
static int seccomp_build(const struct spec *sp, unsigned *flags)
{
  const struct rec *r, *def = NULL, *waitkill = NULL;
  scmp_filter_ctx ctx;
  uint32_t defact;
  int m, rc;

  *flags = 0;
  for (r = spec_next(sp, "seccomp.default", NULL); r; r = spec_next(sp, "seccomp.default", r)) def = r;
  if (!def) {
    if (seccomp_used) die(EXIT_BADINPUT, "spec: seccomp records without seccomp.default");
    return -1;
  }
  if (def->nf != 3) die(EXIT_BADINPUT, "spec line %u: seccomp.default needs ACTION ERRNO", def->line);
  defact = action(def, def->f[1], def->f[2]);
  /* the process would wait on its own listener for the sendmsg that hands it to the agent */
  if (defact == SCMP_ACT_NOTIFY)
    die(EXIT_BADINPUT, "spec line %u: SCMP_ACT_NOTIFY cannot be used as default action", def->line);
  if (!(ctx = seccomp_init(defact))) die(EXIT_SYSFAIL, "seccomp_init: failed");

  for (r = spec_next(sp, "seccomp.arch", NULL); r; r = spec_next(sp, "seccomp.arch", r)) {
    uint32_t arch = arch_token(r);
    rc = seccomp_arch_add(ctx, arch);
    if (rc < 0 && rc != -EEXIST) {
      errno = -rc;
      die_sys(EXIT_SYSFAIL, "seccomp_arch_add %s", r->f[1]);
    }
  }

  for (r = spec_next(sp, "seccomp.flag", NULL); r; r = spec_next(sp, "seccomp.flag", r)) {
    enum scmp_filter_attr attr = 0;
    if (r->nf != 2) die(EXIT_BADINPUT, "spec line %u: seccomp.flag takes one field", r->line);
    if (!strcmp(r->f[1], "SECCOMP_FILTER_FLAG_LOG")) {
      attr = SCMP_FLTATR_CTL_LOG;
      *flags |= SECCOMP_FILTER_FLAG_LOG;
    } else if (!strcmp(r->f[1], "SECCOMP_FILTER_FLAG_SPEC_ALLOW")) {
      attr = SCMP_FLTATR_CTL_SSB;
      *flags |= SECCOMP_FILTER_FLAG_SPEC_ALLOW;
    } else if (!strcmp(r->f[1], "SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV")) {
      waitkill = r; /* only changes how a notify listener's wait behaves: decided once the rules are read */
      continue;
    } else {
      die(EXIT_BADINPUT, "spec line %u: unknown seccomp flag %s", r->line, r->f[1]);
    }
    /* The exported BPF does not carry the flags (they are arguments of seccomp(2)): oci-exec gets them in
       secure.bpfflags. Setting the attribute still checks that this libseccomp and kernel support the flag.
     */
    if ((rc = seccomp_attr_set(ctx, attr, 1)) < 0) {
      errno = -rc;
      die_sys(EXIT_SYSFAIL, "seccomp flag %s", r->f[1]);
    }
  }

  for (r = spec_next(sp, "seccomp.syscall", NULL); r; r = spec_next(sp, "seccomp.syscall", r))
    syscall_rule(ctx, defact, r);
  if (notify_used)
    *flags |= listener_flags(sp, waitkill);
  else if (waitkill)
    debug("spec line %u: %s has no effect without SCMP_ACT_NOTIFY", waitkill->line, waitkill->f[1]);

  m = memfd_create("seccomp-bpf", MFD_CLOEXEC | MFD_ALLOW_SEALING);
  if (m < 0) die_sys(EXIT_SYSFAIL, "memfd_create seccomp-bpf");
  if ((rc = seccomp_export_bpf(ctx, m)) < 0) {
    errno = -rc;
    die_sys(EXIT_SYSFAIL, "seccomp_export_bpf");
  }
  seccomp_release(ctx);
  if (lseek(m, 0, SEEK_SET) < 0) die_sys(EXIT_SYSFAIL, "rewind seccomp-bpf memfd");
  if (stub_wanted(defact)) return stub_prepend(sp, m);
  if (fcntl(m, F_ADD_SEALS, F_SEAL_WRITE | F_SEAL_GROW | F_SEAL_SHRINK | F_SEAL_SEAL) < 0)
    die_sys(EXIT_SYSFAIL, "seal seccomp-bpf memfd");
  if (lseek(m, 0, SEEK_SET) < 0) die_sys(EXIT_SYSFAIL, "rewind seccomp-bpf memfd");
  return m;
}

/* ---- the compiled filter cache (bpfcache.h) ------------------------------

   The key is everything that determines the program: this build of
   oci-secure (its build id: our compile code and the libseccomp linked
   in), libseccomp's version, the native arch, the kernel (what
   libseccomp and the NOTIFY flags probe), then the spec's seccomp records
   in order. Run, create and exec (which carries the container's records
   unchanged) share it: a hit loads the program, a miss compiles and
   stores it. */

static char *cache_key(const struct spec *sp, size_t *len)
{
  const struct scmp_version *v = seccomp_version();
  struct specw k;
  struct utsname u;
  char bid[130];
  if (bpfcache_build_id(bid, sizeof bid) < 0 || uname(&u) < 0 || !v) return NULL;
  specw_init(&k);
  specw_add(&k, "cache.build", bid, (char *)NULL);
  specw_addf(&k, "cache.libseccomp", "%u.%u.%u", v->major, v->minor, v->micro);
  specw_addf(&k, "cache.arch", "%u", seccomp_arch_native());
  specw_add(&k, "cache.kernel", u.sysname, u.release, u.version, u.machine, (char *)NULL);
  for (const struct rec *r = spec_next(sp, NULL, NULL); r; r = spec_next(sp, NULL, r))
    if (!strncmp(r->f[0], "seccomp.", 8)) specw_addv(&k, r->f[0], (const char *const *)r->f + 1, r->nf - 1);
  if (k.oom) die_sys(EXIT_SYSFAIL, "allocate memory");
  *len = k.len;
  return k.buf;
}

static int sealed_copy(const char *data, size_t len)
{
  int m = memfd_create("seccomp-bpf", MFD_CLOEXEC | MFD_ALLOW_SEALING);
  if (m < 0) die_sys(EXIT_SYSFAIL, "memfd_create seccomp-bpf");
  if (write_all(m, data, len) < 0) die_sys(EXIT_SYSFAIL, "write seccomp-bpf memfd");
  if (fcntl(m, F_ADD_SEALS, F_SEAL_WRITE | F_SEAL_GROW | F_SEAL_SHRINK | F_SEAL_SEAL) < 0)
    die_sys(EXIT_SYSFAIL, "seal seccomp-bpf memfd");
  if (lseek(m, 0, SEEK_SET) < 0) die_sys(EXIT_SYSFAIL, "rewind seccomp-bpf memfd");
  return m;
}

/* The filter for this spec: from the cache under ROOT (may be NULL: no cache) or compiled (and stored). A
   sealed memfd, or -1 when the spec has no filter. */
static int seccomp_get(const struct spec *sp, const char *root, unsigned *flags)
{
  size_t klen = 0, plen;
  char *key = NULL, *prog, name[17];
  const char *why = NULL;
  int dfd = -1, bpf;

  if (root && spec_next(sp, "seccomp.default", NULL)) {
    if (!(key = cache_key(sp, &klen)))
      debug("seccomp cache: off (this build has no build id)");
    else if ((dfd = bpfcache_dir(root, 1, &why)) < 0)
      debug("seccomp cache: %s/%s not used: %s", root, BPFCACHE_DIR, why);
  }
  if (dfd >= 0) {
    bpfcache_name(key, klen, name);
    int rc = bpfcache_load(dfd, key, klen, &prog, &plen, flags, &why);
    if (rc == 0 && plen / 8 <= BPF_MAXINSNS) {
      debug("seccomp cache: hit %s/%s/%s", root, BPFCACHE_DIR, name);
      bpf = sealed_copy(prog, plen);
      free(prog);
      free(key);
      close(dfd);
      return bpf;
    }
    free(prog);
    if (rc < 0) debug("seccomp cache: %s/%s/%s ignored: %s", root, BPFCACHE_DIR, name, why);
  }
  bpf = seccomp_build(sp, flags);
  if (dfd >= 0 && bpf >= 0) {
    char *p = fd_slurp(bpf, &plen);
    if (!p || lseek(bpf, 0, SEEK_SET) < 0 || bpfcache_store(dfd, key, klen, p, plen, *flags) < 0)
      debug("seccomp cache: miss, compiled; not stored in %s/%s: %s", root, BPFCACHE_DIR, strerror(errno));
    else
      debug("seccomp cache: miss, compiled and stored as %s/%s/%s", root, BPFCACHE_DIR, name);
    free(p);
  }
  free(key);
  if (dfd >= 0) close(dfd);
  return bpf;
}

/* ---- LSM labels ------------------------------------------------------ */

static void apparmor_check(const struct rec *r, struct specw *w)
{
  const char *p = r->f[1];
  if (!*p) return;
#ifdef HAVE_APPARMOR
  if (!aa_is_enabled()) die(EXIT_SYSFAIL, "apparmor profile \"%s\": AppArmor is not enabled on this host", p);
  specw_add(w, "secure.apparmor", p, (char *)NULL);
#else
  (void)w;
  die(EXIT_BADINPUT, "spec line %u: apparmor profile \"%s\": built without AppArmor support", r->line, p);
#endif
}

/* process.selinux (kind "label") and mountlabel (kind "mount label"). On a host where SELinux is disabled
   they are ignored with a line in the --debug log, as runc's and crun's label libraries do: the process label
   becomes an empty secure.selinux record (oci-exec applies none) and oci-mount leaves the mount label out. On
   a host with SELinux, a label is checked and must apply. */
static void selinux_check(const struct rec *r, const char *kind, struct specw *w)
{
  const char *l = r->f[1];
  if (!*l) return;
#ifdef HAVE_SELINUX
  if (is_selinux_enabled() <= 0) {
    debug("selinux %s \"%s\" ignored: SELinux is disabled on this host", kind, l);
    if (w) specw_add(w, "secure.selinux", "", (char *)NULL);
    return;
  }
  if (security_check_context(l) < 0)
    die(EXIT_BADINPUT, "spec line %u: invalid SELinux %s \"%s\"", r->line, kind, l);
  if (w) specw_add(w, "secure.selinux", l, (char *)NULL);
#else
  (void)w;
  die(EXIT_BADINPUT, "spec line %u: selinux %s \"%s\": built without SELinux support", r->line, kind, l);
#endif
}

int main(int argc, char **argv)
{
  struct spec sp;
  struct specw w;
  const struct rec *r, *caps[NSETS] = {0}, *aa = NULL, *se = NULL, *ml = NULL;
  static const struct option longopts[] = {{"check", no_argument, 0, 'X'}, {0, 0, 0, 0}};
  unsigned bpfflags;
  int opt, last, bpf, check = 0;

  stage_init("oci-secure");
  while ((opt = getopt_long(argc, argv, "+", longopts, NULL)) != -1) {
    if (opt != 'X') die_usage(USAGE);
    check = 1;
  }
  argv += optind;
  if (!*argv == !check) die_usage(USAGE);
  stage_read(&sp);
  /* a check has nothing to tear down: a hand-composed chain's oci-delete is not for it */
  if (check) die_set_teardown(NULL);

  /* Fail closed on anything in our prefixes we do not know (oci-spec(5)): an unknown security record must
     never mean "no policy". secure.* is ours to write, so a spec that already has it is refused too. */
  for (r = spec_next(&sp, NULL, NULL); r; r = spec_next(&sp, NULL, r)) {
    const char *k = r->f[0];
    if (!strncmp(k, "cap.", 4)) {
      int i;
      for (i = 0; i < NSETS && strcmp(k + 4, capsets[i]); i++) {
      }
      if (i < NSETS)
        caps[i] = r;
      else
        die(EXIT_BADINPUT, "spec line %u: unknown record %s", r->line, k);
    } else if (!strncmp(k, "seccomp.", 8)) {
      if (strcmp(k, "seccomp.default") && strcmp(k, "seccomp.arch") && strcmp(k, "seccomp.flag") &&
          strcmp(k, "seccomp.syscall") && strcmp(k, "seccomp.listener") && strcmp(k, "seccomp.listenermeta"))
        die(EXIT_BADINPUT, "spec line %u: unknown record %s", r->line, k);
      if (!strncmp(k, "seccomp.listener", 16) && r->nf != 2)
        die(EXIT_BADINPUT, "spec line %u: %s takes one field", r->line, k);
      seccomp_used = 1;
    } else if (!strncmp(k, "secure.", 7)) {
      die(EXIT_BADINPUT, "spec line %u: %s is written by oci-secure, not read", r->line, k);
    } else if (!strcmp(k, "process.apparmor") || !strcmp(k, "process.selinux") || !strcmp(k, "mountlabel")) {
      if (r->nf != 2) die(EXIT_BADINPUT, "spec line %u: %s takes one field", r->line, k);
      if (k[0] == 'm')
        ml = r;
      else if (k[8] == 'a')
        aa = r;
      else
        se = r;
    }
  }

  if (specw_from(&w, &sp) < 0) die_sys(EXIT_SYSFAIL, "copy spec");
  last = cap_last();
  for (int i = 0; i < NSETS; i++) {
    char key[32];
    uint64_t m = 0;
    if (caps[i]) m = cap_mask(caps[i], last);
    snprintf(key, sizeof key, "secure.cap.%s", capsets[i]);
    specw_addf(&w, key, "0x%016llx", (unsigned long long)m);
  }

  if (aa) apparmor_check(aa, &w);
  if (se) selinux_check(se, "label", &w);
  if (ml) selinux_check(ml, "mount label", NULL);

  /* --check compiles the filter, but neither reads nor writes the cache under the state root */
  bpf = seccomp_get(&sp, check ? NULL : spec_get(&sp, "state.root"), &bpfflags);
  if (check) {
    if (bpf >= 0) close(bpf);
    specw_free(&w);
    if (write_lines_except(1, sp.text, sp.len, "fd.") < 0) die_sys(EXIT_SYSFAIL, "write the spec to stdout");
    return 0;
  }
  if (bpf >= 0) {
    if (fd_move(bpf, bpf) < 0) die_sys(EXIT_SYSFAIL, "pass seccomp-bpf memfd");
    specw_addf(&w, "secure.bpf", "%d", bpf);
    specw_addf(&w, "secure.bpfflags", "%u", bpfflags);
  }

  if (spec_publish(&w, spec_fd()) < 0) die_sys(EXIT_SYSFAIL, "publish spec on fd %d", spec_fd());
  specw_free(&w);
  chain_exec(&sp, argv);
}
