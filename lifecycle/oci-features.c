/* oci-features: print runc's `features` JSON (runtime-spec features.md): what THIS build really supports.
   The mount options are shared/names.c's table (the one oci-parse and oci-mount use), the namespaces its
   namespace table, the capabilities the names libcap knows (oci-secure's), the seccomp architectures those
   the linked libseccomp adds to a filter on this machine, the seccomp flags those the running kernel accepts.
   A lifecycle program, not a stage. See oci-features(8). */
#include <errno.h>
#include <getopt.h>
#include <linux/seccomp.h>
#include <seccomp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/capability.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "die.h"
#include "names.h"
#include "stage.h"

#define USAGE "oci-features [--runtime-version=V]"

/* oci-parse accepts any 1.x config (and 2015's 0.1.0/0.2.0 pair, which features.md has no word for); the
   newest it knows is bin/runc's spec version. */
#define OCI_MIN "1.0.0"
#define OCI_MAX "1.2.0"

static int first;

/* a JSON string array on one line per item, indented like runc's (4 spaces a level) */
static void arr_begin(const char *key, int ind)
{
  printf("%*s\"%s\": [", ind, "", key);
  first = 1;
}
static void item(const char *s, int ind)
{
  char e[256];
  json_escape_str(e, sizeof e, s);
  printf("%s\n%*s\"%s\"", first ? "" : ",", ind + 4, "", e);
  first = 0;
}
static void arr_end(int ind, const char *after)
{
  printf("%s%*s]%s\n", first ? "" : "\n", first ? 0 : ind, "", after);
}

/* the flags oci-secure takes (seccomp.flag records), and whether this kernel takes them: seccomp(2) with a
   NULL filter fails with EFAULT for a known flag and EINVAL for an unknown one (runc does the same probe) */
static const struct {
  const char *name;
  unsigned long flag;
} sflags[] = {
    {"SECCOMP_FILTER_FLAG_LOG", SECCOMP_FILTER_FLAG_LOG},
    {"SECCOMP_FILTER_FLAG_SPEC_ALLOW", SECCOMP_FILTER_FLAG_SPEC_ALLOW},
    {"SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV", SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV},
};
static int kernel_has_flag(unsigned long flag)
{
  return syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, flag, NULL) < 0 && errno == EFAULT;
}

