/* path.h: resolve container-controlled paths inside the rootfs, never
   through a symlink or ".." out of it (DESIGN.md 4). */
#ifndef PATH_H
#define PATH_H

#include <sys/types.h>

/* openat2(RESOLVE_IN_ROOT|RESOLVE_NO_MAGICLINKS) relative to rootfd, with an
   O_PATH component walk as fallback for kernels without openat2. */
int path_open_in_root(int rootfd, const char *path, int flags);
/* Like path_open_in_root, but creates what is missing first: every parent
   as a directory (mode 0755), the last component as a directory (kind 'd')
   or an empty file (kind 'f'). Returns an O_PATH fd of the result. */
int path_create_in_root(int rootfd, const char *path, int kind, mode_t mode);
/* The same for a PATH the caller has just found missing (path_open_in_root
   failed with ENOENT): skips looking it up again first. */
int path_create_missing(int rootfd, const char *path, int kind, mode_t mode);
/* Split "a/b/c" into parent "a/b" (written into buf) and return "c". */
const char *path_split(const char *path, char *buf, size_t size);

#endif
