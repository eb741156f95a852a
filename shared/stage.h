/* stage.h: what every program in the chain does first. */
#ifndef STAGE_H
#define STAGE_H

#include "spec.h"

/* Start the --debug timing clocks (die.h), name the program, opterr = 0, PR_SET_DUMPABLE 0 (execve resets
   it); a normal exit writes the "done" debug line. OCI_FAIL_STATUS=N in the environment (taken out of it):
   every failure exits N (die_set_exit), so that bin/runc can exec a program instead of mapping its status. */
void stage_init(const char *name);
/* Read the spec from spec_fd() or die: 111 on a read error, 100 when it is
   malformed. Then stage_config(). */
void stage_read(struct spec *sp);
/* Route failures as the spec says: fd.log/log.format/log.level, exit.setup,
   and, when the spec names a state dir or comes from oci-parse without one
   (run.mode run or create, not exec) and we are not inside the container
   (no ns.sync record), chain-load into "oci-delete --force" on failure so
   that a failed run leaves nothing behind (DESIGN.md 5). */
void stage_config(const struct spec *sp);
/* Every signal back to its default disposition and unblocked, the
   glibc-reserved ones included. -1 with errno on failure. */
int signals_reset(void);
/* Chain-load "oci-delete --force --exit=STATUS" with the spec still on its
   fd (the one teardown, DESIGN.md 5). Returns only when the exec failed. */
void stage_teardown(const struct spec *sp, int status);
/* Parse a decimal fd number from a record field; -1 on junk. */
int stage_fdnum(const char *s);
/* Parse a non-negative decimal; -1 on junk or overflow past max. */
long long stage_num(const char *s, long long max);

#endif
