#include "json.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
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

/* Open brackets or an open string at the end: the file was cut short. */
static int truncated(const char *text, size_t len)
{
  int depth = 0, str = 0, esc = 0;
  for (size_t i = 0; i < len; i++) {
    char c = text[i];
    if (str) {
      if (esc)
        esc = 0;
      else if (c == '\\')
        esc = 1;
      else if (c == '"')
        str = 0;
    } else if (c == '"') {
      str = 1;
    } else if (c == '{' || c == '[') {
      depth++;
    } else if (c == '}' || c == ']') {
      depth--;
    }
  }
  return str || depth > 0;
}

cJSON *xjson_parse(const char *text, size_t len)
{
  const char *end = NULL;
  cJSON *j = cJSON_ParseWithLengthOpts(text, len, &end, 0);
  if (!j) {
    unsigned line = 1, col = 1;
    const char *p = end ? end : text + len;
    if (p > text + len) p = text + len;
    for (const char *q = text; q < p; q++) {
      if (*q == '\n') {
        line++;
        col = 1;
      } else {
        col++;
      }
    }
    if (p >= text + len || truncated(text, len))
      json_die(NULL, "malformed JSON: unexpected end of file at line %u", line);
    json_die(NULL, "malformed JSON at line %u, column %u", line, col);
  }
  return j;
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

static cJSON *get(const cJSON *o, const char *key)
{
  cJSON *v;
  if (!o) return NULL;
  v = json_nocase ? cJSON_GetObjectItem(o, key) : cJSON_GetObjectItemCaseSensitive(o, key);
  return cJSON_IsNull(v) ? NULL : v;
}

cJSON *xjson_obj(const cJSON *o, const char *key, const char *path)
{
  cJSON *v = get(o, key);
  if (v && !cJSON_IsObject(v)) json_die(json_path(path, key), "expected an object");
  return v;
}

cJSON *xjson_arr(const cJSON *o, const char *key, const char *path)
{
  cJSON *v = get(o, key);
  if (v && !cJSON_IsArray(v)) json_die(json_path(path, key), "expected an array");
  return v;
}

const char *xjson_str(const cJSON *o, const char *key, const char *path)
{
  cJSON *v = get(o, key);
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
  cJSON *v = get(o, key);
  if (!v) return;
  if (!cJSON_IsBool(v)) json_die(json_path(path, key), "expected true or false");
  *out = cJSON_IsTrue(v);
}

/* cJSON keeps numbers as doubles: integers above 2^53 lose precision, so
   check the literal text is integral and in range. */
int xjson_int(const cJSON *o, const char *key, const char *path, long long min, long long max, long long *out)
{
  cJSON *v = get(o, key);
  double d;
  if (!v) return 0;
  if (!cJSON_IsNumber(v)) json_die(json_path(path, key), "expected a number");
  d = v->valuedouble;
  if (d != floor(d)) json_die(json_path(path, key), "expected an integer");
  if (d < (double)min || d > (double)max)
    json_die(json_path(path, key), "%.0f is out of range [%lld, %lld]", d, min, max);
  *out = (long long)d;
  return 1;
}

int xjson_u64(const cJSON *o, const char *key, const char *path, uint64_t *out)
{
  cJSON *v = get(o, key);
  double d;
  if (!v) return 0;
  if (!cJSON_IsNumber(v)) json_die(json_path(path, key), "expected a number");
  d = v->valuedouble;
  if (d != floor(d) || d < 0) json_die(json_path(path, key), "expected a non-negative integer");
  *out = d >= 18446744073709551615.0 ? UINT64_MAX : (uint64_t)d;
  return 1;
}
