/* drive: the timing driver of tests/bench. Runs a list of commands N times
 * in sequence, in P parallel lanes, and prints one line
 *   ms=WALL rss_kb=PEAK runs=N*P start=REALTIME
 * WALL is CLOCK_MONOTONIC from before the first fork to after the last
 * command's wait (in the lane that finished last), in milliseconds. PEAK
 * is the largest ru_maxrss that wait4 reported for any process the driver
 * reaped: each command (its whole exec chain) and, as the driver is a
 * child subreaper, every orphan the commands left (a detached monitor, a
 * container's init). REALTIME is CLOCK_REALTIME at the start, in seconds,
 * to place the calls on a --debug log's timeline.
 *
 * Usage: drive [-n N] [-p P] [-i PREFIX] [-t SECONDS] CMD [ARGS] [; CMD...]
 * Commands are separated by a lone ";" argument. "@ID@" anywhere in an
 * argument becomes PREFIX-LANE-ITER, a fresh container id per iteration.
 * The command "@wait FILE" waits (pidfd) for the process whose pid FILE
 * holds to exit: a container's init, not necessarily our child.
 * A command that fails (non-zero exit, signal, timeout) stops its lane;
 * drive then says which on stderr and exits 1. Commands' stdout goes to
 * /dev/null, stderr is inherited. SIGINT or SIGTERM stops drive: the
 * current command gets SIGTERM, no new one starts, exit 1. A command
 * running longer than -t SECONDS (default 60) is killed.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/wait.h>

#define MAXARGS 64 /* per command */
#define USAGE "drive [-n N] [-p P] [-i PREFIX] [-t SECONDS] CMD [ARGS] [; CMD...]"

struct lane {
  long rss_kb;
  int failed;
  struct timespec end; /* when its last command returned */
};

static char **cmds[64];
static int ncmds;
static const char *prefix = "bench";
static int timeout_s = 60;
static int devnull = -1;
static volatile pid_t current;
static volatile sig_atomic_t stop;
static pid_t lane_pids[256];
static int nlanes; /* in the parent of parallel lanes */

/* SIGALRM: the current command took too long; SIGINT, SIGTERM: pass it
 * on (to the lanes, or the current command) and stop */
static void on_signal(int sig)
{
  int i;

  if (sig != SIGALRM) stop = 1;
  for (i = 0; i < nlanes; i++) kill(lane_pids[i], SIGTERM);
  if (current > 0) kill(current, sig == SIGALRM ? SIGKILL : SIGTERM);
}

static void note_rss(struct lane *l, const struct rusage *ru)
{
  if (ru->ru_maxrss > l->rss_kb) l->rss_kb = ru->ru_maxrss;
}

/* reap the orphans that have exited so far, counting their peak RSS */
static void reap_orphans(struct lane *l)
{
  struct rusage ru;
  int st;

  while (wait4(-1, &st, WNOHANG, &ru) > 0) note_rss(l, &ru);
}

/* ARG with every @ID@ replaced by ID, in BUF */
static const char *subst(const char *arg, const char *id, char *buf, size_t size)
{
  const char *p = strstr(arg, "@ID@");
  size_t n = 0;

  if (!p) return arg;
  while (p && n < size) {
    n += snprintf(buf + n, size - n, "%.*s%s", (int)(p - arg), arg, id);
    arg = p + 4;
    p = strstr(arg, "@ID@");
  }
  if (n < size) snprintf(buf + n, size - n, "%s", arg);
  return buf;
}

static int wait_pidfile(const char *file, struct lane *l)
{
  char buf[32] = "";
  struct pollfd pfd;
  long pid;
  int fd = open(file, O_RDONLY | O_CLOEXEC), n;

  if (fd < 0 || (n = read(fd, buf, sizeof buf - 1)) <= 0) {
    fprintf(stderr, "drive: @wait: cannot read %s: %s\n", file, strerror(errno));
    if (fd >= 0) close(fd);
    return -1;
  }
  close(fd);
  pid = strtol(buf, NULL, 10);
  pfd.fd = (int)syscall(SYS_pidfd_open, (pid_t)pid, 0);
  if (pfd.fd < 0) {
    if (errno == ESRCH) /* gone already */
      goto done;
    fprintf(stderr, "drive: @wait: pidfd_open %ld: %s\n", pid, strerror(errno));
    return -1;
  }
  pfd.events = POLLIN;
  n = poll(&pfd, 1, timeout_s * 1000);
  close(pfd.fd);
  if (n <= 0) {
    fprintf(stderr, "drive: @wait: pid %ld from %s did not exit in %d s\n", pid, file, timeout_s);
    return -1;
  }
done:
  reap_orphans(l);
  return 0;
}

