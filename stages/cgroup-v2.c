/* cgroup-v2.c: the cgroup v2 (unified hierarchy) driver of oci-cgroup
   (cgroup-drv.h). As runc does, every cgroup from the hierarchy's root
   down to the container's parent gets the controllers in its
   cgroup.subtree_control: read first, only what is missing is written (a
   cgroup not ours is never written to when it already delegates them).
   Wanted: on a pure v2 host every controller the root offers (runc's
   rule: update and events --stats then find every file); on a hybrid
   host (never write to the host's unified root for nothing) or a fake
   tree, only those the resources need. A needed one the
   hierarchy lacks, or cannot delegate, is an error; the others are best
   effort, as with runc. */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cgroup-drv.h"
#include "die.h"

/* Is word w in the blank-separated list l? */
static int in_list(const char *l, const char *w, size_t n)
{
  for (const char *p = l; (p = strstr(p, w)); p++)
    if ((p == l || p[-1] == ' ' || p[-1] == '+') && (!p[n] || p[n] == ' ') && !strncmp(p, w, n)) return 1;
  return 0;
}

/* The needed controllers ("memory pids", no '+'); dies 100 (nothing made
   yet) naming the one the hierarchy does not have at all. */
static char *needed(struct cg_ctx *ctx, const struct cg_hier *h)
{
  char *need = cgres_v2_controllers(&ctx->res, ctx->t, ctx->nh), *have, *p, *q;
  for (p = q = need; *p; p++)
    if (*p != '+') *q++ = *p;
  *q = 0;
  if (!*need || !(have = cg_read_opt(h->mnt, "cgroup.controllers"))) return need;
  char *copy = xasprintf("%s", need), *save;
  for (char *c = strtok_r(copy, " ", &save); c; c = strtok_r(NULL, " ", &save))
    if (!in_list(have, c, strlen(c)))
      die(EXIT_BADINPUT, "cgroup v2 controller %s is not available: not in %s/cgroup.controllers (\"%s\")", c,
          h->mnt, have);
  free(copy);
  free(have);
  return need;
}

/* One write, no dying: 0 or an errno. */
static int try_write(const char *dir, const char *file, const char *val)
{
  char *p = xasprintf("%s/%s", dir, file);
  int fd = open(p, O_WRONLY | O_CLOEXEC), e = 0;
  if (fd < 0 || write(fd, val, strlen(val)) != (ssize_t)strlen(val)) e = errno ? errno : EIO;
  if (fd >= 0) close(fd);
  free(p);
  return e;
}

/* Enable what is missing of `want` in dir's cgroup.subtree_control; a
   controller of `need` that cannot be enabled is an error. */
static void enable(const struct cg_hier *h, const char *dir, const char *want, const char *need)
{
  char *have = cg_read_opt(dir, "cgroup.subtree_control"), *copy = xasprintf("%s", want), *save, *c;
  char *add = xasprintf("%s", "");
  for (c = strtok_r(copy, " ", &save); c; c = strtok_r(NULL, " ", &save)) {
    if (have && in_list(have, c, strlen(c))) continue;
    char *n = xasprintf("%s%s+%s", add, *add ? " " : "", c);
    free(add);
    add = n;
  }
  if (*add && h->fake) {
    /* a fake tree keeps the one write made: all of them at once */
    int dfd = cg_opendir(dir);
    cg_write_at(h, dfd, dir, "cgroup.subtree_control", add);
    close(dfd);
  } else if (*add) {
    /* one per write: one refused must not stop the others */
    for (c = strtok_r(add, " ", &save); c; c = strtok_r(NULL, " ", &save)) {
      int e = try_write(dir, "cgroup.subtree_control", c);
      if (!e || !in_list(need, c + 1, strlen(c + 1))) continue;
      errno = e;
      if (e == EBUSY)
        die_sys(EXIT_SYSFAIL,
                "enable the %s controller in %s/cgroup.subtree_control (a cgroup with processes of its own "
                "cannot delegate)",
                c + 1, dir);
      die_sys(EXIT_SYSFAIL, "enable the %s controller in %s/cgroup.subtree_control", c + 1, dir);
    }
  }
  free(add);
  free(copy);
  free(have);
}

