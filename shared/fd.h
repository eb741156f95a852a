/* fd.h: file descriptor helpers. Every fd is CLOEXEC unless handed on on
   purpose with fd_move() right before exec (STYLE.md 3.5). */
#ifndef FD_H
#define FD_H

#include <stddef.h>
#include <sys/types.h>

/* Move `from` onto `to` without CLOEXEC; safe when to == from (dup2 onto
   itself would leave CLOEXEC set). Returns to, or -1. */
int fd_move(int to, int from);
int fd_cloexec(int fd, int on);
/* Close fds lo..hi (close_range(2); where it is missing or refused, one by
   one up to the hard RLIMIT_NOFILE, which needs no /proc). */
void fd_close_range(unsigned lo, unsigned hi);
ssize_t read_all(int fd, void *buf, size_t n);
ssize_t write_all(int fd, const void *buf, size_t n);
/* Write the lines of text (a last one without LF too) that do not start with prefix, one write per run of
   kept lines (--check's spec without its fd.* records). 0, or -1 with errno. */
int write_lines_except(int fd, const char *text, size_t len, const char *prefix);
/* Read a whole fd (from offset 0 with pread when it can seek) into a
   malloc'd NUL-terminated buffer. */
char *fd_slurp(int fd, size_t *len);
/* Read a small file into buf (NUL-terminated, trailing newline kept). */
ssize_t file_read_at(int dirfd, const char *path, char *buf, size_t size);
/* Write a string to a file that must exist (cgroup, proc files). */
int file_write_at(int dirfd, const char *path, const char *s);
void fd_closep(int *fd);
#define AUTO_CLOSE __attribute__((cleanup(fd_closep)))

#endif
