/* test-json: the strict JSON reader (shared/jsonstrict.c) and the typed
   getters (shared/json.c): what RFC 8259 rejects is an error at the right
   place with the field's path; what it accepts is read exactly (strings
   decoded, integers from their literal text); getters that die are run in
   a child and their one line is checked. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "die.h"
#include "json.h"
#include "spec.h"
#include "state.h"
#include "tap.h"

/* Parse len bytes; 1 if the outcome is as wanted: an error whose path and
   message start with want_path / want_msg at offset off, or (want_msg NULL)
   success. */
static int rejects(const char *text, size_t len, const char *want_path, const char *want_msg, size_t off)
{
  struct json_err e;
  cJSON *j = json_parse_strict(text, len, &e);
  if (j) {
    cJSON_Delete(j);
    printf("# accepted: %.*s\n", (int)len, text);
    return 0;
  }
  if (strcmp(e.path, want_path) || strncmp(e.msg, want_msg, strlen(want_msg)) || e.off != off) {
    printf("# got path=%s msg=%s off=%zu\n", e.path, e.msg, e.off);
    return 0;
  }
  return 1;
}
#define REJECTS(lit, path, msg, off) rejects(lit, sizeof lit - 1, path, msg, off)

static cJSON *parse(const char *text)
{
  struct json_err e;
  cJSON *j = json_parse_strict(text, strlen(text), &e);
  if (!j) printf("# rejected at %zu: %s %s\n", e.off, e.path, e.msg);
  return j;
}

/* Run fn(arg) in a child: 1 if it died with 100 and printed want on fd 2. */
static int dies_with(void (*fn)(const cJSON *), const cJSON *arg, const char *want)
{
  int p[2], st;
  char buf[512] = "";
  ssize_t n;
  pid_t pid;
  if (pipe(p) < 0) return 0;
  if ((pid = fork()) == 0) {
    dup2(p[1], 2);
    fn(arg);
    _exit(0);
  }
  close(p[1]);
  n = read(p[0], buf, sizeof buf - 1);
  close(p[0]);
  waitpid(pid, &st, 0);
  if (n > 0) buf[n] = 0;
  if (!WIFEXITED(st) || WEXITSTATUS(st) != EXIT_BADINPUT || strcmp(buf, want)) {
    printf("# status %d, said: %s", st, buf);
    return 0;
  }
  return 1;
}

static void get_uid(const cJSON *o)
{
  long long v;
  xjson_int(o, "uid", "process.user", 0, 4294967294LL, &v);
}
static void get_mask(const cJSON *o)
{
  uint64_t v;
  xjson_u64(o, "valueTwo", "linux.seccomp.syscalls[0].args[0]", &v);
}
static void get_args(const cJSON *o) { xjson_arr(o, "args", "process"); }

