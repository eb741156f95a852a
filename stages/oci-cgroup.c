/* oci-cgroup: create (exec mode: join) the container's cgroup on v1, v2 or hybrid hosts; apply resources.
   Reads cgroup.path, .memory.X, .cpu.X, .pids.limit, .device, .unified, .driver, run.mode; adds .dir,
   .join, .v2fd (and what a driver adds). After oci-secure, before oci-ns: it never moves itself; oci-ns's
   child joins with the handed fds. This is the stage's main and the helpers the drivers share; the
   drivers (cgroup-v1.c, cgroup-v2.c, cgroup-systemd.c) and their interface: cgroup-drv.h. */
#include <errno.h>
#include <fcntl.h>
#include <linux/magic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <unistd.h>

#include "cgroup-drv.h"
#include "chain.h"
#include "die.h"
#include "fd.h"
#include "spec.h"
#include "stage.h"
#include "state.h"

#define USAGE "oci-cgroup [-r root] [-t v1|v2|hybrid] [-s file] prog..."

/* ---- helpers the drivers share ------------------------------------------ */

void *cg_realloc(void *p, size_t n, size_t size)
{
  if (size && n > ((size_t)-1) / size)
    errno = ENOMEM, p = NULL;
  else if (!(p = realloc(p, n && size ? n * size : 1)))
    errno = ENOMEM;
  if (!p) die_sys(EXIT_SYSFAIL, "allocate memory");
  return p;
}

static char *slurp(const char *path)
{
  int fd = open(path, O_RDONLY | O_CLOEXEC);
  char *s;
  if (fd < 0 || !(s = fd_slurp(fd, NULL))) die_sys(EXIT_SYSFAIL, "read %s", path);
  close(fd);
  return s;
}

char *cg_read_opt(const char *dir, const char *file)
{
  char *p = xasprintf("%s/%s", dir, file), *s = NULL;
  int fd = open(p, O_RDONLY | O_CLOEXEC);
  if (fd >= 0) {
    s = fd_slurp(fd, NULL);
    close(fd);
  }
  if (s) s[strcspn(s, "\n")] = 0;
  free(p);
  return s;
}

char *cg_read(const char *dir, const char *file)
{
  char *s = cg_read_opt(dir, file);
  if (!s) die_sys(EXIT_SYSFAIL, "read %s/%s", dir, file);
  return s;
}

void cg_write_at(const struct cg_hier *h, int dfd, const char *dir, const char *file, const char *val)
{
  struct cgres_hier t = {.name = h->name, .dir = dir, .dfd = dfd, .v2 = h->v2, .fake = h->fake};
  cgres_write(&t, dfd, dir, file, val);
}

int cg_opendir(const char *p)
{
  int fd = open(p, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) die_sys(EXIT_SYSFAIL, "open %s", p);
  return fd;
}

/* An inheritable copy above the spec fd, so it can never land on a
   preserved fd number the container owns (close-on-exec is cleared just
   before the exec). */
int cg_hand_fd(struct cg_ctx *ctx, int fd, const char *what)
{
  int n = fd;
  if (fd <= spec_fd()) { /* (already above it, as open(2) gives them: no dup) */
    if ((n = fcntl(fd, F_DUPFD_CLOEXEC, spec_fd() + 1)) < 0) die_sys(EXIT_SYSFAIL, "dup %s", what);
    close(fd);
  }
  ctx->fds = cg_realloc(ctx->fds, ctx->nfd + 1, sizeof *ctx->fds);
  ctx->fds[ctx->nfd++] = n;
  return n;
}

int cg_has_all(const char *opts, const char *want)
{
  char *w = xasprintf("%s", want), *save, *c;
  int ok = 1;
  for (c = strtok_r(w, ",", &save); c && ok; c = strtok_r(NULL, ",", &save)) {
    size_t n = strlen(c);
    const char *p = opts;
    ok = 0;
    for (; p && !ok; p = strchr(p, ',') ? strchr(p, ',') + 1 : NULL)
      ok = !strncmp(p, c, n) && (!p[n] || p[n] == ',');
  }
  free(w);
  return ok;
}

