/* parse-exec.h: oci-parse --mode=exec, `runc exec`: the spec of one more
   process in an existing container, from its state dir and a process
   (--process FILE, or the bundle's config.json process with --arg and the
   flag overrides). See oci-parse(8) and oci-spec(5), EXEC. */
#ifndef PARSE_EXEC_H
#define PARSE_EXEC_H

#include <stddef.h>

#include <cjson/cJSON.h>

#include "spec.h"

/* getopt_long codes of the exec options, above every short option */
enum {
  XO_PROCESS = 0x100,
  XO_ARG,
  XO_CWD,
  XO_ENV,
  XO_USER,
  XO_GIDS,
  XO_CAP,
  XO_NNP,
  XO_LABEL,
  XO_APPARMOR,
  XO_TTY,
  XO_DETACH,
  XO_IGNPAUSED,
  XO_CGROUP,
};
/* their struct option entries, for oci-parse's table */
#define EXEC_LONGOPTS                                                                                        \
  {"process", required_argument, 0, XO_PROCESS}, {"arg", required_argument, 0, XO_ARG},                      \
      {"cwd", required_argument, 0, XO_CWD}, {"env", required_argument, 0, XO_ENV},                          \
      {"user", required_argument, 0, XO_USER}, {"additional-gids", required_argument, 0, XO_GIDS},           \
      {"cap", required_argument, 0, XO_CAP}, {"no-new-privs", no_argument, 0, XO_NNP},                       \
      {"process-label", required_argument, 0, XO_LABEL}, {"apparmor", required_argument, 0, XO_APPARMOR},    \
      {"tty", no_argument, 0, XO_TTY}, {"detach", no_argument, 0, XO_DETACH},                                \
      {"ignore-paused", no_argument, 0, XO_IGNPAUSED}, {"cgroup", required_argument, 0, XO_CGROUP},

/* One exec option from getopt_long: 1 when opt was one, 0 otherwise. */
int exec_option(int opt, const char *arg);
/* Was any exec option given (they need --mode=exec)? */
int exec_options_given(void);
/* Load ROOT/ID: dies with runc's wording when there is no such container,
   when it is stopped, or paused without --ignore-paused. Copies the
   container's bundle into bundle (size n). */
void exec_load(const char *root, const char *id, char *bundle, size_t n);
/* The container's oci.version, from its saved spec. */
const char *exec_version(void);
/* The process to run, with the flag overrides applied, as a config tree
   {"process": {...}} that oci-parse's process reader takes. */
cJSON *exec_process(const char *bundle);
/* Append the exec-mode records: what the container's saved spec says
   (root, seccomp, cgroup.dir, namespaces to join, defaults the process
   leaves unset), the process itself (through parse_process), exec.*.
   Dies on a bad --cgroup, or when a terminal cannot go anywhere. */
void exec_records(struct specw *w, const cJSON *cfg, int consock);

/* oci-parse.c's, used here */
void parse_process(const cJSON *cfg);
cJSON *config_load(const char *bundle, const char **ver);

#endif
