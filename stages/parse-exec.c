/* parse-exec.c: oci-parse --mode=exec, the spec of `runc exec`. The
   container's state dir says what is container-wide (its root, seccomp
   profile, cgroups, namespaces, and the defaults of newInitConfig in runc:
   rlimits, LSM labels, oom score, capabilities); the process comes from
   --process FILE or from the bundle's config.json with --arg and the flag
   overrides of runc's getProcess. No state.dir record is ever written: a
   failed exec must not tear the container down. See oci-parse(8) and
   oci-spec(5), EXEC. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cgres.h"
#include "die.h"
#include "fd.h"
#include "json.h"
#include "names.h"
#include "parse-exec.h"
#include "stage.h"
#include "state.h"

/* the options, as given */
static struct {
  const char *process, *cwd, *user, *label, *apparmor;
  const char **args, **env, **gids, **caps, **cgroups;
  size_t nargs, nenv, ngids, ncaps, ncgroups;
  int nnp, tty, detach, ignpaused, any;
} o;

static struct cstate st;  /* the container */
static struct spec saved; /* its spec, as its monitor saw it */

static void push(const char ***list, size_t *n, const char *s)
{
  const char **l = realloc(*list, (*n + 1) * sizeof *l);
  if (!l) die_sys(EXIT_SYSFAIL, "allocate");
  l[(*n)++] = s;
  *list = l;
}

int exec_option(int opt, const char *arg)
{
  switch (opt) {
    case XO_PROCESS: o.process = arg; break;
    case XO_ARG: push(&o.args, &o.nargs, arg); break;
    case XO_CWD: o.cwd = arg; break;
    case XO_ENV: push(&o.env, &o.nenv, arg); break;
    case XO_USER: o.user = arg; break;
    case XO_GIDS: push(&o.gids, &o.ngids, arg); break;
    case XO_CAP: push(&o.caps, &o.ncaps, arg); break;
    case XO_NNP: o.nnp = 1; break;
    case XO_LABEL: o.label = arg; break;
    case XO_APPARMOR: o.apparmor = arg; break;
    case XO_TTY: o.tty = 1; break;
    case XO_DETACH: o.detach = 1; break;
    case XO_IGNPAUSED: o.ignpaused = 1; break;
    case XO_CGROUP: push(&o.cgroups, &o.ncgroups, arg); break;
    default: return 0;
  }
  o.any = 1;
  return 1;
}

int exec_options_given(void) { return o.any; }

void exec_load(const char *root, const char *id, char *bundle, size_t n)
{
  const char *b;
  if (!root) die(EXIT_BADINPUT, "--mode=exec needs --root (the container's state)");
  if (state_load(root, id, &st) < 0) {
    if (errno == ENOENT) die(EXIT_BADINPUT, "container does not exist: %s", id);
    die_sys(EXIT_SYSFAIL, "load the state of %s from %s", id, root);
  }
  if (!strcmp(st.status, "stopped")) die(EXIT_BADINPUT, "cannot exec in a stopped container");
  if (!strcmp(st.status, "paused") && !o.ignpaused)
    die(EXIT_BADINPUT, "cannot exec in a paused container (use --ignore-paused to override)");
  if (state_spec(st.dir, &saved) < 0) die_sys(EXIT_SYSFAIL, "read the spec of %s in %s", id, st.dir);
  if (!(b = spec_get(&saved, "state.bundle")) || strlen(b) >= n)
    die(EXIT_SYSFAIL, "%s/spec: no state.bundle record", st.dir);
  strcpy(bundle, b);
}

const char *exec_version(void)
{
  const char *v = spec_get(&saved, "oci.version");
  return v ? v : "1.2.0";
}

/* ---- the process ---------------------------------------------------------- */

static cJSON *obj(cJSON *parent, const char *key)
{
  cJSON *v = cJSON_GetObjectItemCaseSensitive(parent, key);
  if (cJSON_IsObject(v)) return v;
  if (v) json_die(key, "expected an object");
  if (!(v = cJSON_AddObjectToObject(parent, key))) die_sys(EXIT_SYSFAIL, "allocate");
  return v;
}

