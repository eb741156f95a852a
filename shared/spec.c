/* spec.c: read and iterate the normalized spec. About the escape rules see
   oci-spec(5): every byte but NUL is allowed in a field; SP, TAB, LF and \
   travel as \ooo, and a lone "-" means the empty string. */
#include "spec.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "fd.h"

int spec_fd(void)
{
  const char *s = getenv("OCI_SPEC_FD");
  char *end;
  long v;
  if (!s || !*s) return 3;
  v = strtol(s, &end, 10);
  return (*end || v < 0 || v > 65535) ? 3 : (int)v;
}

size_t spec_unescape(char *s)
{
  char *w = s, *r = s;
  if (!strcmp(s, "-")) {
    *s = 0;
    return 0;
  }
  while (*r) {
    if (r[0] == '\\' && r[1] >= '0' && r[1] <= '3' && r[2] >= '0' && r[2] <= '7' && r[3] >= '0' &&
        r[3] <= '7') {
      *w++ = (char)(((r[1] - '0') << 6) | ((r[2] - '0') << 3) | (r[3] - '0'));
      r += 4;
    } else {
      *w++ = *r++;
    }
  }
  *w = 0;
  return (size_t)(w - s);
}

int spec_parse(char *text, size_t len, struct spec *sp, unsigned *badline)
{
  size_t cap = 64, nlines;
  unsigned line = 1;
  char *p, *end;

  memset(sp, 0, sizeof *sp);
  sp->text = text;
  sp->len = len;
  if (badline) *badline = 1;
  if (memchr(text, 0, len)) goto bad; /* NUL is never part of a spec */
  if (len < sizeof SPEC_HEADER || memcmp(text, SPEC_HEADER "\n", sizeof SPEC_HEADER)) goto bad;
  if (len && text[len - 1] != '\n') {
    for (line = 1, p = text; p < text + len; p++) line += *p == '\n';
    if (badline) *badline = line;
    goto bad; /* truncated: the last record has no newline */
  }
  sp->work = malloc(len + 1);
  if (!sp->work) return -1;
  memcpy(sp->work, text, len); /* text[len] need not be a NUL */
  sp->work[len] = 0;
  for (nlines = 0, p = sp->work; *p; p++) nlines += *p == '\n';
  cap = nlines + 1;
  sp->recs = calloc(cap, sizeof *sp->recs);
  if (!sp->recs) return -1;

  p = sp->work + sizeof SPEC_HEADER;
  for (line = 2; *p; p = end + 1, line++) {
    struct rec *r;
    unsigned nf = 1;
    char *q;
    end = strchr(p, '\n');
    *end = 0;
    if (!*p) continue; /* blank lines are allowed */
    if (*p == ' ') goto badl;
    for (q = p; *q; q++)
      if (*q == ' ') {
        if (q[1] == ' ' || q[1] == 0) goto badl; /* one space between fields */
        nf++;
      }
    r = &sp->recs[sp->nrec++];
    r->nf = nf;
    r->line = line;
    r->f = malloc(sizeof *r->f * (nf + 1));
    if (!r->f) return -1;
    nf = 0;
    for (q = strtok(p, " "); q; q = strtok(NULL, " ")) r->f[nf++] = q;
    r->f[nf] = NULL;
    for (unsigned i = 1; i < nf; i++) spec_unescape(r->f[i]);
  }
  return 0;
badl:
  if (badline) *badline = line;
bad:
  errno = EINVAL;
  return -1;
}

int spec_read(int fd, struct spec *sp, unsigned *badline)
{
  size_t len;
  char *text = fd_slurp(fd, &len);
  if (!text) {
    memset(sp, 0, sizeof *sp);
    if (badline) *badline = 0;
    return -1;
  }
  return spec_parse(text, len, sp, badline);
}

const struct rec *spec_next(const struct spec *sp, const char *key, const struct rec *prev)
{
  size_t i = prev ? (size_t)(prev - sp->recs) + 1 : 0;
  for (; i < sp->nrec; i++)
    if (!key || !strcmp(sp->recs[i].f[0], key)) return &sp->recs[i];
  return NULL;
}

const char *spec_get(const struct spec *sp, const char *key)
{
  for (size_t i = sp->nrec; i-- > 0;)
    if (!strcmp(sp->recs[i].f[0], key)) return sp->recs[i].nf > 1 ? sp->recs[i].f[1] : "";
  return NULL;
}

int spec_get_int(const struct spec *sp, const char *key, long long def, long long *out)
{
  const char *s = spec_get(sp, key);
  char *end;
  if (!s) {
    *out = def;
    return 0;
  }
  errno = 0;
  *out = strtoll(s, &end, 10);
  if (!*s || *end || errno) {
    errno = EINVAL;
    return -1;
  }
  return 0;
}

void spec_free(struct spec *sp)
{
  for (size_t i = 0; i < sp->nrec; i++) free(sp->recs[i].f);
  free(sp->recs);
  free(sp->work);
  free(sp->text);
  memset(sp, 0, sizeof *sp);
}
