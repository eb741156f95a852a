/* state.h: the container's state dir, <root>/<id>/ (DESIGN.md 6).
     state.json  OCI state plus what the tools need (init pid and its start
                 time, so a reused pid is never mistaken for the init)
     spec        the normalized spec as the monitor saw it (with the
                 cgroup.dir records the teardown needs), then the cgroup.*
                 records oci-update appended (the last of a key wins)
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

/* A container as the lifecycle programs see it. */
struct cstate {
  char dir[4096];     /* ROOT/ID */
  char *json;         /* state.json as written */
  pid_t pid;          /* the init; 0 when stopped */
  const char *status; /* derived: created, running, paused, stopped */
  struct spec *spec;  /* DIR/spec when deriving the status read it, else NULL (state_spec_of) */
};
/* Load ROOT/ID/state.json and derive the status: the init must still have
   the start time recorded (a reused pid is never taken for it); created
   while the exec fifo exists, paused when its freezer is frozen. -1 with
   errno ENOENT when there is no such container. */
int state_load(const char *root, const char *id, struct cstate *st);
void state_free(struct cstate *st);
/* state_load() for a lifecycle program, with their common words: dies 100
   on an invalid id ("invalid container ID format: ID") or when there is no
   such container ("container ID does not exist"), 111 when the state
   cannot be read. */
void xstate_load(const char *root, const char *id, struct cstate *st);
/* Read the spec the monitor saved in a state dir (DIR/spec). -1 with errno. */
int state_spec(const char *dir, struct spec *sp);
/* The same for a loaded container: the copy state_load already read (a
   running or created one's, for its freezer) is handed over, else it is
   read. The caller spec_free()s it. */
int state_spec_of(struct cstate *st, struct spec *sp);
/* The raw JSON token of a top-level key of our state.json ("\"abc\"", 42);
 *len gets its length. NULL when absent. */
const char *state_raw(const char *json, const char *key, size_t *len);
/* Lock a state dir (flock on the dir, DESIGN.md 6): one lifecycle
   operation of a container at a time. oci-parse takes it when it makes the
   dir and the chain holds it (record state.lock) until the state is
   written; oci-start and oci-delete take it. Waits up to timeout_ms; then -1
   with ETIMEDOUT. -1 with ENOENT when the dir is gone. Returns the fd. */
int state_lock(const char *dir, int timeout_ms);
/* state_lock() of ROOT/ID for a lifecycle program, waiting up to 10 s, with
   their common words: dies 100 on an invalid id or when there is no such
   container ("container ID does not exist"; but returns -1 when missing_ok,
   for delete --force), 111 when another runtime process holds the lock
   ("container ID is busy: ...") or it cannot be taken. Returns the fd,
   held until it is closed or the program exits. */
int xstate_lock(const char *root, const char *id, int missing_ok);
/* Replace DIR/spec with text, atomically (a temp name, then rename), so
   that a reader sees the old spec or the new one: a create killed at any
   moment leaves oci-delete what it needs, and update appends to it.
   -1 with errno. */
int state_save_spec(const char *dir, const char *text, size_t len);
/* An id is a runc id: letters, digits, _ + - . and not . or .. */
int state_valid_id(const char *id);

#endif
