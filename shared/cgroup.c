/* cgroup.c: the cgroup v2 device filter (raw bpf(2), no libbpf) and the
   v1 -> v2 unit conversions, for every program that sets resources. */
#include "cgroup.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/bpf.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "fd.h"

int cgroup_dev_access(const char *rwm)
{
  int a = 0;
  if (!*rwm) return -1;
  for (; *rwm; rwm++) switch (*rwm) {
      case 'm': a |= CGROUP_DEV_MKNOD; break;
      case 'r': a |= CGROUP_DEV_READ; break;
      case 'w': a |= CGROUP_DEV_WRITE; break;
      default: return -1;
    }
  return a;
}

struct prog {
  struct bpf_insn *i;
  size_t n;
};

static void ins(struct prog *p, __u8 code, __u8 dst, __u8 src, __s16 off, __s32 imm)
{
  p->i[p->n++] = (struct bpf_insn){.code = code, .dst_reg = dst, .src_reg = src, .off = off, .imm = imm};
}

static size_t block_len(const struct cgroup_dev *d)
{
  return 1 + (d->access != 7) * 3 + (d->maj >= 0) + (d->min >= 0) + 2;
}

/* The context is struct bpf_cgroup_dev_ctx: access_type (access << 16 |
   type), major, minor; loaded into R2 type, R3 access, R4 major, R5 minor.
   The rules are tried last first and the first match decides, so a later
   rule overrides an earlier one as in v1, and an "a" rule resets all
   before it. A deny matches any overlap of access, an allow only a
   superset of what is asked: "allow rwm" then "deny w" leaves r and m. */
static void build(struct prog *p, const struct cgroup_dev *r, size_t first, size_t n, int deflt)
{
  ins(p, BPF_LDX | BPF_MEM | BPF_W, BPF_REG_2, BPF_REG_1, 0, 0);
  ins(p, BPF_ALU | BPF_MOV | BPF_X, BPF_REG_3, BPF_REG_2, 0, 0);
  ins(p, BPF_ALU | BPF_RSH | BPF_K, BPF_REG_3, 0, 0, 16);
  ins(p, BPF_ALU | BPF_AND | BPF_K, BPF_REG_2, 0, 0, 0xffff);
  ins(p, BPF_LDX | BPF_MEM | BPF_W, BPF_REG_4, BPF_REG_1, 4, 0);
  ins(p, BPF_LDX | BPF_MEM | BPF_W, BPF_REG_5, BPF_REG_1, 8, 0);
  for (size_t k = n; k-- > first;) {
    const struct cgroup_dev *d = &r[k];
    size_t end = p->n + block_len(d); /* a mismatch goes on with the next rule */
#define SKIP ((__s16)(end - p->n - 1))
    ins(p, BPF_JMP32 | BPF_JNE | BPF_K, BPF_REG_2, 0, SKIP,
        d->type == 'c' ? BPF_DEVCG_DEV_CHAR : BPF_DEVCG_DEV_BLOCK);
    if (d->access != 7) {
      ins(p, BPF_ALU | BPF_MOV | BPF_X, BPF_REG_1, BPF_REG_3, 0, 0);
      ins(p, BPF_ALU | BPF_AND | BPF_K, BPF_REG_1, 0, 0, (__s32)d->access);
      if (d->allow)
        ins(p, BPF_JMP | BPF_JNE | BPF_X, BPF_REG_1, BPF_REG_3, SKIP, 0);
      else
        ins(p, BPF_JMP32 | BPF_JEQ | BPF_K, BPF_REG_1, 0, SKIP, 0);
    }
    if (d->maj >= 0) ins(p, BPF_JMP32 | BPF_JNE | BPF_K, BPF_REG_4, 0, SKIP, (__s32)(__u32)d->maj);
    if (d->min >= 0) ins(p, BPF_JMP32 | BPF_JNE | BPF_K, BPF_REG_5, 0, SKIP, (__s32)(__u32)d->min);
#undef SKIP
    ins(p, BPF_ALU | BPF_MOV | BPF_K, BPF_REG_0, 0, 0, d->allow);
    ins(p, BPF_JMP | BPF_EXIT, 0, 0, 0, 0);
  }
  ins(p, BPF_ALU | BPF_MOV | BPF_K, BPF_REG_0, 0, 0, deflt);
  ins(p, BPF_JMP | BPF_EXIT, 0, 0, 0, 0);
}

