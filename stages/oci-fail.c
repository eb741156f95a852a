/* oci-fail: fail the chain as a stage does, with a shell stage's message
   (oci-fail(8)): `exec oci-fail oci-policy "CAP_SYS_ADMIN is denied"`.
   The spec on fd 3 arms the --log and the teardown as in any stage; the
   line is "NAME: MESSAGE", the status exit.setup, else --status, else 100. */
#include <stdlib.h>
#include <string.h>

#include "die.h"
#include "spec.h"
#include "stage.h"

#define USAGE "oci-fail [--status=N] NAME MESSAGE..."

int main(int argc, char **argv)
{
  struct spec sp;
  unsigned line;
  long long status = EXIT_BADINPUT;
  size_t len = 0;
  char *msg;
  int i = 1;

  stage_init("oci-fail");
  if (i < argc && !strncmp(argv[i], "--status=", 9)) {
    if ((status = stage_num(argv[i] + 9, 255)) < 1)
      die(EXIT_BADINPUT, "--status=%s: not 1 to 255", argv[i] + 9);
    i++;
  }
  if (argc - i < 2 || !*argv[i]) die_usage(USAGE);
  /* A spec that cannot be read must not hide the message: then the failure is only reported. */
  if (spec_read(spec_fd(), &sp, &line) == 0) stage_config(&sp);
  for (int k = i + 1; k < argc; k++) len += strlen(argv[k]) + 1;
  if (!(msg = malloc(len + 1))) die_sys(EXIT_SYSFAIL, "allocate memory");
  char *p = msg;
  for (int k = i + 1; k < argc; k++) p = stpcpy(p, argv[k]), *p++ = ' ';
  p[-1] = 0;
  prog = argv[i];
  die((int)status, "%s", msg);
}
