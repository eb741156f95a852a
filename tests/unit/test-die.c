/* test-die: the --debug log's "done" line and the failure status (shared/die.c, shared/stage.c). */
#include <fcntl.h>
#include <regex.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "die.h"
#include "stage.h"
#include "tap.h"

/* what the log pipe holds now */
static size_t drain(int fd, char *buf, size_t size)
{
  ssize_t n = read(fd, buf, size - 1);
  buf[n > 0 ? n : 0] = 0;
  return n > 0 ? (size_t)n : 0;
}

static int matches(const char *s, const char *re)
{
  regex_t r;
  int m;
  if (regcomp(&r, re, REG_EXTENDED | REG_NOSUB)) return 0;
  m = regexec(&r, s, 0, NULL, 0) == 0;
  regfree(&r);
  return m;
}

int main(void)
{
  int p[2];
  char buf[4096];

  if (pipe(p) < 0) return 1;
  fcntl(p[0], F_SETFL, O_NONBLOCK);
  setenv("OCI_FAIL_STATUS", "1", 1);
  stage_init("oci-test");
  ok(!getenv("OCI_FAIL_STATUS"), "OCI_FAIL_STATUS is taken out of the environment");
  ok(die_status(0) == 0 && die_status(111) == 1, "with it, a failure's status is 1 and success stays 0");
  die_set_exit(-1);
  ok(die_status(111) == 111, "without it, the status is the program's");

  debug_done();
  die_set_log(p[1], 0, 0);
  debug_done();
  ok(drain(p[0], buf, sizeof buf) == 0, "no done line without a log or without --debug");
  for (volatile long i = 0; i < 2000000; i++) /* some CPU time to measure */
    ;
  die_set_log(p[1], 0, 1);
  debug_done();
  drain(p[0], buf, sizeof buf);
  ok(matches(buf, "^oci-test: done wall=[0-9]+\\.[0-9]{3}ms cpu=[0-9]+\\.[0-9]{3}ms\n$"),
     "the done line's format");
  ok(!matches(buf, "cpu=0\\.000ms"), "the CPU time is counted");
  debug_done();
  ok(drain(p[0], buf, sizeof buf) == 0, "one done line per process");
  return done();
}
