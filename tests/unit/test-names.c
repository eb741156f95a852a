/* test-names: the name tables (shared/names.c). */
#include <sched.h>
#include <signal.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/resource.h>

#include "names.h"
#include "tap.h"

int main(void)
{
  struct mount_flags mf;
  size_t n;
  const struct mntopt *t = mount_opt_table(&n);
  int sorted = 1;
  for (size_t i = 1; i < n; i++) sorted &= strcmp(t[i - 1].name, t[i].name) < 0;
  ok(sorted, "option table sorted for bsearch");
  ok(mount_flags_parse("nosuid,noexec,rbind,rprivate", &mf) == 0 &&
         mf.flags == (MS_NOSUID | MS_NOEXEC | MS_BIND | MS_REC) && mf.prop == (MS_PRIVATE | MS_REC),
     "flags and propagation");
  ok(mount_flags_parse("-", &mf) == 0 && !mf.flags && !mf.prop, "dash is none");
  ok(mount_flags_parse("rro,rnosuid", &mf) == 0 && mf.rset == (0x1 | 0x2), "recursive attributes");
  ok(mount_flags_parse("nosiud", &mf) < 0, "unknown option refused");
  ok(mount_flags_parse("tmpcopyup", &mf) == 0 && mf.tmpcopyup, "tmpcopyup");
  ok(rlimit_from_name("RLIMIT_NOFILE") == RLIMIT_NOFILE, "RLIMIT_NOFILE");
  ok(rlimit_from_name("RLIMIT_TEST") < 0, "unknown rlimit");
  ok(signal_from_name("TERM") == SIGTERM && signal_from_name("SIGKILL") == SIGKILL &&
         signal_from_name("sigusr1") == SIGUSR1 && signal_from_name("9") == 9,
     "signal names and numbers");
  ok(signal_from_name("RTMIN+1") == SIGRTMIN + 1 && signal_from_name("RTMAX-1") == SIGRTMAX - 1, "realtime");
  ok(signal_from_name("BOGUS") < 0 && signal_from_name("0") < 0 && signal_from_name("99") < 0, "bad signals");
  ok(ns_find("network")->clone_flag == CLONE_NEWNET && !strcmp(ns_find("mount")->proc, "mnt"), "namespaces");
  ok(!ns_find("bogus"), "unknown namespace");
  return done();
}
