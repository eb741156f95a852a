/* oci-spec: `runc spec`. Writes today's default config.json (ociVersion
   1.2.0, runc's defaults; --rootless: runc's rootless form for the
   caller's ids), or with --legacy the 2015 pair config.json +
   runtime.json as runc v0.0.5 wrote them. Never overwrites a file.
   Reads no spec; a lifecycle program, not a stage. See oci-spec(8). */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <linux/magic.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <unistd.h>

#include "die.h"
#include "fd.h"
#include "stage.h"

#define USAGE "oci-spec [--bundle=DIR] [--legacy] [--rootless]"

static const char modern[] = "{\n"
                             "\t\"ociVersion\": \"1.2.0\",\n"
                             "\t\"process\": {\n"
                             "\t\t\"terminal\": true,\n"
                             "\t\t\"user\": {\n"
                             "\t\t\t\"uid\": 0,\n"
                             "\t\t\t\"gid\": 0\n"
                             "\t\t},\n"
                             "\t\t\"args\": [\n"
                             "\t\t\t\"sh\"\n"
                             "\t\t],\n"
                             "\t\t\"env\": [\n"
                             "\t\t\t\"PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin\",\n"
                             "\t\t\t\"TERM=xterm\"\n"
                             "\t\t],\n"
                             "\t\t\"cwd\": \"/\",\n"
                             "\t\t\"capabilities\": {\n"
                             "\t\t\t\"bounding\": [\n"
                             "\t\t\t\t\"CAP_AUDIT_WRITE\",\n"
                             "\t\t\t\t\"CAP_KILL\",\n"
                             "\t\t\t\t\"CAP_NET_BIND_SERVICE\"\n"
                             "\t\t\t],\n"
                             "\t\t\t\"effective\": [\n"
                             "\t\t\t\t\"CAP_AUDIT_WRITE\",\n"
                             "\t\t\t\t\"CAP_KILL\",\n"
                             "\t\t\t\t\"CAP_NET_BIND_SERVICE\"\n"
                             "\t\t\t],\n"
                             "\t\t\t\"permitted\": [\n"
                             "\t\t\t\t\"CAP_AUDIT_WRITE\",\n"
                             "\t\t\t\t\"CAP_KILL\",\n"
                             "\t\t\t\t\"CAP_NET_BIND_SERVICE\"\n"
                             "\t\t\t]\n"
                             "\t\t},\n"
                             "\t\t\"rlimits\": [\n"
                             "\t\t\t{\n"
                             "\t\t\t\t\"type\": \"RLIMIT_NOFILE\",\n"
                             "\t\t\t\t\"hard\": 1024,\n"
                             "\t\t\t\t\"soft\": 1024\n"
                             "\t\t\t}\n"
                             "\t\t],\n"
                             "\t\t\"noNewPrivileges\": true\n"
                             "\t},\n"
                             "\t\"root\": {\n"
                             "\t\t\"path\": \"rootfs\",\n"
                             "\t\t\"readonly\": true\n"
                             "\t},\n"
                             "\t\"hostname\": \"runc\",\n"
                             "\t\"mounts\": [\n"
                             "\t\t{\n"
                             "\t\t\t\"destination\": \"/proc\",\n"
                             "\t\t\t\"type\": \"proc\",\n"
                             "\t\t\t\"source\": \"proc\"\n"
                             "\t\t},\n"
                             "\t\t{\n"
                             "\t\t\t\"destination\": \"/dev\",\n"
                             "\t\t\t\"type\": \"tmpfs\",\n"
                             "\t\t\t\"source\": \"tmpfs\",\n"
                             "\t\t\t\"options\": [\n"
                             "\t\t\t\t\"nosuid\",\n"
                             "\t\t\t\t\"strictatime\",\n"
                             "\t\t\t\t\"mode=755\",\n"
                             "\t\t\t\t\"size=65536k\"\n"
                             "\t\t\t]\n"
                             "\t\t},\n"
                             "\t\t{\n"
                             "\t\t\t\"destination\": \"/dev/pts\",\n"
                             "\t\t\t\"type\": \"devpts\",\n"
                             "\t\t\t\"source\": \"devpts\",\n"
                             "\t\t\t\"options\": [\n"
                             "\t\t\t\t\"nosuid\",\n"
                             "\t\t\t\t\"noexec\",\n"
                             "\t\t\t\t\"newinstance\",\n"
                             "\t\t\t\t\"ptmxmode=0666\",\n"
                             "\t\t\t\t\"mode=0620\",\n"
                             "\t\t\t\t\"gid=5\"\n"
                             "\t\t\t]\n"
                             "\t\t},\n"
                             "\t\t{\n"
                             "\t\t\t\"destination\": \"/dev/shm\",\n"
                             "\t\t\t\"type\": \"tmpfs\",\n"
                             "\t\t\t\"source\": \"shm\",\n"
                             "\t\t\t\"options\": [\n"
                             "\t\t\t\t\"nosuid\",\n"
                             "\t\t\t\t\"noexec\",\n"
                             "\t\t\t\t\"nodev\",\n"
                             "\t\t\t\t\"mode=1777\",\n"
                             "\t\t\t\t\"size=65536k\"\n"
                             "\t\t\t]\n"
                             "\t\t},\n"
                             "\t\t{\n"
                             "\t\t\t\"destination\": \"/dev/mqueue\",\n"
                             "\t\t\t\"type\": \"mqueue\",\n"
                             "\t\t\t\"source\": \"mqueue\",\n"
                             "\t\t\t\"options\": [\n"
                             "\t\t\t\t\"nosuid\",\n"
                             "\t\t\t\t\"noexec\",\n"
                             "\t\t\t\t\"nodev\"\n"
                             "\t\t\t]\n"
                             "\t\t},\n"
                             "\t\t{\n"
                             "\t\t\t\"destination\": \"/sys\",\n"
                             "\t\t\t\"type\": \"sysfs\",\n"
                             "\t\t\t\"source\": \"sysfs\",\n"
                             "\t\t\t\"options\": [\n"
                             "\t\t\t\t\"nosuid\",\n"
                             "\t\t\t\t\"noexec\",\n"
                             "\t\t\t\t\"nodev\",\n"
                             "\t\t\t\t\"ro\"\n"
                             "\t\t\t]\n"
                             "\t\t},\n"
                             "\t\t{\n"
                             "\t\t\t\"destination\": \"/sys/fs/cgroup\",\n"
                             "\t\t\t\"type\": \"cgroup\",\n"
                             "\t\t\t\"source\": \"cgroup\",\n"
                             "\t\t\t\"options\": [\n"
                             "\t\t\t\t\"nosuid\",\n"
                             "\t\t\t\t\"noexec\",\n"
                             "\t\t\t\t\"nodev\",\n"
                             "\t\t\t\t\"relatime\",\n"
                             "\t\t\t\t\"ro\"\n"
                             "\t\t\t]\n"
                             "\t\t}\n"
                             "\t],\n"
                             "\t\"linux\": {\n"
                             "\t\t\"resources\": {\n"
                             "\t\t\t\"devices\": [\n"
                             "\t\t\t\t{\n"
                             "\t\t\t\t\t\"allow\": false,\n"
                             "\t\t\t\t\t\"access\": \"rwm\"\n"
                             "\t\t\t\t}\n"
                             "\t\t\t]\n"
                             "\t\t},\n"
                             "\t\t\"namespaces\": [\n"
                             "\t\t\t{\n"
                             "\t\t\t\t\"type\": \"pid\"\n"
                             "\t\t\t},\n"
                             "\t\t\t{\n"
                             "\t\t\t\t\"type\": \"network\"\n"
                             "\t\t\t},\n"
                             "\t\t\t{\n"
                             "\t\t\t\t\"type\": \"ipc\"\n"
                             "\t\t\t},\n"
                             "\t\t\t{\n"
                             "\t\t\t\t\"type\": \"uts\"\n"
                             "\t\t\t},\n"
                             "\t\t\t{\n"
                             "\t\t\t\t\"type\": \"mount\"\n"
                             "\t\t\t}\n"
                             "\t\t],\n"
                             "\t\t\"maskedPaths\": [\n"
                             "\t\t\t\"/proc/acpi\",\n"
                             "\t\t\t\"/proc/asound\",\n"
                             "\t\t\t\"/proc/kcore\",\n"
                             "\t\t\t\"/proc/keys\",\n"
                             "\t\t\t\"/proc/latency_stats\",\n"
                             "\t\t\t\"/proc/timer_list\",\n"
                             "\t\t\t\"/proc/timer_stats\",\n"
                             "\t\t\t\"/proc/sched_debug\",\n"
                             "\t\t\t\"/sys/firmware\",\n"
                             "\t\t\t\"/proc/scsi\",\n"
                             "\t\t\t\"/sys/devices/virtual/powercap\"\n"
                             "\t\t],\n"
                             "\t\t\"readonlyPaths\": [\n"
                             "\t\t\t\"/proc/bus\",\n"
                             "\t\t\t\"/proc/fs\",\n"
                             "\t\t\t\"/proc/irq\",\n"
                             "\t\t\t\"/proc/sys\",\n"
                             "\t\t\t\"/proc/sysrq-trigger\"\n"
                             "\t\t]\n"
                             "\t}\n"
                             "}";

