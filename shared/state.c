#include "state.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cgres.h"
#include "die.h"
#include "fd.h"

/* One read of /proc/PID/stat: the start time (0 when gone) and the state letter (*state, 0 when gone). */
static unsigned long long proc_stat(pid_t pid, char *state)
{
  char path[64], buf[1024], *p;
  unsigned long long v = 0;
  *state = 0;
  snprintf(path, sizeof path, "/proc/%d/stat", (int)pid);
  if (file_read_at(AT_FDCWD, path, buf, sizeof buf) <= 0) return 0;
  p = strrchr(buf, ')'); /* comm may hold spaces and parens */
  if (!p || !p[1]) return 0;
  *state = p[2];
  /* after ") " come fields 3..: state ppid pgrp ... starttime is field 22 */
  for (int field = 2; field < 22 && p; field++) p = strchr(p + 1, ' ');
  if (p) v = strtoull(p + 1, NULL, 10);
  return v;
}

unsigned long long state_starttime(pid_t pid)
{
  char state;
  return proc_stat(pid, &state);
}

static int write_file_at(int dir, const char *name, const char *data, size_t len)
{
  char tmp[64];
  snprintf(tmp, sizeof tmp, ".%s.tmp", name);
  int fd = openat(dir, tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (fd < 0) return -1;
  if (write_all(fd, data, len) < 0) {
    int e = errno;
    close(fd);
    unlinkat(dir, tmp, 0);
    errno = e;
    return -1;
  }
  close(fd);
  return renameat(dir, tmp, dir, name);
}

/* append "key":"escaped", to a growing buffer */
static void put_str(char **b, size_t *n, size_t *cap, const char *key, const char *val)
{
  size_t need = strlen(key) * 6 + strlen(val) * 6 + 16;
  if (*n + need >= *cap) {
    char *nb;
    *cap = (*n + need) * 2;
    nb = realloc(*b, *cap);
    if (!nb) return;
    *b = nb;
  }
  /* the key escaped too: an annotation's name is the config's, and a quote
     in it would forge members (a "pid") of the state hooks read */
  *n += (size_t)snprintf(*b + *n, *cap - *n, "\"");
  *n += json_escape_str(*b + *n, *cap - *n, key);
  *n += (size_t)snprintf(*b + *n, *cap - *n, "\":\"");
  *n += json_escape_str(*b + *n, *cap - *n, val);
  *n += (size_t)snprintf(*b + *n, *cap - *n, "\",");
}

int state_write(const struct spec *sp, pid_t pid, const char *status)
{
  const char *dir = spec_get(sp, "state.dir");
  char created[96], num[64];
  struct timespec t;
  size_t n = 0, cap = 4096;
  char *b;
  int dfd, rc;

  if (!dir) {
    errno = EINVAL;
    return -1;
  }
  clock_gettime(CLOCK_REALTIME, &t);
  utc_stamp(created, sizeof created, &t);

  if (!(b = malloc(cap))) return -1;
  n += (size_t)snprintf(b, cap, "{");
  put_str(&b, &n, &cap, "ociVersion", spec_get(sp, "oci.version") ? spec_get(sp, "oci.version") : "1.2.0");
  put_str(&b, &n, &cap, "id", spec_get(sp, "state.id") ? spec_get(sp, "state.id") : "");
  snprintf(num, sizeof num, "%d", (int)pid);
  n += (size_t)snprintf(b + n, cap - n, "\"pid\":%s,", num);
  put_str(&b, &n, &cap, "status", status);
  put_str(&b, &n, &cap, "bundle", spec_get(sp, "state.bundle") ? spec_get(sp, "state.bundle") : "");
  put_str(&b, &n, &cap, "rootfs", spec_get(sp, "root.path") ? spec_get(sp, "root.path") : "");
  put_str(&b, &n, &cap, "created", created);
  put_str(&b, &n, &cap, "owner", "");
  if (n + 128 >= cap) {
    char *nb = realloc(b, cap += 128);
    if (!nb) {
      free(b);
      return -1;
    }
    b = nb;
  }
  n += (size_t)snprintf(b + n, cap - n, "\"init_start_time\":%llu}\n", state_starttime(pid));

  dfd = open(dir, O_PATH | O_DIRECTORY | O_CLOEXEC);
  if (dfd < 0) {
    free(b);
    return -1;
  }
  rc = write_file_at(dfd, "spec", sp->text, sp->len);
  if (rc == 0) rc = write_file_at(dfd, "state.json", b, n);
  int e = errno;
  close(dfd);
  free(b);
  errno = e;
  return rc;
}

size_t state_json(const struct spec *sp, pid_t pid, const char *status, char *buf, size_t size)
{
  size_t n = 0, cap = 4096;
  char *b = malloc(cap);
  const char *v = spec_get(sp, "oci.version"), *id = spec_get(sp, "state.id"),
             *bundle = spec_get(sp, "state.bundle");
  int first = 1;
  if (!b) return 0;
  n += (size_t)snprintf(b, cap, "{");
  put_str(&b, &n, &cap, "ociVersion", v ? v : "1.2.0");
  put_str(&b, &n, &cap, "id", id ? id : "");
  put_str(&b, &n, &cap, "status", status);
  n += (size_t)snprintf(b + n, cap - n, "\"pid\":%d,", (int)pid);
  put_str(&b, &n, &cap, "bundle", bundle ? bundle : "");
  n += (size_t)snprintf(b + n, cap - n, "\"annotations\":{");
  for (const struct rec *r = NULL; (r = spec_next(sp, "annotation", r));) {
    if (r->nf != 3) continue;
    put_str(&b, &n, &cap, r->f[1], r->f[2]);
    first = 0;
  }
  if (!first) n--; /* the last comma */
  if (n + 3 > cap) {
    free(b);
    return 0;
  }
  n += (size_t)snprintf(b + n, cap - n, "}}");
  if (n >= size) n = size - 1;
  memcpy(buf, b, n);
  buf[n] = 0;
  free(b);
  return n;
}

int state_valid_id(const char *s)
{
  if (!*s || !strcmp(s, ".") || !strcmp(s, "..") || strlen(s) > 1024) return 0;
  for (; *s; s++)
    if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') || (*s >= '0' && *s <= '9') ||
          strchr("_+-.", *s)))
      return 0;
  return 1;
}