static cJSON *arr(cJSON *parent, const char *key, const char *path)
{
  cJSON *v = cJSON_GetObjectItemCaseSensitive(parent, key);
  if (cJSON_IsArray(v)) return v;
  if (v && !cJSON_IsNull(v)) json_die(json_path(path, key), "expected an array");
  cJSON_DeleteItemFromObjectCaseSensitive(parent, key);
  if (!(v = cJSON_AddArrayToObject(parent, key))) die_sys(EXIT_SYSFAIL, "allocate");
  return v;
}

static void set(cJSON *parent, const char *key, cJSON *v)
{
  if (!v) die_sys(EXIT_SYSFAIL, "allocate");
  if (cJSON_GetObjectItemCaseSensitive(parent, key))
    cJSON_ReplaceItemInObjectCaseSensitive(parent, key, v);
  else
    cJSON_AddItemToObject(parent, key, v);
}

/* A process without capabilities gets the container's (runc's
   finalizeNamespace falls back to the config's). */
static void caps_from_container(cJSON *p)
{
  static const char *const sets[] = {"bounding", "effective", "permitted", "inheritable", "ambient"};
  cJSON *caps;
  if (cJSON_GetObjectItemCaseSensitive(p, "capabilities")) return;
  caps = obj(p, "capabilities");
  for (int k = 0; k < 5; k++) {
    char key[32], *list, *save = NULL, *t;
    const char *v;
    cJSON *a;
    snprintf(key, sizeof key, "cap.%s", sets[k]);
    /* an empty set stays absent, as in Go (nil): ambient follows inheritable */
    if (!(v = spec_get(&saved, key)) || !*v) continue;
    if (!(a = cJSON_AddArrayToObject(caps, sets[k])) || !(list = strdup(v)))
      die_sys(EXIT_SYSFAIL, "allocate");
    for (t = strtok_r(list, ",", &save); t; t = strtok_r(NULL, ",", &save))
      cJSON_AddItemToArray(a, cJSON_CreateString(t));
    free(list);
  }
}

/* UID[:GID], decimal, as runc 1.1 takes it */
static void set_user(cJSON *p)
{
  cJSON *u = obj(p, "user");
  char *end;
  unsigned long long uid, gid;
  errno = 0;
  uid = strtoull(o.user, &end, 10);
  if (end == o.user || (*end && *end != ':') || errno || uid > 0xfffffffeULL || *o.user == '-')
    die(EXIT_BADINPUT, "--user %s: expected UID[:GID] (numbers)", o.user);
  set(u, "uid", cJSON_CreateNumber((double)uid));
  if (*end == ':') {
    const char *g = end + 1;
    gid = strtoull(g, &end, 10);
    if (end == g || *end || errno || gid > 0xfffffffeULL || *g == '-')
      die(EXIT_BADINPUT, "--user %s: expected UID[:GID] (numbers)", o.user);
    set(u, "gid", cJSON_CreateNumber((double)gid));
  }
}

/* -e K=V: as runc's os.Setenv over the process env, a key already there
   gets the new value in its place, a new one is appended */
static void set_env(cJSON *p)
{
  cJSON *env = arr(p, "env", "process"), *e;
  for (size_t i = 0; i < o.nenv; i++) {
    const char *eq = strchr(o.env[i], '=');
    size_t kl;
    int done = 0;
    if (!eq || eq == o.env[i]) die(EXIT_BADINPUT, "--env %s: expected KEY=VALUE", o.env[i]);
    kl = (size_t)(eq - o.env[i]) + 1;
    cJSON_ArrayForEach(e, env) if (cJSON_IsString(e) && !strncmp(e->valuestring, o.env[i], kl))
    {
      if (!cJSON_SetValuestring(e, o.env[i])) die_sys(EXIT_SYSFAIL, "allocate");
      done = 1;
    }
    if (!done) cJSON_AddItemToArray(env, cJSON_CreateString(o.env[i]));
  }
}

