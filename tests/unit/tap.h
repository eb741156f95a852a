/* tap.h: the whole unit-test framework (STYLE.md 3.12). */
#include <stdio.h>
static int n_, failed_;
#define ok(cond, name)                                                                                       \
  (++n_, (cond) ? printf("ok %d - %s\n", n_, name) : (failed_ = 1, printf("not ok %d - %s\n", n_, name)))
#define done() (printf("1..%d\n", n_), failed_)