/* Fail before writing anything when a target exists: both checked first. */
static void refuse_existing(int dir, const char *name)
{
  struct stat st;
  if (fstatat(dir, name, &st, AT_SYMLINK_NOFOLLOW) == 0)
    die(EXIT_BADINPUT, "File %s exists. Remove it first", name);
}

static void write_new(int dir, const char *name, const char *text, size_t len)
{
  int fd = openat(dir, name, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0666);
  if (fd < 0) {
    if (errno == EEXIST) die(EXIT_BADINPUT, "File %s exists. Remove it first", name);
    die_sys(EXIT_SYSFAIL, "create %s", name);
  }
  if (write_all(fd, text, len) < 0 || close(fd) < 0) die_sys(EXIT_SYSFAIL, "write %s", name);
}

#include "legacy-spec.h"

/* A pure cgroup v2 host: cgroup2 mounted at /sys/fs/cgroup. */
static int cgroup2_host(void)
{
  struct statfs sf;
  return statfs("/sys/fs/cgroup", &sf) == 0 && sf.f_type == CGROUP2_SUPER_MAGIC;
}

/* text with its one occurrence of old replaced by new (malloc'd) */
static char *replace(const char *text, const char *old, const char *new)
{
  const char *at = strstr(text, old);
  if (!at) die(EXIT_SYSFAIL, "spec template: no %.20s", old); /* a bug in this file */
  return xasprintf("%.*s%s%s", (int)(at - text), text, new, at + strlen(old));
}

