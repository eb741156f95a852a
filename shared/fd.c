#include "fd.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>

int fd_move(int to, int from)
{
  if (to == from) return fd_cloexec(to, 0) < 0 ? -1 : to;
  if (dup2(from, to) < 0) return -1;
  close(from);
  return to;
}

int fd_cloexec(int fd, int on)
{
  int fl = fcntl(fd, F_GETFD);
  if (fl < 0) return -1;
  return fcntl(fd, F_SETFD, on ? fl | FD_CLOEXEC : fl & ~FD_CLOEXEC);
}

void fd_close_range(unsigned lo, unsigned hi)
{
  struct rlimit rl;
  if (syscall(SYS_close_range, lo, hi, 0) == 0) return;
  if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_max != RLIM_INFINITY && hi >= rl.rlim_max)
    hi = (unsigned)rl.rlim_max - 1;
  for (unsigned fd = lo; fd <= hi && fd < (1U << 20); fd++) close((int)fd);
}

ssize_t read_all(int fd, void *buf, size_t n)
{
  size_t got = 0;
  while (got < n) {
    ssize_t r = read(fd, (char *)buf + got, n - got);
    if (r < 0 && errno == EINTR) continue;
    if (r < 0) return -1;
    if (r == 0) break;
    got += (size_t)r;
  }
  return (ssize_t)got;
}

ssize_t write_all(int fd, const void *buf, size_t n)
{
  size_t put = 0;
  while (put < n) {
    ssize_t r = write(fd, (const char *)buf + put, n - put);
    if (r < 0 && errno == EINTR) continue;
    if (r < 0) return -1;
    put += (size_t)r;
  }
  return (ssize_t)put;
}

int write_lines_except(int fd, const char *text, size_t len, const char *prefix)
{
  const char *p = text, *end = text + len, *run = text;
  size_t plen = strlen(prefix);
  while (p < end) {
    const char *nl = memchr(p, '\n', (size_t)(end - p));
    size_t l = nl ? (size_t)(nl - p) + 1 : (size_t)(end - p);
    if (l >= plen && !memcmp(p, prefix, plen)) {
      if (write_all(fd, run, (size_t)(p - run)) < 0) return -1;
      run = p + l;
    }
    p += l;
  }
  return write_all(fd, run, (size_t)(end - run)) < 0 ? -1 : 0;
}

char *fd_slurp(int fd, size_t *len)
{
  size_t cap = 8192, n = 0;
  char *buf = malloc(cap);
  int seekable = 1;
  if (!buf) return NULL;
  for (;;) {
    ssize_t r;
    if (cap - n < 4096) {
      char *nb = cap > ((size_t)1 << 30) ? NULL : realloc(buf, cap *= 2);
      if (!nb) {
        free(buf);
        errno = ENOMEM;
        return NULL;
      }
      buf = nb;
    }
    r = seekable ? pread(fd, buf + n, cap - n - 1, (off_t)n) : read(fd, buf + n, cap - n - 1);
    if (r < 0 && errno == ESPIPE && seekable && n == 0) {
      seekable = 0; /* a pipe: 3< <(cat my.spec) */
      continue;
    }
    if (r < 0 && errno == EINTR) continue;
    if (r < 0) {
      int e = errno;
      free(buf);
      errno = e;
      return NULL;
    }
    if (r == 0) break;
    n += (size_t)r;
  }
  buf[n] = 0;
  if (len) *len = n;
  return buf;
}

ssize_t file_read_at(int dirfd, const char *path, char *buf, size_t size)
{
  int fd = openat(dirfd, path, O_RDONLY | O_CLOEXEC);
  if (fd < 0) return -1;
  ssize_t n = read_all(fd, buf, size - 1);
  int e = errno;
  close(fd);
  errno = e;
  if (n >= 0) buf[n] = 0;
  return n;
}

int file_write_at(int dirfd, const char *path, const char *s)
{
  int fd = openat(dirfd, path, O_WRONLY | O_CLOEXEC);
  if (fd < 0) return -1;
  size_t n = strlen(s);
  ssize_t r = write(fd, s, n); /* one write: cgroup and proc files take one value per write */
  int e = errno;
  close(fd);
  if (r < 0) {
    errno = e;
    return -1;
  }
  if ((size_t)r != n) {
    errno = EIO;
    return -1;
  }
  return 0;
}

void fd_closep(int *fd)
{
  if (*fd >= 0) {
    int e = errno;
    close(*fd);
    errno = e;
  }
}