const char *state_raw(const char *json, const char *key, size_t *len)
{
  char pat[128];
  const char *p, *e;
  snprintf(pat, sizeof pat, "\"%s\":", key);
  if (!(p = strstr(json, pat))) return NULL;
  p += strlen(pat);
  if (*p == '"') { /* a string: up to the closing quote that is not escaped */
    for (e = p + 1; *e && *e != '"'; e++)
      if (*e == '\\' && e[1]) e++;
    if (*e == '"') e++;
  } else {
    e = p + strcspn(p, ",}");
  }
  *len = (size_t)(e - p);
  return p;
}

int state_spec(const char *dir, struct spec *sp)
{
  char path[4200];
  unsigned line;
  int fd, r, e;
  if ((size_t)snprintf(path, sizeof path, "%s/spec", dir) >= sizeof path) {
    errno = ENAMETOOLONG;
    return -1;
  }
  if ((fd = open(path, O_RDONLY | O_CLOEXEC)) < 0) return -1;
  r = spec_read(fd, sp, &line);
  e = errno;
  close(fd);
  errno = e;
  return r;
}

/* Is the container's freezer frozen? The deepest dir of the v1 freezer
   hierarchy, or of the unified one, as the saved spec records them. The
   spec read is kept in st->spec for state_spec_of. */
static int frozen(struct cstate *st)
{
  struct cgres_hier h[64];
  const struct cgres_hier *f;
  struct spec *sp = malloc(sizeof *sp);
  if (!sp || state_spec(st->dir, sp) < 0) {
    free(sp);
    return 0;
  }
  st->spec = sp;
  return (f = cgres_freezer(h, cgres_dirs(sp, h, sizeof h / sizeof *h))) && cgres_frozen(f) == 1;
}

int state_spec_of(struct cstate *st, struct spec *sp)
{
  if (!st->spec) return state_spec(st->dir, sp);
  *sp = *st->spec; /* handed over: the caller frees it */
  free(st->spec);
  st->spec = NULL;
  return 0;
}

