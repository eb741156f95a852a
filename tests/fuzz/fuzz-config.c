/* fuzz-config: libFuzzer over oci-parse's whole config reader, in-process:
   the strict JSON reader, the 2015 conversion and every parse_* function
   that turns the tree into records (config_records). oci-parse's main is
   renamed away; die() returns here through the teardown hook and a
   longjmp instead of exiting. The bundle is a temporary dir holding an
   empty rootfs/, so that root.path "rootfs" resolves. */
#include <setjmp.h>
#include <stdint.h>

#define main oci_parse_main
#include "../../stages/oci-parse.c"
#undef main

static jmp_buf back;
static char tmpdir[] = "/tmp/fuzz-config.XXXXXX";

static void jump_back(int status)
{
  (void)status;
  longjmp(back, 1);
}

static void cleanup(void)
{
  char p[64];
  snprintf(p, sizeof p, "%s/rootfs", tmpdir);
  rmdir(p);
  rmdir(tmpdir);
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
  char p[64];
  (void)argc, (void)argv;
  prog = "oci-parse";
  if (!mkdtemp(tmpdir)) abort();
  snprintf(p, sizeof p, "%s/rootfs", tmpdir);
  if (mkdir(p, 0755) < 0) abort();
  snprintf(bundle_abs, sizeof bundle_abs, "%s", tmpdir);
  atexit(cleanup);
  return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
  static cJSON *volatile cfg, *volatile rt;
  specw_init(&w);
  specw_from(&w, NULL);
  json_nocase = 0;
  die_set_teardown(jump_back);
  if (!setjmp(back)) {
    json_file = "config.json";
    cfg = xjson_parse((const char *)data, size);
    if (!cJSON_IsObject(cfg)) json_die(NULL, "expected a JSON object");
    if (legacy_detect(cfg)) { /* the 2015 pair, with an empty runtime.json */
      cJSON *conv;
      rt = cJSON_CreateObject();
      conv = legacy_convert(cfg, rt);
      cJSON_Delete(cfg);
      cfg = conv;
    }
    config_records(cfg);
  }
  die_set_teardown(NULL);
  cJSON_Delete(cfg);
  cJSON_Delete(rt);
  cfg = rt = NULL;
  specw_free(&w);
  return 0;
}