static void add_caps(cJSON *p)
{
  static const char *const sets[] = {"bounding", "effective", "permitted"};
  cJSON *caps = obj(p, "capabilities");
  int inh = cJSON_GetObjectItemCaseSensitive(caps, "inheritable") != NULL;
  for (size_t i = 0; i < o.ncaps; i++) {
    for (int k = 0; k < 3; k++)
      cJSON_AddItemToArray(arr(caps, sets[k], "process.capabilities"), cJSON_CreateString(o.caps[i]));
    /* ambient needs inheritable, which --cap does not set: only when the
       process already has an inheritable set (runc's rule) */
    if (inh)
      cJSON_AddItemToArray(arr(caps, "ambient", "process.capabilities"), cJSON_CreateString(o.caps[i]));
  }
}

cJSON *exec_process(const char *bundle)
{
  cJSON *p, *cfg;
  if (o.process) {
    int fd = open(o.process, O_RDONLY | O_CLOEXEC);
    size_t len;
    char *text;
    if (o.nargs) die(EXIT_BADINPUT, "--process %s and a command line are exclusive", o.process);
    if (fd < 0) die_sys(EXIT_BADINPUT, "open %s", o.process);
    if (!(text = fd_slurp(fd, &len))) die_sys(EXIT_SYSFAIL, "read %s", o.process);
    close(fd);
    json_file = o.process;
    p = xjson_parse(text, len);
    free(text);
    if (!cJSON_IsObject(p)) json_die(NULL, "expected a JSON object (a runtime-spec process)");
    if (o.tty) set(p, "terminal", cJSON_CreateTrue());
  } else {
    const char *ver;
    cJSON *c, *a;
    if (!o.nargs) die(EXIT_BADINPUT, "process args cannot be empty");
    c = config_load(bundle, &ver);
    p = cJSON_DetachItemFromObjectCaseSensitive(c, "process");
    cJSON_Delete(c);
    if (!cJSON_IsObject(p)) json_die("process", "missing");
    if (!(a = cJSON_CreateStringArray(o.args, (int)o.nargs))) die_sys(EXIT_SYSFAIL, "allocate");
    set(p, "args", a);
    /* runc exec: a terminal only with -t, whatever the config says */
    set(p, "terminal", cJSON_CreateBool(o.tty));
  }
  caps_from_container(p);
  if (o.cwd) set(p, "cwd", cJSON_CreateString(o.cwd));
  if (o.nenv) set_env(p);
  if (o.user) set_user(p);
  for (size_t i = 0; i < o.ngids; i++) {
    long long g = stage_num(o.gids[i], 0xfffffffeLL);
    if (g < 0) die(EXIT_BADINPUT, "--additional-gids %s: expected a group id", o.gids[i]);
    cJSON_AddItemToArray(arr(obj(p, "user"), "additionalGids", "process.user"),
                         cJSON_CreateNumber((double)g));
  }
  if (o.ncaps) add_caps(p);
  if (o.nnp) set(p, "noNewPrivileges", cJSON_CreateTrue());
  if (o.apparmor) set(p, "apparmorProfile", cJSON_CreateString(o.apparmor));
  if (o.label) set(p, "selinuxLabel", cJSON_CreateString(o.label));
  if (!(cfg = cJSON_CreateObject())) die_sys(EXIT_SYSFAIL, "allocate");
  cJSON_AddItemToObject(cfg, "process", p);
  return cfg;
}

/* ---- records ---------------------------------------------------------------- */

static void copy(struct specw *w, const struct rec *r)
{
  if (specw_addv(w, r->f[0], (const char *const *)r->f + 1, r->nf - 1) < 0) die_sys(EXIT_SYSFAIL, "allocate");
}

static void copy_all(struct specw *w, const char *key)
{
  for (const struct rec *r = NULL; (r = spec_next(&saved, key, r));) copy(w, r);
}

/* The defaults of runc's newInitConfig: what the process leaves unset is
   the container's. */
