/* fuzz-state: libFuzzer over the reading of a container's state.json
   (shared/state.c): state_raw for every field the lifecycle programs read,
   and state_load on the input written as ROOT/c/state.json. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fd.h"
#include "state.h"

static char root[] = "/tmp/fuzz-state.XXXXXX";
static char dir[64], file[96];

static void cleanup(void)
{
  unlink(file);
  rmdir(dir);
  rmdir(root);
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
  (void)argc, (void)argv;
  if (!mkdtemp(root)) abort();
  snprintf(dir, sizeof dir, "%s/c", root);
  snprintf(file, sizeof file, "%s/state.json", dir);
  if (mkdir(dir, 0700) < 0) abort();
  atexit(cleanup);
  return 0;
}

/* state_load as oci-state runs it: the file, the pid, its start time */
static void load(const uint8_t *data, size_t size)
{
  struct cstate st;
  FILE *f = fopen(file, "w");
  if (!f) return;
  fwrite(data, 1, size, f);
  fclose(f);
  if (state_load(root, "c", &st) == 0) state_free(&st);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
  static const char *const keys[] = {"ociVersion", "id",      "pid",   "status",          "bundle",
                                     "rootfs",     "created", "owner", "init_start_time", "annotations"};
  size_t sum = 0, len;
  char *json = malloc(size + 1);
  if (!json) return 0;
  memcpy(json, data, size);
  json[size] = 0;
  for (size_t k = 0; k < sizeof keys / sizeof *keys; k++) {
    const char *v = state_raw(json, keys[k], &len);
    if (!v) continue;
    for (size_t i = 0; i < len; i++) sum += (unsigned char)v[i]; /* every byte read: ASan checks */
    (void)strtol(v, NULL, 10);
    (void)strtoull(v, NULL, 10);
  }
  free(json);
  load(data, size);
  return sum == (size_t)-1;
}
