/* probe: a static helper that runs as the next program of a stage, or as
   the container's process, and prints what it finds (crun's tests/init.c
   idea). One subcommand per run; several can be chained with "--":
     probe fds | caps | id | cwd | umask | nnp | seccomp | hostname |
           domainname | oom | tty | tiocsti | env | rlimit NAME | ns TYPE |
           mounts | stat PATH | cat PATH | write PATH TEXT | sleep SECS |
           exit N | kill SIG | pid | sigmask | monitor FD PROG... |
           subreaper PIDFILE PROG...
   monitor FD PROG... plays the monitor's side of the sync channel (sync.h)
   for a stage test: PROG runs with the other end at FD; every message is
   printed as "msg: TEXT" (" +fd" when it carries one), a pty master is
   relayed to stdout after the channel's EOF, then "eof" and "exit N".
   subreaper PIDFILE PROG... plays containerd's shim for `runc exec -d`: a
   child subreaper runs PROG, then reaps the pid PROG wrote to PIDFILE and
   prints "prog N" and "pid N" (the exit statuses), or "pid lost" when
   someone else reaped it.
   Exit 0 on success, 1 when the thing asked for cannot be read. */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/utsname.h>
#include <dirent.h>
#include <unistd.h>

#include "names.h"
#include "sync.h"

extern char **environ;

static int cat(const char *path)
{
  char buf[8192];
  ssize_t n;
  int fd = open(path, O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    printf("%s: %s\n", path, strerror(errno));
    return 1;
  }
  fflush(stdout);
  while ((n = read(fd, buf, sizeof buf)) > 0) (void)!write(1, buf, (size_t)n);
  close(fd);
  return n < 0;
}

static int status_field(const char *name)
{
  char line[512];
  FILE *f = fopen("/proc/self/status", "re");
  if (!f) return 1;
  while (fgets(line, sizeof line, f))
    if (!strncmp(line, name, strlen(name))) fputs(line, stdout);
  fclose(f);
  return 0;
}

static int status_of(int st) { return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st); }

static int subreaper(char **av)
{
  char buf[32] = "";
  int st, fd;
  pid_t p, pid;
  if (!av[0] || !av[1] || prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) < 0) return 2;
  if ((p = fork()) < 0) return 1;
  if (p == 0) {
    execvp(av[1], av + 1);
    _exit(127);
  }
  while (waitpid(p, &st, 0) < 0)
    if (errno != EINTR) return 1;
  printf("prog %d\n", status_of(st));
  if ((fd = open(av[0], O_RDONLY | O_CLOEXEC)) < 0 || read(fd, buf, sizeof buf - 1) <= 0) return 1;
  close(fd);
  pid = (pid_t)atoi(buf);
  while ((p = waitpid(pid, &st, 0)) < 0 && errno == EINTR) {
  }
  if (p == pid)
    printf("pid %d\n", status_of(st));
  else
    printf("pid lost\n");
  return 0;
}

static int monitor(char **av)
{
  int sv[2], fd = atoi(av[0]), pty = -1, st;
  char msg[4200], buf[4096];
  ssize_t n;
  pid_t pid;
  if (!av[1] || socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) < 0) return 2;
  fflush(stdout);
  if ((pid = fork()) < 0) return 1;
  if (pid == 0) {
    if (dup2(sv[1], fd) < 0) _exit(111);
    execvp(av[1], av + 1);
    _exit(127);
  }
  close(sv[1]);
  for (;;) {
    int got;
    n = sync_recv(sv[0], msg, sizeof msg, &got);
    if (n <= 0) break;
    printf("msg: %s%s\n", msg, got >= 0 ? " +fd" : "");
    if (got >= 0 && !strcmp(msg, "pty") && pty < 0) {
      pty = got;
    } else if (got >= 0) {
      close(got);
    }
  }
  printf("eof\n");
  fflush(stdout);
  if (pty >= 0) {
    while ((n = read(pty, buf, sizeof buf)) > 0) (void)!write(1, buf, (size_t)n);
    close(pty); /* EIO: the last slave fd closed */
  }
  if (waitpid(pid, &st, 0) < 0) return 1;
  printf("exit %d\n", WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st));
  return 0;
}

