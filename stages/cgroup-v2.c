/* cgroup-v2.c: the cgroup v2 (unified hierarchy) driver of oci-cgroup
   (cgroup-drv.h): makes the new cgroups and enables the controllers the
   resources need in the cgroups it made. */
#include <errno.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cgroup-drv.h"
#include "die.h"

static void v2_create(struct cg_ctx *ctx, struct cg_hier *h)
{
  for (size_t i = 0; i < h->ncomp; i++) {
    if (!h->isnew[i]) continue;
    /* EEXIST: lost a race with another creator; the path is ours by spec */
    if (mkdir(h->comp[i], 0755) < 0 && errno != EEXIST) die_sys(EXIT_SYSFAIL, "mkdir %s", h->comp[i]);
  }
  /* only cgroups we created: never write to the caller's own cgroups */
  char *ctl = cgres_v2_controllers(&ctx->res, ctx->t, ctx->nh);
  for (size_t i = 0; *ctl && i + 1 < h->ncomp; i++) {
    if (!h->isnew[i]) continue;
    int dfd = cg_opendir(h->comp[i]);
    cg_write_at(h, dfd, h->comp[i], "cgroup.subtree_control", ctl);
    close(dfd);
  }
  free(ctl);
  h->dfd = cg_opendir(h->dir);
}

const struct cg_driver cg_v2 = {.name = "v2", .resolve = cg_resolve, .create = v2_create};
