/* oci-state: print a container's state (runc state), or every container's
   (runc list, with --list). The status is derived from the process, never
   taken from the file. A lifecycle program, not a stage. See oci-state(8). */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "die.h"
#include "fd.h"
#include "spec.h"
#include "stage.h"
#include "state.h"

#define USAGE "oci-state [--root=DIR] ID | oci-state [--root=DIR] --list [--format=table|json] [--quiet]"

static const char *root = "/run/runc";

/* a raw token of state.json, or a default */
static void raw(FILE *f, const char *json, const char *key, const char *dflt)
{
  size_t n;
  const char *v = state_raw(json, key, &n);
  if (v)
    fwrite(v, 1, n, f);
  else
    fputs(dflt, f);
}

/* The owner of a state dir as runc's list names it: the user name of its
   uid from /etc/passwd, else "#UID". */
static char *owner_of(const char *dir)
{
  struct stat sb;
  char *text, *line, *save = NULL, *name = NULL;
  size_t len;
  int fd;
  if (stat(dir, &sb) < 0) return xasprintf("%s", "");
  if ((fd = open("/etc/passwd", O_RDONLY | O_CLOEXEC)) >= 0) {
    if ((text = fd_slurp(fd, &len))) {
      for (line = strtok_r(text, "\n", &save); line && !name; line = strtok_r(NULL, "\n", &save)) {
        char *c1 = strchr(line, ':'), *c2 = c1 ? strchr(c1 + 1, ':') : NULL;
        if (c2 && strtoul(c2 + 1, NULL, 10) == sb.st_uid && c2[1] >= '0' && c2[1] <= '9')
          name = xasprintf("%.*s", (int)(c1 - line), line);
      }
      free(text);
    }
    close(fd);
  }
  return name ? name : xasprintf("#%u", (unsigned)sb.st_uid);
}

/* one state object as runc prints it: indented by ind spaces (runc state),
   or on one line (ind < 0: runc list --format json, with the owner) */
static void print_state(FILE *f, struct cstate *st, int ind)
{
  struct spec sp;
  int one = ind < 0;
  const char *nl = one ? "" : "\n", *sep = one ? "," : ",\n";
  if (one) ind = 0;
  fprintf(f, "%*s{%s", ind, "", nl);
#define KEY(k) (one ? fprintf(f, "\"%s\":", k) : fprintf(f, "%*s  \"%s\": ", ind, "", k))
  KEY("ociVersion"), raw(f, st->json, "ociVersion", "\"\""), fputs(sep, f);
  KEY("id"), raw(f, st->json, "id", "\"\""), fputs(sep, f);
  KEY("pid"), fprintf(f, "%d%s", (int)st->pid, sep);
  KEY("status"), fprintf(f, "\"%s\"%s", st->status, sep);
  KEY("bundle"), raw(f, st->json, "bundle", "\"\""), fputs(sep, f);
  KEY("rootfs"), raw(f, st->json, "rootfs", "\"\""), fputs(sep, f);
  KEY("created"), raw(f, st->json, "created", "\"\""), fputs(sep, f);
  if (state_spec_of(st, &sp) == 0) {
    const struct rec *r = NULL;
    int first = 1;
    while ((r = spec_next(&sp, "annotation", r))) {
      char k[4096], v[16384];
      if (r->nf != 3) continue;
      json_escape_str(k, sizeof k, r->f[1]);
      json_escape_str(v, sizeof v, r->f[2]);
      if (first) KEY("annotations"), fprintf(f, "{%s", nl);
      if (one)
        fprintf(f, "%s\"%s\":\"%s\"", first ? "" : ",", k, v);
      else
        fprintf(f, "%s%*s    \"%s\": \"%s\"", first ? "" : ",\n", ind, "", k, v);
      first = 0;
    }
    if (!first) one ? fprintf(f, "}%s", sep) : fprintf(f, "\n%*s  },\n", ind, "");
    spec_free(&sp);
  }
  if (one) {
    char *o = owner_of(st->dir), e[1024];
    json_escape_str(e, sizeof e, o);
    KEY("owner"), fprintf(f, "\"%s\"", e);
    free(o);
  } else {
    KEY("owner"), raw(f, st->json, "owner", "\"\""), fputs("\n", f);
  }
#undef KEY
  fprintf(f, "%*s}", ind, "");
}

static int cmp(const void *a, const void *b) { return strcmp(*(char *const *)a, *(char *const *)b); }

/* runc list's table: columns as wide as their widest cell plus 3, at
   least 12 (Go's tabwriter with runc's settings) */
