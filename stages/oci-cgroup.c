/* oci-cgroup: create (exec mode: join) the container's cgroup on v1, v2 or hybrid hosts; apply resources.
   Reads cgroup.path, .memory.X, .cpu.X, .pids.limit, .device, .unified, run.mode; adds .dir, .join, .v2fd.
   After oci-secure, before oci-ns: it never moves itself; oci-ns's child joins with the handed fds. */
#include <errno.h>
#include <fcntl.h>
#include <linux/magic.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "cgres.h"
#include "chain.h"
#include "die.h"
#include "fd.h"
#include "spec.h"
#include "stage.h"
#include "state.h"

#define USAGE "oci-cgroup [-r root] [-t v1|v2|hybrid] [-s file] prog..."

/* One hierarchy the container gets a cgroup in: a v1 controller
   hierarchy (name "cpu,cpuacct") or the unified one (name "unified"). */
struct hier {
  char *name;  /* controller list as /proc/self/cgroup spells it, or "unified" */
  char *mnt;   /* where it is mounted */
  char *mroot; /* the mount's root inside the hierarchy (mountinfo field 4) */
  char *own;   /* our own cgroup there (/proc/self/cgroup) */
  int v2, fake;
  char **comp; /* host paths of the components of cgroup.path, top first */
  int *isnew;
  size_t ncomp;
  char *dir; /* the container's cgroup = comp[ncomp-1] */
  int dfd;
};

static struct hier *H;
static size_t nh;
static const char *opt_root, *opt_layout, *opt_self = "/proc/self/cgroup";

/* ---- the resource records, validated before anything is created --------- */

static struct cgres res; /* the resource records */
static const struct rec *path_rec;
static char **pcomp; /* cgroup.path split into components */
static size_t npcomp;

static __attribute__((noreturn)) void bad(const struct rec *r, const char *what)
{
  die(EXIT_BADINPUT, "spec line %u: %s %s", r->line, what, r->f[0]);
}

static void *xrealloc(void *p, size_t n, size_t size)
{
  if (size && n > ((size_t)-1) / size)
    errno = ENOMEM, p = NULL;
  else if (!(p = realloc(p, n && size ? n * size : 1)))
    errno = ENOMEM;
  if (!p) die_sys(EXIT_SYSFAIL, "allocate memory");
  return p;
}

static void parse_path(const struct rec *r)
{
  char *s = xasprintf("%s", r->f[1]), *p, *save;
  /* an empty component would land on our own (the sandbox's) cgroup, a
     ".." one outside of it */
  if (!*s || (strlen(s) > 1 && s[strlen(s) - 1] == '/') || strstr(s, "//") || !strcmp(s, "/"))
    die(EXIT_BADINPUT, "spec line %u: bad cgroup.path %s", r->line, r->f[1]);
  for (p = strtok_r(s, "/", &save); p; p = strtok_r(NULL, "/", &save)) {
    if (!strcmp(p, ".") || !strcmp(p, ".."))
      die(EXIT_BADINPUT, "spec line %u: bad cgroup.path %s", r->line, r->f[1]);
    pcomp = xrealloc(pcomp, npcomp + 1, sizeof *pcomp);
    pcomp[npcomp++] = p;
  }
}

/* Read every cgroup.* record; refuse unknown ones before touching anything. */
static void parse_records(const struct spec *sp, int exec_mode)
{
  for (const struct rec *r = NULL; (r = spec_next(sp, NULL, r));) {
    const char *k = r->f[0];
    if (strncmp(k, "cgroup.", 7)) continue;
    if (cgres_record(&res, r)) continue;
    if (!strcmp(k, "cgroup.path")) {
      if (r->nf != 2) bad(r, "bad");
      path_rec = r;
    } else if (!strcmp(k, "cgroup.dir") || !strcmp(k, "cgroup.join") || !strcmp(k, "cgroup.v2fd")) {
      /* ours to append; in exec mode cgroup.dir names what to join */
      if (!exec_mode) bad(r, "oci-cgroup already ran:");
      if (!strcmp(k, "cgroup.dir") && (r->nf != 4 || r->f[2][0] != '/')) bad(r, "bad");
    } else {
      die(EXIT_BADINPUT, "spec line %u: unknown record %s", r->line, k);
    }
  }
  if (exec_mode) return;
  if (!path_rec) die(EXIT_BADINPUT, "spec line 1: no cgroup.path record");
  parse_path(path_rec);
  cgres_validate(&res);
}

