/* chain.h: exec the rest of argv (the chain is argv, as in execline). */
#ifndef CHAIN_H
#define CHAIN_H

#include "spec.h"

/* A bare name is looked up first in the stage directory the spec records
   (fd.stagedir), then on PATH; a name with '/' is executed as is. Dies 127
   when not found, 126 when not executable. The exec is preceded by the
   --debug log's "PROG: done wall=... cpu=..." line (die.h), once. */
__attribute__((noreturn)) void chain_exec(const struct spec *sp, char **argv);
/* The same, but returns (errno set) when the exec fails. */
void chain_try(const struct spec *sp, char **argv);
/* The same with the stage directory fd given (oci-parse, before any spec). */
void chain_try_dir(int dirfd, char **argv);

#endif
