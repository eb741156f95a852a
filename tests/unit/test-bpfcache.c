/* test-bpfcache: the compiled seccomp program cache (shared/bpfcache.c): the file format, the exact key
   match, and every file or directory that must not be used. */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "bpfcache.h"
#include "tap.h"

static const char key[] =
    "cache.build 01\nseccomp.default SCMP_ACT_ERRNO 1\nseccomp.syscall read SCMP_ACT_ALLOW -\n";
static const unsigned char prog[16] = {0x20, 0, 0, 0, 4, 0, 0, 0, 6, 0, 0, 0, 0, 0, 0xff, 0x7f};

static char dirpath[4200], path[4300];

static int load(int dfd, const char *k, size_t kl, const char **why)
{
  char *p = NULL;
  size_t pl = 0;
  unsigned f = 0;
  int rc = bpfcache_load(dfd, k, kl, &p, &pl, &f, why);
  if (rc == 0 && (pl != sizeof prog || memcmp(p, prog, pl) || f != 10)) rc = -2;
  free(p);
  return rc;
}

/* the stored file, read or rewritten whole */
static char *file(size_t *len)
{
  FILE *f = fopen(path, "r");
  char *b = malloc(BPFCACHE_MAX);
  *len = fread(b, 1, BPFCACHE_MAX, f);
  fclose(f);
  return b;
}
static void put(const char *b, size_t len)
{
  FILE *f = fopen(path, "w");
  fwrite(b, 1, len, f);
  fclose(f);
}

