/* jsonstrict.c: a strict RFC 8259 reader that builds cJSON nodes. The
   config comes from whoever can write a bundle, so everything the standard
   rejects is an error here rather than something cJSON would accept and
   then read differently from runc's Go decoder: raw control characters and
   NUL in strings, invalid UTF-8, lone UTF-16 surrogates (Go would put
   U+FFFD in their place: we refuse), \u0000 (a C string would stop there),
   duplicate keys (Go keeps the last, cJSON's lookup the first) and data
   after the value. Numbers keep their literal text in valuestring so that
   integers are read exactly (json.c), not through a double. */
#include "json.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "die.h"

/* Deeper than any config; stops stack exhaustion by a hostile nesting. */
#define MAXDEPTH 256

struct reader {
  const unsigned char *s;
  size_t len, pos;
  char path[256];
  size_t plen;
  struct json_err *err;
};

/* Record the first error: its offset, the field path, a message (empty: a
   plain syntax error). Always returns NULL for the callers' convenience. */
static cJSON *fail(struct reader *r, size_t off, const char *fmt, ...) PRINTFLIKE(3, 4);
static cJSON *fail(struct reader *r, size_t off, const char *fmt, ...)
{
  va_list ap;
  if (r->err->set) return NULL;
  r->err->set = 1;
  r->err->off = off;
  r->err->eof = off >= r->len;
  snprintf(r->err->path, sizeof r->err->path, "%s", r->path);
  va_start(ap, fmt);
  vsnprintf(r->err->msg, sizeof r->err->msg, fmt, ap);
  va_end(ap);
  return NULL;
}

static void skip_ws(struct reader *r)
{
  while (r->pos < r->len &&
         (r->s[r->pos] == ' ' || r->s[r->pos] == '\t' || r->s[r->pos] == '\n' || r->s[r->pos] == '\r'))
    r->pos++;
}

/* Append ".key" or "[i]" to the field path; returns the old length. A path
   too long for the buffer is cut (it only names the field in a message). */
static size_t path_push(struct reader *r, const char *key, long idx)
{
  size_t old = r->plen, room = sizeof r->path - 1 - r->plen, n;
  char num[24], *d = num + sizeof num;
  if (!key) { /* "[idx]", without printf: this runs for every array item */
    *--d = 0;
    *--d = ']';
    do *--d = (char)('0' + idx % 10);
    while ((idx /= 10) > 0);
    *--d = '[';
    key = d;
  } else if (r->plen && room) {
    r->path[r->plen++] = '.';
    room--;
  }
  n = strlen(key);
  if (n > room) n = room;
  memcpy(r->path + r->plen, key, n);
  r->plen += n;
  r->path[r->plen] = 0;
  return old;
}

static void path_pop(struct reader *r, size_t old)
{
  r->plen = old;
  r->path[old] = 0;
}

/* Length of the well-formed UTF-8 sequence at p (RFC 3629 table 3-7), or 0:
   stops overlong forms, encoded surrogates and code points past U+10FFFF,
   which other readers decode differently or not at all. */
static size_t utf8_len(const unsigned char *p, size_t avail)
{
  unsigned char c = p[0];
  unsigned char lo = 0x80, hi = 0xbf;
  size_t n;
  if (c >= 0xc2 && c <= 0xdf)
    n = 2;
  else if (c >= 0xe0 && c <= 0xef)
    n = 3;
  else if (c >= 0xf0 && c <= 0xf4)
    n = 4;
  else
    return 0;
  if (c == 0xe0) lo = 0xa0;
  if (c == 0xed) hi = 0x9f;
  if (c == 0xf0) lo = 0x90;
  if (c == 0xf4) hi = 0x8f;
  if (avail < n || p[1] < lo || p[1] > hi) return 0;
  for (size_t i = 2; i < n; i++)
    if (p[i] < 0x80 || p[i] > 0xbf) return 0;
  return n;
}

