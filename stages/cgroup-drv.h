/* cgroup-drv.h: the drivers of oci-cgroup, one file each, behind one small interface.

   oci-cgroup.c (the stage's main) reads the records, finds the mounted
   hierarchies, gives each one a driver, and runs the same steps for every
   container; a driver says how its hierarchies get the container's cgroup:

     cgroup-v1.c       cg_v1: one per v1 controller hierarchy (hybrid hosts
                       have these and the unified one)
     cgroup-v2.c       cg_v2: the unified hierarchy, cgroupfs
     cgroup-systemd.c  cg_systemd: the unified hierarchy, the cgroup a
                       transient systemd unit (v2 only; optional: main
                       refers to it weakly and refuses systemd without it)

   The steps, in main's order (create and run modes; exec mode joins the
   saved cgroup.dir records and calls no driver):

     1. record(ctx, r)   every cgroup.* record main and cgres do not know
                         is offered to each driver; 1 = taken (a driver's
                         own input records), 0 = not (main refuses it).
     2. main finds the hierarchies (cg_find) and gives each its driver:
        v1 hierarchies cg_v1; the unified one cg_v2, or cg_systemd when the
        spec has `cgroup.driver systemd` (runc --systemd-cgroup).
     3. resolve(ctx, h)  fill h->comp/isnew/ncomp/dir: the host paths of
                         the container's cgroup and its ancestors below
                         the caller's own cgroup; isnew = 1 for what this
                         run will create (oci-delete removes those, last
                         first), 0 for "existing" (never removed by us;
                         systemd's unit dirs are existing: systemd owns
                         them). cg_resolve is the cgroupfs rule.
     4. setup(ctx)       once per driver in use, may be NULL: records that
                         must be saved before anything is made (e.g.
                         `cgroup.systemd UNIT`, for oci-delete to stop
                         the unit), added with specw_add(ctx->w, ...).
        main publishes cgroup.dir NAME DIR new|existing for every comp of
        every hierarchy, with the setup records, to fd 3 and state.dir/spec:
        a failure from here on is torn down by oci-delete from them.
     5. create(ctx, h)   make the cgroup (mkdir what isnew, or start a
                         unit), prepare the parents (v1 cpuset copies,
                         v2 subtree_control), open h->dfd on h->dir.
                         The systemd driver starts its unit, then calls
                         cg_v2.create for the rest.
     6. main applies the resources: cgres_apply over every hierarchy.
     7. finish(ctx)      once per driver in use, may be NULL: records and
                         fds handed to the next stages (e.g. `cgroup.hold
                         FD`): add the record, then cg_hand_fd(ctx, fd).
     8. main adds the join handles (cgroup.join FD per v1 hierarchy,
        cgroup.v2fd FD for the unified one), publishes and execs the next.

   Every step dies on failure (die, die_sys; 100 bad input, 111 system). */
#ifndef CGROUP_DRV_H
#define CGROUP_DRV_H

#include <stddef.h>

#include "cgres.h"
#include "spec.h"

struct cg_driver;

/* One hierarchy the container gets a cgroup in. */
struct cg_hier {
  char *name;  /* controllers as /proc/self/cgroup spells them ("cpu,cpuacct"), or "unified" */
  char *mnt;   /* where it is mounted */
  char *mroot; /* the mount's root inside the hierarchy (mountinfo field 4) */
  char *own;   /* our own cgroup there (/proc/self/cgroup) */
  int v2;      /* the unified hierarchy */
  int fake;    /* a tree of plain files made by a test (-r): files are created on write */
  char **comp; /* host paths of the container's cgroup and its ancestors, top first */
  int *isnew;  /* per comp: made by this run */
  size_t ncomp;
  char *dir; /* the container's cgroup = comp[ncomp-1] */
  int dfd;   /* open on dir after create, else -1 */
  const struct cg_driver *drv;
};

/* What every step sees. */
struct cg_ctx {
  const struct spec *sp;      /* the records as read */
  struct specw *w;            /* the records as they will be handed on */
  struct cgres res;           /* the resource records, validated */
  const struct rec *path_rec; /* cgroup.path */
  char **pcomp;               /* cgroup.path split at '/' */
  size_t npcomp;
  struct cg_hier *h; /* the hierarchies (after step 2) */
  size_t nh;
  struct cgres_hier *t;             /* the same as cgres sees them (cg_targets) */
  const char *root, *layout, *self; /* -r, -t, -s */
  int *fds;                         /* fds kept open for the next stages */
  size_t nfd;
};

struct cg_driver {
  const char *name;
  int (*record)(struct cg_ctx *, const struct rec *);
  void (*resolve)(struct cg_ctx *, struct cg_hier *);
  void (*setup)(struct cg_ctx *);
  void (*create)(struct cg_ctx *, struct cg_hier *);
  void (*finish)(struct cg_ctx *);
};

extern const struct cg_driver cg_v1, cg_v2;
extern const struct cg_driver cg_systemd __attribute__((weak));

/* ---- helpers for the drivers (oci-cgroup.c) ---- */

/* Find the mounted hierarchies (or the fake tree of -r/-t/-s) into ctx->h. */
void cg_find(struct cg_ctx *ctx);
/* The cgroupfs resolve: cgroup.path below h->own (or the hierarchy's
   root for an absolute path) inside the mount; isnew from lstat. */
void cg_resolve(struct cg_ctx *ctx, struct cg_hier *h);
/* Refresh ctx->t from ctx->h (after create, for the dfds). */
void cg_targets(struct cg_ctx *ctx);
/* Does the comma list opts name every controller of the comma list want? */
int cg_has_all(const char *opts, const char *want);
/* DIR/FILE's first line (malloc'd); dies 111 when unreadable. */
char *cg_read(const char *dir, const char *file);
/* Same; NULL (errno set) when unreadable. */
char *cg_read_opt(const char *dir, const char *file);
/* One value to one file: one write(2). Dies 111 naming file and dir. */
void cg_write_at(const struct cg_hier *h, int dfd, const char *dir, const char *file, const char *val);
/* open(2) a directory O_RDONLY; dies 111. */
int cg_opendir(const char *p);
/* Keep fd open for the next stages: moved above the spec fd, no
   close-on-exec at exec; returns its number (for the record). */
int cg_hand_fd(struct cg_ctx *ctx, int fd, const char *what);
void *cg_realloc(void *p, size_t n, size_t size);

#endif