int main(void)
{
  char tmpl[] = "/tmp/test-bpfcache.XXXXXX", name[17], bid[130], *b, *e;
  char *top = mkdtemp(tmpl);
  const char *why, *p;
  size_t kl = sizeof key - 1, len, pl;
  unsigned f;
  struct stat st;
  int dfd;

  ok(bpfcache_hash("", 0) == 0xcbf29ce484222325ULL && bpfcache_hash("a", 1) == 0xaf63dc4c8601ec8cULL,
     "FNV-1a 64 of \"\" and \"a\"");
  bpfcache_name(key, kl, name);
  ok(strlen(name) == 16 && strspn(name, "0123456789abcdef") == 16, "a name is 16 hex digits");
  ok(bpfcache_build_id(bid, sizeof bid) == 0 && strlen(bid) >= 16, "this program's build id is found");
  ok(bpfcache_build_id(bid, 8) < 0, "a buffer too small for the build id: -1");

  /* the format */
  b = bpfcache_encode(key, kl, prog, sizeof prog, 10, &len);
  ok(b && bpfcache_decode(b, len, key, kl, &p, &pl, &f, &why) == 0 && pl == sizeof prog &&
         !memcmp(p, prog, pl) && f == 10,
     "encode then decode: the program and flags back");
  ok(bpfcache_decode(b, len, key, kl - 1, &p, &pl, &f, &why) < 0 && !strcmp(why, "another key"),
     "a key that is a prefix of the stored one: no hit");
  {
    char other[sizeof key];
    memcpy(other, key, sizeof key);
    other[kl - 3] = 'X';
    ok(bpfcache_decode(b, len, other, kl, &p, &pl, &f, &why) < 0 && !strcmp(why, "another key"),
       "a key of the same length that differs in one byte: no hit");
  }
  {
    int hits = 0;
    for (size_t cut = 0; cut < len; cut++) hits += bpfcache_decode(b, cut, key, kl, &p, &pl, &f, &why) == 0;
    ok(hits == 0, "the file cut short anywhere: refused");
  }
  {
    int bad = 0;
    for (size_t i = 0; i < len; i++) {
      b[i] ^= 1;
      bad += bpfcache_decode(b, len, key, kl, &p, &pl, &f, &why) == 0;
      b[i] ^= 1;
    }
    ok(bad == 0, "any one flipped bit anywhere in the file: refused");
  }
  free(b);
  {
    /* a well-formed file (good checksum) whose program length is not whole instructions */
    b = bpfcache_encode(key, kl, prog, 12, 10, &len);
    ok(bpfcache_decode(b, len, key, kl, &p, &pl, &f, &why) < 0, "a program of 12 bytes: refused");
    free(b);
    b = bpfcache_encode(key, kl, prog, 0, 10, &len);
    ok(bpfcache_decode(b, len, key, kl, &p, &pl, &f, &why) < 0, "an empty program: refused");
    free(b);
    b = bpfcache_encode(key, kl, prog, sizeof prog, 0x10000, &len);
    ok(bpfcache_decode(b, len, key, kl, &p, &pl, &f, &why) < 0, "flags above 0xffff: refused");
    free(b);
  }

  /* the directory */
  snprintf(dirpath, sizeof dirpath, "%s/%s", top, BPFCACHE_DIR);
  ok(bpfcache_dir(top, 0, &why) < 0, "no directory and no create: -1");
  dfd = bpfcache_dir(top, 1, &why);
  ok(dfd >= 0 && stat(dirpath, &st) == 0 && (st.st_mode & 0777) == 0700 && st.st_uid == geteuid(),
     "made 0700, the euid's");
  ok(load(dfd, key, kl, &why) == 1, "empty: no file (1)");
  ok(bpfcache_store(dfd, key, kl, prog, sizeof prog, 10) == 0, "stored");
  bpfcache_name(key, kl, name);
  snprintf(path, sizeof path, "%s/%s", dirpath, name);
  ok(stat(path, &st) == 0 && (st.st_mode & 0777) == 0600, "the file is 0600 under the key's name");
  ok(load(dfd, key, kl, &why) == 0, "a hit gives the stored program and flags");
  {
    /* only the file: no temp file left behind */
    int n = 0;
    char cmd[4400];
    FILE *ls;
    snprintf(cmd, sizeof cmd, "ls -A '%s'", dirpath);
    ls = popen(cmd, "r");
    while (fgets(cmd, sizeof cmd, ls)) n++;
    pclose(ls);
    ok(n == 1, "no temp file left");
  }
  ok(load(dfd, key, kl - 1, &why) == 1, "another key: another name, no file (1)");

  /* tampering */
  b = file(&len);
  e = memmem(b, len, "SCMP_ACT_ALLOW", 14);
  e[10] = 'K'; /* ALLOW -> ALKOW */
  put(b, len);
  ok(load(dfd, key, kl, &why) == -1 && !strcmp(why, "corrupt"), "one byte of the key changed: not used");
  e[10] = 'L';
  put(b, len);
  ok(load(dfd, key, kl, &why) == 0, "restored: used again");
  b[len - 30] ^= 0x40;
  put(b, len);
  ok(load(dfd, key, kl, &why) == -1, "one byte of the program changed: not used");
  b[len - 30] ^= 0x40;
  put(b, len);
  put(b, len / 2);
  ok(load(dfd, key, kl, &why) == -1, "a file cut in half: not used");
  {
    char *big = malloc(len + 10);
    memcpy(big, b, len);
    memcpy(big + len, "trailing\n\n", 10);
    put(big, len + 10);
    free(big);
    ok(load(dfd, key, kl, &why) == -1, "bytes after the checksum: not used");
  }
  ok(bpfcache_store(dfd, key, kl, prog, sizeof prog, 10) == 0 && load(dfd, key, kl, &why) == 0,
     "a bad file is replaced by the next store");
  chmod(path, 0620);
  ok(load(dfd, key, kl, &why) == -1, "group-writable: not used");
  chmod(path, 0602);
  ok(load(dfd, key, kl, &why) == -1, "world-writable: not used");
  chmod(path, 0644);
  ok(load(dfd, key, kl, &why) == 0, "readable by others (not writable): used");
  chmod(path, 0600);
  if (geteuid() == 0) {
    ok(chown(path, 65534, 65534) == 0 && load(dfd, key, kl, &why) == -1, "owned by another user: not used");
    ok(chown(path, 0, 0) == 0 && load(dfd, key, kl, &why) == 0, "root's again: used");
  } else {
    ok(1, "# SKIP another owner needs root");
    ok(1, "# SKIP another owner needs root");
  }
  unlink(path);
  ok(symlink("/etc/passwd", path) == 0 && load(dfd, key, kl, &why) == -1, "a symlink: not followed");
  unlink(path);
  ok(mkfifo(path, 0600) == 0 && load(dfd, key, kl, &why) == -1, "a fifo: not read (no hang)");
  unlink(path);
  ok(mkdir(path, 0700) == 0 && load(dfd, key, kl, &why) == -1, "a directory: not used");
  rmdir(path);
  {
    char h[4400];
    snprintf(h, sizeof h, "%s/h", top);
    put(b, len);
    ok(link(path, h) == 0 && load(dfd, key, kl, &why) == 0,
       "a hard link elsewhere does not matter (0700 dir)");
    unlink(h);
    unlink(path);
  }
  free(b);
  close(dfd);

  /* a directory open to others, or a symlink in its place, is not used at all */
  chmod(dirpath, 0755);
  ok(bpfcache_dir(top, 1, &why) < 0, "a 0755 cache dir: not used");
  chmod(dirpath, 0700);
  ok((dfd = bpfcache_dir(top, 1, &why)) >= 0, "0700 again: used");
  close(dfd);
  if (geteuid() == 0) {
    ok(chown(dirpath, 65534, 65534) == 0 && bpfcache_dir(top, 1, &why) < 0, "another user's dir: not used");
    chown(dirpath, 0, 0);
  } else {
    ok(1, "# SKIP another owner needs root");
  }
  rmdir(dirpath);
  {
    char t[4400];
    snprintf(t, sizeof t, "%s/elsewhere", top);
    mkdir(t, 0700);
    ok(symlink(t, dirpath) == 0 && bpfcache_dir(top, 1, &why) < 0, "a symlink for the dir: not followed");
    unlink(dirpath);
    rmdir(t);
  }
  rmdir(top);
  return done();
}
