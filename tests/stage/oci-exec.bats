#!/usr/bin/env bats
# oci-exec alone, on a hand-written spec. oci-secure (which turns cap.* and
# seccomp.* into the secure.* records oci-exec needs) runs in front of it;
# the root is the busybox rootfs bind-mounted onto itself inside private
# mount and pid namespaces (what oci-mount and oci-ns leave behind), so
# nothing outlives the test.

load helpers
bats_require_minimum_version 1.5.0

setup() {
  ROOTFS=$(mkrootfs)
}

CAPS_NONE=("cap.bounding -" "cap.effective -" "cap.permitted -" "cap.inheritable -" "cap.ambient -")
SECURE_NONE=("secure.cap.bounding 0x0" "secure.cap.effective 0x0" "secure.cap.permitted 0x0"
  "secure.cap.inheritable 0x0" "secure.cap.ambient 0x0")

# xspec LINES...: a spec on the test rootfs
xspec() {
  spec "root.path $ROOTFS" "ns.new mount" "$@" # in_ns makes that mount namespace
}

# args WORD...: one arg record per word (spaces inside a word become \040)
args() {
  local a
  for a in "$@"; do printf 'arg %s\n' "${a// /\\040}"; done
}

# in_ns [-N] SPEC [SHELL]: run $CHAIN (oci-secure oci-exec) in new mount
# and pid namespaces after making the rootfs a mount point with its own
# /proc. SHELL runs first (as root, on the host paths; $r is the rootfs).
# -N is the exit status expected (run -N), for the 126/127 ones.
in_ns() {
  local expect=()
  [[ "$1" != -* ]] || { expect=("$1"); shift; }
  requires_root
  run "${expect[@]}" --separate-stderr unshare -m -p -f --propagation private sh -c '
    r=$1
    mount --bind "$r" "$r" && mount -t proc proc "$r/proc" || exit 99
    eval "$2"
    exec $3' sh "$ROOTFS" "${2:-}" "${CHAIN:-oci-secure oci-exec}" 3< "$1"
}

# a pty and a /dev/console for process.terminal: the container's own devpts
DEVPTS='mount -t tmpfs tmpfs "$r/dev" && mkdir "$r/dev/pts" &&
  mount -t devpts -o newinstance,ptmxmode=0666 devpts "$r/dev/pts" && ln -s pts/ptmx "$r/dev/ptmx" || exit 99'

@test "oci-exec: arguments, or no spec at all, are a usage error" {
  run oci-exec probe 3<&-
  [ "$status" -eq 100 ]
  [ "$output" = "oci-exec: usage: oci-exec" ]
  run oci-exec 3<&-
  [ "$status" -eq 100 ]
  [ "$output" = "oci-exec: usage: oci-exec" ]
}

@test "oci-exec: refuses to run without the records oci-secure appends" {
  s=$(xspec "${CAPS_NONE[@]}" "arg /bin/true")
  run oci-exec 3< "$s"
  [ "$status" -eq 100 ]
  [ "$output" = "oci-exec: spec: no secure.cap.bounding record (oci-secure must run first)" ]

  s=$(xspec "${SECURE_NONE[@]}" "seccomp.default SCMP_ACT_ALLOW -" "arg /bin/true")
  run oci-exec 3< "$s"
  [ "$status" -eq 100 ]
  [ "$output" = "oci-exec: spec: seccomp.default without secure.bpf (oci-secure must run first)" ]

  s=$(xspec "${SECURE_NONE[@]}" "process.apparmor runc-default" "arg /bin/true")
  run oci-exec 3< "$s"
  [ "$status" -eq 100 ]
  [ "$output" = "oci-exec: spec: process.apparmor without secure.apparmor (oci-secure must run first)" ]
}