void cg_targets(struct cg_ctx *ctx)
{
  ctx->t = cg_realloc(ctx->t, ctx->nh, sizeof *ctx->t);
  for (size_t i = 0; i < ctx->nh; i++) {
    const struct cg_hier *h = &ctx->h[i];
    ctx->t[i] =
        (struct cgres_hier){.name = h->name, .dir = h->dir, .dfd = h->dfd, .v2 = h->v2, .fake = h->fake};
  }
}

/* ---- the records ----------------------------------------------------------- */

static const struct cg_driver *const drivers[] = {&cg_v1, &cg_v2, &cg_systemd};
#define NDRV (sizeof drivers / sizeof *drivers)

static __attribute__((noreturn)) void bad(const struct rec *r, const char *what)
{
  die(EXIT_BADINPUT, "spec line %u: %s %s", r->line, what, r->f[0]);
}

static void parse_path(struct cg_ctx *ctx, const struct rec *r)
{
  char *s = xasprintf("%s", r->f[1]), *p, *save;
  /* an empty component would land on our own (the sandbox's) cgroup, a
     ".." one outside of it */
  if (!*s || (strlen(s) > 1 && s[strlen(s) - 1] == '/') || strstr(s, "//") || !strcmp(s, "/"))
    die(EXIT_BADINPUT, "spec line %u: bad cgroup.path %s", r->line, r->f[1]);
  for (p = strtok_r(s, "/", &save); p; p = strtok_r(NULL, "/", &save)) {
    if (!strcmp(p, ".") || !strcmp(p, ".."))
      die(EXIT_BADINPUT, "spec line %u: bad cgroup.path %s", r->line, r->f[1]);
    ctx->pcomp = cg_realloc(ctx->pcomp, ctx->npcomp + 1, sizeof *ctx->pcomp);
    ctx->pcomp[ctx->npcomp++] = p;
  }
}

/* cgroup.rootless implicit|explicit (runc --rootless): NULL when absent. */
static const struct rec *rootless_rec;

/* Read every cgroup.* record; refuse unknown ones before touching anything.
   Returns the cgroup.driver record (NULL: cgroupfs). */
static const struct rec *parse_records(struct cg_ctx *ctx, int exec_mode)
{
  const struct rec *drv = NULL;
  for (const struct rec *r = NULL; (r = spec_next(ctx->sp, NULL, r));) {
    const char *k = r->f[0];
    size_t i;
    if (strncmp(k, "cgroup.", 7)) continue;
    if (cgres_record(&ctx->res, r)) continue;
    if (!strcmp(k, "cgroup.path")) {
      if (r->nf != 2) bad(r, "bad");
      ctx->path_rec = r;
    } else if (!strcmp(k, "cgroup.driver")) {
      if (r->nf != 2 || (strcmp(r->f[1], "cgroupfs") && strcmp(r->f[1], "systemd"))) bad(r, "bad");
      drv = r;
    } else if (!strcmp(k, "cgroup.rootless")) {
      if (r->nf != 2 || (strcmp(r->f[1], "implicit") && strcmp(r->f[1], "explicit"))) bad(r, "bad");
      rootless_rec = r;
    } else if (!strcmp(k, "cgroup.dir") || !strcmp(k, "cgroup.join") || !strcmp(k, "cgroup.v2fd")) {
      /* ours to append; in exec mode cgroup.dir names what to join */
      if (!exec_mode) bad(r, "oci-cgroup already ran:");
      if (!strcmp(k, "cgroup.dir") && (r->nf != 4 || r->f[2][0] != '/')) bad(r, "bad");
    } else {
      for (i = 0; i < NDRV; i++)
        if (drivers[i] && drivers[i]->record && drivers[i]->record(ctx, r)) break;
      if (i == NDRV) die(EXIT_BADINPUT, "spec line %u: unknown record %s", r->line, k);
    }
  }
  if (exec_mode) return drv;
  if (!ctx->path_rec) die(EXIT_BADINPUT, "spec line 1: no cgroup.path record");
  parse_path(ctx, ctx->path_rec);
  cgres_validate(&ctx->res);
  return drv;
}

/* ---- finding the hierarchies ------------------------------------------- */

static int is_dir(const char *p)
{
  struct stat st;
  return stat(p, &st) == 0 && S_ISDIR(st.st_mode);
}

