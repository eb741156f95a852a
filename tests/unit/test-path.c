/* test-path: resolution inside a root (shared/path.c). */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "path.h"
#include "tap.h"

static int same(int fd, const char *path)
{
  struct stat a, b;
  return fd >= 0 && fstat(fd, &a) == 0 && stat(path, &b) == 0 && a.st_ino == b.st_ino && a.st_dev == b.st_dev;
}

/* path_create_in_root(PATH) (mode 0700) lands on TOP/WANT */
static int creates(int root, const char *path, int kind, const char *top, const char *want)
{
  char q[4200];
  int fd = path_create_in_root(root, path, kind, 0700), r;
  snprintf(q, sizeof q, "%s/%s", top, want);
  r = same(fd, q);
  if (fd >= 0) close(fd);
  return r;
}

int main(void)
{
  char tmpl[] = "/tmp/test-path.XXXXXX", p[4200], q[4200];
  char *top = mkdtemp(tmpl);
  int root, fd;
  char parent[64];

  snprintf(p, sizeof p, "%s/root/etc", top);
  mkdir(top + 0, 0755);
  snprintf(q, sizeof q, "%s/root", top);
  mkdir(q, 0755);
  mkdir(p, 0755);
  snprintf(q, sizeof q, "%s/outside", top);
  mkdir(q, 0755);
  snprintf(p, sizeof p, "%s/root/abs", top);
  ok(symlink("/etc", p) == 0, "absolute symlink inside the root");
  snprintf(p, sizeof p, "%s/root/up", top);
  ok(symlink("../../etc", p) == 0, "relative symlink climbing out");
  snprintf(q, sizeof q, "%s/root", top);
  root = open(q, O_PATH | O_DIRECTORY);

  snprintf(q, sizeof q, "%s/root/etc", top);
  fd = path_open_in_root(root, "/abs", O_PATH);
  ok(same(fd, q), "/abs -> /etc resolves to the root's etc");
  close(fd);
  fd = path_open_in_root(root, "/up", O_PATH);
  snprintf(q, sizeof q, "%s/root/etc", top);
  ok(same(fd, q), "../.. is clamped at the root");
  close(fd);

  fd = path_create_in_root(root, "/abs/new/dir", 'd', 0700);
  snprintf(q, sizeof q, "%s/root/etc/new/dir", top);
  ok(same(fd, q), "created through the symlink, inside");
  close(fd);
  fd = path_create_in_root(root, "/up/file", 'f', 0600);
  snprintf(q, sizeof q, "%s/root/etc/file", top);
  ok(same(fd, q), "a file created at the clamped place");
  snprintf(q, sizeof q, "%s/etc/file", top);
  ok(access(q, F_OK) < 0, "nothing outside the root");
  close(fd);
  snprintf(p, sizeof p, "%s/root/dangle", top);
  ok(symlink("/tmp/nowhere/deep", p) == 0, "a dangling absolute symlink");
  fd = path_create_in_root(root, "/dangle/x", 'd', 0755);
  snprintf(q, sizeof q, "%s/root/tmp/nowhere/deep/x", top);
  ok(same(fd, q), "created where the link points, inside the root");
  close(fd);
  /* only the last component missing (created in its parent at once): a dangling link there, a file */
  snprintf(p, sizeof p, "%s/root/etc/last", top);
  ok(symlink("/made/here", p) == 0 && creates(root, "/abs/last/", 'd', top, "root/made/here"),
     "a dangling symlink as the last component: created where it points, inside the root");
  struct stat st;
  snprintf(q, sizeof q, "%s/root/etc/new/f", top);
  ok(creates(root, "/etc/new/f", 'f', top, "root/etc/new/f") && stat(q, &st) == 0 && S_ISREG(st.st_mode) &&
         (st.st_mode & 07777) == 0700,
     "a file in an existing directory, with its mode");
  ok(creates(root, "/etc/new/..", 'd', top, "root/etc"), "an existing path is opened, not created");
  {
    /* the last component missing under a parent longer than a component may be (300 bytes) */
    char deep[400] = "/etc", want[4300];
    for (int i = 0; i < 6; i++) {
      strcat(deep, "/4444444444444444444444444444444444444444444444");
      snprintf(q, sizeof q, "%s/root%s", top, deep);
      mkdir(q, 0755);
    }
    snprintf(p, sizeof p, "%s/x", deep);
    snprintf(want, sizeof want, "root%s", p);
    ok(strlen(deep) > 256 && creates(root, p, 'd', top, want),
       "a missing last component under a long parent");
  }
  ok(!strcmp(path_split("/a/b/c", parent, sizeof parent), "c") && !strcmp(parent, "/a/b/"), "split");

  snprintf(q, sizeof q, "rm -rf %s", top);
  ok(system(q) == 0, "cleanup");
  return done();
}
