/* json.h: typed access to a cJSON tree with one-line errors that name the
   file and the field ("config.json: process.user.uid: expected a number").
   Used by oci-parse and the programs that read JSON; they link cJSON. The
   x-prefixed getters die with 100 on a type mismatch. */
#ifndef JSON_H
#define JSON_H

#include <stdint.h>

#include <cjson/cJSON.h>

/* The file name the messages carry ("config.json"). */
extern const char *json_file;
/* Match keys case-insensitively, as Go's encoding/json did (2015 files). */
extern int json_nocase;

/* Where strict parsing failed (jsonstrict.c): the byte offset, whether the
   text ended too soon, the field path ("" at the top) and what was wrong
   ("" for a plain syntax error). */
struct json_err {
  int set, eof;
  size_t off;
  char path[256];
  char msg[160];
};
/* RFC 8259 strictly (see jsonstrict.c); NULL and err filled on failure.
   Number nodes keep their literal text in valuestring. */
cJSON *json_parse_strict(const char *text, size_t len, struct json_err *err);
/* Parse text strictly; dies 100 naming line and column (and the field). */
cJSON *xjson_parse(const char *text, size_t len);
/* Field path helper: "process" + "user" -> "process.user". */
const char *json_path(const char *parent, const char *key);
const char *json_index(const char *parent, int i);

/* NULL when absent or null; dies when present with another type. */
cJSON *xjson_obj(const cJSON *o, const char *key, const char *path);
cJSON *xjson_arr(const cJSON *o, const char *key, const char *path);
const char *xjson_str(const cJSON *o, const char *key, const char *path);
/* Booleans: *out untouched when absent. */
void xjson_bool(const cJSON *o, const char *key, const char *path, int *out);
/* Integers within [min, max]: returns 1 when present, 0 when absent. */
int xjson_int(const cJSON *o, const char *key, const char *path, long long min, long long max,
              long long *out);
int xjson_u64(const cJSON *o, const char *key, const char *path, uint64_t *out);
/* An array item that must be a string. */
const char *xjson_item_str(const cJSON *item, const char *path);
__attribute__((noreturn)) void json_die(const char *path, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

#endif