static int hex4(const unsigned char *p, unsigned *out)
{
  unsigned v = 0;
  for (int i = 0; i < 4; i++) {
    unsigned char c = p[i];
    v <<= 4;
    if (c >= '0' && c <= '9')
      v |= (unsigned)(c - '0');
    else if (c >= 'a' && c <= 'f')
      v |= (unsigned)(c - 'a' + 10);
    else if (c >= 'A' && c <= 'F')
      v |= (unsigned)(c - 'A' + 10);
    else
      return -1;
  }
  *out = v;
  return 0;
}

static size_t put_utf8(char *o, unsigned cp)
{
  if (cp < 0x80) {
    o[0] = (char)cp;
    return 1;
  }
  if (cp < 0x800) {
    o[0] = (char)(0xc0 | (cp >> 6));
    o[1] = (char)(0x80 | (cp & 0x3f));
    return 2;
  }
  if (cp < 0x10000) {
    o[0] = (char)(0xe0 | (cp >> 12));
    o[1] = (char)(0x80 | ((cp >> 6) & 0x3f));
    o[2] = (char)(0x80 | (cp & 0x3f));
    return 3;
  }
  o[0] = (char)(0xf0 | (cp >> 18));
  o[1] = (char)(0x80 | ((cp >> 12) & 0x3f));
  o[2] = (char)(0x80 | ((cp >> 6) & 0x3f));
  o[3] = (char)(0x80 | (cp & 0x3f));
  return 4;
}

/* The code point of the \u escape at r->pos (after the 'u'), a surrogate
   pair joined; moves past it. -1 after fail(). */
static long read_uescape(struct reader *r, size_t at)
{
  unsigned hi, lo;
  if (r->pos + 4 > r->len) return fail(r, r->len, "%s", ""), -1;
  if (hex4(r->s + r->pos, &hi)) return fail(r, at, "bad \\u escape in a string"), -1;
  r->pos += 4;
  /* \u0000: a C string would end there, so the runtime would act on a
     shorter path, argument or variable than the one written */
  if (hi == 0) return fail(r, at, "\\u0000 inside a string"), -1;
  if (hi >= 0xdc00 && hi <= 0xdfff) return fail(r, at, "unpaired UTF-16 surrogate \\u%04x", hi), -1;
  if (hi < 0xd800 || hi > 0xdbff) return hi;
  if (r->pos + 6 > r->len || r->s[r->pos] != '\\' || r->s[r->pos + 1] != 'u' ||
      hex4(r->s + r->pos + 2, &lo) || lo < 0xdc00 || lo > 0xdfff)
    return fail(r, at, "unpaired UTF-16 surrogate \\u%04x", hi), -1;
  r->pos += 6;
  return 0x10000 + (((long)hi - 0xd800) << 10) + ((long)lo - 0xdc00);
}

/* A string at r->pos (on the opening quote), decoded into a new buffer. */
static char *read_string(struct reader *r)
{
  size_t start = ++r->pos, end = start;
  char *out, *o;
  /* the decoded text is never longer than the raw text */
  while (end < r->len && r->s[end] != '"') end += r->s[end] == '\\' ? 2 : 1;
  if (end >= r->len) return fail(r, r->len, "%s", ""), NULL;
  if (!(out = malloc(end - start + 1))) return fail(r, start, "out of memory"), NULL;
  o = out;
  while (r->s[r->pos] != '"') {
    unsigned char c = r->s[r->pos];
    size_t at = r->pos, n;
    long cp;
    /* raw NUL and control characters: not JSON; NUL would cut the string */
    if (c == 0) goto bad_nul;
    if (c < 0x20) goto bad_ctl;
    if (c < 0x80 && c != '\\') {
      *o++ = (char)c;
      r->pos++;
      continue;
    }
    if (c != '\\') {
      /* bytes that are not UTF-8 would be read differently elsewhere */
      if (!(n = utf8_len(r->s + r->pos, r->len - r->pos))) goto bad_utf8;
      memcpy(o, r->s + r->pos, n);
      o += n;
      r->pos += n;
      continue;
    }
    r->pos += 2;
    switch (r->s[at + 1]) {
      case '"': *o++ = '"'; break;
      case '\\': *o++ = '\\'; break;
      case '/': *o++ = '/'; break;
      case 'b': *o++ = '\b'; break;
      case 'f': *o++ = '\f'; break;
      case 'n': *o++ = '\n'; break;
      case 'r': *o++ = '\r'; break;
      case 't': *o++ = '\t'; break;
      case 'u':
        if ((cp = read_uescape(r, at)) < 0) goto out;
        o += put_utf8(o, (unsigned)cp);
        break;
      default:
        fail(r, at, "bad escape \\%c in a string",
             r->s[at + 1] >= 0x20 && r->s[at + 1] < 0x7f ? r->s[at + 1] : '?');
        goto out;
    }
    continue;
  bad_nul:
    fail(r, at, "raw NUL byte inside a string");
    goto out;
  bad_ctl:
    fail(r, at, "raw control character 0x%02x inside a string", c);
    goto out;
  bad_utf8:
    fail(r, at, "invalid UTF-8 inside a string");
    goto out;
  }
  r->pos++;
  *o = 0;
  return out;
out:
  free(out);
  return NULL;
}

