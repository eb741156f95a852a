/* mnt.c: mount-table helpers (see mnt.h). */
#include "mnt.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include "fd.h"
#include "spec.h"

#ifndef ST_NOSYMFOLLOW
#define ST_NOSYMFOLLOW 0x2000
#endif
#ifndef MS_NOSYMFOLLOW
#define MS_NOSYMFOLLOW 256
#endif

/* Split one mountinfo line in place; 0 on success. */
static int parse_line(char *line, struct mnt_info *m)
{
  char *f[64];
  unsigned n = 0, dash = 0;
  for (char *save, *t = strtok_r(line, " ", &save); t; t = strtok_r(NULL, " ", &save)) {
    if (n == sizeof f / sizeof *f) return -1;
    if (!dash && n >= 6 && !strcmp(t, "-")) dash = n;
    f[n++] = t;
  }
  if (!dash || n < dash + 4) return -1;
  if (sscanf(f[0], "%u", &m->id) != 1 || sscanf(f[1], "%u", &m->parent) != 1 ||
      sscanf(f[2], "%u:%u", &m->major, &m->minor) != 2)
    return -1;
  m->root = f[3];
  m->point = f[4];
  m->fstype = f[dash + 1];
  m->source = f[dash + 2];
  m->super = f[dash + 3];
  spec_unescape(m->root);
  spec_unescape(m->point);
  spec_unescape(m->source);
  return 0;
}

int mnt_table_read(struct mnt_table *t)
{
  size_t cap = 0;
  memset(t, 0, sizeof *t);
  int fd = open("/proc/self/mountinfo", O_RDONLY | O_CLOEXEC);
  if (fd < 0) return -1;
  t->buf = fd_slurp(fd, NULL);
  int e = errno;
  close(fd);
  errno = e;
  if (!t->buf) return -1;
  for (char *save, *l = strtok_r(t->buf, "\n", &save); l; l = strtok_r(NULL, "\n", &save)) {
    if (t->n == cap) {
      struct mnt_info *ne = realloc(t->e, (cap = cap ? 2 * cap : 64) * sizeof *ne);
      if (!ne) {
        mnt_table_free(t);
        errno = ENOMEM;
        return -1;
      }
      t->e = ne;
    }
    if (parse_line(l, &t->e[t->n]) == 0) t->n++;
  }
  return 0;
}

void mnt_table_free(struct mnt_table *t)
{
  free(t->e);
  free(t->buf);
  memset(t, 0, sizeof *t);
}

int mnt_flags(int fd, unsigned long *flags)
{
  static const struct {
    unsigned long st, ms;
  } map[] = {
      {ST_RDONLY, MS_RDONLY},           {ST_NOSUID, MS_NOSUID},           {ST_NODEV, MS_NODEV},
      {ST_NOEXEC, MS_NOEXEC},           {ST_SYNCHRONOUS, MS_SYNCHRONOUS}, {ST_MANDLOCK, MS_MANDLOCK},
      {ST_NOATIME, MS_NOATIME},         {ST_NODIRATIME, MS_NODIRATIME},   {ST_RELATIME, MS_RELATIME},
      {ST_NOSYMFOLLOW, MS_NOSYMFOLLOW},
  };
  struct statvfs sv;
  unsigned long f = 0;
  if (fstatvfs(fd, &sv) < 0) return -1;
  for (size_t i = 0; i < sizeof map / sizeof *map; i++)
    if (sv.f_flag & map[i].st) f |= map[i].ms;
  /* strictatime is not stored as a flag: it is the absence of the others */
  if (!(f & (MS_NOATIME | MS_RELATIME))) f |= MS_STRICTATIME;
  *flags = f;
  return 0;
}

int mnt_fd_path(int fd, char *buf, size_t size)
{
  char p[64];
  ssize_t n;
  snprintf(p, sizeof p, "/proc/self/fd/%d", fd);
  n = readlink(p, buf, size - 1);
  if (n < 0) return -1;
  if ((size_t)n >= size - 1) {
    errno = ENAMETOOLONG;
    return -1;
  }
  buf[n] = 0;
  return 0;
}

static int copy_data(int in, int out)
{
  char buf[65536];
  for (;;) {
    ssize_t n = read(in, buf, sizeof buf);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return -1;
    if (n == 0) return 0;
    if (write_all(out, buf, (size_t)n) < 0) return -1;
  }
}

/* Copy one directory entry; the caller created nothing yet. */
static int copy_one(int from, int to, const char *name, const struct stat *st)
{
  AUTO_CLOSE int in = -1;
  AUTO_CLOSE int out = -1;
  mode_t perm = st->st_mode & 07777;
  struct timespec ts[2] = {st->st_atim, st->st_mtim};

  switch (st->st_mode & S_IFMT) {
    case S_IFDIR:
      if (mkdirat(to, name, 0700) < 0) return -1;
      in = openat(from, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
      out = openat(to, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
      if (in < 0 || out < 0 || mnt_copy_tree(in, out) < 0) return -1;
      break;
    case S_IFREG:
      in = openat(from, name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
      if (in < 0) return -1;
      out = openat(to, name, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
      if (out < 0 || copy_data(in, out) < 0) return -1;
      break;
    case S_IFLNK: {
      size_t size = (size_t)st->st_size + 1;
      char *target = malloc(size);
      ssize_t n = target ? readlinkat(from, name, target, size) : -1;
      int r = -1;
      if (n >= 0 && (size_t)n < size) {
        target[n] = 0;
        r = symlinkat(target, to, name);
      } else if (n >= 0) {
        errno = ENAMETOOLONG; /* changed under us */
      }
      free(target);
      if (r < 0) return -1;
      if (fchownat(to, name, st->st_uid, st->st_gid, AT_SYMLINK_NOFOLLOW) < 0) return -1;
      return utimensat(to, name, ts, AT_SYMLINK_NOFOLLOW);
    }
    default: /* device nodes, fifos, sockets */
      if (mknodat(to, name, st->st_mode & ~07777u, st->st_rdev) < 0) return -1;
      break;
  }
  /* the new entry is not a symlink, so following is harmless here */
  if (fchownat(to, name, st->st_uid, st->st_gid, AT_SYMLINK_NOFOLLOW) < 0) return -1;
  if (fchmodat(to, name, perm, 0) < 0) return -1;
  return utimensat(to, name, ts, AT_SYMLINK_NOFOLLOW);
}

int mnt_copy_tree(int from, int to)
{
  int dup_fd = fcntl(from, F_DUPFD_CLOEXEC, 0);
  DIR *d;
  struct dirent *e;
  int r = 0;

  if (dup_fd < 0) return -1;
  if (!(d = fdopendir(dup_fd))) {
    close(dup_fd);
    return -1;
  }
  rewinddir(d);
  errno = 0;
  while ((e = readdir(d))) {
    struct stat st;
    if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, "..")) continue;
    if (fstatat(from, e->d_name, &st, AT_SYMLINK_NOFOLLOW) < 0 || copy_one(from, to, e->d_name, &st) < 0) {
      r = -1;
      break;
    }
    errno = 0;
  }
  if (!e && errno) r = -1;
  int saved = errno;
  closedir(d);
  errno = saved;
  return r;
}
