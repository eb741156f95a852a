/* oci-ps: the processes of a container (runc ps): the host pids listed in
   its cgroup and the cgroups below it, as a JSON array, or the lines of the
   host's ps(1) for those pids, header kept. A lifecycle program. See
   oci-ps(8). */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cgres.h"
#include "die.h"
#include "fd.h"
#include "spec.h"
#include "stage.h"
#include "state.h"

#define USAGE "oci-ps [--root=DIR] [--format=table|json] ID [PS-ARGS...]"

static long *pids;
static size_t npid, cap;

static void add_pid(long p)
{
  for (size_t i = 0; i < npid; i++)
    if (pids[i] == p) return;
  if (npid == cap) {
    long *more = realloc(pids, (cap = cap ? cap * 2 : 64) * sizeof *pids);
    if (!more) die_sys(EXIT_SYSFAIL, "allocate memory");
    pids = more;
  }
  pids[npid++] = p;
}

/* cgroup.procs of dir and of every cgroup below it (exec --cgroup) */
static void walk(const char *dir, int depth)
{
  char *path = xasprintf("%s/cgroup.procs", dir), *text, *save;
  int fd = open(path, O_RDONLY | O_CLOEXEC);
  DIR *d;
  struct dirent *e;
  if (fd < 0) {
    if (errno == ENOENT && depth == 0) return free(path); /* gone with the container */
    die_sys(EXIT_SYSFAIL, "open %s", path);
  }
  if (!(text = fd_slurp(fd, NULL))) die_sys(EXIT_SYSFAIL, "read %s", path);
  close(fd);
  free(path);
  for (char *t = strtok_r(text, "\n", &save); t; t = strtok_r(NULL, "\n", &save)) add_pid(atol(t));
  free(text);
  if (depth > 64 || !(d = opendir(dir))) return;
  while ((e = readdir(d)))
    if (e->d_type == DT_DIR && strcmp(e->d_name, ".") && strcmp(e->d_name, "..")) {
      char *sub = xasprintf("%s/%s", dir, e->d_name);
      walk(sub, depth + 1);
      free(sub);
    }
  closedir(d);
}

static int has_pid(long p)
{
  for (size_t i = 0; i < npid; i++)
    if (pids[i] == p) return 1;
  return 0;
}

/* ps(1) with args (default -ef); its lines whose PID column is ours */
static int table(char **args)
{
  int p[2], st;
  pid_t child;
  char *out, *save, *line;
  size_t col = 0;
  if (pipe2(p, O_CLOEXEC) < 0) die_sys(EXIT_SYSFAIL, "pipe");
  if ((child = fork()) < 0) die_sys(EXIT_SYSFAIL, "fork");
  if (child == 0) {
    size_t n = 0;
    while (args[n]) n++;
    char **av = calloc(n + 2, sizeof *av);
    if (!av || dup2(p[1], 1) < 0) _exit(EXIT_SYSFAIL);
    av[0] = "ps";
    if (n)
      memcpy(av + 1, args, n * sizeof *av);
    else
      av[1] = "-ef";
    execvp("ps", av);
    fprintf(stderr, "%s: exec ps: %s\n", prog, strerror(errno));
    _exit(errno == ENOENT ? EXIT_NOTFOUND : EXIT_NOEXEC);
  }
  close(p[1]);
  out = fd_slurp(p[0], NULL);
  close(p[0]);
  if (waitpid(child, &st, 0) < 0) die_sys(EXIT_SYSFAIL, "wait for ps");
  if (!out) die_sys(EXIT_SYSFAIL, "read ps output");
  if (!WIFEXITED(st) || WEXITSTATUS(st))
    die(EXIT_SYSFAIL, "ps: exit status %d", WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st));
  line = strtok_r(out, "\n", &save);
  if (!line) die(EXIT_SYSFAIL, "ps: no output");
  /* the header's PID column, counted in blank-separated fields */
  {
    char *h = xasprintf("%s", line), *s2;
    size_t i = 0;
    int found = 0;
    for (char *f = strtok_r(h, " \t", &s2); f && !found; f = strtok_r(NULL, " \t", &s2), i++)
      if (!strcmp(f, "PID")) col = i, found = 1;
    free(h);
    if (!found) die(EXIT_BADINPUT, "couldn't find PID field in ps output");
  }
  printf("%s\n", line);
  for (line = strtok_r(NULL, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
    char *l = xasprintf("%s", line), *s2, *f = strtok_r(l, " \t", &s2);
    for (size_t i = 0; f && i < col; i++) f = strtok_r(NULL, " \t", &s2);
    if (f && has_pid(atol(f))) printf("%s\n", line);
    free(l);
  }
  free(out);
  return fflush(stdout) == 0 ? 0 : EXIT_SYSFAIL;
}

int main(int argc, char **argv)
{
  static const struct option longopts[] = {
      {"root", required_argument, 0, 'r'}, {"format", required_argument, 0, 'f'}, {0, 0, 0, 0}};
  const char *root = "/run/runc", *format = "table", *id;
  struct cgres_hier h[64];
  const struct cgres_hier *f;
  struct cstate st;
  struct spec sp;
  size_t n;
  int opt;

  stage_init("oci-ps");
  while ((opt = getopt_long(argc, argv, "+r:f:", longopts, NULL)) != -1) switch (opt) {
      case 'r': root = optarg; break;
      case 'f': format = optarg; break;
      default: die_usage(USAGE);
    }
  argv += optind;
  if (!argv[0]) die_usage(USAGE);
  id = argv[0];
  if (strcmp(format, "table") && strcmp(format, "json"))
    die(EXIT_BADINPUT, "invalid format option: %s", format);
  xstate_load(root, id, &st);
  if (state_spec(st.dir, &sp) < 0) die_sys(EXIT_SYSFAIL, "read %s/spec", st.dir);
  n = cgres_dirs(&sp, h, sizeof h / sizeof *h);
  if (!n) die(EXIT_BADINPUT, "container %s has no cgroups", id); /* rootless: none the user could make */
  /* every process of the container is in each of its cgroups: one will do */
  if ((f = cgres_freezer(h, n)) || (n && (f = &h[0]))) walk(f->dir, 0);
  if (!strcmp(format, "json")) {
    if (argv[1]) die(EXIT_BADINPUT, "ps arguments are not allowed with --format json");
    putchar('[');
    for (size_t i = 0; i < npid; i++) printf("%s%ld", i ? "," : "", pids[i]);
    puts("]");
    return fflush(stdout) == 0 ? 0 : EXIT_SYSFAIL;
  }
  return table(argv + 1);
}
