/* cgroup-v1.c: the cgroup v1 driver of oci-cgroup: one cgroup per
   controller hierarchy (cgroup-drv.h). A new cpuset cgroup starts with
   empty cpuset.cpus and .mems and takes no task: it gets its parent's. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cgroup-drv.h"
#include "die.h"
#include "spec.h"

static void v1_create(struct cg_ctx *ctx, struct cg_hier *h)
{
  (void)ctx;
  for (size_t i = 0; i < h->ncomp; i++) {
    if (!h->isnew[i]) continue;
    /* EEXIST: lost a race with another creator; the path is ours by spec */
    if (mkdir(h->comp[i], 0755) < 0 && errno != EEXIST) die_sys(EXIT_SYSFAIL, "mkdir %s", h->comp[i]);
    if (!cg_has_all(h->name, "cpuset")) continue;
    char *parent = xasprintf("%s", h->comp[i]);
    *strrchr(parent, '/') = 0;
    int dfd = cg_opendir(h->comp[i]);
    for (int j = 0; j < 2; j++) {
      const char *f = j ? "cpuset.mems" : "cpuset.cpus";
      char *v = cg_read(parent, f);
      if (*v) cg_write_at(h, dfd, h->comp[i], f, v);
      free(v);
    }
    if (i + 1 == h->ncomp)
      h->dfd = dfd; /* the container's own: kept, not opened again */
    else
      close(dfd);
    free(parent);
  }
  if (h->dfd < 0) h->dfd = cg_opendir(h->dir);
}

const struct cg_driver cg_v1 = {.name = "v1", .resolve = cg_resolve, .create = v1_create};
