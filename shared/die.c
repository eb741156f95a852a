/* die.c: messages are formatted into a stack buffer and written with one
   write(2) each, so nothing interleaves and nothing is lost in a stdio
   buffer at exec or fork (STYLE.md 3.7). */
#include "die.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "fd.h"

const char *prog = "oci";

static int log_fd = -1, log_json, log_debug;
static int report_fd = -1;
static int exit_status = -1;
static void (*teardown)(int);
static struct timespec t0_wall, t0_cpu; /* stage_init's clocks, for the "done" line */
static int done_said;

void die_set_log(int fd, int json, int dbg)
{
  log_fd = fd;
  log_json = json;
  log_debug = dbg;
}
void die_set_report(int fd) { report_fd = fd; }
void die_set_exit(int status) { exit_status = status; }
int die_status(int code) { return code && exit_status >= 0 ? exit_status : code; }
void die_set_teardown(void (*fn)(int)) { teardown = fn; }

/* Escape for a JSON string; truncates rather than overflow. */
size_t json_escape_str(char *out, size_t size, const char *s)
{
  size_t n = 0;
  for (; *s && n + 7 < size; s++) {
    unsigned char c = (unsigned char)*s;
    if (c == '"' || c == '\\') {
      out[n++] = '\\';
      out[n++] = (char)c;
    } else if (c < 0x20) {
      n += (size_t)snprintf(out + n, size - n, "\\u%04x", c);
    } else {
      out[n++] = (char)c;
    }
  }
  out[n] = 0;
  return n;
}

char *xasprintf(const char *fmt, ...)
{
  char *s;
  va_list ap;
  va_start(ap, fmt);
  int n = vasprintf(&s, fmt, ap);
  va_end(ap);
  if (n < 0) die_sys(EXIT_SYSFAIL, "allocate memory");
  return s;
}

/* By hand: glibc's gmtime_r and strftime load /etc/localtime (tzset) on
   first use, for a zone never printed. The civil date of a day count:
   Howard Hinnant's days_from_civil inverse. */
void utc_stamp(char *buf, size_t size, const struct timespec *t)
{
  long long days = t->tv_sec / 86400, secs = t->tv_sec % 86400;
  if (secs < 0) secs += 86400, days--;
  long long z = days + 719468, era = (z >= 0 ? z : z - 146096) / 146097;
  long long doe = z - era * 146097, yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  long long doy = doe - (365 * yoe + yoe / 4 - yoe / 100), mp = (5 * doy + 2) / 153;
  long long d = doy - (153 * mp + 2) / 5 + 1, m = mp < 10 ? mp + 3 : mp - 9, y = yoe + era * 400 + (m <= 2);
  snprintf(buf, size, "%04lld-%02lld-%02lldT%02lld:%02lld:%02lld.%09ldZ", y, m, d, secs / 3600,
           secs / 60 % 60, secs % 60, t->tv_nsec);
}

static void die_emit(const char *level, const char *line)
{
  char buf[4096 + 64];
  size_t n = strlen(line);
  int saved = errno;

  if (n > 4096) n = 4096;
  memcpy(buf, line, n);
  buf[n++] = '\n';
  if (strcmp(level, "debug")) (void)!write(2, buf, n);
  if (log_fd >= 0 && (log_debug || strcmp(level, "debug"))) {
    if (log_json) {
      char esc[8192], ts[64], out[8400];
      struct timespec t;
      clock_gettime(CLOCK_REALTIME, &t);
      utc_stamp(ts, sizeof ts, &t);
      json_escape_str(esc, sizeof esc, line);
      int k =
          snprintf(out, sizeof out, "{\"level\":\"%s\",\"msg\":\"%s\",\"time\":\"%s\"}\n", level, esc, ts);
      if (k > (int)sizeof out) k = sizeof out;
      (void)!write(log_fd, out, (size_t)k);
    } else {
      (void)!write(log_fd, buf, n);
    }
  }
  errno = saved;
}

static void vline(char *buf, size_t size, const char *pre, int err, const char *fmt, va_list ap)
{
  size_t n = (size_t)snprintf(buf, size, "%s: %s", prog, pre);
  if (n < size) n += (size_t)vsnprintf(buf + n, size - n, fmt, ap);
  if (err && n < size) snprintf(buf + n, size - n, ": %s", strerror(err));
  for (char *p = buf; *p; p++)
    if (*p == '\n') *p = ' '; /* one event, one line */
}

static __attribute__((noreturn)) void finish(int code, const char *line)
{
  die_emit("error", line);
  if (report_fd >= 0) { /* one message on the sync channel: "error LINE" */
    char msg[4200];
    int n = snprintf(msg, sizeof msg, "error %s", line);
    (void)!write(report_fd, msg, n < (int)sizeof msg ? (size_t)n : sizeof msg - 1);
  }
  if (exit_status >= 0) code = exit_status;
  if (teardown) {
    void (*fn)(int) = teardown;
    teardown = NULL; /* a failure inside the teardown must not recurse */
    fn(code);
  }
  _exit(code);
}

void die(int code, const char *fmt, ...)
{
  char buf[4096];
  va_list ap;
  va_start(ap, fmt);
  vline(buf, sizeof buf, "", 0, fmt, ap);
  va_end(ap);
  finish(code, buf);
}

void die_sys(int code, const char *fmt, ...)
{
  char buf[4096];
  int e = errno;
  va_list ap;
  va_start(ap, fmt);
  vline(buf, sizeof buf, "", e, fmt, ap);
  va_end(ap);
  finish(code, buf);
}

void die_usage(const char *usage) { die(EXIT_BADINPUT, "usage: %s", usage); }

void warn(const char *fmt, ...)
{
  char buf[4096];
  va_list ap;
  va_start(ap, fmt);
  vline(buf, sizeof buf, "warning: ", 0, fmt, ap);
  va_end(ap);
  die_emit("warning", buf);
}

void warn_sys(const char *fmt, ...)
{
  char buf[4096];
  int e = errno;
  va_list ap;
  va_start(ap, fmt);
  vline(buf, sizeof buf, "warning: ", e, fmt, ap);
  va_end(ap);
  die_emit("warning", buf);
  errno = e;
}

void warn_line(const char *line) { warn("%s", line); }

void debug(const char *fmt, ...)
{
  char buf[4096];
  va_list ap;
  if (log_fd < 0 || !log_debug) return;
  va_start(ap, fmt);
  vline(buf, sizeof buf, "", 0, fmt, ap);
  va_end(ap);
  die_emit("debug", buf);
}

int debug_enabled(void) { return log_fd >= 0 && log_debug; }

void debug_clock_start(void)
{
  clock_gettime(CLOCK_MONOTONIC, &t0_wall);
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t0_cpu);
}

void debug_clock_child(void) { t0_cpu = (struct timespec){0, 0}; }

static long long ns_since(clockid_t clk, const struct timespec *t0)
{
  struct timespec t;
  clock_gettime(clk, &t);
  return (long long)(t.tv_sec - t0->tv_sec) * 1000000000LL + (t.tv_nsec - t0->tv_nsec);
}

void debug_done(void)
{
  long long wall, cpu;
  if (log_fd < 0 || !log_debug || done_said) return;
  done_said = 1;
  wall = ns_since(CLOCK_MONOTONIC, &t0_wall) / 1000;
  cpu = ns_since(CLOCK_PROCESS_CPUTIME_ID, &t0_cpu) / 1000;
  if (cpu < 0) cpu = 0;
  debug("done wall=%lld.%03lldms cpu=%lld.%03lldms", wall / 1000, wall % 1000, cpu / 1000, cpu % 1000);
}
