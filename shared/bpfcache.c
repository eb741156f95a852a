/* bpfcache.c: the compiled seccomp program cache (bpfcache.h).

   A file:
     oci-secure bpf cache 1\n
     key KLEN\n KEY(KLEN bytes)
     bpf PLEN FLAGS\n PROG(PLEN bytes)
     sum HASH\n           (16 hex digits, FNV-1a of every byte before this line)
*/
#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <link.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "bpfcache.h"
#include "fd.h"

#define MAGIC "oci-secure bpf cache 1\n"
#define SUMLEN 21 /* "sum " 16 hex digits "\n" */

uint64_t bpfcache_hash(const void *p, size_t n)
{
  const unsigned char *s = p;
  uint64_t h = 0xcbf29ce484222325ULL;
  for (size_t i = 0; i < n; i++) h = (h ^ s[i]) * 0x100000001b3ULL;
  return h;
}

void bpfcache_name(const char *key, size_t klen, char name[17])
{
  snprintf(name, 17, "%016llx", (unsigned long long)bpfcache_hash(key, klen));
}

struct bid {
  char *buf;
  size_t size;
  int found;
};

/* the first object is the program itself */
static int bid_phdr(struct dl_phdr_info *info, size_t sz, void *arg)
{
  struct bid *b = arg;
  (void)sz;
  for (int i = 0; i < info->dlpi_phnum && !b->found; i++) {
    const ElfW(Phdr) *ph = &info->dlpi_phdr[i];
    const char *p, *end;
    if (ph->p_type != PT_NOTE) continue;
    p = (const char *)(info->dlpi_addr + ph->p_vaddr);
    end = p + ph->p_memsz;
    while (p + sizeof(ElfW(Nhdr)) <= end) {
      const ElfW(Nhdr) *n = (const ElfW(Nhdr) *)(const void *)p;
      size_t nsz = (n->n_namesz + 3) & ~(size_t)3, dsz = (n->n_descsz + 3) & ~(size_t)3;
      const unsigned char *name = (const unsigned char *)(n + 1), *desc = name + nsz;
      if ((const char *)desc + dsz > end) break;
      if (n->n_type == NT_GNU_BUILD_ID && n->n_namesz == 4 && !memcmp(name, "GNU", 4) && n->n_descsz &&
          n->n_descsz * 2 < b->size) {
        for (size_t k = 0; k < n->n_descsz; k++) snprintf(b->buf + 2 * k, 3, "%02x", desc[k]);
        b->found = 1;
        break;
      }
      p = (const char *)desc + dsz;
    }
  }
  return 1;
}

int bpfcache_build_id(char *buf, size_t size)
{
  struct bid b = {buf, size, 0};
  dl_iterate_phdr(bid_phdr, &b);
  return b.found ? 0 : -1;
}

char *bpfcache_encode(const char *key, size_t klen, const void *prog, size_t plen, unsigned flags,
                      size_t *len)
{
  size_t cap = sizeof MAGIC + klen + plen + 128, n;
  char *b = malloc(cap);
  if (!b) return NULL;
  n = (size_t)snprintf(b, cap, MAGIC "key %zu\n", klen);
  memcpy(b + n, key, klen);
  n += klen;
  n += (size_t)snprintf(b + n, cap - n, "bpf %zu %u\n", plen, flags);
  memcpy(b + n, prog, plen);
  n += plen;
  n += (size_t)snprintf(b + n, cap - n, "sum %016llx\n", (unsigned long long)bpfcache_hash(b, n));
  *len = n;
  return b;
}

/* "WORD NUMBER[ NUMBER]\n" at *p: the numbers, *p past the newline; -1 on anything else. */
static int header(const char **p, const char *end, const char *word, unsigned long long *a,
                  unsigned long long *b)
{
  size_t wl = strlen(word);
  const char *s = *p;
  char *e;
  unsigned long long *v[2] = {a, b};
  if ((size_t)(end - s) < wl + 1 || memcmp(s, word, wl) || s[wl] != ' ') return -1;
  s += wl + 1;
  for (int i = 0; i < 2 && v[i]; i++) {
    if (i && (s >= end || *s++ != ' ')) return -1;
    if (s >= end || *s < '0' || *s > '9') return -1;
    errno = 0;
    *v[i] = strtoull(s, &e, 10);
    if (errno || e >= end || *v[i] > BPFCACHE_MAX) return -1;
    s = e;
  }
  if (s >= end || *s != '\n') return -1;
  *p = s + 1;
  return 0;
}