int cgroup_devices_attach(int dirfd, const struct cgroup_dev *rules, size_t n, const char **step)
{
  struct prog p = {0};
  size_t first = 0, len = 6 + 2;
  int deflt = 0, pfd, e;
  union bpf_attr a;

  *step = "load";
  for (size_t k = 0; k < n; k++) {
    if (rules[k].type == 'a')
      first = k + 1, deflt = rules[k].allow, len = 6 + 2;
    else
      len += block_len(&rules[k]);
    if (len > 1000000) { /* BPF_COMPLEXITY_LIMIT_INSNS; jumps are 16-bit anyway */
      errno = E2BIG;
      return -1;
    }
  }
  if (!(p.i = calloc(len, sizeof *p.i))) return -1;
  build(&p, rules, first, n, deflt);
  memset(&a, 0, sizeof a);
  a.prog_type = BPF_PROG_TYPE_CGROUP_DEVICE;
  a.insns = (__u64)(unsigned long)p.i;
  a.insn_cnt = (__u32)p.n;
  a.license = (__u64)(unsigned long)"Apache-2.0";
  pfd = (int)syscall(SYS_bpf, BPF_PROG_LOAD, &a, sizeof a); /* bpf fds are CLOEXEC */
  e = errno;
  free(p.i);
  if (pfd < 0) {
    errno = e;
    return -1;
  }
  *step = "attach";
  memset(&a, 0, sizeof a);
  a.target_fd = (__u32)dirfd;
  a.attach_bpf_fd = (__u32)pfd;
  a.attach_type = BPF_CGROUP_DEVICE;
  a.attach_flags = BPF_F_ALLOW_MULTI;
  int r = (int)syscall(SYS_bpf, BPF_PROG_ATTACH, &a, sizeof a);
  e = errno;
  close(pfd); /* the attachment holds the program until the cgroup goes */
  errno = e;
  return r < 0 ? -1 : 0;
}

/* ln and 10^x by series: libm is not linked into the static programs. */
static double ln_(double x)
{
  static const double LN2 = 0.69314718055994530942;
  int k = 0;
  double z, z2, t, s = 0;
  while (x >= 2) x /= 2, k++;
  while (x < 1) x *= 2, k--;
  z = (x - 1) / (x + 1), z2 = z * z, t = z;
  for (int i = 1; i < 80; i += 2, t *= z2) s += t / i;
  return 2 * s + k * LN2;
}

/* 10^e for e >= 0, the integer part exactly, so that 10^2 is 100 */
static double pow10_(double e)
{
  static const double LN10 = 2.30258509299404568402;
  int k = (int)e;
  double r = (e - k) * LN10, t = 1, s = 1;
  for (int i = 1; i < 40; i++) t *= r / i, s += t;
  while (k-- > 0) s *= 10;
  return s;
}

/* A quadratic in log2(shares) through (2,1), (1024,100) and
   (262144,10000); checked equal to runc's for every shares value. */
unsigned long long cgroup_shares_to_weight(unsigned long long shares)
{
  static const double LN2 = 0.69314718055994530942;
  if (shares == 0) return 0;
  if (shares <= 2) return 1;
  if (shares >= 262144) return 10000;
  double l = ln_((double)shares) / LN2, e = (l * l + 125 * l) / 612.0 - 7.0 / 34.0, w = pow10_(e);
  unsigned long long c = (unsigned long long)w;
  return c + ((double)c < w);
}

int cgroup_signal(const char *dir, int sig)
{
  char path[4200], buf[65536];
  int seen = 0;
  snprintf(path, sizeof path, "%s/cgroup.procs", dir);
  if (file_read_at(AT_FDCWD, path, buf, sizeof buf) < 0) return -1;
  for (char *save, *t = strtok_r(buf, "\n", &save); t; t = strtok_r(NULL, "\n", &save)) {
    pid_t pid = (pid_t)atoi(t);
    if (pid > 1 && pid != getpid()) {
      kill(pid, sig); /* already gone is fine */
      seen++;
    }
  }
  return seen;
}