/* -?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?, kept as text too. */
static cJSON *read_number(struct reader *r)
{
  size_t start = r->pos, p = r->pos;
  const unsigned char *s = r->s;
  char *lit;
  cJSON *n;
#define DIGIT(i) ((i) < r->len && s[i] >= '0' && s[i] <= '9')
  if (p < r->len && s[p] == '-') p++;
  if (!DIGIT(p)) return fail(r, p, "%s", "");
  if (s[p] == '0')
    p++;
  else
    while (DIGIT(p)) p++;
  if (p < r->len && s[p] == '.') {
    if (!DIGIT(p + 1)) return fail(r, p + 1, "%s", "");
    for (p++; DIGIT(p);) p++;
  }
  if (p < r->len && (s[p] == 'e' || s[p] == 'E')) {
    p++;
    if (p < r->len && (s[p] == '+' || s[p] == '-')) p++;
    if (!DIGIT(p)) return fail(r, p, "%s", "");
    while (DIGIT(p)) p++;
  }
#undef DIGIT
  if (!(lit = strndup((const char *)s + start, p - start))) return fail(r, start, "out of memory");
  if (!(n = cJSON_CreateNumber(strtod(lit, NULL)))) {
    free(lit);
    return fail(r, start, "out of memory");
  }
  n->valuestring = lit;
  r->pos = p;
  return n;
}

static cJSON *read_value(struct reader *r, int depth);

static int cmp_names(const void *a, const void *b)
{
  return strcmp((*(cJSON *const *)a)->string, (*(cJSON *const *)b)->string);
}

/* Two members with one name: Go's decoder keeps the last, cJSON's lookup
   finds the first, so the two would run different configs. */
static int check_duplicates(struct reader *r, cJSON *obj, size_t n, size_t at)
{
  cJSON **v, *c;
  size_t i = 0;
  if (n < 2) return 0;
  if (n <= 16) { /* the usual object: compare each pair */
    for (c = obj->child; c; c = c->next)
      for (cJSON *d = c->next; d; d = d->next)
        if (!strcmp(c->string, d->string)) return fail(r, at, "duplicate key \"%s\"", d->string), -1;
    return 0;
  }
  if (!(v = malloc(n * sizeof *v))) return fail(r, at, "out of memory"), -1;
  for (c = obj->child; c; c = c->next) v[i++] = c;
  qsort(v, n, sizeof *v, cmp_names);
  for (i = 1; i < n; i++)
    if (!strcmp(v[i - 1]->string, v[i]->string)) break;
  if (i < n) fail(r, at, "duplicate key \"%s\"", v[i]->string);
  free(v);
  return i < n ? -1 : 0;
}

