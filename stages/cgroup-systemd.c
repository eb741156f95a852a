/* cgroup-systemd.c: the systemd driver of oci-cgroup (cgroup-drv.h), for
   runc --systemd-cgroup: the container's cgroup is a transient unit that
   systemd makes over D-Bus (StartTransientUnit, as runc's
   libcontainer/cgroups/systemd does), a scope in a slice, with runc's
   properties; then the v2 driver writes the files too, as runc does.
   cgroup v2 only. A scope needs a process when it is made: a holder child,
   put in the scope, lives until the container's init has joined it (it
   reads a pipe whose write end goes on as `cgroup.hold FD`; oci-ns closes
   it; EOF = exit). Records: takes `cgroup.unit SLICE UNIT NAME` (oci-parse,
   from cgroupsPath), adds `cgroup.systemd UNIT` (oci-delete stops it). */
#include <errno.h>
#include <fcntl.h>
#include <linux/magic.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <unistd.h>

#include "cgroup-drv.h"
#include "dbus.h"
#include "die.h"
#include "fd.h"
#include "sdunit.h"
#include "stage.h"

#define SD_PATH "/org/freedesktop/systemd1"
#define SD_MANAGER "org.freedesktop.systemd1.Manager"

static const struct rec *unit_rec; /* cgroup.unit SLICE UNIT NAME */
static struct sd_conn sd;
static pid_t holder = -1;
static int hold_w = -1;

static int exec_mode(const struct cg_ctx *ctx)
{
  const char *m = spec_get(ctx->sp, "run.mode");
  return m && !strcmp(m, "exec");
}

/* cgroup v2 only, as the unified hierarchy at the root (-r, -t for tests) */
static void need_v2(const struct cg_ctx *ctx)
{
  const char *root = ctx->root ? ctx->root : "/sys/fs/cgroup";
  struct statfs sf;
  int v2;
  if (ctx->layout)
    v2 = !strcmp(ctx->layout, "v2");
  else if (statfs(root, &sf) < 0)
    die_sys(EXIT_SYSFAIL, "statfs %s", root);
  else
    v2 = sf.f_type == CGROUP2_SUPER_MAGIC;
  if (!v2)
    die(EXIT_BADINPUT,
        "systemd cgroup driver: %s is not a cgroup v2 hierarchy (a cgroup v1 or hybrid host); "
        "--systemd-cgroup needs cgroup v2",
        root);
}

static int sd_record(struct cg_ctx *ctx, const struct rec *r)
{
  const char *k = r->f[0];
  if (!strcmp(k, "cgroup.unit")) {
    if (r->nf != 4 || !*r->f[2] || strchr(r->f[2], '/'))
      die(EXIT_BADINPUT, "spec line %u: bad cgroup.unit record", r->line);
    if (!exec_mode(ctx)) need_v2(ctx);
    unit_rec = r;
    return 1;
  }
  if (!strcmp(k, "cgroup.systemd") || !strcmp(k, "cgroup.hold")) {
    /* ours to append: seen again only in a saved spec */
    if (!exec_mode(ctx)) die(EXIT_BADINPUT, "spec line %u: oci-cgroup already ran: %s", r->line, k);
    return 1;
  }
  return 0;
}

static int is_slice(void)
{
  size_t n = strlen(unit_rec->f[2]);
  return n > 6 && !strcmp(unit_rec->f[2] + n - 6, ".slice");
}

/* The unit's cgroup is cgroup.path (oci-parse made both from cgroupsPath):
   resolved as the v2 driver does, every component systemd's, none ours. */
static void sd_resolve(struct cg_ctx *ctx, struct cg_hier *h)
{
  if (!unit_rec) die(EXIT_BADINPUT, "spec line 1: cgroup.driver systemd: no cgroup.unit record");
  /* v2 only: sd_record checked the layout (need_v2) before anything */
  char *sl = sd_expand_slice(is_slice() ? unit_rec->f[2] : unit_rec->f[1]);
  if (!sl)
    die(EXIT_BADINPUT, "spec line %u: cgroup.unit: invalid slice name %s", unit_rec->line, unit_rec->f[1]);
  char *want = is_slice() ? xasprintf("%s", sl) : xasprintf("%s/%s", sl, unit_rec->f[2]);
  if (strcmp(ctx->path_rec->f[1], want))
    die(EXIT_BADINPUT, "spec line %u: cgroup.path %s is not the cgroup of unit %s (%s)", ctx->path_rec->line,
        ctx->path_rec->f[1], unit_rec->f[2], want);
  free(sl);
  free(want);
  cg_resolve(ctx, h);
  for (size_t i = 0; i < h->ncomp; i++) h->isnew[i] = 0; /* systemd removes them */
}

/* ---- talking to systemd ---------------------------------------------------- */

static void reset_failed(const char *unit)
{
  struct dbus_in r;
  if (sd_call_unit(&sd, "ResetFailedUnit", unit, NULL, &r) == 0) dbus_in_free(&r);
}

static void sd_setup(struct cg_ctx *ctx)
{
  /* before anything is published: without systemd, nothing to tear down */
  if (sd_connect(&sd) < 0) die(EXIT_SYSFAIL, "connect to systemd: %s", sd.bus.err);
  if (!sd.version) warn("%s: no property that needs one is set", sd.bus.err);
  specw_add(ctx->w, "cgroup.systemd", unit_rec->f[2], (char *)NULL);
}