static void table(char *const *cells, size_t rows)
{
  size_t w[6] = {0};
  for (size_t r = 0; r < rows; r++)
    for (int c = 0; c < 6; c++)
      if (strlen(cells[r * 6 + c]) + 3 > w[c]) w[c] = strlen(cells[r * 6 + c]) + 3;
  for (size_t r = 0; r < rows; r++) {
    for (int c = 0; c < 5; c++) printf("%-*s", (int)(w[c] < 12 ? 12 : w[c]), cells[r * 6 + c]);
    printf("%s\n", cells[r * 6 + 5]);
  }
}

static char *token(const char *json, const char *key)
{
  size_t l;
  const char *v = state_raw(json, key, &l);
  if (!v || l < 2) return xasprintf("%s", "");
  return xasprintf("%.*s", (int)(l - 2), v + 1);
}

static int list(const char *format, int quiet)
{
  DIR *d = opendir(root);
  struct dirent *e;
  char **ids = NULL, **cells;
  size_t n = 0, cap = 0, rows = 1, shown = 0;
  int json = !strcmp(format, "json") && !quiet; /* runc: --quiet wins */

  if (!d && errno != ENOENT) die_sys(EXIT_SYSFAIL, "open %s", root);
  while (d && (e = readdir(d))) {
    if (e->d_name[0] == '.' || !state_valid_id(e->d_name)) continue;
    if (n == cap) {
      char **more = realloc(ids, (cap = cap ? cap * 2 : 16) * sizeof *ids);
      if (!more) die_sys(EXIT_SYSFAIL, "allocate");
      ids = more;
    }
    ids[n++] = xasprintf("%s", e->d_name);
  }
  if (d) closedir(d);
  if (n) qsort(ids, n, sizeof *ids, cmp);
  if (!(cells = calloc((n + 1) * 6, sizeof *cells))) die_sys(EXIT_SYSFAIL, "allocate");
  static const char *const head[] = {"ID", "PID", "STATUS", "BUNDLE", "CREATED", "OWNER"};
  for (int c = 0; c < 6; c++) cells[c] = xasprintf("%s", head[c]);
  /* runc: json.Encoder, one line; a nil slice (no container) is null */
  for (size_t i = 0; i < n; i++) {
    struct cstate st;
    if (state_load(root, ids[i], &st) < 0) continue; /* being created or deleted */
    if (quiet) {
      printf("%s\n", ids[i]);
    } else if (json) {
      fputs(shown++ ? "," : "[", stdout);
      print_state(stdout, &st, -1);
    } else {
      char **row = cells + rows++ * 6;
      row[0] = xasprintf("%s", ids[i]);
      row[1] = xasprintf("%d", (int)st.pid);
      row[2] = xasprintf("%s", st.status);
      row[3] = token(st.json, "bundle");
      row[4] = token(st.json, "created");
      row[5] = owner_of(st.dir);
    }
    state_free(&st);
  }
  if (json) fputs(shown ? "]\n" : "null\n", stdout);
  if (!json && !quiet) table(cells, rows);
  for (size_t i = 0; i < rows * 6; i++) free(cells[i]);
  free(cells);
  for (size_t i = 0; i < n; i++) free(ids[i]);
  free(ids);
  return die_status(fflush(stdout) == 0 ? 0 : EXIT_SYSFAIL);
}

int main(int argc, char **argv)
{
  static const struct option longopts[] = {{"root", required_argument, 0, 'r'},
                                           {"list", no_argument, 0, 'l'},
                                           {"format", required_argument, 0, 'f'},
                                           {"quiet", no_argument, 0, 'q'},
                                           {0, 0, 0, 0}};
  const char *format = "table";
  int opt, listing = 0, quiet = 0;
  struct cstate st;

  stage_init("oci-state");
  while ((opt = getopt_long(argc, argv, "+r:lf:q", longopts, NULL)) != -1) switch (opt) {
      case 'r': root = optarg; break;
      case 'l': listing = 1; break;
      case 'f': format = optarg; break;
      case 'q': quiet = 1; break;
      default: die_usage(USAGE);
    }
  argv += optind;
  if (listing) {
    if (argv[0]) die_usage(USAGE);
    if (strcmp(format, "table") && strcmp(format, "json"))
      die(EXIT_BADINPUT, "invalid format option: %s", format);
    return list(format, quiet);
  }
  if (!argv[0] || argv[1]) die_usage(USAGE);
  xstate_load(root, argv[0], &st);
  print_state(stdout, &st, 0);
  fputs("\n", stdout);
  state_free(&st);
  return die_status(fflush(stdout) == 0 ? 0 : EXIT_SYSFAIL);
}
