/* specw.c: build a spec and publish it as a sealed memfd (DESIGN.md 3).
   A stage that learned something republishes the old text plus its own
   records, so earlier lines stay byte-identical. */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "die.h"
#include "fd.h"
#include "spec.h"

void specw_init(struct specw *w) { memset(w, 0, sizeof *w); }

static int put(struct specw *w, const char *s, size_t n)
{
  if (w->oom) return -1;
  if (w->len + n + 1 > w->cap) {
    size_t cap = w->cap ? w->cap : 4096;
    while (cap < w->len + n + 1) cap *= 2;
    char *b = realloc(w->buf, cap);
    if (!b) {
      w->oom = 1;
      errno = ENOMEM;
      return -1;
    }
    w->buf = b;
    w->cap = cap;
  }
  memcpy(w->buf + w->len, s, n);
  w->len += n;
  w->buf[w->len] = 0;
  return 0;
}

int specw_from(struct specw *w, const struct spec *sp)
{
  specw_init(w);
  if (sp && sp->text) {
    w->base = sp->len;
    return put(w, sp->text, sp->len);
  }
  return put(w, SPEC_HEADER "\n", sizeof SPEC_HEADER);
}

int specw_field(struct specw *w, const char *s)
{
  char esc[5];
  if (!*s) return put(w, "-", 1);
  if (!strcmp(s, "-")) return put(w, "\\055", 4);
  for (const char *p = s; *p; p++) {
    unsigned char c = (unsigned char)*p;
    if (c == ' ' || c == '\t' || c == '\n' || c == '\\') {
      snprintf(esc, sizeof esc, "\\%03o", c);
      if (put(w, esc, 4) < 0) return -1;
    } else if (put(w, p, 1) < 0) {
      return -1;
    }
  }
  return 0;
}

int specw_addv(struct specw *w, const char *key, const char *const *fields, size_t n)
{
  put(w, key, strlen(key));
  for (size_t i = 0; i < n; i++) {
    put(w, " ", 1);
    specw_field(w, fields[i]);
  }
  return put(w, "\n", 1);
}

int specw_add(struct specw *w, const char *key, ...)
{
  va_list ap;
  const char *s;
  put(w, key, strlen(key));
  va_start(ap, key);
  while ((s = va_arg(ap, const char *))) {
    put(w, " ", 1);
    specw_field(w, s);
  }
  va_end(ap);
  return put(w, "\n", 1);
}

int specw_addf(struct specw *w, const char *key, const char *fmt, ...)
{
  char buf[4096];
  va_list ap;
  va_start(ap, fmt);
  int n = vsnprintf(buf, sizeof buf, fmt, ap);
  va_end(ap);
  if (n < 0 || (size_t)n >= sizeof buf) {
    errno = EOVERFLOW;
    w->oom = 1;
    return -1;
  }
  return specw_add(w, key, buf, (char *)NULL);
}

/* The --debug log's account of what this stage appended (the lines after
   base, as written), or of a spec written from nothing (base 0). */
static void log_added(const struct specw *w)
{
  size_t n = 0;
  if (w->base > w->len) return;
  for (const char *p = w->buf + w->base, *end = w->buf + w->len; p < end;) {
    const char *nl = memchr(p, '\n', (size_t)(end - p));
    size_t k = nl ? (size_t)(nl - p) : (size_t)(end - p);
    if (k && w->base) debug("added %.*s", (int)k, p);
    n += k && strncmp(p, SPEC_HEADER "\n", sizeof SPEC_HEADER); /* a record, not the header */
    p += k + 1;
  }
  if (!w->base) debug("wrote the spec: %zu records", n);
}

int spec_publish(struct specw *w, int to)
{
  int m;
  if (w->oom) {
    errno = ENOMEM;
    return -1;
  }
  if (debug_enabled()) log_added(w);
  w->base = w->len; /* a stage that publishes again (oci-cgroup) logs only what it added since */
  m = memfd_create("ocispec", MFD_CLOEXEC | MFD_ALLOW_SEALING);
  if (m < 0) return -1;
  if (write_all(m, w->buf, w->len) < 0 ||
      fcntl(m, F_ADD_SEALS, F_SEAL_WRITE | F_SEAL_GROW | F_SEAL_SHRINK | F_SEAL_SEAL) < 0 ||
      lseek(m, 0, SEEK_SET) < 0 || fd_move(to, m) < 0) {
    int e = errno;
    close(m);
    errno = e;
    return -1;
  }
  return 0;
}

void specw_free(struct specw *w)
{
  free(w->buf);
  specw_init(w);
}
