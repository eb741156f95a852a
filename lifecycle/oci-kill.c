/* oci-kill: send a signal to a container's first process. The pid comes
   from state.json and is trusted only while its start time still matches
   (a reused pid is never signalled); the signal goes through a pidfd.
   A lifecycle program, not a stage. See oci-kill(8). */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "die.h"
#include "fd.h"
#include "names.h"
#include "stage.h"
#include "state.h"

#define USAGE "oci-kill [--root=DIR] ID [SIGNAL]"

static unsigned long long json_num(const char *json, const char *key)
{
  char pat[64];
  const char *p;
  snprintf(pat, sizeof pat, "\"%s\":", key);
  p = strstr(json, pat);
  return p ? strtoull(p + strlen(pat), NULL, 10) : 0;
}

int main(int argc, char **argv)
{
  static const struct option longopts[] = {{"root", required_argument, 0, 'r'}, {0, 0, 0, 0}};
  const char *root = "/run/runc", *id;
  char path[4200], buf[65536];
  int opt, sig = SIGTERM, pidfd;
  pid_t pid;

  stage_init("oci-kill");
  while ((opt = getopt_long(argc, argv, "+r:", longopts, NULL)) != -1) switch (opt) {
      case 'r': root = optarg; break;
      default: die_usage(USAGE);
    }
  argv += optind;
  if (!argv[0] || (argv[1] && argv[2])) die_usage(USAGE);
  id = argv[0];
  if (argv[1] && (sig = signal_from_name(argv[1])) < 0) die(EXIT_BADINPUT, "unknown signal \"%s\"", argv[1]);
  if (!*id || strchr(id, '/') || !strcmp(id, ".") || !strcmp(id, ".."))
    die(EXIT_BADINPUT, "invalid container ID format: %s", id);
  snprintf(path, sizeof path, "%s/%s/state.json", root, id);
  if (file_read_at(AT_FDCWD, path, buf, sizeof buf) < 0) {
    if (errno == ENOENT) die(EXIT_BADINPUT, "container %s does not exist", id);
    die_sys(EXIT_SYSFAIL, "read %s", path);
  }
  pid = (pid_t)json_num(buf, "pid");
  if (pid <= 0 || state_starttime(pid) != json_num(buf, "init_start_time"))
    die(EXIT_BADINPUT, "container not running");
  pidfd = (int)syscall(SYS_pidfd_open, pid, 0);
  /* the start time is checked again with the pidfd held: no pid reuse race */
  if (pidfd < 0 || state_starttime(pid) != json_num(buf, "init_start_time"))
    die(EXIT_BADINPUT, "container not running");
  if (syscall(SYS_pidfd_send_signal, pidfd, sig, NULL, 0) < 0) {
    if (errno == ESRCH) die(EXIT_BADINPUT, "container not running");
    die_sys(EXIT_SYSFAIL, "kill container %s", id);
  }
  return 0;
}
