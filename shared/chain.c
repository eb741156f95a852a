#include "chain.h"

#include <errno.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "die.h"
#include "stage.h"

extern char **environ;

void chain_try(const struct spec *sp, char **argv)
{
  const char *s = sp ? spec_get(sp, "fd.stagedir") : NULL;
  chain_try_dir(s ? stage_fdnum(s) : -1, argv);
}

void chain_try_dir(int dir, char **argv)
{
  debug_done(); /* the --debug log's per-stage timing, once */
  if (!strchr(argv[0], '/') && dir >= 0) {
    syscall(SYS_execveat, dir, argv[0], argv, environ, 0);
    if (errno != ENOENT) return;
  }
  execvp(argv[0], argv);
}

void chain_exec(const struct spec *sp, char **argv)
{
  chain_try(sp, argv);
  die_sys(errno == ENOENT ? EXIT_NOTFOUND : EXIT_NOEXEC, "exec %s", argv[0]);
}