int state_load(const char *root, const char *id, struct cstate *st)
{
  char path[4200];
  size_t len;
  const char *v;
  memset(st, 0, sizeof *st);
  if ((size_t)snprintf(st->dir, sizeof st->dir, "%s/%s", root, id) >= sizeof st->dir) {
    errno = ENAMETOOLONG;
    return -1;
  }
  snprintf(path, sizeof path, "%s/state.json", st->dir);
  {
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) return -1;
    st->json = fd_slurp(fd, &len);
    close(fd);
    if (!st->json) return -1;
  }
  st->status = "stopped";
  v = state_raw(st->json, "pid", &len);
  if (v) {
    pid_t pid = (pid_t)strtol(v, NULL, 10);
    const char *t = state_raw(st->json, "init_start_time", &len);
    unsigned long long start = t ? strtoull(t, NULL, 10) : 0;
    char state;
    /* a zombie is as good as stopped */
    if (pid > 0 && start && proc_stat(pid, &state) == start && state != 'Z') {
      struct stat sb;
      st->pid = pid;
      snprintf(path, sizeof path, "%s/exec.fifo", st->dir);
      /* runc: a created container can be paused too, and says so */
      st->status = frozen(st) ? "paused" : stat(path, &sb) == 0 ? "created" : "running";
    }
  }
  return 0;
}

void xstate_load(const char *root, const char *id, struct cstate *st)
{
  if (!state_valid_id(id)) die(EXIT_BADINPUT, "invalid container ID format: %s", id);
  if (state_load(root, id, st) == 0) return;
  if (errno == ENOENT) die(EXIT_BADINPUT, "container %s does not exist", id);
  die_sys(EXIT_SYSFAIL, "read state of %s", id);
}

void state_free(struct cstate *st)
{
  free(st->json);
  st->json = NULL;
  if (st->spec) spec_free(st->spec);
  free(st->spec);
  st->spec = NULL;
}

int xstate_lock(const char *root, const char *id, int missing_ok)
{
  char dir[4096];
  int fd;
  if (!state_valid_id(id)) die(EXIT_BADINPUT, "invalid container ID format: %s", id);
  if ((size_t)snprintf(dir, sizeof dir, "%s/%s", root, id) >= sizeof dir)
    die(EXIT_BADINPUT, "state dir %s/%s: name too long", root, id);
  if ((fd = state_lock(dir, 10000)) >= 0) return fd;
  if (errno == ENOENT && missing_ok) return -1;
  if (errno == ENOENT) die(EXIT_BADINPUT, "container %s does not exist", id);
  if (errno == ETIMEDOUT)
    die(EXIT_SYSFAIL, "container %s is busy: another runtime process holds its lock", id);
  die_sys(EXIT_SYSFAIL, "lock %s", dir);
}

/* The lock of DESIGN.md 6: flock on the state dir itself. */
int state_lock(const char *dir, int timeout_ms)
{
  for (int waited = 0, tries = 0;; tries++) {
    struct stat a, b;
    int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0) return -1;
    while (flock(fd, LOCK_EX | LOCK_NB) < 0) {
      int e = errno;
      if (e != EWOULDBLOCK || waited >= timeout_ms) {
        close(fd);
        errno = e == EWOULDBLOCK ? ETIMEDOUT : e;
        return -1;
      }
      struct timespec t = {0, 10 * 1000000L};
      nanosleep(&t, NULL);
      waited += 10;
    }
    /* the dir we locked must still be the one at that path (removed and made anew meanwhile: lock that) */
    if (fstat(fd, &a) == 0 && stat(dir, &b) == 0 && a.st_dev == b.st_dev && a.st_ino == b.st_ino) return fd;
    close(fd);
    if (stat(dir, &b) < 0 || tries > 100) {
      errno = ENOENT;
      return -1;
    }
  }
}

int state_save_spec(const char *dir, const char *text, size_t len)
{
  int dfd = open(dir, O_PATH | O_DIRECTORY | O_CLOEXEC), rc, e;
  if (dfd < 0) return -1;
  rc = write_file_at(dfd, "spec", text, len);
  e = errno;
  close(dfd);
  errno = e;
  return rc;
}