/* The mount of a hierarchy from mountinfo: fstype "cgroup2", or "cgroup"
   with every controller of `ctrls` among its super options. */
static int find_mount(const char *mi, const char *ctrls, const char *root, char **mnt, char **mroot)
{
  char *copy = xasprintf("%s", mi), *line, *save;
  int found = 0;
  for (line = strtok_r(copy, "\n", &save); line && !found; line = strtok_r(NULL, "\n", &save)) {
    char *f[64], *p, *s2;
    int n = 0, dash = -1;
    for (p = strtok_r(line, " ", &s2); p && n < 64; p = strtok_r(NULL, " ", &s2)) {
      if (dash < 0 && !strcmp(p, "-")) dash = n;
      f[n++] = p;
    }
    if (dash < 6 || n < dash + 4) continue;
    const char *type = f[dash + 1], *sopts = f[dash + 3];
    spec_unescape(f[3]);
    spec_unescape(f[4]);
    size_t rl = strlen(root);
    if (strncmp(f[4], root, rl) || (f[4][rl] && f[4][rl] != '/')) continue;
    if (ctrls ? strcmp(type, "cgroup") || !cg_has_all(sopts, ctrls) : strcmp(type, "cgroup2")) continue;
    *mnt = xasprintf("%s", f[4]);
    *mroot = xasprintf("%s", f[3]);
    found = 1;
  }
  free(copy);
  return found;
}

static void add_hier(struct cg_ctx *ctx, const char *name, const char *mnt, const char *mroot,
                     const char *own, int v2)
{
  struct statfs sf;
  struct cg_hier *h;
  int fake = 0;
  /* a tree of plain files made by a test (-r): files are created on write;
     a mount found in mountinfo is cgroupfs by its type (no statfs) */
  if (ctx->root) {
    if (statfs(mnt, &sf) < 0) die_sys(EXIT_SYSFAIL, "statfs %s", mnt);
    fake = sf.f_type != CGROUP_SUPER_MAGIC && sf.f_type != CGROUP2_SUPER_MAGIC;
  }
  ctx->h = cg_realloc(ctx->h, ctx->nh + 1, sizeof *ctx->h);
  h = &ctx->h[ctx->nh++];
  memset(h, 0, sizeof *h);
  h->name = xasprintf("%s", name);
  h->mnt = xasprintf("%s", mnt);
  h->mroot = xasprintf("%s", mroot);
  h->own = xasprintf("%s", own);
  h->v2 = v2;
  h->dfd = -1;
  h->fake = fake;
}

static char *colon(const char *self, char *s)
{
  char *c = strchr(s, ':');
  if (!c) die(EXIT_SYSFAIL, "read %s: bad line %s", self, s);
  return c;
}