/* runc's ToRootless: no network namespace (a user namespace cannot reach
   the host's network anyway) and a user namespace last; the caller's uid
   and gid mapped to root; /sys bound from the host (sysfs cannot be
   mounted without a network namespace of our own); no gid= / uid= mount
   option (those ids are not mapped); no cgroup resources. */
static char *rootless(const char *text)
{
  static const char sysfs[] = "\t\t{\n\t\t\t\"destination\": \"/sys\",\n\t\t\t\"type\": \"sysfs\",\n"
                              "\t\t\t\"source\": \"sysfs\",\n\t\t\t\"options\": [\n";
  static const char rbind[] = "\t\t{\n\t\t\t\"destination\": \"/sys\",\n\t\t\t\"type\": \"none\",\n"
                              "\t\t\t\"source\": \"/sys\",\n\t\t\t\"options\": [\n\t\t\t\t\"rbind\",\n";
  static const char resources[] = "\t\t\"resources\": {\n\t\t\t\"devices\": [\n\t\t\t\t{\n"
                                  "\t\t\t\t\t\"allow\": false,\n\t\t\t\t\t\"access\": \"rwm\"\n"
                                  "\t\t\t\t}\n\t\t\t]\n\t\t},\n";
  char *maps = xasprintf("\t\"linux\": {\n"
                         "\t\t\"uidMappings\": [\n\t\t\t{\n\t\t\t\t\"containerID\": 0,\n"
                         "\t\t\t\t\"hostID\": %u,\n\t\t\t\t\"size\": 1\n\t\t\t}\n\t\t],\n"
                         "\t\t\"gidMappings\": [\n\t\t\t{\n\t\t\t\t\"containerID\": 0,\n"
                         "\t\t\t\t\"hostID\": %u,\n\t\t\t\t\"size\": 1\n\t\t\t}\n\t\t],\n",
                         (unsigned)geteuid(), (unsigned)getegid());
  char *t[7];
  t[0] = replace(text, "\t\t\t{\n\t\t\t\t\"type\": \"network\"\n\t\t\t},\n", "");
  t[1] = replace(t[0], "\n\t\t],\n\t\t\"maskedPaths\"",
                 ",\n\t\t\t{\n\t\t\t\t\"type\": \"user\"\n\t\t\t}\n\t\t],\n\t\t\"maskedPaths\"");
  t[2] = replace(t[1], "\t\"linux\": {\n", maps);
  t[3] = replace(t[2], resources, "");
  t[4] = replace(t[3], sysfs, rbind);
  t[5] = replace(t[4], ",\n\t\t\t\t\"gid=5\"\n", "\n");
  for (int i = 0; i < 5; i++) free(t[i]);
  free(maps);
  return t[5];
}