static void defaults(struct specw *w, const cJSON *p)
{
  const cJSON *v = cJSON_GetObjectItemCaseSensitive(p, "apparmorProfile");
  if (!cJSON_IsString(v) || !*v->valuestring) copy_all(w, "process.apparmor");
  v = cJSON_GetObjectItemCaseSensitive(p, "selinuxLabel");
  if (!cJSON_IsString(v) || !*v->valuestring) copy_all(w, "process.selinux");
  if (!cJSON_IsNumber(cJSON_GetObjectItemCaseSensitive(p, "oomScoreAdj"))) copy_all(w, "process.oomscoreadj");
  /* runc's newInitConfig: the process's scheduler, I/O priority and CPU affinity, else the container's */
  if (!cJSON_IsObject(cJSON_GetObjectItemCaseSensitive(p, "scheduler"))) copy_all(w, "process.scheduler");
  if (!cJSON_IsObject(cJSON_GetObjectItemCaseSensitive(p, "ioPriority"))) copy_all(w, "process.ioprio");
  if (!cJSON_IsObject(cJSON_GetObjectItemCaseSensitive(p, "execCPUAffinity")))
    copy_all(w, "process.cpuaffinity");
  v = cJSON_GetObjectItemCaseSensitive(p, "rlimits");
  if (!cJSON_IsArray(v) || !v->child) copy_all(w, "rlimit");
}

/* The container's cgroups as created: the last cgroup.dir of each
   hierarchy, which oci-cgroup's exec mode joins. */
struct hier {
  const char *name, *dir, *sub, *arg;
};

static int names_ctrl(const char *hier, const char *ctrl)
{
  size_t n = strlen(ctrl);
  for (const char *p = hier; *p;) {
    size_t l = strcspn(p, ",");
    if (l == n && !strncmp(p, ctrl, n)) return 1;
    p += l + (p[l] == ',');
  }
  return 0;
}

/* --cgroup [CTRL[,CTRL]:]PATH: an existing sub-cgroup of the container's,
   per controller or (no prefix) in every hierarchy, as runc 1.1 takes it */
static void sub_cgroups(struct specw *w)
{
  struct hier *h = calloc(saved.nrec + 1, sizeof *h);
  struct cgres_hier *ch = calloc(saved.nrec + 1, sizeof *ch);
  size_t nh;
  if (!h || !ch) die_sys(EXIT_SYSFAIL, "allocate");
  nh = cgres_dirs(&saved, ch, saved.nrec + 1);
  for (size_t i = 0; i < nh; i++) h[i].name = ch[i].name, h[i].dir = ch[i].dir;
  free(ch);
  for (size_t k = 0; k < o.ncgroups; k++) {
    const char *arg = o.cgroups[k], *colon = strchr(arg, ':'), *path = colon ? colon + 1 : arg;
    char *ctrls = colon ? strndup(arg, (size_t)(colon - arg)) : NULL, *save = NULL, *c;
    if (colon && strchr(colon + 1, ':')) die(EXIT_BADINPUT, "invalid --cgroup argument: %s", arg);
    if (!colon && o.ncgroups != 1)
      die(EXIT_BADINPUT, "invalid --cgroup argument: %s (missing <controller>: prefix)", arg);
    if (colon == arg) die(EXIT_BADINPUT, "--cgroup %s: empty controller", arg);
    while (*path == '/') path++;
    if (!*path) die(EXIT_BADINPUT, "--cgroup %s: empty sub-cgroup path", arg);
    for (const char *p = path; *p;) {
      size_t l = strcspn(p, "/");
      if ((l == 2 && !strncmp(p, "..", 2)) || (l == 1 && *p == '.'))
        die(EXIT_BADINPUT, "--cgroup %s: the path must stay under the container's cgroup", arg);
      p += l + (p[l] == '/');
    }
    if (!colon) { /* the only one: every hierarchy */
      for (size_t i = 0; i < nh; i++) h[i].sub = path, h[i].arg = arg;
      continue;
    }
    for (c = strtok_r(ctrls, ",", &save); c; c = strtok_r(NULL, ",", &save)) {
      int found = 0;
      for (size_t i = 0; i < nh; i++)
        if (names_ctrl(h[i].name, c)) {
          if (h[i].sub && strchr(h[i].arg, ':'))
            die(EXIT_BADINPUT, "--cgroup %s: controller %s specified multiple times", arg, c);
          h[i].sub = path;
          h[i].arg = arg;
          found = 1;
        }
      if (!found) die(EXIT_BADINPUT, "--cgroup %s: the container has no %s cgroup", arg, c);
    }
    free(ctrls);
  }
  for (size_t i = 0; i < nh; i++) {
    char full[PATH_MAX], real[PATH_MAX], base[PATH_MAX];
    struct stat sb;
    size_t bl;
    if (!h[i].sub) continue;
    if ((size_t)snprintf(full, sizeof full, "%s/%s", h[i].dir, h[i].sub) >= sizeof full)
      die(EXIT_BADINPUT, "--cgroup %s: name too long", h[i].arg);
    if (stat(full, &sb) < 0) die_sys(EXIT_BADINPUT, "--cgroup %s: %s", h[i].arg, full);
    if (!S_ISDIR(sb.st_mode)) die(EXIT_BADINPUT, "--cgroup %s: %s is not a cgroup", h[i].arg, full);
    if (!realpath(full, real) || !realpath(h[i].dir, base))
      die_sys(EXIT_SYSFAIL, "--cgroup %s: resolve %s", h[i].arg, full);
    bl = strlen(base);
    if (strncmp(real, base, bl) || real[bl] != '/')
      die(EXIT_BADINPUT, "--cgroup %s: %s is not under the container's cgroup %s", h[i].arg, full, h[i].dir);
    if (specw_add(w, "cgroup.dir", h[i].name, real, "existing", (char *)NULL) < 0)
      die_sys(EXIT_SYSFAIL, "allocate");
  }
  free(h);
}