int bpfcache_decode(const char *buf, size_t len, const char *key, size_t klen, const char **prog,
                    size_t *plen, unsigned *flags, const char **why)
{
  const char *p = buf, *end = buf + len, *body;
  unsigned long long kl, pl, fl;
  char want[32];

  *why = "corrupt";
  /* the checksum line first: it covers everything before it, so the rest is read from intact bytes */
  if (len < sizeof MAGIC + SUMLEN || buf[len - 1] != '\n' || memcmp(end - SUMLEN, "sum ", 4)) return -1;
  snprintf(want, sizeof want, "%016llx", (unsigned long long)bpfcache_hash(buf, len - SUMLEN));
  if (memcmp(end - SUMLEN + 4, want, 16)) return -1;
  end -= SUMLEN;
  if (memcmp(p, MAGIC, sizeof MAGIC - 1)) return -1;
  p += sizeof MAGIC - 1;
  if (header(&p, end, "key", &kl, NULL) < 0 || (size_t)(end - p) < kl) return -1;
  body = p;
  p += kl;
  if (header(&p, end, "bpf", &pl, &fl) < 0 || (size_t)(end - p) != pl || !pl || pl % 8 || fl > 0xffff)
    return -1;
  *why = "another key";
  if (kl != klen || memcmp(body, key, klen)) return -1;
  *prog = p;
  *plen = (size_t)pl;
  *flags = (unsigned)fl;
  return 0;
}

int bpfcache_dir(const char *root, int create, const char **why)
{
  struct stat st;
  int rfd, fd;
  *why = NULL;
  if ((rfd = open(root, O_PATH | O_DIRECTORY | O_CLOEXEC)) < 0) {
    *why = "cannot open the state root";
    return -1;
  }
  fd = openat(rfd, BPFCACHE_DIR, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
  if (fd < 0 && errno == ENOENT && create) {
    if (mkdirat(rfd, BPFCACHE_DIR, 0700) < 0 && errno != EEXIST) {
      *why = "cannot make it";
      close(rfd);
      return -1;
    }
    fd = openat(rfd, BPFCACHE_DIR, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
  }
  close(rfd);
  if (fd < 0) {
    *why = errno == ENOENT ? "missing" : "not a directory";
    return -1;
  }
  if (fstat(fd, &st) < 0 || st.st_uid != geteuid() || (st.st_mode & 077)) {
    *why = "not owned by this user, or open to group or others";
    close(fd);
    return -1;
  }
  return fd;
}

int bpfcache_load(int dfd, const char *key, size_t klen, char **prog, size_t *plen, unsigned *flags,
                  const char **why)
{
  char name[17], *buf = NULL;
  const char *p;
  struct stat st;
  int fd, rc = -1;
  bpfcache_name(key, klen, name);
  *prog = NULL;
  /* NONBLOCK: a fifo put there must not hang the run */
  fd = openat(dfd, name, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
  if (fd < 0) {
    *why = errno == ENOENT ? "none" : "cannot open";
    return errno == ENOENT ? 1 : -1;
  }
  *why = "not a regular file of this user's, or writable by group or others";
  if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode) || st.st_uid != geteuid() || (st.st_mode & 022)) goto out;
  *why = "corrupt";
  if (st.st_size < 1 || st.st_size > BPFCACHE_MAX || !(buf = malloc((size_t)st.st_size + 1))) goto out;
  /* one byte more than it should have: a file that grew is not taken */
  if (read_all(fd, buf, (size_t)st.st_size + 1) != st.st_size) goto out;
  if (bpfcache_decode(buf, (size_t)st.st_size, key, klen, &p, plen, flags, why) < 0) goto out;
  if (!(*prog = malloc(*plen))) goto out;
  memcpy(*prog, p, *plen);
  rc = 0;
out:
  free(buf);
  close(fd);
  return rc;
}

int bpfcache_store(int dfd, const char *key, size_t klen, const void *prog, size_t plen, unsigned flags)
{
  char name[17], tmp[64];
  size_t len;
  char *buf = bpfcache_encode(key, klen, prog, plen, flags, &len);
  int fd, rc = -1, e;
  if (!buf) return -1;
  bpfcache_name(key, klen, name);
  snprintf(tmp, sizeof tmp, ".%s.%ld", name, (long)getpid());
  fd = openat(dfd, tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
  if (fd >= 0) {
    rc = write_all(fd, buf, len) < 0 ? -1 : 0;
    if (close(fd) < 0) rc = -1;
    if (rc == 0) rc = renameat(dfd, tmp, dfd, name);
    if (rc < 0) {
      e = errno;
      unlinkat(dfd, tmp, 0);
      errno = e;
    }
  }
  free(buf);
  return rc;
}