/* ---- finding the hierarchies ------------------------------------------- */

static char *slurp(const char *path)
{
  int fd = open(path, O_RDONLY | O_CLOEXEC);
  char *s;
  if (fd < 0 || !(s = fd_slurp(fd, NULL))) die_sys(EXIT_SYSFAIL, "read %s", path);
  close(fd);
  return s;
}

static int is_dir(const char *p)
{
  struct stat st;
  return stat(p, &st) == 0 && S_ISDIR(st.st_mode);
}

/* Does the comma list `opts` name every controller of the comma list `want`? */
static int has_all(const char *opts, const char *want)
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
    if (ctrls ? strcmp(type, "cgroup") || !has_all(sopts, ctrls) : strcmp(type, "cgroup2")) continue;
    *mnt = xasprintf("%s", f[4]);
    *mroot = xasprintf("%s", f[3]);
    found = 1;
  }
  free(copy);
  return found;
}

static void add_hier(const char *name, const char *mnt, const char *mroot, const char *own, int v2)
{
  struct statfs sf;
  struct hier *h;
  if (statfs(mnt, &sf) < 0) die_sys(EXIT_SYSFAIL, "statfs %s", mnt);
  H = xrealloc(H, nh + 1, sizeof *H);
  h = &H[nh++];
  memset(h, 0, sizeof *h);
  h->name = xasprintf("%s", name);
  h->mnt = xasprintf("%s", mnt);
  h->mroot = xasprintf("%s", mroot);
  h->own = xasprintf("%s", own);
  h->v2 = v2;
  h->dfd = -1;
  /* a tree of plain files made by a test (-r): files are created on write */
  h->fake = sf.f_type != CGROUP_SUPER_MAGIC && sf.f_type != CGROUP2_SUPER_MAGIC;
}

static char *colon(char *s)
{
  char *c = strchr(s, ':');
  if (!c) die(EXIT_SYSFAIL, "read %s: bad line %s", opt_self, s);
  return c;
}

