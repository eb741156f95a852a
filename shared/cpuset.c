/* cpuset.c: see cpuset.h. */
#include "cpuset.h"

#include <errno.h>
#include <string.h>

static int is_space(char c)
{
  return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f';
}

/* A decimal number in [a, e), at most CPUSET_MAX: no sign, no space inside. */
static int number(const char *a, const char *e, unsigned *out)
{
  unsigned v = 0;
  if (a == e) return -1;
  for (; a < e; a++) {
    if (*a < '0' || *a > '9') return -1;
    v = v * 10 + (unsigned)(*a - '0');
    if (v > CPUSET_MAX) return -1;
  }
  *out = v;
  return 0;
}

/* One element, N or N-M, in [a, e). */
static int range(const char *a, const char *e, unsigned *lo, unsigned *hi)
{
  const char *dash = memchr(a, '-', (size_t)(e - a));
  if (!dash) {
    if (number(a, e, lo) < 0) return -1;
    *hi = *lo;
    return 0;
  }
  if (number(a, dash, lo) < 0 || number(dash + 1, e, hi) < 0 || *lo > *hi) return -1;
  return 0;
}

/* Call fn on every range of the list; the count of ranges, or -1. */
static int each(const char *list, void (*fn)(unsigned, unsigned, void *), void *arg)
{
  int n = 0;
  for (const char *p = list;;) {
    size_t len = strcspn(p, ",");
    const char *a = p, *e = p + len;
    unsigned lo, hi;
    while (a < e && is_space(*a)) a++;
    while (e > a && is_space(e[-1])) e--;
    if (a < e) {
      if (range(a, e, &lo, &hi) < 0) return -1;
      fn(lo, hi, arg);
      n++;
    }
    if (!p[len]) return n;
    p += len + 1;
  }
}

static void note_max(unsigned lo, unsigned hi, void *arg)
{
  unsigned *max = arg;
  (void)lo;
  if (hi > *max) *max = hi;
}

struct fill {
  cpu_set_t *set;
  size_t size;
};

static void fill(unsigned lo, unsigned hi, void *arg)
{
  struct fill *f = arg;
  for (unsigned i = lo; i <= hi; i++) CPU_SET_S(i, f->size, f->set);
}

int cpuset_parse(const char *list, cpu_set_t **set, size_t *size)
{
  unsigned max = 0;
  struct fill f;
  if (each(list, note_max, &max) <= 0) {
    errno = EINVAL;
    return -1;
  }
  f.size = CPU_ALLOC_SIZE(max + 1);
  if (!(f.set = CPU_ALLOC(max + 1))) return -1;
  CPU_ZERO_S(f.size, f.set);
  each(list, fill, &f);
  *set = f.set;
  *size = f.size;
  return 0;
}