@test "oci-exec: bad and unknown records are refused with their line" {
  check() {
    s=$(xspec "${SECURE_NONE[@]}" "arg /bin/true" "$1")
    run oci-exec 3< "$s"
    [ "$status" -eq 100 ]
    [ "$output" = "oci-exec: spec line 10: $2" ]
  }
  check "process.priority 5" "unknown record process.priority"
  check "secure.cap.everything 0x1" "unknown record secure.cap.everything"
  check "secure.bpfcache x" "unknown record secure.bpfcache"
  check "secure.cap.bounding 21" "bad secure.cap.bounding record"
  check "rlimit RLIMIT_FOO 1 1" "unknown rlimit RLIMIT_FOO"
  check "rlimit RLIMIT_NOFILE 1 -1" "bad rlimit value -1"
  check "process.user 0" "bad process.user record"
  check "process.umask 0999" "bad process.umask record"
  check "process.cwd tmp" "process.cwd tmp is not absolute"
  check "process.groups 1,x" "bad group id x"
  check "process.oomscoreadj 1001" "bad process.oomscoreadj record"
  check "env NOEQUALS" "env NOEQUALS is not KEY=VALUE"
  check "process.scheduler 7 0 0 0 0 0 0" "bad process.scheduler record"
  check "process.scheduler 0 x 0 0 0 0 0" "bad process.scheduler record"
  check "process.ioprio 0 1" "bad process.ioprio record"
  check "process.ioprio 2 8" "bad process.ioprio record"
  check "process.cpuaffinity - 3-1" "bad process.cpuaffinity record"
  check "process.personality x" "bad process.personality record"
  check "secure.bpf x" "bad secure.bpf record"
  check "secure.bpf 0" "fd 0 holds no seccomp program"

  s=$(xspec "${SECURE_NONE[@]}" "arg /bin/true" "secure.bpf 99")
  run oci-exec 3< "$s"
  [ "$status" -eq 111 ]
  [ "$output" = "oci-exec: read seccomp filter from fd 99: Bad file descriptor" ]

  s=$(xspec "${SECURE_NONE[@]}")
  run oci-exec 3< "$s"
  [ "$status" -eq 100 ]
  [ "$output" = "oci-exec: spec: no arg record (nothing to execute)" ]
}

