/* die.h: one-line messages and the exit-code contract (STYLE.md 3.6, 3.7).
   The only module that prints fatal errors and exits. */
#ifndef DIE_H
#define DIE_H

#include <stddef.h>
#include <time.h>

enum {
  EXIT_BADINPUT = 100, /* the request is wrong: usage, spec, unsupported value */
  EXIT_SYSFAIL = 111,  /* a system call failed */
  EXIT_NOEXEC = 126,   /* next program not executable */
  EXIT_NOTFOUND = 127, /* next program not found */
};

extern const char *prog;

#define PRINTFLIKE(a, b) __attribute__((format(printf, a, b)))

__attribute__((noreturn)) void die(int code, const char *fmt, ...) PRINTFLIKE(2, 3);
__attribute__((noreturn)) void die_sys(int code, const char *fmt, ...) PRINTFLIKE(2, 3);
__attribute__((noreturn)) void die_usage(const char *usage);
void warn(const char *fmt, ...) PRINTFLIKE(1, 2);
void warn_sys(const char *fmt, ...) PRINTFLIKE(1, 2);
void debug(const char *fmt, ...) PRINTFLIKE(1, 2);
/* 1 when debug() writes (a --log with log.level debug): work done only for the debug log checks it. */
int debug_enabled(void);
/* The per-stage timing of the --debug log: debug_clock_start() (stage_init) reads CLOCK_MONOTONIC and
   CLOCK_PROCESS_CPUTIME_ID; debug_done() writes, once per process and only with --debug, the line
   "PROG: done wall=W.WWWms cpu=C.CCCms": the time since then and the CPU this process used since then
   (the CPU clock runs on across execve, so it is a delta). chain_try and a normal exit call it.
   debug_clock_child(), in a child that goes on in the chain: its CPU counts from its fork. */
void debug_clock_start(void);
void debug_clock_child(void);
void debug_done(void);
/* T as RFC 3339 UTC with nanoseconds, "2026-12-05T16:24:14.123456789Z" (the log's "time", state.json's
   "created"), without the time zone files. */
void utc_stamp(char *buf, size_t size, const struct timespec *t);
/* warn("%s", line), as a callback */
void warn_line(const char *line);

/* Where a failure goes besides fd 2. All optional; stage_config() sets them
   from the spec. */
void die_set_log(int fd, int json, int debug); /* --log file, text or JSON lines */
void die_set_report(int fd);                   /* also send the line here (sync channel) */
void die_set_exit(int status);                 /* report every failure as this status */
/* The status to exit with for CODE: 0 stays 0, a failure is die_set_exit's status when one is set. */
int die_status(int code);
/* Called with the exit status instead of exiting; it may exec (teardown). */
void die_set_teardown(void (*fn)(int status));

/* JSON-escape s into out (at most size bytes including NUL). */
size_t json_escape_str(char *out, size_t size, const char *s);
/* asprintf that dies with 111 when memory runs out. */
char *xasprintf(const char *fmt, ...) PRINTFLIKE(1, 2);

#endif