static void find_hiers(void)
{
  const char *root = opt_root ? opt_root : "/sys/fs/cgroup";
  char *self = slurp(opt_self), *mi = opt_root ? NULL : slurp("/proc/self/mountinfo"), *line, *save;
  int want_v1 = 1, want_v2 = 1, unified_at_root = 0;
  struct statfs sf;

  if (opt_layout) {
    want_v1 = strcmp(opt_layout, "v2") != 0;
    want_v2 = strcmp(opt_layout, "v1") != 0;
    unified_at_root = !want_v1;
  } else {
    if (statfs(root, &sf) < 0) die_sys(EXIT_SYSFAIL, "statfs %s", root);
    if (sf.f_type == CGROUP2_SUPER_MAGIC) want_v1 = 0, unified_at_root = 1;
  }
  /* "ID:CONTROLLERS:PATH" per hierarchy; "0::PATH" is the unified one */
  for (line = strtok_r(self, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
    char *c1 = colon(line), *c2 = colon(c1 + 1), *mnt = NULL, *mroot = NULL; /* the path may hold ':' */
    char ctrls[4096] = "", *c, *s2;
    *c1 = *c2 = 0;
    if (!strcmp(line, "0") && !c1[1]) {
      if (!want_v2) continue;
      if (opt_root) {
        mnt = unified_at_root ? xasprintf("%s", root) : xasprintf("%s/unified", root);
        mroot = xasprintf("/");
        if (!is_dir(mnt)) continue;
      } else if (!find_mount(mi, NULL, root, &mnt, &mroot)) {
        continue;
      }
      add_hier("unified", mnt, mroot, c2 + 1, 1);
      continue;
    }
    if (!want_v1 || strlen(c1 + 1) >= sizeof ctrls) continue;
    for (c = strtok_r(c1 + 1, ",", &s2); c; c = strtok_r(NULL, ",", &s2)) {
      if (!strncmp(c, "name=", 5)) continue; /* named hierarchies (name=systemd) hold no resources */
      if (*ctrls) strcat(ctrls, ",");
      strcat(ctrls, c);
    }
    if (!*ctrls) continue;
    if (opt_root) {
      mnt = xasprintf("%s/%s", root, ctrls);
      mroot = xasprintf("/");
      if (!is_dir(mnt)) continue;
    } else if (!find_mount(mi, ctrls, root, &mnt, &mroot)) {
      continue; /* not mounted in this mount namespace */
    }
    add_hier(ctrls, mnt, mroot, c2 + 1, 0);
  }
  if (!nh) die(EXIT_SYSFAIL, "find cgroup hierarchies under %s: none mounted", root);
}

/* the hierarchies as the shared resource writers see them */
static struct cgres_hier *T;

static void targets(void)
{
  T = xrealloc(NULL, nh, sizeof *T);
  for (size_t i = 0; i < nh; i++)
    T[i] = (struct cgres_hier){
        .name = H[i].name, .dir = H[i].dir, .dfd = H[i].dfd, .v2 = H[i].v2, .fake = H[i].fake};
}

/* ---- resolving and creating -------------------------------------------- */

/* The host paths of the components of cgroup.path in hierarchy h. */
static void resolve(struct hier *h)
{
  const char *base = path_rec->f[1][0] == '/' ? "" : h->own;
  size_t rl = strlen(h->mroot);
  char *g = xasprintf("%s", strcmp(base, "/") ? base : "");
  int missing = 0;

  if (rl == 1) rl = 0; /* mount root "/" */
  for (size_t i = 0; i < npcomp; i++) {
    char *ng = xasprintf("%s/%s", g, pcomp[i]);
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
    h->comp = xrealloc(h->comp, h->ncomp + 1, sizeof *h->comp);
    h->isnew = xrealloc(h->isnew, h->ncomp + 1, sizeof *h->isnew);
    h->comp[h->ncomp] = p;
    h->isnew[h->ncomp++] = missing;
  }
  free(g);
  if (!h->ncomp)
    die(EXIT_SYSFAIL, "resolve cgroup %s in %s: not below the mount at %s", path_rec->f[1], h->name, h->mnt);
  h->dir = h->comp[h->ncomp - 1];
}

/* One write per value: cgroup files take one value per write(2). */
static void cg_write_at(struct hier *h, int dfd, const char *dir, const char *file, const char *val)
{
  struct cgres_hier t = {.name = h->name, .dir = dir, .dfd = dfd, .v2 = h->v2, .fake = h->fake};
  cgres_write(&t, dfd, dir, file, val);
}

static char *cg_read(const char *dir, const char *file)
{
  char *p = xasprintf("%s/%s", dir, file), *s = slurp(p);
  s[strcspn(s, "\n")] = 0;
  free(p);
  return s;
}

static int opendir_fd(const char *p)
{
  int fd = open(p, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) die_sys(EXIT_SYSFAIL, "open %s", p);
  return fd;
}

static void create(struct hier *h)
{
  for (size_t i = 0; i < h->ncomp; i++) {
    if (!h->isnew[i]) continue;
    /* EEXIST: lost a race with another creator; the path is ours by spec */
    if (mkdir(h->comp[i], 0755) < 0 && errno != EEXIST) die_sys(EXIT_SYSFAIL, "mkdir %s", h->comp[i]);
    if (!h->v2 && has_all(h->name, "cpuset")) {
      /* a new v1 cpuset starts with empty cpus and mems and takes no task */
      char *parent = xasprintf("%s", h->comp[i]);
      *strrchr(parent, '/') = 0;
      int dfd = opendir_fd(h->comp[i]);
      for (int j = 0; j < 2; j++) {
        const char *f = j ? "cpuset.mems" : "cpuset.cpus";
        char *v = cg_read(parent, f);
        if (*v) cg_write_at(h, dfd, h->comp[i], f, v);
        free(v);
      }
      close(dfd);
      free(parent);
    }
  }
  if (h->v2) {
    /* only cgroups we created: never write to the caller's own cgroups */
    char *ctl = cgres_v2_controllers(&res, T, nh);
    for (size_t i = 0; *ctl && i + 1 < h->ncomp; i++) {
      if (!h->isnew[i]) continue;
      int dfd = opendir_fd(h->comp[i]);
      cg_write_at(h, dfd, h->comp[i], "cgroup.subtree_control", ctl);
      close(dfd);
    }
    free(ctl);
  }
  h->dfd = opendir_fd(h->dir);
}

/* ---- handing over ------------------------------------------------------- */

/* An inheritable copy above the spec fd, so it can never land on a
   preserved fd number the container owns. */
static int hand(int fd, const char *what)
{
  int n = fcntl(fd, F_DUPFD_CLOEXEC, spec_fd() + 1);
  if (n < 0) die_sys(EXIT_SYSFAIL, "dup %s", what);
  close(fd);
  return n;
}

static void add_joins(struct specw *w, int *fds, size_t *nfd, char **names, char **dirs, size_t n)
{
  for (size_t i = 0; i < n; i++) {
    int fd;
    if (!strcmp(names[i], "unified")) {
      fd = hand(opendir_fd(dirs[i]), dirs[i]);
      specw_addf(w, "cgroup.v2fd", "%d", fd);
    } else {
      char *t = xasprintf("%s/tasks", dirs[i]);
      int fake = 0;
      struct statfs sf;
      if (statfs(dirs[i], &sf) == 0) fake = sf.f_type != CGROUP_SUPER_MAGIC;
      if ((fd = open(t, O_WRONLY | O_CLOEXEC | (fake ? O_CREAT : 0), 0644)) < 0)
        die_sys(EXIT_SYSFAIL, "open %s", t);
      fd = hand(fd, t);
      specw_addf(w, "cgroup.join", "%d", fd);
      free(t);
    }
    fds[(*nfd)++] = fd;
  }
}

int main(int argc, char **argv)
{
  struct spec sp;
  struct specw w;
  int opt, exec_mode, *fds;
  size_t nfd = 0, n = 0;
  char **names, **dirs;

  stage_init("oci-cgroup");
  while ((opt = getopt(argc, argv, "+r:t:s:")) != -1) switch (opt) {
      case 'r': opt_root = optarg; break;
      case 't':
        if (strcmp(optarg, "v1") && strcmp(optarg, "v2") && strcmp(optarg, "hybrid")) die_usage(USAGE);
        opt_layout = optarg;
        break;
      case 's': opt_self = optarg; break;
      default: die_usage(USAGE);
    }
  if (optind >= argc) die_usage(USAGE);
  argv += optind;

  stage_read(&sp);
  exec_mode = spec_get(&sp, "run.mode") && !strcmp(spec_get(&sp, "run.mode"), "exec");
  parse_records(&sp, exec_mode);
  if (specw_from(&w, &sp) < 0) die_sys(EXIT_SYSFAIL, "allocate memory");

  if (exec_mode) {
    /* join the container's cgroups as created (the last cgroup.dir of each
       hierarchy); create nothing, apply nothing */
    struct cgres_hier *j = xrealloc(NULL, sp.nrec + 1, sizeof *j);
    n = cgres_dirs(&sp, j, sp.nrec + 1);
    names = xrealloc(NULL, n + 1, sizeof *names);
    dirs = xrealloc(NULL, n + 1, sizeof *dirs);
    for (size_t i = 0; i < n; i++) names[i] = (char *)j[i].name, dirs[i] = (char *)j[i].dir;
    if (!n) die(EXIT_BADINPUT, "spec line 1: no cgroup.dir record to join");
  } else {
    find_hiers();
    targets();
    cgres_check(&res, T, nh);
    names = xrealloc(NULL, nh, sizeof *names);
    dirs = xrealloc(NULL, nh, sizeof *dirs);
    for (size_t i = 0; i < nh; i++) resolve(&H[i]);
    /* publish what we are about to create first: a failure from here on
       is torn down by oci-delete, which removes the new ones last first */
    for (size_t i = 0; i < nh; i++)
      for (size_t j = 0; j < H[i].ncomp; j++)
        specw_add(&w, "cgroup.dir", H[i].name, H[i].comp[j], H[i].isnew[j] ? "new" : "existing",
                  (char *)NULL);
    if (spec_publish(&w, spec_fd()) < 0) die_sys(EXIT_SYSFAIL, "publish spec on fd %d", spec_fd());
    /* and into the state dir: a create killed from here on leaves oci-delete the list */
    if (spec_get(&sp, "state.dir") && state_save_spec(spec_get(&sp, "state.dir"), w.buf, w.len) < 0)
      die_sys(EXIT_SYSFAIL, "write %s/spec", spec_get(&sp, "state.dir"));
    for (size_t i = 0; i < nh; i++) create(&H[i]);
    targets();
    cgres_apply(&res, T, nh);
    for (size_t i = 0; i < nh; i++) names[n] = H[i].name, dirs[n++] = H[i].dir;
  }
  fds = xrealloc(NULL, n, sizeof *fds);
  add_joins(&w, fds, &nfd, names, dirs, n);
  if (spec_publish(&w, spec_fd()) < 0) die_sys(EXIT_SYSFAIL, "publish spec on fd %d", spec_fd());
  for (size_t i = 0; i < nfd; i++)
    if (fd_move(fds[i], fds[i]) < 0) die_sys(EXIT_SYSFAIL, "hand on fd %d", fds[i]);
  chain_exec(&sp, argv);
}