/* Pure v2: the unified hierarchy is mounted at the layout's root
   (/sys/fs/cgroup, or -r with -t v2); a hybrid host's is at .../unified. */
static int pure(const struct cg_ctx *ctx, const struct cg_hier *h)
{
  return !strcmp(h->mnt, ctx->root ? ctx->root : "/sys/fs/cgroup");
}

/* Call fn on every cgroup above the container's: the hierarchy's root,
   the caller's own cgroup and those between, then cgroup.path's. */
static void each_ancestor(const struct cg_hier *h,
                          void (*fn)(const struct cg_hier *, const char *, int, void *), void *arg)
{
  char *top = xasprintf("%s", h->comp[0]), *p;
  *strrchr(top, '/') = 0;
  for (p = top + strlen(h->mnt);; p++) {
    if (*p && *p != '/') continue;
    char c = *p;
    *p = 0;
    fn(h, top, 0, arg);
    if (!(*p = c)) break;
  }
  free(top);
  for (size_t i = 0; i + 1 < h->ncomp; i++) fn(h, h->comp[i], h->isnew[i], arg);
}

/* hybrid: a cgroup not ours must already delegate what is needed */
static void check_delegates(const struct cg_hier *h, const char *dir, int isnew, void *need)
{
  char *have, *copy, *save;
  if (isnew || !(have = cg_read_opt(dir, "cgroup.subtree_control"))) return;
  copy = xasprintf("%s", (char *)need);
  for (char *c = strtok_r(copy, " ", &save); c; c = strtok_r(NULL, " ", &save))
    if (!in_list(have, c, strlen(c)))
      die(EXIT_SYSFAIL,
          "cgroup v2 controller %s is not enabled in %s/cgroup.subtree_control (not made by this run: on a "
          "hybrid "
          "host only those are written to)",
          c, dir);
  (void)h;
  free(copy);
  free(have);
}

static void v2_resolve(struct cg_ctx *ctx, struct cg_hier *h)
{
  char *need;
  cg_resolve(ctx, h);
  need = needed(ctx, h);
  if (!pure(ctx, h) && *need) each_ancestor(h, check_delegates, need);
  free(need);
}

struct want {
  const char *want, *need;
};

static void enable_in(const struct cg_hier *h, const char *dir, int isnew, void *arg)
{
  (void)isnew;
  enable(h, dir, ((struct want *)arg)->want, ((struct want *)arg)->need);
}

static void enable_in_new(const struct cg_hier *h, const char *dir, int isnew, void *arg)
{
  if (isnew) enable_in(h, dir, isnew, arg);
}

static void v2_create(struct cg_ctx *ctx, struct cg_hier *h)
{
  char *need = needed(ctx, h), *all = NULL;
  struct want w = {need, need};

  for (size_t i = 0; i < h->ncomp; i++) {
    if (!h->isnew[i]) continue;
    /* EEXIST: lost a race with another creator; the path is ours by spec */
    if (mkdir(h->comp[i], 0755) < 0 && errno != EEXIST) die_sys(EXIT_SYSFAIL, "mkdir %s", h->comp[i]);
  }
  if (pure(ctx, h) && !h->fake && (all = cg_read_opt(h->mnt, "cgroup.controllers"))) w.want = all;
  if (*w.want) each_ancestor(h, pure(ctx, h) ? enable_in : enable_in_new, &w);
  free(all);
  free(need);
  h->dfd = cg_opendir(h->dir);
}

const struct cg_driver cg_v2 = {.name = "v2", .resolve = v2_resolve, .create = v2_create};
