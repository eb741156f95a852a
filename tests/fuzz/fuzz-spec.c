/* fuzz-spec: libFuzzer over the spec reader every stage uses
   (shared/spec.c): parse, walk every record, unescape, read numbers. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "spec.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
  struct spec sp;
  unsigned line;
  long long v;
  size_t sum = 0;
  char *text = malloc(size + 1);
  if (!text) return 0;
  memcpy(text, data, size);
  text[size] = 0;
  /* spec_parse owns text from here: spec_free frees it */
  if (spec_parse(text, size, &sp, &line) == 0) {
    for (const struct rec *r = NULL; (r = spec_next(&sp, NULL, r));)
      for (unsigned i = 0; i < r->nf; i++) sum += strlen(r->f[i]);
    (void)spec_get(&sp, "root.path");
    (void)spec_get_int(&sp, "process.uid", 0, &v);
    (void)spec_get_int(&sp, "run.preservefds", 0, &v);
  }
  spec_free(&sp);
  return sum == (size_t)-1;
}
