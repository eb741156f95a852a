/* test-fd: write_lines_except (shared/fd.c), what --check prints. */
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "fd.h"
#include "tap.h"

/* the text write_lines_except(fd, in, ..., prefix) writes; a static buffer */
static const char *kept(const char *in, size_t len, const char *prefix)
{
  static char out[256];
  int m = memfd_create("t", 0);
  ssize_t n;
  if (m < 0 || write_lines_except(m, in, len, prefix) < 0) return "(error)";
  n = pread(m, out, sizeof out - 1, 0);
  close(m);
  out[n < 0 ? 0 : n] = 0;
  return out;
}

int main(void)
{
  const char *s = "ocispec 1\nfd.stagedir 5\nroot.path /r\nfd.log 4\nfd.x 1\narg a\n";
  ok(!strcmp(kept(s, strlen(s), "fd."), "ocispec 1\nroot.path /r\narg a\n"),
     "drops every line with the prefix");
  s = "fd.a 1\nb 2\nfd.c 3";
  ok(!strcmp(kept(s, strlen(s), "fd."), "b 2\n"), "first and last line, the last without LF");
  s = "a 1\nb 2";
  ok(!strcmp(kept(s, strlen(s), "fd."), "a 1\nb 2"), "nothing to drop: the text as is");
  s = "fd\nfd.\nfdx.y 1\n";
  ok(!strcmp(kept(s, strlen(s), "fd."), "fd\nfdx.y 1\n"), "a line shorter than the prefix is kept");
  ok(!strcmp(kept("", 0, "fd."), ""), "empty text");
  s = "a 1\nfd.b 2\nc 3\n";
  ok(!strcmp(kept(s, 4, "fd."), "a 1\n"), "len bounds the text");
  ok(write_lines_except(-1, "a\n", 2, "fd.") < 0, "a write error is -1");
  return done();
}
