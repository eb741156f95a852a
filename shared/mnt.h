/* mnt.h: mount-table helpers: parse /proc/self/mountinfo, read the flags
   of the mount an fd is on, copy a directory tree (tmpcopyup). Nothing here
   prints or exits; every function returns -1 with errno on failure. */
#ifndef MNT_H
#define MNT_H

#include <stddef.h>

struct mnt_info {
  unsigned id, parent;
  unsigned major, minor; /* st_dev of the filesystem */
  char *root;            /* root of the mount within its filesystem */
  char *point;           /* mount point, as this process sees it */
  char *fstype, *source;
  char *super; /* super options, comma list */
};

struct mnt_table {
  struct mnt_info *e;
  size_t n;
  char *buf; /* owns the strings */
};

/* Read and parse /proc/self/mountinfo (no limit on its size). */
int mnt_table_read(struct mnt_table *t);
void mnt_table_free(struct mnt_table *t);
/* The MS_* flags of the mount fd is on (fstatvfs, mapped back; a mount
   with no atime flag reports MS_STRICTATIME). */
int mnt_flags(int fd, unsigned long *flags);
/* readlink(/proc/self/fd/N) into buf (NUL-terminated). */
int mnt_fd_path(int fd, char *buf, size_t size);
/* Copy the content of directory `from` into directory `to`: directories,
   files, symlinks and device nodes, with owners, modes and times.
   Both fds must be readable directory fds (not O_PATH). */
int mnt_copy_tree(int from, int to);

#endif
