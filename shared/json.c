#include "json.h"

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "die.h"

const char *json_file = "config.json";
int json_nocase;

void json_die(const char *path, const char *fmt, ...)
{
  char msg[1024];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(msg, sizeof msg, fmt, ap);
  va_end(ap);
  if (path && *path) die(EXIT_BADINPUT, "%s: %s: %s", json_file, path, msg);
  die(EXIT_BADINPUT, "%s: %s", json_file, msg);
}

/* Dies naming the line and column of the first thing RFC 8259 rejects,
   and the field when the reader knew it. */
cJSON *xjson_parse(const char *text, size_t len)
{
  struct json_err e;
  cJSON *j = json_parse_strict(text, len, &e);
  unsigned line = 1, col = 1;
  if (j) return j;
  for (size_t i = 0; i < e.off && i < len; i++) {
    if (text[i] == '\n') {
      line++;
      col = 1;
    } else {
      col++;
    }
  }
  if (e.msg[0]) json_die(e.path, "%s at line %u, column %u", e.msg, line, col);
  if (e.eof) json_die(NULL, "malformed JSON: unexpected end of file at line %u", line);
  json_die(NULL, "malformed JSON at line %u, column %u", line, col);
}

const char *json_path(const char *parent, const char *key)
{
  static char bufs[8][512];
  static int k;
  char *b = bufs[k++ & 7];
  if (parent && *parent)
    snprintf(b, 512, "%s.%s", parent, key);
  else
    snprintf(b, 512, "%s", key);
  return b;
}

const char *json_index(const char *parent, int i)
{
  static char bufs[8][512];
  static int k;
  char *b = bufs[k++ & 7];
  snprintf(b, 512, "%s[%d]", parent, i);
  return b;
}

/* Does the member name n match the field name key the way Go's decoder
   matches them: ASCII case aside, and the three non-ASCII letters that
   fold to ASCII (U+017F long s, U+0131 dotless i, U+212A Kelvin sign)? */
static int go_fold_eq(const char *n, const char *key)
{
  const unsigned char *p = (const unsigned char *)n;
  for (; *key; key++) {
    char k = (char)tolower((unsigned char)*key);
    if (p[0] == 0xc5 && p[1] == 0xbf && k == 's')
      p += 2;
    else if (p[0] == 0xc4 && p[1] == 0xb1 && k == 'i')
      p += 2;
    else if (p[0] == 0xe2 && p[1] == 0x84 && p[2] == 0xaa && k == 'k')
      p += 3;
    else if (*p && *p < 0x80 && tolower(*p) == k)
      p++;
    else
      return 0;
  }
  return *p == 0;
}

/* The member for a field. runc's decoder takes a member whose name differs
   from the field's only in case as that field, and the last of several: a
   config could hide a setting from one reader and show it to the other, so
   such names are an error (in the 2015 format, read case-insensitively,
   only two matches are). */
static cJSON *get(const cJSON *o, const char *key, const char *path)
{
  cJSON *c, *exact = NULL, *other = NULL, *v;
  if (!o) return NULL;
  for (c = o->child; c; c = c->next) {
    if (!c->string || !go_fold_eq(c->string, key)) continue;
    if (!exact && !strcmp(c->string, key))
      exact = c;
    else if (!other)
      other = c;
    else
      break;
  }
  if (json_nocase && !exact && other && !c) {
    exact = other;
    other = NULL;
  }
  if (exact && other)
    json_die(path, "keys \"%s\" and \"%s\" differ only in case (runc reads them as one field)", exact->string,
             other->string);
  if (other) json_die(json_path(path, other->string), "key differs from \"%s\" only in case", key);
  v = exact;
  return cJSON_IsNull(v) ? NULL : v;
}

cJSON *xjson_obj(const cJSON *o, const char *key, const char *path)
{
  cJSON *v = get(o, key, path);
  if (v && !cJSON_IsObject(v)) json_die(json_path(path, key), "expected an object");
  return v;
}

cJSON *xjson_arr(const cJSON *o, const char *key, const char *path)
{
  cJSON *v = get(o, key, path);
  if (v && !cJSON_IsArray(v)) json_die(json_path(path, key), "expected an array");
  return v;
}

const char *xjson_str(const cJSON *o, const char *key, const char *path)
{
  cJSON *v = get(o, key, path);
  if (v && !cJSON_IsString(v)) json_die(json_path(path, key), "expected a string");
  return v ? v->valuestring : NULL;
}

const char *xjson_item_str(const cJSON *item, const char *path)
{
  if (!cJSON_IsString(item)) json_die(path, "expected a string");
  return item->valuestring;
}

void xjson_bool(const cJSON *o, const char *key, const char *path, int *out)
{
  cJSON *v = get(o, key, path);
  if (!v) return;
  if (!cJSON_IsBool(v)) json_die(json_path(path, key), "expected true or false");
  *out = cJSON_IsTrue(v);
}

/* Is n a number read by jsonstrict.c, with its literal text? */
static const char *literal(const cJSON *n)
{
  return n->valuestring && *n->valuestring ? n->valuestring : NULL;
}

/* Go reads an integer field with ParseInt on the literal: a fraction or an
   exponent ("1.0", "1e3") is an error there, so it is one here too. */
static int integral(const char *lit) { return !strpbrk(lit, ".eE"); }

/* cJSON keeps numbers as doubles: integers above 2^53 lose precision, so
   the literal text is read when there is one. */
int xjson_int(const cJSON *o, const char *key, const char *path, long long min, long long max, long long *out)
{
  cJSON *v = get(o, key, path);
  const char *lit;
  double d;
  if (!v) return 0;
  if (!cJSON_IsNumber(v)) json_die(json_path(path, key), "expected a number");
  if ((lit = literal(v))) {
    long long n;
    if (!integral(lit)) json_die(json_path(path, key), "expected an integer");
    errno = 0;
    n = strtoll(lit, NULL, 10);
    if (errno || n < min || n > max)
      json_die(json_path(path, key), "%s is out of range [%lld, %lld]", lit, min, max);
    *out = n;
    return 1;
  }
  d = v->valuedouble;
  if (d != floor(d)) json_die(json_path(path, key), "expected an integer");
  if (d < (double)min || d > (double)max)
    json_die(json_path(path, key), "%.0f is out of range [%lld, %lld]", d, min, max);
  *out = (long long)d;
  return 1;
}

int xjson_u64(const cJSON *o, const char *key, const char *path, uint64_t *out)
{
  cJSON *v = get(o, key, path);
  const char *lit;
  double d;
  if (!v) return 0;
  if (!cJSON_IsNumber(v)) json_die(json_path(path, key), "expected a number");
  if ((lit = literal(v))) {
    unsigned long long n;
    if (!integral(lit) || *lit == '-') json_die(json_path(path, key), "expected a non-negative integer");
    errno = 0;
    n = strtoull(lit, NULL, 10);
    if (errno)
      json_die(json_path(path, key), "%s is out of range [0, %llu]", lit, (unsigned long long)UINT64_MAX);
    *out = n;
    return 1;
  }
  d = v->valuedouble;
  if (d != floor(d) || d < 0) json_die(json_path(path, key), "expected a non-negative integer");
  *out = d >= 18446744073709551615.0 ? UINT64_MAX : (uint64_t)d;
  return 1;
}
