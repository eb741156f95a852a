/* bpfcache.h: compiled seccomp programs kept by oci-secure for later runs and for exec.

   One file per program in a directory only the caller can write (<state root>/BPFCACHE_DIR, 0700, owned by
   the effective uid). A file holds the full key text (everything that determines the program: the build of
   oci-secure, libseccomp, the native arch, the kernel, the spec's seccomp records), the load flags, the
   program and a checksum. Its name is a hash of the key, but a hit needs the stored key to equal the asked
   one byte for byte, so a collision is only a miss. A file that is not a regular file owned by the euid,
   is group/world writable, short, too long or fails its checksum is not used (and is replaced by the next
   store). Files are written under a temp name and renamed. */
#ifndef BPFCACHE_H
#define BPFCACHE_H

#include <stddef.h>
#include <stdint.h>

/* Not a valid container id (':' is not allowed in one), so no container's state dir can take its name. */
#define BPFCACHE_DIR ".seccomp:cache"
#define BPFCACHE_MAX (4u << 20) /* the largest file read: a key of a few records plus 32 KiB of program */

/* FNV-1a, 64 bits. */
uint64_t bpfcache_hash(const void *p, size_t n);
/* The file name of a key: 16 lower-case hex digits and NUL (17 bytes). */
void bpfcache_name(const char *key, size_t klen, char name[17]);
/* This program's GNU build id as hex into buf (NUL-terminated); -1 when it has none or buf is too small. */
int bpfcache_build_id(char *buf, size_t size);

/* A file's bytes for KEY, PROG (len a multiple of 8) and FLAGS: malloc'd, length in *len; NULL on ENOMEM. */
char *bpfcache_encode(const char *key, size_t klen, const void *prog, size_t plen, unsigned flags,
                      size_t *len);
/* Check a file's bytes against KEY: 0 when they are intact and the key is exactly KEY (*prog points into buf,
 *plen and *flags set); -1 otherwise, with *why saying what did not fit. */
int bpfcache_decode(const char *buf, size_t len, const char *key, size_t klen, const char **prog,
                    size_t *plen, unsigned *flags, const char **why);

/* The cache directory under ROOT, made (0700) when missing and CREATE: an O_PATH fd, or -1 with *why (also
   when the directory is not the euid's or is open to group/others: then it is not used at all). */
int bpfcache_dir(const char *root, int create, const char **why);
/* Load KEY's program from the directory fd: 0 with a malloc'd copy in *prog (length *plen) and the flags;
   1 when there is no file; -1 when a file is there but not usable (*why says why). */
int bpfcache_load(int dfd, const char *key, size_t klen, char **prog, size_t *plen, unsigned *flags,
                  const char **why);
/* Store KEY's program: temp file, rename over the old one. 0, or -1 with errno (the temp file removed). */
int bpfcache_store(int dfd, const char *key, size_t klen, const void *prog, size_t plen, unsigned flags);

#endif