/* every namespace the container has, joined through its init */
static void namespaces(struct specw *w)
{
  for (const struct rec *r = NULL; (r = spec_next(&saved, NULL, r));) {
    const struct nsinfo *ns;
    char path[64];
    if ((strcmp(r->f[0], "ns.new") && strcmp(r->f[0], "ns.join")) || r->nf < 2) continue;
    if (!(ns = ns_find(r->f[1])))
      die(EXIT_SYSFAIL, "%s/spec line %u: unknown namespace %s", st.dir, r->line, r->f[1]);
    snprintf(path, sizeof path, "/proc/%d/ns/%s", (int)st.pid, ns->proc);
    if (specw_add(w, "ns.join", ns->oci, path, (char *)NULL) < 0) die_sys(EXIT_SYSFAIL, "allocate");
  }
}

void exec_records(struct specw *w, const cJSON *cfg, int consock)
{
  const cJSON *p = cJSON_GetObjectItemCaseSensitive(cfg, "process");
  static const char *const keep[] = {"root.path",  "root.readonly",   "root.pivot",
                                     "annotation", "process.keyring", "process.personality"};
  const char *t;
  size_t len;
  char pid[32], start[32];
  int term = 0;

  xjson_bool(p, "terminal", "process", &term); /* "yes" is an error, not false */

  /* runc: a terminal must go somewhere once runc is gone, and a console
     socket only serves a detached exec with a terminal */
  if (o.detach && term && !consock)
    die(EXIT_BADINPUT, "cannot allocate tty if runc will detach without setting console socket");
  if ((!o.detach || !term) && consock)
    die(EXIT_BADINPUT, "cannot use console socket if runc will not detach or allocate tty");

  snprintf(pid, sizeof pid, "%d", (int)st.pid);
  t = state_raw(st.json, "init_start_time", &len);
  snprintf(start, sizeof start, "%.*s", t ? (int)len : 1, t ? t : "0");
  specw_add(w, "exec.pid", pid, (char *)NULL);
  specw_add(w, "exec.starttime", start, (char *)NULL);
  specw_add(w, "exec.detach", o.detach ? "1" : "0", (char *)NULL);
  for (size_t k = 0; k < sizeof keep / sizeof *keep; k++) copy_all(w, keep[k]);
  namespaces(w);
  for (const struct rec *r = NULL; (r = spec_next(&saved, NULL, r));)
    if (!strncmp(r->f[0], "seccomp.", 8)) copy(w, r);
  /* all "existing": nothing of the container's is ever this chain's to remove */
  for (const struct rec *r = NULL; (r = spec_next(&saved, "cgroup.dir", r));)
    if (r->nf == 4 && specw_add(w, "cgroup.dir", r->f[1], r->f[2], "existing", (char *)NULL) < 0)
      die_sys(EXIT_SYSFAIL, "allocate");
  copy_all(w, "cgroup.rootless"); /* a rootless container may have no cgroup.dir */
  sub_cgroups(w);
  parse_process(cfg);
  defaults(w, p);
}
