/* oci-add: append one record to the spec and chain-load the rest of argv,
   for a shell stage (oci-add(8)): `oci-add env A=1 -- "$@"`. The record
   must be one a stage still ahead reads (its first reader's name is a word
   after the "--"), of a curated set: never a pipeline or stage-owned
   record. The old text stays byte for byte; the new memfd is sealed. */
#include <stdlib.h>
#include <string.h>

#include "cgres.h"
#include "chain.h"
#include "die.h"
#include "names.h"
#include "spec.h"
#include "stage.h"

#define USAGE "oci-add KEY [FIELD]... -- PROG [ARG]..."

/* What may be added, where: the stage that first reads the key in a run
   (or create) chain, and in an exec chain (NULL: not in exec mode). nf
   counts the key; max 0 means no upper bound. */
static const struct addable {
  const char *key;
  int prefix; /* key is a prefix ("cgroup.memory.") */
  unsigned nf, max;
  const char *run, *exec;
} table[] = {
    {"cap.bounding", 0, 2, 2, "oci-secure", "oci-secure"},
    {"cap.effective", 0, 2, 2, "oci-secure", "oci-secure"},
    {"cap.permitted", 0, 2, 2, "oci-secure", "oci-secure"},
    {"cap.inheritable", 0, 2, 2, "oci-secure", "oci-secure"},
    {"cap.ambient", 0, 2, 2, "oci-secure", "oci-secure"},
    {"cgroup.memory.", 1, 0, 0, "oci-cgroup", NULL}, /* fields: cgres_record */
    {"cgroup.cpu.", 1, 0, 0, "oci-cgroup", NULL},
    {"cgroup.pids.limit", 0, 0, 0, "oci-cgroup", NULL},
    {"cgroup.blkio.", 1, 0, 0, "oci-cgroup", NULL},
    {"cgroup.hugetlb", 0, 0, 0, "oci-cgroup", NULL},
    {"cgroup.net.", 1, 0, 0, "oci-cgroup", NULL},
    {"cgroup.rdma", 0, 0, 0, "oci-cgroup", NULL},
    {"cgroup.device", 0, 0, 0, "oci-cgroup", NULL},
    {"cgroup.unified", 0, 0, 0, "oci-cgroup", NULL},
    {"mount", 0, 6, 6, "oci-ns", NULL}, /* oci-ns opens bind sources (user namespace) */
    {"hostname", 0, 2, 2, "oci-ns", NULL},
    {"domainname", 0, 2, 2, "oci-ns", NULL},
    {"sysctl", 0, 3, 3, "oci-ns", NULL},
    {"annotation", 0, 3, 3, "oci-ns", NULL}, /* the monitor writes the state */
    {"hook", 0, 5, 0, "oci-ns", NULL},       /* the monitor runs prestart, saves the spec */
    {"device", 0, 8, 8, "oci-mount", NULL},
    {"symlink", 0, 3, 3, "oci-mount", NULL},
    {"mask", 0, 2, 2, "oci-mount", NULL},
    {"readonly", 0, 2, 2, "oci-mount", NULL},
    {"env", 0, 2, 2, "oci-exec", "oci-exec"},
    {"arg", 0, 2, 2, "oci-exec", "oci-exec"},
    {"rlimit", 0, 4, 4, "oci-exec", "oci-exec"},
    {"process.cwd", 0, 2, 2, "oci-exec", "oci-exec"},
    {"process.user", 0, 3, 3, "oci-exec", "oci-exec"},
    {"process.groups", 0, 2, 2, "oci-exec", "oci-exec"},
    {"process.umask", 0, 2, 2, "oci-exec", "oci-exec"},
    {"process.nnp", 0, 2, 2, "oci-exec", "oci-exec"},
    {"process.oomscoreadj", 0, 2, 2, "oci-exec", "oci-ns"}, /* an exec: oci-ns sets it through the pidfd */
};

static const struct addable *lookup(const char *key)
{
  for (size_t i = 0; i < sizeof table / sizeof *table; i++) {
    size_t n = strlen(table[i].key);
    if (table[i].prefix ? !strncmp(key, table[i].key, n) && key[n] : !strcmp(key, table[i].key))
      return &table[i];
  }
  return NULL;
}

/* Is a word of the chain (argv after "--") the stage NAME, by basename? */
static int ahead(char **chain, const char *name)
{
  for (; *chain; chain++) {
    const char *b = strrchr(*chain, '/');
    if (!strcmp(b ? b + 1 : *chain, name)) return 1;
  }
  return 0;
}

/* Does this absolute path name "/" (only ".", ".." and empty components)? */
static int is_root(const char *p)
{
  for (size_t n; *p; p += n) {
    p += strspn(p, "/");
    n = strcspn(p, "/");
    if (n && !(n == 1 && p[0] == '.') && !(n == 2 && p[0] == '.' && p[1] == '.')) return 0;
  }
  return 1;
}

/* The checks of what no stage would catch before it acts, or would catch
   only after something exists. f[0] is the key. */