void cg_find(struct cg_ctx *ctx)
{
  const char *root = ctx->root ? ctx->root : "/sys/fs/cgroup";
  char *self = slurp(ctx->self), *mi = ctx->root ? NULL : slurp("/proc/self/mountinfo"), *line, *save;
  int want_v1 = 1, want_v2 = 1, unified_at_root = 0;
  struct statfs sf;

  if (ctx->layout) {
    want_v1 = strcmp(ctx->layout, "v2") != 0;
    want_v2 = strcmp(ctx->layout, "v1") != 0;
    unified_at_root = !want_v1;
  } else {
    if (statfs(root, &sf) < 0) die_sys(EXIT_SYSFAIL, "statfs %s", root);
    if (sf.f_type == CGROUP2_SUPER_MAGIC) want_v1 = 0, unified_at_root = 1;
  }
  /* "ID:CONTROLLERS:PATH" per hierarchy; "0::PATH" is the unified one */
  for (line = strtok_r(self, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
    char *c1 = colon(ctx->self, line), *c2 = colon(ctx->self, c1 + 1), *mnt = NULL,
         *mroot = NULL; /* the path may hold ':' */
    char ctrls[4096] = "", *c, *s2;
    *c1 = *c2 = 0;
    if (!strcmp(line, "0") && !c1[1]) {
      if (!want_v2) continue;
      if (ctx->root) {
        mnt = unified_at_root ? xasprintf("%s", root) : xasprintf("%s/unified", root);
        mroot = xasprintf("/");
        if (!is_dir(mnt)) continue;
      } else if (!find_mount(mi, NULL, root, &mnt, &mroot)) {
        continue;
      }
      if (unified_at_root) {
        /* pure v2, as runc's fs2: a relative path goes under the PARENT of
           our own cgroup, which holds our processes and so could never
           give controllers to a child (the no-internal-process rule) */
        char *own = c2 + 1, *slash = strrchr(own, '/');
        if (slash && slash != own)
          *slash = 0;
        else if (slash)
          own = "/";
        add_hier(ctx, "unified", mnt, mroot, own, 1);
      } else {
        add_hier(ctx, "unified", mnt, mroot, c2 + 1, 1);
      }
      continue;
    }
    if (!want_v1 || strlen(c1 + 1) >= sizeof ctrls) continue;
    for (c = strtok_r(c1 + 1, ",", &s2); c; c = strtok_r(NULL, ",", &s2)) {
      if (!strncmp(c, "name=", 5)) continue; /* named hierarchies (name=systemd) hold no resources */
      if (*ctrls) strcat(ctrls, ",");
      strcat(ctrls, c);
    }
    if (!*ctrls) continue;
    if (ctx->root) {
      mnt = xasprintf("%s/%s", root, ctrls);
      mroot = xasprintf("/");
      if (!is_dir(mnt)) continue;
    } else if (!find_mount(mi, ctrls, root, &mnt, &mroot)) {
      continue; /* not mounted in this mount namespace */
    }
    add_hier(ctx, ctrls, mnt, mroot, c2 + 1, 0);
  }
  if (!ctx->nh) die(EXIT_SYSFAIL, "find cgroup hierarchies under %s: none mounted", root);
}

/* ---- resolving ------------------------------------------------------------ */

void cg_resolve(struct cg_ctx *ctx, struct cg_hier *h)
{
  const char *base = ctx->path_rec->f[1][0] == '/' ? "" : h->own;
  size_t rl = strlen(h->mroot);
  char *g = xasprintf("%s", strcmp(base, "/") ? base : "");
  int missing = 0;

  if (rl == 1) rl = 0; /* mount root "/" */
  for (size_t i = 0; i < ctx->npcomp; i++) {
    char *ng = xasprintf("%s/%s", g, ctx->pcomp[i]);
    free(g);
    g = ng;
    if (rl && (!strncmp(h->mroot, g, strlen(g)) && (h->mroot[strlen(g)] == '/' || !h->mroot[strlen(g)])))
      continue; /* at or above the mount's root: exists, not ours */
    if (rl && (strncmp(g, h->mroot, rl) || g[rl] != '/'))
      die(EXIT_SYSFAIL, "resolve cgroup %s in %s: outside the mount at %s", g, h->name, h->mnt);
    char *p = xasprintf("%s%s", h->mnt, g + rl);
    struct stat st;
    if (!missing && lstat(p, &st) < 0) {
      if (errno != ENOENT) die_sys(EXIT_SYSFAIL, "stat %s", p);
      missing = 1;
    }
    h->comp = cg_realloc(h->comp, h->ncomp + 1, sizeof *h->comp);
    h->isnew = cg_realloc(h->isnew, h->ncomp + 1, sizeof *h->isnew);
    h->comp[h->ncomp] = p;
    h->isnew[h->ncomp++] = missing;
  }
  free(g);
  if (!h->ncomp)
    die(EXIT_SYSFAIL, "resolve cgroup %s in %s: not below the mount at %s", ctx->path_rec->f[1], h->name,
        h->mnt);
  h->dir = h->comp[h->ncomp - 1];
}

/* ---- rootless (runc's rootless cgroup manager) ----------------------------- */

/* The dir that must be writable to make the container's cgroup in h: the
   parent of its first new component; with nothing new, the file that
   joins it (tasks, cgroup.procs). malloc'd. */
static char *rootless_gate(const struct cg_hier *h)
{
  for (size_t i = 0; i < h->ncomp; i++)
    if (h->isnew[i]) {
      char *p = xasprintf("%s", h->comp[i]);
      *strrchr(p, '/') = 0;
      return p;
    }
  return xasprintf("%s/%s", h->dir, h->v2 ? "cgroup.procs" : "tasks");
}

/* Any resource but device rules: a limit that would go unenforced. */
static const struct rec *rootless_limit(const struct cgres *c)
{
  for (int k = 0; k < CGRES_NKEY; k++)
    if (c->kr[k]) return c->kr[k];
  for (int l = 0; l < CGRES_NLIST; l++)
    if (c->nlist[l]) return c->list[l][0];
  return c->nunified ? c->unified[0] : NULL;
}

/* A non-root caller (cgroup.rootless): hierarchies it cannot write are
   left out when the path is the default one and no limit is set, as runc
   does; a limit it cannot enforce is an error, never dropped in silence.
   An explicit cgroupsPath stays, so its mkdir fails naming the dir. */
static void rootless_prune(struct cg_ctx *ctx)
{
  const struct rec *lim = rootless_limit(&ctx->res);
  size_t k = 0;
  /* device rules: a non-root caller can neither write devices.allow nor
     load a device program; its user namespace cannot open a device node
     it could not open on the host (runc ignores these errors) */
  ctx->res.ndev = 0;
  for (size_t i = 0; i < ctx->nh; i++) {
    char *gate = rootless_gate(&ctx->h[i]);
    int ok = faccessat(AT_FDCWD, gate, W_OK, AT_EACCESS) == 0;
    if (ok || !strcmp(rootless_rec->f[1], "explicit")) {
      ctx->h[k++] = ctx->h[i];
    } else if (lim) {
      /* a limit asked for and no cgroup to hold it: refuse to run unlimited */
      die(EXIT_SYSFAIL,
          "spec line %u: %s: cannot set this limit: rootless container cannot create cgroup %s: %s",
          lim->line, lim->f[0], ctx->h[i].dir, strerror(errno));
    } else {
      debug("rootless: no cgroup in %s: %s: %s", ctx->h[i].name, gate, strerror(errno));
    }
    free(gate);
  }
  ctx->nh = k;
}

/* ---- the steps ------------------------------------------------------------- */

/* Each driver in use once, in the order of the hierarchies. */
static size_t drivers_in_use(const struct cg_ctx *ctx, const struct cg_driver **out)
{
  size_t n = 0;
  for (size_t i = 0; i < ctx->nh; i++) {
    size_t j = 0;
    while (j < n && out[j] != ctx->h[i].drv) j++;
    if (j == n) out[n++] = ctx->h[i].drv;
  }
  return n;
}

/* One join handle: cgroup.v2fd FD (the unified dir) or cgroup.join FD (v1: DIR/tasks open for writing).
   DFD: the dir already open (create mode: handed on as the v2fd, tasks opened below it), or -1; FAKE: a fake
   tree's, or -1 when not known (exec mode: statfs says). */
static void add_join(struct cg_ctx *ctx, const char *name, const char *dir, int dfd, int fake)
{
  if (!strcmp(name, "unified")) {
    specw_addf(ctx->w, "cgroup.v2fd", "%d", cg_hand_fd(ctx, dfd >= 0 ? dfd : cg_opendir(dir), dir));
  } else {
    char *t = xasprintf("%s/tasks", dir);
    struct statfs sf;
    int fd;
    if (fake < 0) fake = statfs(dir, &sf) == 0 && sf.f_type != CGROUP_SUPER_MAGIC;
    if ((fd = openat(dfd >= 0 ? dfd : AT_FDCWD, dfd >= 0 ? "tasks" : t,
                     O_WRONLY | O_CLOEXEC | (fake ? O_CREAT : 0), 0644)) < 0)
      die_sys(EXIT_SYSFAIL, "open %s", t);
    specw_addf(ctx->w, "cgroup.join", "%d", cg_hand_fd(ctx, fd, t));
    free(t);
  }
}

static void publish(struct cg_ctx *ctx)
{
  if (spec_publish(ctx->w, spec_fd()) < 0) die_sys(EXIT_SYSFAIL, "publish spec on fd %d", spec_fd());
}

int main(int argc, char **argv)
{
  static struct cg_ctx ctx;
  struct spec sp;
  struct specw w;
  const struct cg_driver *use[NDRV];
  const struct rec *drv;
  int opt, exec_mode;
  size_t n = 0, nuse;

  stage_init("oci-cgroup");
  ctx.self = "/proc/self/cgroup";
  while ((opt = getopt(argc, argv, "+r:t:s:")) != -1) switch (opt) {
      case 'r': ctx.root = optarg; break;
      case 't':
        if (strcmp(optarg, "v1") && strcmp(optarg, "v2") && strcmp(optarg, "hybrid")) die_usage(USAGE);
        ctx.layout = optarg;
        break;
      case 's': ctx.self = optarg; break;
      default: die_usage(USAGE);
    }
  if (optind >= argc) die_usage(USAGE);
  argv += optind;

  stage_read(&sp);
  ctx.sp = &sp;
  ctx.w = &w;
  exec_mode = spec_get(&sp, "run.mode") && !strcmp(spec_get(&sp, "run.mode"), "exec");
  drv = parse_records(&ctx, exec_mode);
  if (specw_from(&w, &sp) < 0) die_sys(EXIT_SYSFAIL, "allocate memory");

  if (exec_mode) {
    /* join the container's cgroups as created (the last cgroup.dir of each
       hierarchy); create nothing, apply nothing */
    struct cgres_hier *j = cg_realloc(NULL, sp.nrec + 1, sizeof *j);
    n = cgres_dirs(&sp, j, sp.nrec + 1);
    /* a rootless container may have no cgroup at all */
    if (!n && !rootless_rec) die(EXIT_BADINPUT, "spec line 1: no cgroup.dir record to join");
    for (size_t i = 0; i < n; i++) add_join(&ctx, j[i].name, j[i].dir, -1, -1);
  } else {
    const struct cg_driver *unified = &cg_v2;
    if (drv && !strcmp(drv->f[1], "systemd")) {
      if (!&cg_systemd) die(EXIT_BADINPUT, "spec line %u: cgroup.driver systemd: not built in", drv->line);
      unified = &cg_systemd;
    }
    cg_find(&ctx);
    for (size_t i = 0; i < ctx.nh; i++) ctx.h[i].drv = ctx.h[i].v2 ? unified : &cg_v1;
    cg_targets(&ctx);
    cgres_check(&ctx.res, ctx.t, ctx.nh);
    for (size_t i = 0; i < ctx.nh; i++) ctx.h[i].drv->resolve(&ctx, &ctx.h[i]);
    if (rootless_rec) rootless_prune(&ctx);
    cg_targets(&ctx);
    nuse = drivers_in_use(&ctx, use);
    for (size_t i = 0; i < nuse; i++)
      if (use[i]->setup) use[i]->setup(&ctx);
    /* publish what we are about to create first: a failure from here on
       is torn down by oci-delete, which removes the new ones last first */
    for (size_t i = 0; i < ctx.nh; i++)
      for (size_t j = 0; j < ctx.h[i].ncomp; j++)
        specw_add(&w, "cgroup.dir", ctx.h[i].name, ctx.h[i].comp[j], ctx.h[i].isnew[j] ? "new" : "existing",
                  (char *)NULL);
    publish(&ctx);
    /* and into the state dir: a create killed from here on leaves oci-delete the list */
    if (spec_get(&sp, "state.dir") && state_save_spec(spec_get(&sp, "state.dir"), w.buf, w.len) < 0)
      die_sys(EXIT_SYSFAIL, "write %s/spec", spec_get(&sp, "state.dir"));
    for (size_t i = 0; i < ctx.nh; i++) ctx.h[i].drv->create(&ctx, &ctx.h[i]);
    cg_targets(&ctx);
    cgres_apply(&ctx.res, ctx.t, ctx.nh);
    for (size_t i = 0; i < nuse; i++)
      if (use[i]->finish) use[i]->finish(&ctx);
    for (size_t i = 0; i < ctx.nh; i++)
      add_join(&ctx, ctx.h[i].name, ctx.h[i].dir, ctx.h[i].dfd, ctx.h[i].fake);
  }
  publish(&ctx);
  /* every handed fd is CLOEXEC and has no other fd flag: one F_SETFD each */
  for (size_t i = 0; i < ctx.nfd; i++)
    if (fcntl(ctx.fds[i], F_SETFD, 0) < 0) die_sys(EXIT_SYSFAIL, "hand on fd %d", ctx.fds[i]);
  chain_exec(&sp, argv);
}