static int one(char **av, int *used)
{
  const char *c = av[0];
  *used = 1;
  if (!strcmp(c, "fds")) {
    DIR *d = opendir("/proc/self/fd");
    struct dirent *e;
    int self = d ? dirfd(d) : -1;
    if (!d) return 1;
    while ((e = readdir(d)))
      if (e->d_name[0] != '.' && atoi(e->d_name) != self) printf("%s ", e->d_name);
    printf("\n");
    closedir(d);
    return 0;
  }
  if (!strcmp(c, "caps")) return status_field("Cap");
  if (!strcmp(c, "nnp")) return status_field("NoNewPrivs");
  if (!strcmp(c, "seccomp")) return status_field("Seccomp:");
  if (!strcmp(c, "sigmask")) return status_field("Sig");
  if (!strcmp(c, "id")) {
    gid_t g[64];
    int n = getgroups(64, g);
    printf("uid=%u gid=%u euid=%u egid=%u groups=", getuid(), getgid(), geteuid(), getegid());
    for (int i = 0; i < n; i++) printf("%s%u", i ? "," : "", g[i]);
    printf("\n");
    return 0;
  }
  if (!strcmp(c, "cwd")) {
    char b[4096];
    if (!getcwd(b, sizeof b)) return 1;
    printf("%s\n", b);
    return 0;
  }
  if (!strcmp(c, "umask")) {
    mode_t m = umask(0);
    printf("%04o\n", m);
    return 0;
  }
  if (!strcmp(c, "hostname") || !strcmp(c, "domainname")) {
    struct utsname u;
    uname(&u);
    printf("%s\n", c[0] == 'h' ? u.nodename : u.domainname);
    return 0;
  }
  if (!strcmp(c, "oom")) return cat("/proc/self/oom_score_adj");
  if (!strcmp(c, "mounts")) return cat("/proc/self/mountinfo");
  if (!strcmp(c, "pid")) {
    printf("%d\n", getpid());
    return 0;
  }
  if (!strcmp(c, "tty")) {
    printf("%d %d %d %s\n", isatty(0), isatty(1), isatty(2), ttyname(0) ? ttyname(0) : "-");
    return 0;
  }
  if (!strcmp(c, "tiocsti")) { /* push a byte into fd 0's terminal input: must fail from a container */
    char b = '#';
    printf("tiocsti %s\n", ioctl(0, TIOCSTI, &b) < 0 ? strerror(errno) : "ok");
    return 0;
  }
  if (!strcmp(c, "env")) {
    for (char **e = environ; *e; e++) printf("%s\n", *e);
    return 0;
  }
  if (!av[1]) {
    fprintf(stderr, "probe: %s needs an argument\n", c);
    return 2;
  }
  *used = 2;
  if (!strcmp(c, "rlimit")) {
    struct rlimit rl;
    int r = rlimit_from_name(av[1]);
    if (r < 0 || getrlimit(r, &rl) < 0) return 1;
    printf("%llu %llu\n", (unsigned long long)rl.rlim_cur, (unsigned long long)rl.rlim_max);
    return 0;
  }
  if (!strcmp(c, "ns")) {
    char p[64], t[256];
    snprintf(p, sizeof p, "/proc/self/ns/%s", av[1]);
    ssize_t n = readlink(p, t, sizeof t - 1);
    if (n < 0) return 1;
    t[n] = 0;
    printf("%s\n", t);
    return 0;
  }
  if (!strcmp(c, "stat")) {
    struct stat st;
    if (lstat(av[1], &st) < 0) {
      printf("%s: %s\n", av[1], strerror(errno));
      return 1;
    }
    printf("%c %04o %u:%u %u,%u\n",
           S_ISDIR(st.st_mode)    ? 'd'
           : S_ISCHR(st.st_mode)  ? 'c'
           : S_ISBLK(st.st_mode)  ? 'b'
           : S_ISLNK(st.st_mode)  ? 'l'
           : S_ISFIFO(st.st_mode) ? 'p'
                                  : '-',
           st.st_mode & 07777, st.st_uid, st.st_gid, major(st.st_rdev), minor(st.st_rdev));
    return 0;
  }
  if (!strcmp(c, "cat")) return cat(av[1]);
  if (!strcmp(c, "sleep")) {
    fflush(stdout);
    sleep((unsigned)atoi(av[1]));
    return 0;
  }
  if (!strcmp(c, "exit")) {
    fflush(stdout);
    exit(atoi(av[1]));
  }
  if (!strcmp(c, "kill")) {
    fflush(stdout);
    return kill(getpid(), signal_from_name(av[1]));
  }
  if (!strcmp(c, "subreaper")) {
    *used = 1;
    while (av[*used]) ++*used;
    return subreaper(av + 1);
  }
  if (!strcmp(c, "monitor")) {
    *used = 1;
    while (av[*used]) ++*used;
    return monitor(av + 1);
  }
  if (!strcmp(c, "write")) {
    *used = 3;
    if (!av[2]) return 2;
    int fd = open(av[1], O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd < 0 || write(fd, av[2], strlen(av[2])) < 0) {
      printf("%s: %s\n", av[1], strerror(errno));
      return 1;
    }
    close(fd);
    return 0;
  }
  fprintf(stderr, "probe: unknown command %s\n", c);
  return 2;
}

int main(int argc, char **argv)
{
  int rc = 0;
  if (argc < 2) {
    fprintf(stderr, "probe: usage: probe CMD [ARG] [-- CMD ...]\n");
    return 2;
  }
  for (int i = 1; i < argc;) {
    int used;
    if (!strcmp(argv[i], "--")) {
      i++;
      continue;
    }
    int r = one(argv + i, &used);
    fflush(stdout);
    if (r) rc = r;
    i += used;
  }
  return rc;
}
