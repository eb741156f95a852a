/* cpuset.h: CPU lists in the kernel's list format ("0-3,5,7-9"), as
   process.execCPUAffinity gives them. Nothing here prints or exits. */
#ifndef CPUSET_H
#define CPUSET_H

#include <sched.h>
#include <stddef.h>

/* The highest CPU number a list may name (runc's limit): a bogus list must
   not make us allocate a huge mask. */
#define CPUSET_MAX 65536

/* Parse LIST into a CPU_ALLOC'd set of *size bytes (free with CPU_FREE).
   As runc: spaces around an element and empty elements are allowed; a
   list with no CPU, a range whose start is above its end, a number that is
   not plain decimal or is above CPUSET_MAX is -1 with errno EINVAL. */
int cpuset_parse(const char *list, cpu_set_t **set, size_t *size);

#endif
