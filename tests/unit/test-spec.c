/* test-spec: the spec reader and writer (shared/spec.c, shared/specw.c). */
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "die.h"
#include "spec.h"
#include "tap.h"

/* What the --debug log got: the pipe's content so far. */
static const char *drain(int fd)
{
  static char buf[4096];
  ssize_t n = read(fd, buf, sizeof buf - 1);
  buf[n > 0 ? n : 0] = 0;
  return buf;
}

/* spec_publish's --debug account: "wrote the spec: N records" from nothing, then each line added since the
   text it started from or last published, as written; nothing without --debug. */
static void publish_log(void)
{
  struct specw w;
  struct spec sp;
  unsigned line;
  int p[2];

  if (pipe2(p, O_NONBLOCK) < 0) return;
  prog = "t";
  specw_from(&w, NULL);
  specw_add(&w, "a", "1", (char *)NULL);
  specw_add(&w, "b", "x y", (char *)NULL);
  die_set_log(p[1], 0, 0);
  ok(spec_publish(&w, 9) == 0 && !*drain(p[0]), "no debug log: publish logs nothing");
  specw_free(&w);
  specw_from(&w, NULL);
  specw_add(&w, "a", "1", (char *)NULL);
  specw_add(&w, "b", "x y", (char *)NULL);
  die_set_log(p[1], 0, 1);
  ok(debug_enabled(), "debug_enabled with a debug log");
  ok(spec_publish(&w, 9) == 0 && !strcmp(drain(p[0]), "t: wrote the spec: 2 records\n"),
     "from nothing: the count");
  specw_free(&w);

  ok(spec_read(9, &sp, &line) == 0, "read the published spec");
  specw_from(&w, &sp);
  specw_add(&w, "c", "a b", (char *)NULL);
  specw_add(&w, "d", "", (char *)NULL);
  ok(spec_publish(&w, 9) == 0 && !strcmp(drain(p[0]), "t: added c a\\040b\nt: added d -\n"),
     "each record added, as written");
  specw_add(&w, "e", "5", (char *)NULL);
  ok(spec_publish(&w, 9) == 0 && !strcmp(drain(p[0]), "t: added e 5\n"), "published again: only what is new");
  ok(spec_publish(&w, 9) == 0 && !*drain(p[0]), "nothing new: nothing logged");
  specw_free(&w);
  spec_free(&sp);
  die_set_log(-1, 0, 0);
  ok(!debug_enabled(), "debug_enabled without a log");
  close(p[0]);
  close(p[1]);
}

static int parse(const char *text, struct spec *sp, unsigned *line)
{
  char *t = strdup(text);
  return spec_parse(t, strlen(t), sp, line);
}

int main(void)
{
  struct spec sp;
  struct specw w;
  unsigned line;
  char a[] = "hello\\040world", b[] = "-", c[] = "\\055", d[] = "tab\\011nl\\012bs\\134";
  const struct rec *r;

  ok(spec_unescape(a) == 11 && !strcmp(a, "hello world"), "octal space");
  ok(spec_unescape(b) == 0 && !*b, "lone dash is empty");
  ok(spec_unescape(c) == 1 && !strcmp(c, "-"), "escaped dash is a dash");
  ok(spec_unescape(d) == 10 && !strcmp(d, "tab\tnl\nbs\\"), "tab, newline, backslash");

  ok(parse("ocispec 1\nroot.path /r\narg a\narg b\\040c\n", &sp, &line) == 0, "parses a spec");
  ok(sp.nrec == 3, "three records");
  ok(!strcmp(spec_get(&sp, "root.path"), "/r"), "spec_get");
  r = spec_next(&sp, "arg", NULL);
  ok(r && r->nf == 2 && !strcmp(r->f[1], "a") && r->line == 3, "first arg, line 3");
  r = spec_next(&sp, "arg", r);
  ok(r && !strcmp(r->f[1], "b c"), "second arg unescaped");
  ok(!spec_next(&sp, "arg", r), "no third arg");
  spec_free(&sp);

  ok(parse("ocispec 2\n", &sp, &line) < 0 && line == 1, "unknown version refused");
  spec_free(&sp);
  ok(parse("ocispec 1\nkey a\nkey  b\n", &sp, &line) < 0 && line == 3, "double space refused with its line");
  spec_free(&sp);
  ok(parse("ocispec 1\nkey a\nkey b", &sp, &line) < 0 && line == 3, "truncated last line refused");
  spec_free(&sp);
  ok(parse("ocispec 1\nk 1\nk 2\n", &sp, &line) == 0 && !strcmp(spec_get(&sp, "k"), "2"), "last record wins");
  spec_free(&sp);

  specw_from(&w, NULL);
  specw_add(&w, "mount", "/a b", "", "-", "x\\y", (char *)NULL);
  specw_addf(&w, "n", "%d", 42);
  ok(!strcmp(w.buf, "ocispec 1\nmount /a\\040b - \\055 x\\134y\nn 42\n"), "writer escapes");
  {
    int fd = 9;
    ok(spec_publish(&w, fd) == 0, "publish on fd 9");
    ok(fcntl(fd, F_GETFD) == 0, "published fd is not CLOEXEC");
    ok(write(fd, "x", 1) < 0, "published spec is sealed");
    ok(spec_read(fd, &sp, &line) == 0, "read it back");
    r = spec_next(&sp, "mount", NULL);
    ok(r && r->nf == 5 && !strcmp(r->f[1], "/a b") && !*r->f[2] && !strcmp(r->f[3], "-") &&
           !strcmp(r->f[4], "x\\y"),
       "round trip");
    spec_free(&sp);
    ok(spec_read(fd, &sp, &line) == 0 && sp.nrec == 2, "pread: a second reader sees it all");
    spec_free(&sp);
  }
  specw_free(&w);
  publish_log();
  return done();
}
