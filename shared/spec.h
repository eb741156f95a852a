/* spec.h: the normalized spec on fd 3 (DESIGN.md 3, man/oci-spec.5).
   "ocispec 1" then one record per line: key SP field SP field ... LF,
   fields escaped as \ooo, "-" for the empty string. */
#ifndef SPEC_H
#define SPEC_H

#include <stddef.h>

#define SPEC_HEADER "ocispec 1"

struct rec {
  char **f;      /* f[0] is the key, f[1..nf-1] the unescaped fields */
  unsigned nf;   /* number of fields including the key */
  unsigned line; /* line number in the spec text (header is line 1) */
};

struct spec {
  char *text; /* the raw text as read (kept for append-only republishing) */
  size_t len;
  char *work; /* unescaped copy the records point into */
  struct rec *recs;
  size_t nrec;
};

/* The spec fd: $OCI_SPEC_FD, or 3. */
int spec_fd(void);
/* pread the whole spec from offset 0 and parse it. -1 with errno set on a
   read error; -1 with errno EINVAL (and *badline set) on a malformed text. */
int spec_read(int fd, struct spec *sp, unsigned *badline);
/* Parse text already in memory (takes ownership of a malloc'd buffer). */
int spec_parse(char *text, size_t len, struct spec *sp, unsigned *badline);
/* Next record after prev (NULL: from the start) whose key equals key;
   key NULL matches every record. */
const struct rec *spec_next(const struct spec *sp, const char *key, const struct rec *prev);
/* First field of the last record with this key, or NULL. The last one wins
   so that a later stage's append overrides. */
const char *spec_get(const struct spec *sp, const char *key);
/* Integer-valued spec_get: returns def when absent, -1 with errno on junk. */
int spec_get_int(const struct spec *sp, const char *key, long long def, long long *out);
/* Unescape one field in place; returns its new length. */
size_t spec_unescape(char *s);
void spec_free(struct spec *sp);

/* Writer: the old text plus new records, published as a sealed memfd. */
struct specw {
  char *buf;
  size_t len, cap;
  size_t base; /* the text started from or last published (0: from nothing); --debug logs the rest */
  int oom;
};
void specw_init(struct specw *w);
/* Start from an existing spec's text (append-only), or the header alone. */
int specw_from(struct specw *w, const struct spec *sp);
/* Append a record: key then fields, NULL-terminated. Fields are escaped. */
int specw_add(struct specw *w, const char *key, ...) __attribute__((sentinel));
/* Append a record with fields from an array. */
int specw_addv(struct specw *w, const char *key, const char *const *fields, size_t n);
/* Append a record whose one field is printf-formatted. */
int specw_addf(struct specw *w, const char *key, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
/* Escape one field onto the buffer (used by specw_add). */
int specw_field(struct specw *w, const char *s);
/* memfd, write, seal, rewind, move onto fd `to` (not CLOEXEC). With the
   --debug log on, first logs each record appended since specw_from or the
   last publish ("added KEY FIELD...", as written), or for a spec from
   nothing "wrote the spec: N records". */
int spec_publish(struct specw *w, int to);
void specw_free(struct specw *w);

#endif
