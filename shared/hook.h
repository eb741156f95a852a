/* hook.h: OCI hooks. oci-parse writes one record per hook,
     hook KIND PATH TIMEOUT NARGS ARG... ENV...
   and whoever runs a kind calls hook_run at its point of the lifecycle:
   the monitor (prestart, createRuntime, poststart), oci-mount
   (createContainer), oci-exec (startContainer), oci-delete (poststop).
   Each hook gets the container's state JSON on stdin. */
#ifndef HOOK_H
#define HOOK_H

#include <stddef.h>
#include <sys/types.h>

#include "spec.h"

/* Does the spec hold hooks of this kind? */
int hook_any(const struct spec *sp, const char *kind);
/* Run the hooks of one kind in order, stopping at the first failure.
   Returns 0, or -1 with msg set ("hook prestart /bin/x: exit status 2"),
   or -2 with msg set for a malformed record (line number included). */
int hook_run(const struct spec *sp, const char *kind, pid_t pid, const char *status, char *msg, size_t size);
/* The same, but a failing hook is handed to failed() and the others still
   run (poststart, poststop: a failure is a warning). */
int hook_run_all(const struct spec *sp, const char *kind, pid_t pid, const char *status, char *msg,
                 size_t size, void (*failed)(const char *msg));

#endif