int main(int argc, char **argv)
{
  static const struct option longopts[] = {{"bundle", required_argument, 0, 'b'},
                                           {"legacy", no_argument, 0, 'L'},
                                           {"rootless", no_argument, 0, 'R'},
                                           {0, 0, 0, 0}};
  const char *bundle = ".";
  int opt, legacy = 0, rl = 0, dir;

  stage_init("oci-spec");
  while ((opt = getopt_long(argc, argv, "+b:L", longopts, NULL)) != -1) switch (opt) {
      case 'b': bundle = optarg; break;
      case 'L': legacy = 1; break;
      case 'R': rl = 1; break;
      default: die_usage(USAGE);
    }
  if (argv[optind] || (legacy && rl)) die_usage(USAGE);
  dir = open(bundle, O_PATH | O_DIRECTORY | O_CLOEXEC);
  if (dir < 0) die_sys(EXIT_BADINPUT, "open bundle %s", bundle);
  refuse_existing(dir, "config.json");
  if (legacy) {
    refuse_existing(dir, "runtime.json");
    write_new(dir, "config.json", legacy_config, sizeof legacy_config - 1);
    write_new(dir, "runtime.json", legacy_runtime, sizeof legacy_runtime - 1);
  } else {
    char *text = xasprintf("%s", modern);
    if (cgroup2_host()) {
      /* runc (1.1 on) adds a cgroup namespace on a pure cgroup v2 host, last */
      char *t =
          replace(text, "\t\t\t\t\"type\": \"mount\"\n\t\t\t}",
                  "\t\t\t\t\"type\": \"mount\"\n\t\t\t},\n\t\t\t{\n\t\t\t\t\"type\": \"cgroup\"\n\t\t\t}");
      free(text);
      text = t;
    }
    if (rl) {
      char *t = rootless(text);
      free(text);
      text = t;
    }
    write_new(dir, "config.json", text, strlen(text));
  }
  return 0;
}