/* ---- the holder -------------------------------------------------------------- */

static void start_holder(void)
{
  int p[2];
  if (pipe2(p, O_CLOEXEC) < 0) die_sys(EXIT_SYSFAIL, "pipe");
  if ((holder = fork()) < 0) die_sys(EXIT_SYSFAIL, "fork");
  if (holder == 0) {
    char c;
    if (dup2(p[0], 0) < 0) _exit(1);
    fd_close_range(1, ~0U);
    prctl(PR_SET_NAME, "oci-cgroup-hold", 0, 0, 0);
    signals_reset(); /* systemd's SIGTERM at StopUnit ends it too */
    for (;;) {
      ssize_t n = read(0, &c, 1);
      if (!n || (n < 0 && errno != EINTR)) _exit(0);
    }
  }
  close(p[0]);
  hold_w = p[1];
}

/* ---- create -------------------------------------------------------------------- */

static void start_unit(const struct cg_ctx *ctx, const char *unit)
{
  const char *why = NULL;
  struct dbus_msg m;
  struct dbus_in r;
  dbus_msg_init(&m);
  dbus_put_s(&m, unit);
  dbus_put_s(&m, "replace");
  size_t a = dbus_array_begin(&m, 8);
  char *desc = xasprintf("libcontainer container %s", unit_rec->f[3]);
  sd_prop_s(&m, "Description", desc);
  free(desc);
  if (is_slice()) {
    /* a slice's parent is a Wants= */
    dbus_struct_begin(&m);
    dbus_put_s(&m, "Wants");
    dbus_variant_begin(&m, "as");
    size_t w = dbus_array_begin(&m, 4);
    dbus_put_s(&m, unit_rec->f[1]);
    dbus_array_end(&m, w);
  } else {
    sd_prop_s(&m, "Slice", unit_rec->f[1]);
    sd_prop_b(&m, "Delegate", 1);
    dbus_struct_begin(&m);
    dbus_put_s(&m, "PIDs");
    dbus_variant_begin(&m, "au");
    size_t p = dbus_array_begin(&m, 4);
    dbus_put_u(&m, (uint32_t)holder);
    dbus_array_end(&m, p);
  }
  sd_prop_b(&m, "MemoryAccounting", 1);
  sd_prop_b(&m, "CPUAccounting", 1);
  sd_prop_b(&m, "IOAccounting", 1);
  sd_prop_b(&m, "TasksAccounting", 1);
  sd_prop_b(&m, "DefaultDependencies", 0);
  if (sd_resource_props(&m, &ctx->res, sd.version, &why) < 0)
    die(EXIT_BADINPUT, "systemd unit %s: %s: a value systemd cannot take", unit, why);
  dbus_array_end(&m, a);
  a = dbus_array_begin(&m, 8); /* no auxiliary units */
  dbus_array_end(&m, a);
  if (m.oom) die(EXIT_SYSFAIL, "allocate memory");

  for (int tries = 0;; tries++) {
    if (dbus_call(&sd.bus, sd.on_bus ? "org.freedesktop.systemd1" : NULL, SD_PATH, SD_MANAGER,
                  "StartTransientUnit", "ssa(sv)a(sa(sv))", &m, &r) == 0)
      break;
    /* a failed unit of that name left behind: reset it and try once more, as runc */
    if (tries || !strstr(sd.bus.err, "org.freedesktop.systemd1.UnitExists"))
      die(EXIT_SYSFAIL, "create systemd unit %s: %s", unit, sd.bus.err);
    reset_failed(unit);
  }
  dbus_msg_free(&m);
  struct dbus_it it = dbus_body(&r);
  const char *job;
  if (dbus_get_s(&it, &job) < 0) die(EXIT_SYSFAIL, "create systemd unit %s: a reply without a job", unit);
  char *result = sd_wait_job(&sd, job);
  if (!result) die(EXIT_SYSFAIL, "create systemd unit %s: wait for job %s: %s", unit, job, sd.bus.err);
  dbus_in_free(&r);
  if (strcmp(result, "done")) {
    reset_failed(unit);
    die(EXIT_SYSFAIL, "create systemd unit %s: its start job ended: %s", unit, result);
  }
  free(result);
}

static void sd_create(struct cg_ctx *ctx, struct cg_hier *h)
{
  const char *unit = unit_rec->f[2];
  struct stat st;
  if (!is_slice()) start_holder();
  start_unit(ctx, unit);
  if (stat(h->dir, &st) < 0 || !S_ISDIR(st.st_mode))
    die_sys(EXIT_SYSFAIL, "systemd unit %s: its cgroup %s", unit, h->dir);
  dbus_close(&sd.bus);
  cg_v2.create(ctx, h); /* the controllers, the dir's fd */
}

static void sd_finish(struct cg_ctx *ctx)
{
  if (hold_w < 0) return;
  specw_addf(ctx->w, "cgroup.hold", "%d", cg_hand_fd(ctx, hold_w, "the scope holder's pipe"));
  hold_w = -1;
}

const struct cg_driver cg_systemd = {.name = "systemd",
                                     .record = sd_record,
                                     .resolve = sd_resolve,
                                     .setup = sd_setup,
                                     .create = sd_create,
                                     .finish = sd_finish};
