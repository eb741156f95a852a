/* compat.h: included first in every file of the programs built with musl (the Makefile's MUSL_PROGRAMS):
   what glibc's headers give and musl's do not, and glibc's strerror texts (errtab.c), so that such a
   program behaves and speaks as its glibc build does. */
#ifndef COMPAT_H
#define COMPAT_H

#include <fcntl.h>
#include <limits.h> /* PATH_MAX: glibc's headers bring it in through others */
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/syscall.h>
#include <unistd.h>

/* glibc 2.36's <sys/mount.h>: the new mount API */
#ifndef MOUNT_ATTR_SIZE_VER0
struct mount_attr {
  unsigned long long attr_set, attr_clr, propagation, userns_fd;
};
#define MOUNT_ATTR_SIZE_VER0 32
#endif
#ifndef MOVE_MOUNT_F_EMPTY_PATH
#define MOVE_MOUNT_F_SYMLINKS 0x00000001
#define MOVE_MOUNT_F_AUTOMOUNTS 0x00000002
#define MOVE_MOUNT_F_EMPTY_PATH 0x00000004
#define MOVE_MOUNT_T_SYMLINKS 0x00000010
#define MOVE_MOUNT_T_AUTOMOUNTS 0x00000020
#define MOVE_MOUNT_T_EMPTY_PATH 0x00000040
#endif
#ifndef OPEN_TREE_CLONE
#define OPEN_TREE_CLONE 1
#define OPEN_TREE_CLOEXEC O_CLOEXEC
#endif
#ifndef MOUNT_ATTR_IDMAP /* the others: names.c */
#define MOUNT_ATTR_IDMAP 0x00100000
#endif
#ifndef AT_RECURSIVE
#define AT_RECURSIVE 0x8000
#endif

static inline int mount_setattr(int dfd, const char *path, unsigned int flags, struct mount_attr *attr,
                                size_t size)
{
  return (int)syscall(SYS_mount_setattr, dfd, path, flags, attr, size);
}
static inline int move_mount(int from_dfd, const char *from, int to_dfd, const char *to, unsigned int flags)
{
  return (int)syscall(SYS_move_mount, from_dfd, from, to_dfd, to, flags);
}
static inline int open_tree(int dfd, const char *path, unsigned int flags)
{
  return (int)syscall(SYS_open_tree, dfd, path, flags);
}

/* Signals: glibc keeps 32 and 33 for itself, musl 32 to 34. A full set is glibc's (34 blocked too, as
   the chain's glibc programs do), and the real-time signals start where glibc's and runc's do (RTMIN 34). */
#undef SIGRTMIN
#define SIGRTMIN 34
static inline int compat_sigfillset(sigset_t *set)
{
  memset(set, 0xff, sizeof *set);
  ((unsigned long *)(void *)set)[0] &= ~((1UL << 31) | (1UL << 32)); /* signals 32 and 33 */
  return 0;
}
#define sigfillset(set) compat_sigfillset(set)

/* glibc's texts: musl's differ ("Resource busy", "No error information") */
static inline char *compat_strerror(int e)
{
  static const char *const text[] = {
#include "errtab.h"
  };
  static char unknown[32];
  if (e >= 0 && e < (int)(sizeof text / sizeof *text)) return (char *)text[e];
  snprintf(unknown, sizeof unknown, "Unknown error %d", e);
  return unknown;
}
#define strerror(e) compat_strerror(e)

#endif
