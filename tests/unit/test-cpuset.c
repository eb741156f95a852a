/* test-cpuset: CPU lists (shared/cpuset.c), with runc's rules. */
#include <errno.h>
#include <sched.h>

#include "cpuset.h"
#include "tap.h"

/* the list parses and holds exactly the CPUs in want (a 64-bit mask) */
static int holds(const char *list, unsigned long long want)
{
  cpu_set_t *s;
  size_t n;
  int ok = 1;
  if (cpuset_parse(list, &s, &n) < 0) return 0;
  for (unsigned i = 0; i < 64; i++) ok &= !!CPU_ISSET_S(i, n, s) == !!(want >> i & 1);
  ok &= CPU_COUNT_S(n, s) == __builtin_popcountll(want);
  CPU_FREE(s);
  return ok;
}

static int refused(const char *list)
{
  cpu_set_t *s;
  size_t n;
  return cpuset_parse(list, &s, &n) < 0 && errno == EINVAL;
}

int main(void)
{
  cpu_set_t *s;
  size_t n;
  ok(holds("0", 1), "one cpu");
  ok(holds("0-3,5,7-9", 0x3afULL), "ranges and singles");
  ok(holds(" 1 , ,2-3,", 0xeULL), "spaces and empty elements, as runc");
  ok(holds("63", 1ULL << 63), "a high cpu");
  ok(refused(""), "empty list");
  ok(refused(" , "), "no member");
  ok(refused("3-1"), "start above end");
  ok(refused("-1") && refused("+1") && refused("1-") && refused("a") && refused("1 2"), "not decimal");
  ok(refused("65537") && refused("99999999999999999999"), "above the limit, no overflow");
  ok(cpuset_parse("65536", &s, &n) == 0 && CPU_ISSET_S(65536, n, s) && CPU_COUNT_S(n, s) == 1, "the limit");
  CPU_FREE(s);
  return done();
}
