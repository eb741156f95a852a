/* path.c: every path a config controls (mount destinations, /dev entries,
   cwd, masked paths) is looked up with the rootfs as "/": a symlink
   pointing at /etc inside the container means the container's /etc. */
#include "path.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/openat2.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <stdio.h>
#include <unistd.h>

#include "fd.h"

static int have_openat2 = 1;

/* Fallback: walk component by component with O_PATH|O_NOFOLLOW, resolving
   symlinks ourselves with the rootfs as "/" and ".." clamped at the root. */
static int walk(int rootfd, const char *path, int flags, int depth)
{
  char comp[256];
  int cur = dup(rootfd);
  const char *p = path;
  if (cur < 0) return -1;
  fd_cloexec(cur, 1);
  while (*p) {
    size_t n;
    int next;
    struct stat st;
    while (*p == '/') p++;
    if (!*p) break;
    n = strcspn(p, "/");
    if (n >= sizeof comp) {
      close(cur);
      errno = ENAMETOOLONG;
      return -1;
    }
    memcpy(comp, p, n);
    comp[n] = 0;
    p += n;
    if (!strcmp(comp, ".")) continue;
    if (!strcmp(comp, "..")) {
      struct stat a, b;
      if (fstat(cur, &a) == 0 && fstat(rootfd, &b) == 0 && a.st_dev == b.st_dev && a.st_ino == b.st_ino)
        continue; /* clamp at the root */
    }
    next = openat(cur, comp, O_PATH | O_NOFOLLOW | O_CLOEXEC);
    if (next < 0) {
      int e = errno;
      close(cur);
      errno = e;
      return -1;
    }
    if (fstatat(next, "", &st, AT_EMPTY_PATH) == 0 && S_ISLNK(st.st_mode)) {
      char target[4096], rest[4096];
      ssize_t tl = readlinkat(next, "", target, sizeof target - 1);
      close(next);
      if (tl < 0 || depth > 40) {
        close(cur);
        errno = tl < 0 ? errno : ELOOP;
        return -1;
      }
      target[tl] = 0;
      /* continue from the link's directory (or the root) with target + rest */
      if ((size_t)tl + strlen(p) + 2 > sizeof rest) {
        close(cur);
        errno = ENAMETOOLONG;
        return -1;
      }
      strcpy(rest, target);
      strcat(rest, p);
      int base = target[0] == '/' ? rootfd : cur;
      int r = walk(base, rest, flags, depth + 1);
      int e = errno;
      close(cur);
      errno = e;
      return r;
    }
    close(cur);
    cur = next;
  }
  if ((flags & O_PATH) && !(flags & O_DIRECTORY)) return cur;
  char proc[64];
  int fd;
  snprintf(proc, sizeof proc, "/proc/self/fd/%d", cur);
  fd = open(proc, flags | O_CLOEXEC);
  int e = errno;
  close(cur);
  errno = e;
  return fd;
}

int path_open_in_root(int rootfd, const char *path, int flags)
{
  if (have_openat2) {
    struct open_how how = {
        .flags = (unsigned long long)(flags | O_CLOEXEC),
        .resolve = RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS,
    };
    int fd = (int)syscall(SYS_openat2, rootfd, *path ? path : ".", &how, sizeof how);
    if (fd >= 0 || errno != ENOSYS) return fd;
    have_openat2 = 0;
  }
  return walk(rootfd, path, flags, 0);
}

const char *path_split(const char *path, char *buf, size_t size)
{
  size_t n = strlen(path);
  while (n > 1 && path[n - 1] == '/') n--;
  size_t s = n;
  while (s > 0 && path[s - 1] != '/') s--;
  if (s >= size) s = size - 1;
  memcpy(buf, path, s);
  buf[s] = 0;
  if (!*buf) strcpy(buf, "/");
  return path + s;
}

static int create_in_root(int rootfd, const char *path, int kind, mode_t mode, int depth, int missing);

int path_create_in_root(int rootfd, const char *path, int kind, mode_t mode)
{
  return create_in_root(rootfd, path, kind, mode, 0, 0);
}

int path_create_missing(int rootfd, const char *path, int kind, mode_t mode)
{
  return create_in_root(rootfd, path, kind, mode, 0, 1);
}

/* A dangling symlink on the way: create what it points at, resolved with
   the rootfs as "/" (as the kernel would), followed by the rest. */