int main(void)
{
  cJSON *j;
  long long ll = 0;
  uint64_t u = 0;

  prog = "test-json";
  /* the grammar */
  ok(REJECTS("{\"a\": 1,}", "", "", 8), "a trailing comma");
  ok(REJECTS("{\"a\": 01}", "", "", 7), "a leading zero");
  ok(REJECTS("{\"a\": 1.}", "a", "", 8), "a dot without digits");
  ok(REJECTS("{\"a\": -}", "a", "", 7), "a lone minus");
  ok(REJECTS("{\"a\": tru}", "a", "", 9), "a cut literal");
  ok(REJECTS("{\"a\": NaN}", "a", "", 6), "NaN");
  ok(REJECTS("{'a': 1}", "", "", 1), "single quotes");
  ok(REJECTS("\xef\xbb\xbf{}", "", "", 0), "a byte order mark");
  ok(REJECTS("{\"a\": [1, 2", "a", "", 11), "cut short");
  ok(REJECTS("{} x", "", "trailing data after the JSON value", 3), "trailing data");
  ok(REJECTS("{}\0", "", "trailing data after the JSON value", 2), "a NUL after the value");
  /* strings */
  ok(REJECTS("{\"a\": \"x\x01y\"}", "a", "raw control character 0x01 inside a string", 8),
     "a raw control character");
  ok(REJECTS("{\"a\": \"x\ty\"}", "a", "raw control character 0x09 inside a string", 8), "a raw tab");
  ok(REJECTS("{\"a\": \"x\0y\"}", "a", "raw NUL byte inside a string", 8), "a raw NUL");
  ok(REJECTS("{\"a\": [\"x\\u0000y\"]}", "a[0]", "\\u0000 inside a string", 9), "\\u0000 in a value");
  ok(REJECTS("{\"a\\u0000b\": 1}", "", "\\u0000 inside a string", 3), "\\u0000 in a key");
  ok(REJECTS("{\"a\": \"\\ud800\"}", "a", "unpaired UTF-16 surrogate \\ud800", 7), "a lone high surrogate");
  ok(REJECTS("{\"a\": \"\\udc00\"}", "a", "unpaired UTF-16 surrogate \\udc00", 7), "a lone low surrogate");
  ok(REJECTS("{\"a\": \"\\ud800\\u0041\"}", "a", "unpaired UTF-16 surrogate", 7),
     "a high surrogate and a letter");
  ok(REJECTS("{\"a\": \"\\x41\"}", "a", "bad escape \\x", 7), "an unknown escape");
  ok(REJECTS("{\"a\": \"\\u12g4\"}", "a", "bad \\u escape", 7), "a bad \\u escape");
  ok(REJECTS("{\"a\": \"\xc0\xaf\"}", "a", "invalid UTF-8", 7), "an overlong slash");
  ok(REJECTS("{\"a\": \"\xe0\x80\xaf\"}", "a", "invalid UTF-8", 7), "a 3-byte overlong");
  ok(REJECTS("{\"a\": \"\xed\xa0\x80\"}", "a", "invalid UTF-8", 7), "an encoded surrogate");
  ok(REJECTS("{\"a\": \"\xf4\x90\x80\x80\"}", "a", "invalid UTF-8", 7), "past U+10FFFF");
  ok(REJECTS("{\"a\": \"\xf5\x80\x80\x80\"}", "a", "invalid UTF-8", 7), "a 0xf5 lead byte");
  ok(REJECTS("{\"a\": \"x\xe2\x82\"}", "a", "invalid UTF-8", 8), "a cut sequence");
  ok(REJECTS("{\"a\": \"\x80\"}", "a", "invalid UTF-8", 7), "a stray continuation byte");
  ok(REJECTS("{\"a\": \"\xff\"}", "a", "invalid UTF-8", 7), "0xff");
  /* objects */
  ok(REJECTS("{\"a\": {\"b\": 1, \"b\": 2}}", "a", "duplicate key \"b\"", 6), "a duplicate key");
  {
    /* many members: the sorted check, and the path through arrays */
    char big[4096] = "{\"x\": [{";
    for (int i = 0; i < 100; i++) sprintf(big + strlen(big), "\"k%d\": %d, ", i, i);
    strcat(big, "\"k42\": 0}]}");
    ok(rejects(big, strlen(big), "x[0]", "duplicate key \"k42\"", 7), "a duplicate among 101 keys");
  }
  {
    /* a hostile nesting: refused before the stack runs out */
    char deep[1200];
    struct json_err e;
    memset(deep, '[', 600);
    memset(deep + 600, ']', 600);
    ok(!json_parse_strict(deep, sizeof deep, &e) && !strcmp(e.msg, "nested deeper than 256 levels") &&
           e.off == 256,
       "deep nesting is refused");
  }
  /* what is accepted, decoded */
  j = parse("{\"s\": \"\\u00e9\\ud83d\\ude00\\n\\\"\\/\", \"u\": \"\xc3\xa9\xf0\x9f\x98\x80\", \"e\": \"\"}");
  ok(j && !strcmp(cJSON_GetObjectItem(j, "s")->valuestring, "\xc3\xa9\xf0\x9f\x98\x80\n\"/"),
     "escapes and a surrogate pair decode to UTF-8");
  ok(j && !strcmp(cJSON_GetObjectItem(j, "u")->valuestring, "\xc3\xa9\xf0\x9f\x98\x80"), "raw UTF-8 is kept");
  ok(j && !strcmp(cJSON_GetObjectItem(j, "e")->valuestring, ""), "the empty string");
  cJSON_Delete(j);
  j = parse(" [true, false, null, -0, 1.5e3, {}, []] \n");
  ok(j && cJSON_GetArraySize(j) == 7 && cJSON_IsTrue(cJSON_GetArrayItem(j, 0)) &&
         cJSON_IsNull(cJSON_GetArrayItem(j, 2)) && cJSON_GetArrayItem(j, 4)->valuedouble == 1500,
     "literals, numbers, empty containers");
  cJSON_Delete(j);
  /* integers from their text, not through a double */
  j = parse("{\"uid\": 9007199254740993, \"valueTwo\": 18446744073709551615, \"big\": 9007199254740993}");
  ok(j && xjson_int(j, "big", "", 0, INT64_MAX, &ll) && ll == 9007199254740993LL, "2^53+1 read exactly");
  ok(j && xjson_u64(j, "valueTwo", "", &u) && u == UINT64_MAX, "2^64-1 read exactly");
  ok(dies_with(
         get_uid, j,
         "test-json: config.json: process.user.uid: 9007199254740993 is out of range [0, 4294967294]\n"),
     "out of range, with the literal");
  cJSON_Delete(j);
  j = parse("{\"uid\": 1e3, \"valueTwo\": 18446744073709551616}");
  ok(dies_with(get_uid, j, "test-json: config.json: process.user.uid: expected an integer\n"),
     "1e3 is not an integer");
  ok(dies_with(
         get_mask, j,
         "test-json: config.json: linux.seccomp.syscalls[0].args[0].valueTwo: 18446744073709551616 is out of "
         "range [0, 18446744073709551615]\n"),
     "2^64 is out of range");
  cJSON_Delete(j);
  j = parse("{\"uid\": -0.0, \"valueTwo\": -1}");
  ok(dies_with(get_uid, j, "test-json: config.json: process.user.uid: expected an integer\n"),
     "-0.0 is not an integer");
  ok(dies_with(get_mask, j,
               "test-json: config.json: linux.seccomp.syscalls[0].args[0].valueTwo: expected a non-negative "
               "integer\n"),
     "-1 for an unsigned");
  cJSON_Delete(j);
  /* member names Go would fold onto the field */
  j = parse("{\"args\": [], \"ARGS\": []}");
  ok(dies_with(get_args, j,
               "test-json: config.json: process: keys \"args\" and \"ARGS\" differ only in case (runc reads "
               "them as one "
               "field)\n"),
     "args and ARGS");
  cJSON_Delete(j);
  j = parse("{\"arg\xc5\xbf\": []}");
  ok(dies_with(get_args, j,
               "test-json: config.json: process.arg\xc5\xbf: key differs from \"args\" only in case\n"),
     "a long s folds to s");
  cJSON_Delete(j);
  j = parse("{\"args\": 3}");
  ok(dies_with(get_args, j, "test-json: config.json: process.args: expected an array\n"),
     "a number for an array");
  cJSON_Delete(j);
  json_nocase = 1;
  j = parse("{\"Args\": []}");
  ok(j && xjson_arr(j, "args", "process"), "case-insensitive (2015): one match is read");
  cJSON_Delete(j);
  json_nocase = 0;
  {
    /* the state hooks read: an annotation whose name holds quotes stays a
       name, it cannot add members (a second "pid") */
    static const char text[] = "ocispec 1\nstate.id c\nannotation a\",\"pid\":1,\"x v\n";
    struct spec sp;
    char buf[4096], *t = strdup(text);
    cJSON *st, *ann;
    size_t n = 0;
    if (t && spec_parse(t, strlen(t), &sp, NULL) == 0) n = state_json(&sp, 42, "creating", buf, sizeof buf);
    st = n ? parse(buf) : NULL;
    ann = st ? cJSON_GetObjectItem(st, "annotations") : NULL;
    ok(st && cJSON_GetObjectItem(st, "pid")->valuedouble == 42 && ann && cJSON_GetArraySize(ann) == 1 &&
           !strcmp(ann->child->string, "a\",\"pid\":1,\"x"),
       "state JSON: an annotation name is escaped");
    if (!st) printf("# %s\n", buf);
    cJSON_Delete(st);
    spec_free(&sp);
  }
  return done();
}