static void check_fields(const struct addable *a, char **f, unsigned nf)
{
  const char *k = f[0];
  if (a->nf && (nf < a->nf || (a->max && nf > a->max)))
    die(EXIT_BADINPUT, "%s: %u fields, %s %u", k, nf - 1, a->max == a->nf ? "needs" : "needs at least",
        a->nf - 1);
  if (!strcmp(k, "env")) {
    const char *eq = strchr(f[1], '=');
    if (!eq || eq == f[1]) die(EXIT_BADINPUT, "env: %s: not NAME=VALUE with a non-empty NAME", f[1]);
  } else if (!strcmp(k, "mount")) {
    struct mount_flags mf;
    if (f[1][0] != '/') die(EXIT_BADINPUT, "mount: destination %s is not absolute", f[1]);
    if (is_root(f[1])) die(EXIT_BADINPUT, "mount: destination %s is the container's root", f[1]);
    if (!*f[2]) die(EXIT_BADINPUT, "mount: %s: empty type", f[1]);
    if (mount_flags_parse(f[4], &mf) < 0) die(EXIT_BADINPUT, "mount: %s: unknown option in %s", f[1], f[4]);
    if (mount_is_bind(f[2], &mf) && f[3][0] != '/')
      die(EXIT_BADINPUT, "mount: %s: bind source %s is not absolute", f[1], f[3]);
  } else if (!strcmp(k, "process.cwd") || !strcmp(k, "mask") || !strcmp(k, "readonly")) {
    if (f[1][0] != '/') die(EXIT_BADINPUT, "%s: %s is not absolute", k, f[1]);
  } else if (!strcmp(k, "symlink")) {
    if (f[2][0] != '/') die(EXIT_BADINPUT, "symlink: %s is not absolute", f[2]);
  } else if (!strcmp(k, "device")) {
    if (f[1][0] != '/') die(EXIT_BADINPUT, "device: %s is not absolute", f[1]);
  } else if (!strcmp(k, "hook")) {
    static const char *const kinds[] = {"prestart",       "createRuntime", "createContainer",
                                        "startContainer", "poststart",     "poststop"};
    long long n = stage_num(f[4], 1 << 20);
    size_t i = 0;
    while (i < sizeof kinds / sizeof *kinds && strcmp(f[1], kinds[i])) i++;
    if (i == sizeof kinds / sizeof *kinds) die(EXIT_BADINPUT, "hook: unknown kind %s", f[1]);
    if (f[2][0] != '/') die(EXIT_BADINPUT, "hook: %s is not absolute", f[2]);
    if (stage_num(f[3], 1 << 30) < 0) die(EXIT_BADINPUT, "hook: bad timeout %s", f[3]);
    if (n < 0 || n > (long long)nf - 5) die(EXIT_BADINPUT, "hook: bad argument count %s", f[4]);
  } else if (!strcmp(k, "rlimit")) {
    if (strncmp(f[1], "RLIMIT_", 7)) die(EXIT_BADINPUT, "rlimit: %s is not an RLIMIT_ name", f[1]);
  }
}

int main(int argc, char **argv)
{
  struct spec sp;
  struct specw w;
  const struct addable *a;
  char **chain;
  int i, nf;

  stage_init("oci-add");
  for (i = 1; i < argc && strcmp(argv[i], "--"); i++) {
  }
  if (i >= argc - 1) die_usage(USAGE);
  chain = argv + i + 1;
  nf = i - 1; /* the key and its fields */
  stage_read(&sp);
  if (!nf) chain_exec(&sp, chain); /* oci-add -- PROG: the stage-directory lookup alone */

  const char *key = argv[1], *mode = spec_get(&sp, "run.mode");
  int exec = mode && !strcmp(mode, "exec");
  if (!(a = lookup(key))) die(EXIT_BADINPUT, "%s: not a record a stage may add", key);
  if (exec && !a->exec) die(EXIT_BADINPUT, "%s: not a record an exec may add (run.mode exec)", key);
  const char *reader = exec ? a->exec : a->run;
  if (!ahead(chain, reader))
    die(EXIT_BADINPUT, "%s: no %s ahead in the chain (%s %s record must be added before %s)", key, reader,
        strchr("aeiou", key[0]) ? "an" : "a", key, reader);
  check_fields(a, argv + 1, (unsigned)nf);

  if (specw_from(&w, &sp) < 0 || specw_addv(&w, key, (const char *const *)argv + 2, (size_t)nf - 1) < 0)
    die_sys(EXIT_SYSFAIL, "allocate memory");
  if (!strncmp(key, "cgroup.", 7)) {
    /* oci-cgroup's own check of the value, on the record as it will read it: the fields as given, on the
       line the record gets (the text ends with a newline: one line after the last) */
    struct cgres c = {0};
    struct rec r = {.f = argv + 1, .nf = (unsigned)nf, .line = 1};
    for (const char *p = sp.text; (p = memchr(p, '\n', (size_t)(sp.text + sp.len - p))); p++) r.line++;
    if (!cgres_record(&c, &r)) die(EXIT_BADINPUT, "%s: not a record a stage may add", key);
    cgres_free(&c);
  }
  if (spec_publish(&w, spec_fd()) < 0) die_sys(EXIT_SYSFAIL, "publish spec on fd %d", spec_fd());
  specw_free(&w);
  chain_exec(&sp, chain);
}