static int follow_dangling(int rootfd, int parent, const char *dir, const char *name, const char *rest,
                           int kind, mode_t mode, int depth)
{
  char target[4096], next[8192];
  ssize_t n = readlinkat(parent, name, target, sizeof target - 1);
  if (n < 0) return -1;
  target[n] = 0;
  if (depth > 40) {
    errno = ELOOP;
    return -1;
  }
  if ((size_t)snprintf(next, sizeof next, "%s/%s%s", target[0] == '/' ? "" : dir, target, rest) >=
      sizeof next) {
    errno = ENAMETOOLONG;
    return -1;
  }
  return create_in_root(rootfd, next, kind, mode, depth + 1, 0);
}

/* Create NAME (the component of PATH that starts at START and ends before REST) in PARENT: the last one as
   KIND with MODE, any other as a directory. Returns 1 when done (created, or there already), else what to
   return: the result of following a dangling symlink, or -1. PARENT is closed. */
static int create_one(int rootfd, int parent, const char *path, size_t start, const char *name,
                      const char *rest, int last, int kind, mode_t mode, int depth)
{
  int r;
  if (!strcmp(name, "..") || !strcmp(name, ".")) {
    close(parent);
    errno = ENOENT;
    return -1;
  }
  if (last && kind == 'f') {
    int f = openat(parent, name, O_CREAT | O_EXCL | O_WRONLY | O_NOFOLLOW | O_CLOEXEC, mode);
    r = f < 0 ? -1 : 0;
    if (f >= 0) close(f);
  } else {
    r = mkdirat(parent, name, last ? mode : 0755);
  }
  if (r < 0 && errno != EEXIST) {
    int e = errno;
    close(parent);
    errno = e;
    return -1;
  }
  if (r < 0) { /* exists but did not resolve: a dangling symlink? */
    struct stat st;
    if (fstatat(parent, name, &st, AT_SYMLINK_NOFOLLOW) == 0 && S_ISLNK(st.st_mode)) {
      char dir[4096];
      memcpy(dir, path, start);
      dir[start] = 0;
      r = follow_dangling(rootfd, parent, dir, name, rest, kind, mode, depth);
      int e = errno;
      close(parent);
      errno = e;
      return r;
    }
  }
  close(parent);
  return 1;
}

static int create_in_root(int rootfd, const char *path, int kind, mode_t mode, int depth, int missing)
{
  char prefix[4096];
  size_t len = strlen(path), i = 0;
  int fd;

  if (len >= sizeof prefix) {
    errno = ENAMETOOLONG;
    return -1;
  }
  if (!missing) {
    fd = path_open_in_root(rootfd, path, O_PATH);
    if (fd >= 0 || errno != ENOENT) return fd;
  }
  /* the common case, only the last component missing: create it in its parent, resolved at once (the walk
     below would find every earlier component there and do the same) */
  {
    size_t end = len, start;
    while (end > 0 && path[end - 1] == '/') end--;
    start = end;
    while (start > 0 && path[start - 1] != '/') start--;
    if (start > 0 && end > start && end - start < 256) {
      char name[256];
      int parent;
      memcpy(prefix, path, start); /* the parent: start < len < sizeof prefix */
      prefix[start] = 0;
      if ((parent = path_open_in_root(rootfd, prefix, O_PATH | O_DIRECTORY)) >= 0) {
        int r;
        memcpy(name, path + start, end - start);
        name[end - start] = 0;
        r = create_one(rootfd, parent, path, start, name, path + end, 1, kind, mode, depth);
        return r == 1 ? path_open_in_root(rootfd, path, O_PATH) : r;
      }
    }
  }
  /* create component by component, each in its safely resolved parent */
  while (i < len) {
    int parent, last, r;
    char name[256];
    size_t start;
    while (i < len && path[i] == '/') i++;
    start = i;
    while (i < len && path[i] != '/') i++;
    if (i == start) break;
    if (i - start >= sizeof name) {
      errno = ENAMETOOLONG;
      return -1;
    }
    memcpy(name, path + start, i - start);
    name[i - start] = 0;
    last = i >= len || path[i + strspn(path + i, "/")] == 0;
    memcpy(prefix, path, i);
    prefix[i] = 0;
    fd = path_open_in_root(rootfd, prefix, O_PATH);
    if (fd >= 0) {
      if (last) return fd;
      close(fd);
      continue;
    }
    if (errno != ENOENT) return -1;
    memcpy(prefix, path, start);
    prefix[start] = 0;
    parent = path_open_in_root(rootfd, prefix, O_PATH | O_DIRECTORY);
    if (parent < 0) return -1;
    r = create_one(rootfd, parent, path, start, name, path + i, last, kind, mode, depth);
    if (r != 1) return r;
    if (last) return path_open_in_root(rootfd, path, O_PATH);
  }
  return path_open_in_root(rootfd, path, O_PATH);
}