int main(int argc, char **argv)
{
  static const struct option longopts[] = {{"runtime-version", required_argument, 0, 'V'}, {0, 0, 0, 0}};
  /* oci-secure's tables */
  static const char *const actions[] = {"SCMP_ACT_ALLOW",        "SCMP_ACT_ERRNO",       "SCMP_ACT_KILL",
                                        "SCMP_ACT_KILL_PROCESS", "SCMP_ACT_KILL_THREAD", "SCMP_ACT_LOG",
                                        "SCMP_ACT_NOTIFY",       "SCMP_ACT_TRACE",       "SCMP_ACT_TRAP"};
  static const char *const ops[] = {"SCMP_CMP_EQ", "SCMP_CMP_GE", "SCMP_CMP_GT",       "SCMP_CMP_LE",
                                    "SCMP_CMP_LT", "SCMP_CMP_NE", "SCMP_CMP_MASKED_EQ"};
  /* every SCMP_ARCH_ name the OCI spec has */
  static const char *const archs[] = {
      "x86",    "x86_64",   "x32",         "arm",         "aarch64", "mips",    "mips64", "mips64n32",
      "mipsel", "mipsel64", "mipsel64n32", "ppc",         "ppc64",   "ppc64le", "s390",   "s390x",
      "parisc", "parisc64", "riscv64",     "loongarch64", "m68k",    "sh",      "sheb"};
  static const char *const hooks[] = {"prestart",       "createRuntime", "createContainer",
                                      "startContainer", "poststart",     "poststop"};
  const char *version = "unknown";
  const struct scmp_version *sv = seccomp_version();
  const struct mntopt *mo;
  const struct nsinfo *ns;
  size_t n;
  int opt;

  stage_init("oci-features");
  while ((opt = getopt_long(argc, argv, "+", longopts, NULL)) != -1) switch (opt) {
      case 'V': version = optarg; break;
      default: die_usage(USAGE);
    }
  if (argv[optind]) die_usage(USAGE);

  printf("{\n    \"ociVersionMin\": \"%s\",\n    \"ociVersionMax\": \"%s\",\n", OCI_MIN, OCI_MAX);
  arr_begin("hooks", 4);
  for (size_t i = 0; i < sizeof hooks / sizeof *hooks; i++) item(hooks[i], 4);
  arr_end(4, ",");
  arr_begin("mountOptions", 4);
  mo = mount_opt_table(&n);
  for (size_t i = 0; i < n; i++) item(mo[i].name, 4);
  arr_end(4, ",");

  printf("    \"linux\": {\n");
  arr_begin("namespaces", 8);
  ns = ns_table(&n);
  for (size_t i = 0; i < n; i++) item(ns[i].oci, 8);
  arr_end(8, ",");
  arr_begin("capabilities", 8);
  for (int c = 0; c <= 63; c++) {
    char *name = cap_to_name((cap_value_t)c), up[64];
    size_t k;
    if (!name) continue;
    /* libcap names what it knows "cap_chown"; a number is a capability it does not know */
    if (!strncmp(name, "cap_", 4) && strlen(name) < sizeof up) {
      for (k = 0; name[k]; k++)
        up[k] = (char)(name[k] >= 'a' && name[k] <= 'z' ? name[k] - 'a' + 'A' : name[k]);
      up[k] = 0;
      item(up, 8);
    }
    cap_free(name);
  }
  arr_end(8, ",");
  /* systemd: oci-cgroup's driver (cgroup v2; not rootless); rdma.max is written (v1, v2) */
  printf("        \"cgroup\": {\n            \"v1\": true,\n            \"v2\": true,\n"
         "            \"systemd\": true,\n            \"systemdUser\": false,\n            \"rdma\": true\n"
         "        },\n");
  printf("        \"seccomp\": {\n            \"enabled\": true,\n");
  arr_begin("actions", 12);
  for (size_t i = 0; i < sizeof actions / sizeof *actions; i++) item(actions[i], 12);
  arr_end(12, ",");
  arr_begin("operators", 12);
  for (size_t i = 0; i < sizeof ops / sizeof *ops; i++) item(ops[i], 12);
  arr_end(12, ",");
  arr_begin("archs", 12);
  /* listed when the linked libseccomp resolves it and can add it to a filter of this machine (a filter holds
     architectures of one endianness: oci-secure would fail on the others) */
  scmp_filter_ctx ctx = seccomp_init(SCMP_ACT_ALLOW);
  if (!ctx) die(EXIT_SYSFAIL, "seccomp_init: failed");
  for (size_t i = 0; i < sizeof archs / sizeof *archs; i++) {
    uint32_t a = seccomp_arch_resolve_name(archs[i]);
    int rc = a ? seccomp_arch_add(ctx, a) : -1;
    if (rc == 0 || rc == -EEXIST) {
      char up[64];
      size_t k;
      for (k = 0; archs[i][k]; k++)
        up[k] = (char)(archs[i][k] >= 'a' && archs[i][k] <= 'z' ? archs[i][k] - 'a' + 'A' : archs[i][k]);
      up[k] = 0;
      char *full = xasprintf("SCMP_ARCH_%s", up);
      item(full, 12);
      free(full);
    }
  }
  seccomp_release(ctx);
  arr_end(12, ",");
  arr_begin("knownFlags", 12);
  for (size_t i = 0; i < sizeof sflags / sizeof *sflags; i++) item(sflags[i].name, 12);
  arr_end(12, ",");
  arr_begin("supportedFlags", 12);
  for (size_t i = 0; i < sizeof sflags / sizeof *sflags; i++)
    if (kernel_has_flag(sflags[i].flag)) item(sflags[i].name, 12);
  arr_end(12, "");
  printf("        },\n");
#ifdef HAVE_APPARMOR
  printf("        \"apparmor\": {\n            \"enabled\": true\n        },\n");
#else
  printf("        \"apparmor\": {\n            \"enabled\": false\n        },\n");
#endif
#ifdef HAVE_SELINUX
  printf("        \"selinux\": {\n            \"enabled\": true\n        },\n");
#else
  printf("        \"selinux\": {\n            \"enabled\": false\n        },\n");
#endif
  /* linux.intelRdt is refused by oci-parse, and so are idmapped mounts */
  printf("        \"intelRdt\": {\n            \"enabled\": false\n        },\n");
  printf("        \"mountExtensions\": {\n            \"idmap\": {\n                \"enabled\": false\n"
         "            }\n        }\n");
  printf("    },\n");
  {
    char e[256];
    json_escape_str(e, sizeof e, version);
    printf("    \"annotations\": {\n"
           "        \"io.github.seccomp.libseccomp.version\": \"%u.%u.%u\",\n"
           "        \"org.opencontainers.runc.checkpoint.enabled\": \"true\",\n"
           "        \"org.opencontainers.runc.commit\": \"chain\",\n"
           "        \"org.opencontainers.runc.version\": \"%s\"\n"
           "    }\n}\n",
           sv ? sv->major : 0, sv ? sv->minor : 0, sv ? sv->micro : 0, e);
  }
  return fflush(stdout) == 0 ? 0 : EXIT_SYSFAIL;
}