static cJSON *read_object(struct reader *r, int depth)
{
  cJSON *obj = cJSON_CreateObject();
  size_t n = 0, at = r->pos;
  if (!obj) return fail(r, r->pos, "out of memory");
  r->pos++;
  skip_ws(r);
  if (r->pos < r->len && r->s[r->pos] == '}') {
    r->pos++;
    return obj;
  }
  for (;;) {
    char *key;
    cJSON *v;
    size_t old;
    skip_ws(r);
    if (r->pos >= r->len || r->s[r->pos] != '"') goto bad;
    if (!(key = read_string(r))) goto out;
    skip_ws(r);
    if (r->pos >= r->len || r->s[r->pos] != ':') {
      free(key);
      goto bad;
    }
    r->pos++;
    old = path_push(r, key, 0);
    v = read_value(r, depth + 1);
    path_pop(r, old);
    if (!v) {
      free(key);
      goto out;
    }
    v->string = key;
    cJSON_AddItemToArray(obj, v); /* keeps v->string: the member's name */
    n++;
    skip_ws(r);
    if (r->pos < r->len && r->s[r->pos] == ',') {
      r->pos++;
      continue;
    }
    if (r->pos < r->len && r->s[r->pos] == '}') break;
    goto bad;
  }
  r->pos++;
  if (check_duplicates(r, obj, n, at) < 0) goto out;
  return obj;
bad:
  fail(r, r->pos, "%s", "");
out:
  cJSON_Delete(obj);
  return NULL;
}

static cJSON *read_array(struct reader *r, int depth)
{
  cJSON *arr = cJSON_CreateArray();
  long i = 0;
  if (!arr) return fail(r, r->pos, "out of memory");
  r->pos++;
  skip_ws(r);
  if (r->pos < r->len && r->s[r->pos] == ']') {
    r->pos++;
    return arr;
  }
  for (;; i++) {
    size_t old = path_push(r, NULL, i);
    cJSON *v = read_value(r, depth + 1);
    path_pop(r, old);
    if (!v) goto out;
    cJSON_AddItemToArray(arr, v);
    skip_ws(r);
    if (r->pos < r->len && r->s[r->pos] == ',') {
      r->pos++;
      continue;
    }
    if (r->pos < r->len && r->s[r->pos] == ']') break;
    fail(r, r->pos, "%s", "");
    goto out;
  }
  r->pos++;
  return arr;
out:
  cJSON_Delete(arr);
  return NULL;
}

static cJSON *read_literal(struct reader *r, const char *word, cJSON *(*make)(void))
{
  size_t n = strlen(word);
  cJSON *v;
  for (size_t i = 0; i < n; i++)
    if (r->pos + i >= r->len || r->s[r->pos + i] != (unsigned char)word[i])
      return fail(r, r->pos + i, "%s", "");
  if (!(v = make())) return fail(r, r->pos, "out of memory");
  r->pos += n;
  return v;
}

static cJSON *make_true(void) { return cJSON_CreateTrue(); }
static cJSON *make_false(void) { return cJSON_CreateFalse(); }
static cJSON *make_null(void) { return cJSON_CreateNull(); }

static cJSON *read_value(struct reader *r, int depth)
{
  skip_ws(r);
  if (r->pos >= r->len) return fail(r, r->len, "%s", "");
  /* a hostile nesting would exhaust the stack */
  if (depth > MAXDEPTH) return fail(r, r->pos, "nested deeper than %d levels", MAXDEPTH);
  switch (r->s[r->pos]) {
    case '{': return read_object(r, depth);
    case '[': return read_array(r, depth);
    case 't': return read_literal(r, "true", make_true);
    case 'f': return read_literal(r, "false", make_false);
    case 'n': return read_literal(r, "null", make_null);
    case '"': {
      char *s = read_string(r);
      cJSON *v;
      if (!s) return NULL;
      if (!(v = cJSON_CreateNull())) {
        free(s);
        return fail(r, r->pos, "out of memory");
      }
      v->type = cJSON_String; /* as cJSON_CreateString makes it, without a copy */
      v->valuestring = s;
      return v;
    }
    default: return read_number(r);
  }
}

cJSON *json_parse_strict(const char *text, size_t len, struct json_err *err)
{
  struct reader r = {.s = (const unsigned char *)text, .len = len, .err = err};
  cJSON *v;
  memset(err, 0, sizeof *err);
  v = read_value(&r, 1);
  if (!v) return NULL;
  skip_ws(&r);
  /* data after the value: another reader might take it for the config */
  if (r.pos < len) {
    r.plen = 0;
    r.path[0] = 0;
    fail(&r, r.pos, "trailing data after the JSON value");
    cJSON_Delete(v);
    return NULL;
  }
  return v;
}