/* run command C with container id ID; 0 if it exited 0 */
static int run_one(char **c, const char *id, struct lane *l)
{
  static char bufs[MAXARGS][4096];
  const char *argv[MAXARGS + 1];
  struct rusage ru;
  int i, st;
  pid_t pid;

  for (i = 0; i < MAXARGS && c[i]; i++) argv[i] = subst(c[i], id, bufs[i], sizeof bufs[0]);
  argv[i] = NULL;
  if (strcmp(argv[0], "@wait") == 0) return wait_pidfile(argv[1] ? argv[1] : "", l);
  pid = fork();
  if (pid < 0) {
    perror("drive: fork");
    return -1;
  }
  if (pid == 0) {
    dup2(devnull, 1);
    execvp(argv[0], (char **)argv);
    fprintf(stderr, "drive: exec %s: %s\n", argv[0], strerror(errno));
    _exit(127);
  }
  current = pid;
  alarm(timeout_s);
  while (wait4(pid, &st, 0, &ru) < 0)
    if (errno != EINTR) {
      perror("drive: wait4");
      return -1;
    }
  alarm(0);
  current = 0;
  note_rss(l, &ru);
  reap_orphans(l);
  if (WIFEXITED(st) && WEXITSTATUS(st) == 0) return 0;
  fprintf(stderr, "drive: %s (id %s): ", argv[0], id);
  for (i = 1; argv[i]; i++) fprintf(stderr, "%s%s", argv[i], argv[i + 1] ? " " : "");
  if (WIFEXITED(st))
    fprintf(stderr, ": exit %d\n", WEXITSTATUS(st));
  else
    fprintf(stderr, ": %s\n", strsignal(WTERMSIG(st)));
  return -1;
}

static void run_lane(int lane, int n, struct lane *l)
{
  char id[256];
  int i, j;

  prctl(PR_SET_CHILD_SUBREAPER, 1);
  for (i = 0; i < n && !stop; i++) {
    snprintf(id, sizeof id, "%s-%d-%d", prefix, lane, i);
    for (j = 0; j < ncmds; j++)
      if (run_one(cmds[j], id, l) < 0) {
        l->failed = 1;
        goto out;
      }
  }
out:
  clock_gettime(CLOCK_MONOTONIC, &l->end);
  /* not timed: orphans still running (there should be none), up to 2 s */
  for (i = 0; i < 100; i++) {
    struct rusage ru;
    pid_t r = wait4(-1, NULL, WNOHANG, &ru);

    if (r > 0)
      note_rss(l, &ru);
    else if (r == 0)
      usleep(20000);
    else
      break;
  }
}

int main(int argc, char **argv)
{
  struct sigaction sa = {.sa_handler = on_signal};
  struct timespec t0, t1, r0;
  struct lane *lanes;
  long rss = 0;
  int n = 1, p = 1, o, i, failed = 0;

  while ((o = getopt(argc, argv, "+n:p:i:t:")) != -1) switch (o) {
      case 'n': n = atoi(optarg); break;
      case 'p': p = atoi(optarg); break;
      case 'i': prefix = optarg; break;
      case 't': timeout_s = atoi(optarg); break;
      default: fprintf(stderr, "usage: %s\n", USAGE); return 100;
    }
  if (optind >= argc || n < 1 || p < 1 || p > 256 || timeout_s < 1) {
    fprintf(stderr, "usage: %s\n", USAGE);
    return 100;
  }
  cmds[ncmds++] = argv + optind;
  for (i = optind; i < argc; i++)
    if (strcmp(argv[i], ";") == 0) {
      argv[i] = NULL;
      if (i + 1 >= argc || ncmds == 64) {
        fprintf(stderr, "drive: a \";\" must be followed by a command (at most 64)\n");
        return 100;
      }
      cmds[ncmds++] = argv + i + 1;
    }
  for (i = 0; i < ncmds; i++) {
    int k = 0;

    while (cmds[i][k]) k++;
    if (k == 0 || k > MAXARGS) {
      fprintf(stderr, "drive: command %d has %d arguments (1 to %d)\n", i + 1, k, MAXARGS);
      return 100;
    }
  }
  devnull = open("/dev/null", O_WRONLY | O_CLOEXEC);
  lanes = mmap(NULL, sizeof *lanes * p, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
  if (devnull < 0 || lanes == MAP_FAILED) {
    perror("drive: set-up");
    return 111;
  }
  sigaction(SIGALRM, &sa, NULL);
  sigaction(SIGINT, &sa, NULL);
  sigaction(SIGTERM, &sa, NULL);

  clock_gettime(CLOCK_REALTIME, &r0);
  clock_gettime(CLOCK_MONOTONIC, &t0);
  if (p == 1) {
    run_lane(0, n, &lanes[0]);
  } else {
    for (i = 0; i < p; i++) {
      pid_t pid = fork();
      if (pid < 0) {
        perror("drive: fork");
        return 111;
      }
      if (pid == 0) {
        nlanes = 0;
        run_lane(i, n, &lanes[i]);
        _exit(0);
      }
      lane_pids[nlanes++] = pid;
    }
    while (wait(NULL) > 0 || errno == EINTR)
      ;
  }
  t1 = lanes[0].end;
  for (i = 0; i < p; i++) {
    failed |= lanes[i].failed;
    if (lanes[i].end.tv_sec > t1.tv_sec ||
        (lanes[i].end.tv_sec == t1.tv_sec && lanes[i].end.tv_nsec > t1.tv_nsec))
      t1 = lanes[i].end;
    if (lanes[i].rss_kb > rss) rss = lanes[i].rss_kb;
  }
  printf("ms=%.3f rss_kb=%ld runs=%d start=%lld.%09ld\n",
         (t1.tv_sec - t0.tv_sec) * 1e3 + (t1.tv_nsec - t0.tv_nsec) / 1e6, rss, n * p, (long long)r0.tv_sec,
         r0.tv_nsec);
  return failed || stop;
}