@test "oci-exec: root with no_new_privs keeps exactly the configured sets" {
  s=$(xspec "cap.bounding CAP_CHOWN,CAP_KILL,CAP_SETUID" "cap.effective CAP_CHOWN,CAP_KILL" \
    "cap.permitted CAP_CHOWN,CAP_KILL" "cap.inheritable CAP_KILL" "cap.ambient -" "process.nnp 1" \
    "env PATH=/bin" $'arg probe\narg caps\narg nnp')
  in_ns "$s"
  [ "$status" -eq 0 ]
  [ "$stderr" = "" ]
  [ "$output" = "$(printf 'CapInh:\t0000000000000020\nCapPrm:\t0000000000000021\nCapEff:\t0000000000000021
CapBnd:\t00000000000000a1\nCapAmb:\t0000000000000000\nNoNewPrivs:\t1')" ]
}

@test "oci-exec: root without no_new_privs gets its bounding set back at execve, like runc" {
  s=$(xspec "cap.bounding CAP_CHOWN,CAP_KILL,CAP_SETUID" "cap.effective CAP_CHOWN" "cap.permitted CAP_CHOWN" \
    "cap.inheritable -" "cap.ambient -" "process.nnp 0" $'arg /bin/probe\narg caps\narg nnp')
  in_ns "$s"
  [ "$status" -eq 0 ]
  [ "$output" = "$(printf 'CapInh:\t0000000000000000\nCapPrm:\t00000000000000a1\nCapEff:\t00000000000000a1
CapBnd:\t00000000000000a1\nCapAmb:\t0000000000000000\nNoNewPrivs:\t0')" ]
}

@test "oci-exec: a non-root user keeps ambient capabilities, groups are set" {
  s=$(xspec "cap.bounding CAP_NET_BIND_SERVICE,CAP_KILL" "cap.effective CAP_NET_BIND_SERVICE" \
    "cap.permitted CAP_NET_BIND_SERVICE" "cap.inheritable CAP_NET_BIND_SERVICE" "cap.ambient CAP_NET_BIND_SERVICE" \
    "process.user 1000 1001" "process.groups 10,20,30" "process.nnp 1" $'arg /bin/probe\narg id\narg caps')
  in_ns "$s"
  [ "$status" -eq 0 ]
  [ "$stderr" = "" ]
  [ "$output" = "$(printf 'uid=1000 gid=1001 euid=1000 egid=1001 groups=10,20,30\nCapInh:\t0000000000000400
CapPrm:\t0000000000000400\nCapEff:\t0000000000000400\nCapBnd:\t0000000000000420\nCapAmb:\t0000000000000400')" ]
}

@test "oci-exec: ambient caps the kernel would refuse are skipped silently (runc's default config)" {
  s=$(xspec "cap.bounding CAP_CHOWN,CAP_KILL" "cap.effective CAP_CHOWN,CAP_KILL" "cap.permitted CAP_CHOWN,CAP_KILL" \
    "cap.inheritable -" "cap.ambient CAP_CHOWN,CAP_KILL" "process.user 1000 1000" $'arg /bin/probe\narg id\narg caps')
  in_ns "$s"
  [ "$status" -eq 0 ]
  [ "$stderr" = "" ]
  [ "$output" = "$(printf 'uid=1000 gid=1000 euid=1000 egid=1000 groups=\nCapInh:\t0000000000000000
CapPrm:\t0000000000000000\nCapEff:\t0000000000000000\nCapBnd:\t0000000000000021\nCapAmb:\t0000000000000000')" ]
}

@test "oci-exec: cwd, umask, rlimits, oom score, env and argv come from the spec" {
  s=$(xspec "${CAPS_NONE[@]}" "process.cwd /tmp" "process.umask 0027" "process.oomscoreadj 523" \
    "rlimit RLIMIT_NOFILE 512 1024" "rlimit RLIMIT_CORE 0 18446744073709551615" \
    "env PATH=/bin" "env GREETING=hello\\040world" "env EMPTY=" \
    "$(args probe cwd umask rlimit RLIMIT_NOFILE rlimit RLIMIT_CORE oom env)")
  OCI_SPEC_FD=3 SECRET=host in_ns "$s"
  [ "$status" -eq 0 ]
  [ "$stderr" = "" ]
  [ "$output" = "/tmp
0027
512 1024
0 18446744073709551615
523
PATH=/bin
GREETING=hello world
EMPTY=
HOME=/root" ]
}

@test "oci-exec: HOME comes from the container's /etc/passwd unless the env sets it, like runc" {
  s=$(xspec "${CAPS_NONE[@]}" "process.user 1 1" "$(args /bin/probe env)")
  in_ns "$s"
  [ "$status" -eq 0 ]
  [ "$output" = "HOME=/" ]

  s=$(xspec "${CAPS_NONE[@]}" "process.user 4242 4242" "$(args /bin/probe env)")
  in_ns "$s"
  [ "$output" = "HOME=/" ]

  s=$(xspec "${CAPS_NONE[@]}" "env HOME=/srv" "env X=1" "$(args /bin/probe env)")
  in_ns "$s"
  [ "$output" = "$(printf 'HOME=/srv\nX=1')" ]
}

@test "oci-exec: without a umask record the umask is runc's 0022" {
  s=$(xspec "${CAPS_NONE[@]}" "$(args /bin/probe umask cwd)")
  in_ns "$s" "umask 077"
  [ "$status" -eq 0 ]
  [ "$output" = "$(printf '0022\n/')" ]
}

@test "oci-exec: the container gets stdio only: no spec, stage dir, log or stray fds" {
  s=$(xspec "${CAPS_NONE[@]}" "fd.stagedir 6" "fd.log 7" "seccomp.default SCMP_ACT_ALLOW -" \
    "$(args /bin/probe fds env)")
  in_ns "$s" 'exec 6< "$r/bin" 7>> /dev/null 8< /dev/null 9< /dev/null'
  [ "$status" -eq 0 ]
  [ "$output" = "0 1 2 
HOME=/root" ]
}

@test "oci-exec: preserved fds reach the container, the spec after them does not" {
  s=$(xspec "${CAPS_NONE[@]}" "run.preservefds 2" "$(args /bin/probe fds cat /proc/self/fd/4 env)")
  echo preserved > "$BATS_TEST_TMPDIR/p"
  requires_root
  # OCI_SPEC_FD is what the wrapper exports when it preserves fds
  OCI_SPEC_FD=5 run --separate-stderr unshare -m -p -f --propagation private sh -c '
    mount --bind "$1" "$1" && mount -t proc proc "$1/proc" || exit 99
    exec oci-secure oci-exec' sh "$ROOTFS" 3< /dev/null 4< "$BATS_TEST_TMPDIR/p" 5< "$s" 6< /dev/null
  [ "$status" -eq 0 ]
  [ "$stderr" = "" ]
  [ "$output" = "0 1 2 3 4 
preserved
HOME=/root" ]
}

@test "oci-exec: a seccomp filter is loaded last, after no_new_privs" {
  s=$(xspec "${CAPS_NONE[@]}" "process.nnp 1" "seccomp.default SCMP_ACT_ALLOW -" \
    "seccomp.syscall mkdir SCMP_ACT_ERRNO -" "seccomp.syscall mkdirat SCMP_ACT_ERRNO -" \
    "seccomp.syscall rmdir SCMP_ACT_ERRNO 28" "$(args /bin/sh -c 'probe seccomp nnp; mkdir /tmp/nope; rmdir /tmp')")
  in_ns "$s"
  [ "$status" -eq 1 ]
  [ "$output" = "$(printf 'Seccomp:\t2\nNoNewPrivs:\t1')" ]
  [ "$stderr" = "mkdir: can't create directory '/tmp/nope': Operation not permitted
rmdir: '/tmp': No space left on device" ]
}

@test "oci-exec: without no_new_privs the filter is loaded before the caps are dropped" {
  s=$(xspec "${CAPS_NONE[@]}" "process.user 1000 1000" "process.nnp 0" "seccomp.default SCMP_ACT_ALLOW -" \
    "seccomp.syscall mkdir SCMP_ACT_ERRNO -" "seccomp.syscall mkdirat SCMP_ACT_ERRNO -" \
    "$(args /bin/sh -c 'probe seccomp nnp caps; mkdir /tmp/nope')")
  in_ns "$s"
  [ "$status" -eq 1 ]
  [ "$output" = "$(printf 'Seccomp:\t2\nNoNewPrivs:\t0\nCapInh:\t0000000000000000\nCapPrm:\t0000000000000000
CapEff:\t0000000000000000\nCapBnd:\t0000000000000000\nCapAmb:\t0000000000000000')" ]
  [ "$stderr" = "mkdir: can't create directory '/tmp/nope': Operation not permitted" ]
}

@test "oci-exec: the fd sweep still works when an early filter refuses close_range" {
  s=$(xspec "${CAPS_NONE[@]}" "process.nnp 0" "seccomp.default SCMP_ACT_ALLOW -" \
    "seccomp.syscall close_range SCMP_ACT_ERRNO 38" "$(args /bin/probe fds seccomp)")
  in_ns "$s" 'exec 6< /dev/null 9< /dev/null'
  [ "$status" -eq 0 ]
  [ "$output" = "$(printf '0 1 2 \nSeccomp:\t2')" ]
}

@test "oci-exec: seccomp argument conditions" {
  f=/tmp/cond.$RANDOM
  s=$(xspec "${CAPS_NONE[@]}" "process.nnp 1" "seccomp.default SCMP_ACT_ALLOW -" \
    "seccomp.syscall chmod SCMP_ACT_ERRNO 13 1:SCMP_CMP_EQ:384:0" \
    "seccomp.syscall fchmodat SCMP_ACT_ERRNO 13 2:SCMP_CMP_EQ:384:0" \
    "$(args /bin/sh -c "touch $f && chmod 644 $f && echo changed; chmod 600 $f")")
  in_ns "$s"
  [ "$status" -eq 1 ]
  [ "$output" = "changed" ]
  [ "$stderr" = "chmod: $f: Permission denied" ]
  [ "$(stat -c %a "$ROOTFS$f")" = "644" ]
}

@test "oci-exec: an executable not on the container's PATH fails with runc's message" {
  s=$(xspec "${CAPS_NONE[@]}" "env PATH=/usr/bin:/sbin" "arg probe")
  in_ns -127 "$s"
  [ "$status" -eq 127 ]
  [ "$stderr" = 'oci-exec: exec: "probe": executable file not found in $PATH' ]

  s=$(xspec "${CAPS_NONE[@]}" "exit.setup 1" "arg nosuchprogram")
  in_ns "$s"
  [ "$status" -eq 1 ]
  [ "$stderr" = 'oci-exec: exec: "nosuchprogram": executable file not found in $PATH' ]

  s=$(xspec "${CAPS_NONE[@]}" "arg /bin/nope")
  in_ns -127 "$s"
  [ "$status" -eq 127 ]
  [ "$stderr" = 'oci-exec: exec: "/bin/nope": stat /bin/nope: no such file or directory' ]

  s=$(xspec "${CAPS_NONE[@]}" "arg /etc/passwd")
  in_ns -126 "$s"
  [ "$status" -eq 126 ]
  [ "$stderr" = 'oci-exec: exec: "/etc/passwd": permission denied' ]
}

@test "oci-exec: the default PATH applies when the spec sets none, relative to the new root" {
  s=$(xspec "${CAPS_NONE[@]}" "$(args probe stat /bin/busybox)")
  in_ns "$s"
  [ "$status" -eq 0 ]
  [[ "$output" == "- 0755 0:0 "* ]]
}

@test "oci-exec: the cwd is resolved inside the new root" {
  s=$(xspec "${CAPS_NONE[@]}" "process.cwd /nope" "arg /bin/true")
  in_ns "$s"
  [ "$status" -eq 111 ]
  [ "$stderr" = "oci-exec: chdir /nope: No such file or directory" ]

  # a symlink pointing out of the root stays inside it
  ln -sfn /../../../etc "$ROOTFS/tmp/escape"
  s=$(xspec "${CAPS_NONE[@]}" "process.cwd /tmp/escape" "arg /bin/probe" "arg cwd")
  in_ns "$s"
  [ "$status" -eq 0 ]
  [ "$output" = "/etc" ]
}

@test "oci-exec: a hard limit above the kernel's (fs.nr_open) fails, whatever the capabilities" {
  n=$(($(cat /proc/sys/fs/nr_open) + 1))
  s=$(xspec "${CAPS_NONE[@]}" "rlimit RLIMIT_NOFILE $n $n" "arg /bin/true")
  in_ns "$s"
  [ "$status" -eq 111 ]
  [ "$stderr" = "oci-exec: setrlimit RLIMIT_NOFILE $n $n: Operation not permitted" ]
}

# this sandbox lacks CAP_SYS_RESOURCE, the make test-v2 guest has it
@test "oci-exec: a hard limit above the current one needs CAP_SYS_RESOURCE: refused without, applied with" {
  hard=$(($(ulimit -Hn) + 1))
  s=$(xspec "${CAPS_NONE[@]}" "rlimit RLIMIT_NOFILE $hard $hard" "$(args /bin/sh -c 'ulimit -Hn')")
  in_ns "$s"
  if [ $((0x$(awk '/^CapEff/{print $2}' /proc/self/status) >> 24 & 1)) -eq 1 ]; then
    [ "$status" -eq 0 ]
    [ "$output" = "$hard" ]
  else
    [ "$status" -eq 111 ]
    [ "$stderr" = "oci-exec: setrlimit RLIMIT_NOFILE $hard $hard: Operation not permitted" ]
  fi
}

@test "oci-exec: an AppArmor exec label that cannot be set fails after the root switch" {
  [ "$(cat /sys/module/apparmor/parameters/enabled 2>/dev/null)" != "Y" ] || skip "AppArmor is enabled here"
  s=$(xspec "${SECURE_NONE[@]}" "process.apparmor x" "secure.apparmor x" "arg /bin/true")
  CHAIN=oci-exec in_ns "$s"
  [ "$status" -eq 111 ]
  a=/proc/thread-self/attr/apparmor/exec
  [ -e /proc/self/attr/apparmor ] || a=/proc/thread-self/attr/exec
  [ "$stderr" = "oci-exec: apparmor failed to apply profile: write $a: invalid argument" ]
}

@test "oci-exec: pivot_root leaves no host mount behind, --no-pivot moves the root" {
  s=$(xspec "${CAPS_NONE[@]}" "$(args /bin/sh -c 'wc -l < /proc/self/mountinfo; probe stat /bin/busybox')")
  in_ns "$s"
  [ "$status" -eq 0 ]
  [ "${lines[0]}" = "2" ]
  [[ "${lines[1]}" == "- 0755 0:0 "* ]]

  s=$(xspec "${CAPS_NONE[@]}" "root.pivot 0" "$(args /bin/sh -c 'probe stat /bin/busybox cwd; ls /proc/1/root/bin/busybox')")
  in_ns "$s"
  [ "$status" -eq 0 ]
  [[ "${lines[0]}" == "- 0755 0:0 "* ]]
  [ "${lines[1]}" = "/" ]
  [ "${lines[2]}" = "/proc/1/root/bin/busybox" ]
}

@test "oci-exec: ignored signals and the signal mask are reset" {
  s=$(xspec "${CAPS_NONE[@]}" "$(args /bin/probe sigmask)")
  in_ns "$s" "trap '' USR1 PIPE TERM"
  echo "$output"
  [ "$status" -eq 0 ]
  [[ "$output" == *"SigBlk:	0000000000000000"* ]]
  [[ "$output" == *"SigIgn:	0000000000000000"* ]]
}

@test "oci-exec: a new session keyring is joined" {
  s=$(xspec "${CAPS_NONE[@]}" "process.keyring _ses.oci-exec-test" "$(args /bin/sh -c 'grep -c " _ses.oci-exec-test: " /proc/keys')")
  in_ns "$s"
  [ "$status" -eq 0 ]
  [ "$output" = "1" ]
}

@test "oci-exec: a terminal: the pty master goes to the monitor, the slave is stdio and /dev/console" {
  s=$(xspec "${CAPS_NONE[@]}" "process.terminal 1" "process.consolesize 30 100" "ns.sync 9" \
    "$(args /bin/sh -c 'probe tty; stty size; probe stat /dev/console; grep -c " /dev/console " /proc/self/mountinfo')")
  requires_root
  run --separate-stderr unshare -m -p -f --propagation private sh -c '
    r=$1
    mount --bind "$r" "$r" && mount -t proc proc "$r/proc" || exit 99
    eval "$2"
    exec probe monitor 9 oci-secure oci-exec' sh "$ROOTFS" "$DEVPTS" 3< "$s"
  [ "$status" -eq 0 ]
  [ "$stderr" = "" ]
  [ "$(tr -d '\r' <<< "$output")" = "msg: pty +fd
eof
1 1 1 /dev/pts/0
30 100
c 0600 0:0 136,0
1
exit 0" ]
}

@test "oci-exec: a failure inside the container is reported on the sync socket" {
  s=$(xspec "${CAPS_NONE[@]}" "ns.sync 9" "arg nosuchprogram")
  requires_root
  run --separate-stderr unshare -m -p -f --propagation private sh -c '
    mount --bind "$1" "$1" && mount -t proc proc "$1/proc" || exit 99
    exec probe monitor 9 oci-secure oci-exec' sh "$ROOTFS" 3< "$s"
  [ "$status" -eq 0 ]
  [ "$output" = 'msg: error oci-exec: exec: "nosuchprogram": executable file not found in $PATH
eof
exit 127' ]
  [ "$stderr" = 'oci-exec: exec: "nosuchprogram": executable file not found in $PATH' ]
}

@test "oci-exec: the sync socket closes at the execve, so the monitor sees EOF" {
  s=$(xspec "${CAPS_NONE[@]}" "ns.sync 9" "$(args /bin/sh -c 'sleep 0.2; probe fds')")
  requires_root
  run --separate-stderr unshare -m -p -f --propagation private sh -c '
    mount --bind "$1" "$1" && mount -t proc proc "$1/proc" || exit 99
    exec probe monitor 9 oci-secure oci-exec' sh "$ROOTFS" 3< "$s"
  [ "$status" -eq 0 ]
  [ "$output" = "eof
0 1 2 
exit 0" ]
}

@test "oci-exec: without a mount namespace the root switch is a plain chroot" {
  s=$(spec "root.path $ROOTFS" "${CAPS_NONE[@]}" "$(args /bin/sh -c "probe stat /bin/busybox")")
  in_ns "$s"
  [ "$status" -eq 0 ]
  [[ "${lines[0]}" == "- 0755"* ]]
}

@test "oci-exec: exec mode enters the root of ns.rootfd, no pivot_root, and needs that record" {
  s=$(spec "root.path /nonexistent" "run.mode exec" "${CAPS_NONE[@]}" "$(args /bin/true)")
  run oci-secure oci-exec 3< "$s"
  [ "$status" -eq 100 ]
  [ "$output" = "oci-exec: spec: run.mode exec needs ns.rootfd (oci-ns must run first)" ]
  s=$(spec "root.path /nonexistent" "run.mode exec" "ns.rootfd 7" "ns.join mount /proc/1/ns/mnt" "${CAPS_NONE[@]}" \
    "$(args /bin/sh -c "probe stat /bin/busybox; ls /")")
  in_ns "$s" 'exec 7< "$r"'
  [ "$status" -eq 0 ]
  [[ "${lines[0]}" == "- 0755"* ]]
  [[ " ${lines[*]} " == *" bin "* ]]
  s=$(spec "root.path $ROOTFS" "ns.rootfd 7" "${CAPS_NONE[@]}" "$(args /bin/true)")
  run oci-secure oci-exec 3< "$s" 7< "$ROOTFS"
  [ "$status" -eq 100 ]
  [ "$output" = "oci-exec: spec: ns.rootfd is for run.mode exec only" ]
}
