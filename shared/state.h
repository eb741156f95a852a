/* state.h: the container's state dir, <root>/<id>/ (DESIGN.md 6).
     state.json  OCI state plus what the tools need (init pid and its start
                 time, so a reused pid is never mistaken for the init)
     spec        the normalized spec as the monitor saw it (with the
                 cgroup.dir records the teardown needs)
   Status is derived from the process, never trusted from the file. */
#ifndef STATE_H
#define STATE_H

#include <sys/types.h>

#include "spec.h"

/* Start time of pid in clock ticks since boot (/proc/PID/stat field 22);
   0 when the process is gone. */
unsigned long long state_starttime(pid_t pid);
/* Write state.json and spec into the state dir named by the spec's
   state.dir record, atomically (write to a temp name, rename). */
int state_write(const struct spec *sp, pid_t pid, const char *status);
/* The OCI state object (ociVersion, id, status, pid, bundle, annotations)
   into buf, as hooks get it on stdin. Returns its length. */
size_t state_json(const struct spec *sp, pid_t pid, const char *status, char *buf, size_t size);

#endif
