/* test-spec: the spec reader and writer (shared/spec.c, shared/specw.c). */
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "spec.h"
#include "tap.h"

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
  return done();
}
