#!/usr/bin/env bats
# oci-mount alone: a hand-written spec on fd 3, a busybox rootfs, and
# everything inside a private mount namespace (unshare -m), so nothing is
# left on the host when the test ends.
load helpers

setup() {
  R=$(mkrootfs "$BATS_TEST_TMPDIR/b")
}

teardown() {
  # nothing may leak into the host's mount table
  ! grep -q "$BATS_TEST_TMPDIR" /proc/self/mountinfo
}

# om SPEC PROG...: run oci-mount in a private mount namespace
om() {
  local s=$1
  shift
  run unshare -m --propagation private "$BIN/oci-mount" "$@" 3< "$s"
}

# mnt: the mountinfo lines under the rootfs, as "MOUNTPOINT FSTYPE OPTS ROOT"
mnt() {
  awk -v r="$R" 'NF > 9 { for (i = 7; i < NF && $i != "-"; i++); if ($i == "-" && index($5, r) == 1) print substr($5, length(r) + 1), $(i + 1), $6, $4 }'
}

@test "no argument is a usage error" {
  run "$BIN/oci-mount"
  [ "$status" -eq 100 ]
  [ "$output" = "oci-mount: usage: oci-mount [-n] prog..." ]
}

@test "an unknown option is a usage error" {
  run "$BIN/oci-mount" -x true 3< /dev/null
  [ "$status" -eq 100 ]
  [ "$output" = "oci-mount: usage: oci-mount [-n] prog..." ]
}

@test "a mount record with a missing field is rejected with its line" {
  s=$(spec "root.path $R" "ns.new mount" "mount /proc proc proc nosuid")
  om "$s" true
  [ "$status" -eq 100 ]
  [ "$output" = "oci-mount: spec line 4: bad mount record" ]
}

@test "an unknown mount option is rejected with its line, before anything is mounted" {
  s=$(spec "root.path $R" "ns.new mount" "mount /tmp tmpfs tmpfs - -" "mount /proc proc proc nosiud -")
  om "$s" sh -c 'echo never'
  [ "$status" -eq 100 ]
  [ "$output" = "oci-mount: spec line 5: bad mount record" ]
}

@test "bad device, symlink, mask and root records are rejected" {
  for rec in "device /dev/x q 1 3 0666 0 0" "device /dev/x c 1 3 0999 0 0" "device dev/x c 1 3 0666 0 0" \
    "symlink /proc/self/fd" "mask relative/path" "readonly" "root.propagation bogus" "root.readonly yes"; do
    s=$(spec "root.path $R" "ns.new mount" "$rec")
    om "$s" true
    [ "$status" -eq 100 ]
    [ "$output" = "oci-mount: spec line 4: bad ${rec%% *} record" ]
  done
}

@test "a spec without root.path is rejected" {
  s=$(spec "ns.new mount")
  om "$s" true
  [ "$status" -eq 100 ]
  [ "$output" = "oci-mount: spec: no root.path record" ]
}

@test "-n validates, changes nothing and still execs" {
  s=$(spec "root.path $R" "ns.new mount" "mount /proc proc proc nosuid,noexec,nodev -" "mask /proc/keys")
  om "$s" -n "$PROBE" mounts
  [ "$status" -eq 0 ]
  [[ "$output" != *"$R"* ]]
  [ ! -e "$R/proc/keys" ]
  s=$(spec "root.path $R" "ns.new mount" "mount /proc proc proc nosuid,bogus -")
  om "$s" -n true
  [ "$status" -eq 100 ]
  [ "$output" = "oci-mount: spec line 4: bad mount record" ]
}

@test "the root becomes a mount point of its own and the spec is the only fd handed on" {
  s=$(spec "root.path $R" "ns.new mount")
  run "$PROBE" fds 3< "$s"
  want=${lines[0]}
  om "$s" "$PROBE" fds -- mounts
  [ "$status" -eq 0 ]
  [ "${lines[0]}" = "$want" ]
  run mnt <<<"$output"
  [ "${lines[0]%% *}" = "" ]
}

@test "proc, tmpfs, devpts, mqueue and sysfs mounts" {
  s=$(spec "root.path $R" "ns.new mount" \
    "mount /proc proc proc nosuid,noexec,nodev -" \
    "mount /dev tmpfs tmpfs nosuid,strictatime mode=755,size=65536k" \
    "mount /dev/pts devpts devpts nosuid,noexec newinstance,ptmxmode=0666,mode=0620,gid=5" \
    "mount /dev/shm tmpfs shm nosuid,noexec,nodev mode=1777,size=65536k" \
    "mount /dev/mqueue mqueue mqueue nosuid,noexec,nodev -" \
    "mount /sys sysfs sysfs nosuid,noexec,nodev,ro -")
  om "$s" "$PROBE" mounts
  [ "$status" -eq 0 ]
  run mnt <<<"$output"
  [[ "${lines[1]}" == "/proc proc rw,nosuid,nodev,noexec,relatime /" ]]
  [[ "${lines[2]}" == "/dev tmpfs rw,nosuid /" ]]
  [[ "${lines[3]}" == "/dev/pts devpts rw,nosuid,noexec,relatime /" ]]
  [[ "${lines[4]}" == "/dev/shm tmpfs rw,nosuid,nodev,noexec,relatime /" ]]
  [[ "${lines[5]}" == "/dev/mqueue mqueue rw,nosuid,nodev,noexec,relatime /" ]]
  [[ "${lines[6]}" == "/sys sysfs ro,nosuid,nodev,noexec,relatime /" ]]
  om "$s" "$PROBE" stat "$R/dev/shm"
  [ "$output" = "d 1777 0:0 0,0" ]
}

@test "bind mounts of a file and of a directory, read-only" {
  mkdir "$BATS_TEST_TMPDIR/src"
  echo hello > "$BATS_TEST_TMPDIR/src/f"
  s=$(spec "root.path $R" "ns.new mount" \
    "mount /etc/greeting bind $BATS_TEST_TMPDIR/src/f bind,ro -" \
    "mount /srv/data none $BATS_TEST_TMPDIR/src rbind,ro,nosuid -")
  om "$s" sh -c "cat $R/etc/greeting $R/srv/data/f; echo x > $R/etc/greeting || echo file-ro; touch $R/srv/data/g || echo dir-ro; $PROBE stat $R/etc/greeting; $PROBE mounts"
  [ "$status" -eq 0 ]
  [ "${lines[0]}" = hello ]
  [ "${lines[1]}" = hello ]
  [[ "$output" == *file-ro* && "$output" == *dir-ro* ]]
  [[ "$output" == *"- 0644 0:0 0,0"* ]]
  run mnt <<<"$output"
  # the source's file system: ext4 or tmpfs here, overlay in the guest
  [[ "$output" =~ "/etc/greeting "[a-z0-9]+" ro," ]]
  [[ "$output" == *"/srv/data "*" ro,nosuid,"* ]]
  [ ! -e "$BATS_TEST_TMPDIR/src/g" ]
}

@test "a symlinked destination resolves inside the rootfs, never on the host" {
  out=/tmp/oci-mount-outside.$$.$RANDOM
  ln -s "$out" "$R/evil"
  ln -s /etc "$R/evil2"
  ln -s ../../tmp/deep "$R/root/evil3"
  s=$(spec "root.path $R" "ns.new mount" \
    "mount /evil tmpfs tmpfs - -" "mount /evil2 tmpfs tmpfs - -" "mount /root/evil3/sub tmpfs tmpfs - -")
  om "$s" "$PROBE" mounts
  [ "$status" -eq 0 ]
  [ ! -e "$out" ]
  [ -d "$R$out" ]
  [ -d "$R/tmp/deep/sub" ]
  run mnt <<<"$output"
  [ "${lines[1]%% *}" = "$out" ]
  [ "${lines[2]%% *}" = "/etc" ]
  [ "${lines[3]%% *}" = "/tmp/deep/sub" ]
}

@test "missing destinations are created: directories, and empty files for file binds" {
  s=$(spec "root.path $R" "ns.new mount" \
    "mount /a/b/c tmpfs tmpfs - -" "mount /x/y/hostname bind /etc/hostname bind -")
  om "$s" "$PROBE" mounts
  [ "$status" -eq 0 ]
  [ -d "$R/a/b/c" ]
  [ -f "$R/x/y/hostname" ] && [ ! -s "$R/x/y/hostname" ]
  [ "$(stat -c %a "$R/x/y")" = 755 ]
}

@test "proc refuses a symlink as its destination" {
  rmdir "$R/proc"
  ln -s /tmp "$R/proc"
  s=$(spec "root.path $R" "ns.new mount" "mount /proc proc proc nosuid,noexec,nodev -")
  om "$s" true
  [ "$status" -eq 111 ]
  [ "$output" = "oci-mount: mount proc on $R/proc: Not a directory" ]
}

@test "nothing but procfs goes on /proc, and only lxcfs files inside it" {
  s=$(spec "root.path $R" "ns.new mount" "mount /proc tmpfs tmpfs - -")
  om "$s" true
  [ "$status" -eq 100 ]
  [ "$output" = "oci-mount: mount tmpfs on $R/proc: only procfs may be mounted on /proc" ]
  s=$(spec "root.path $R" "ns.new mount" "mount /proc proc proc - -" "mount /proc/sys tmpfs tmpfs - -")
  om "$s" true
  [ "$status" -eq 100 ]
  [ "$output" = "oci-mount: mount tmpfs on $R/proc/sys: refused inside /proc" ]
  s=$(spec "root.path $R" "ns.new mount" "mount /proc proc proc - -" "mount /proc/uptime bind /etc/hostname bind -")
  om "$s" true
  [ "$status" -eq 0 ]
}

@test "an unknown filesystem type fails with the kernel's error" {
  s=$(spec "root.path $R" "ns.new mount" "mount /root nosuchfs none - -")
  om "$s" true
  [ "$status" -eq 111 ]
  [ "$output" = "oci-mount: mount none on $R/root: No such device" ]
}

@test "devices get their type, numbers, mode and owner" {
  s=$(spec "root.path $R" "ns.new mount" "mount /dev tmpfs tmpfs nosuid mode=755" \
    "device /dev/null c 1 3 0666 0 0" "device /dev/loop7 b 7 7 0640 1 5" \
    "device /dev/dir/fifo p 0 0 0600 0 0" "device /dev/tty u 5 0 0666 0 0")
  om "$s" "$PROBE" stat "$R/dev/null" -- stat "$R/dev/loop7" -- stat "$R/dev/dir/fifo" -- stat "$R/dev/tty"
  [ "$status" -eq 0 ]
  [ "${lines[0]}" = "c 0666 0:0 1,3" ]
  [ "${lines[1]}" = "b 0640 1:5 7,7" ]
  [ "${lines[2]}" = "p 0600 0:0 0,0" ]
  [ "${lines[3]}" = "c 0666 0:0 5,0" ]
}

@test "in a user namespace devices are bind mounts of the host's nodes" {
  s=$(spec "root.path $R" "ns.new mount" "ns.new user" "mount /dev tmpfs tmpfs nosuid mode=755" \
    "device /dev/null c 1 3 0666 0 0")
  run unshare -Urm --propagation private "$BIN/oci-mount" sh -c "echo x > $R/dev/null && $PROBE mounts" 3< "$s"
  [ "$status" -eq 0 ]
  run mnt <<<"$output"
  [[ "${lines[2]}" == "/dev/null devtmpfs "* ]]
}

@test "symlinks are made, and /dev/ptmx replaces an existing node" {
  mknod "$R/dev/ptmx" c 5 2
  s=$(spec "root.path $R" "ns.new mount" "device /dev/ptmx c 5 2 0666 0 0" \
    "symlink /proc/self/fd /dev/fd" "symlink pts/ptmx /dev/ptmx" "symlink /proc/self/fd/0 /dev/stdin")
  om "$s" true
  [ "$status" -eq 0 ]
  [ "$(readlink "$R/dev/fd")" = /proc/self/fd ]
  [ "$(readlink "$R/dev/ptmx")" = pts/ptmx ]
  [ "$(readlink "$R/dev/stdin")" = /proc/self/fd/0 ]
}

@test "process.terminal makes /dev/console for the pty" {
  s=$(spec "root.path $R" "ns.new mount" "mount /dev tmpfs tmpfs nosuid,ro mode=755" "process.terminal 1")
  om "$s" sh -c "test -f $R/dev/console && touch $R/dev/x 2>/dev/null || echo dev-ro"
  [ "$status" -eq 0 ]
  [ "$output" = dev-ro ]
}

@test "masked paths: a directory gets an empty read-only tmpfs, a file /dev/null, missing ones are skipped" {
  mkdir -p "$R/secret" && echo s > "$R/secret/key" && echo t > "$R/token"
  s=$(spec "root.path $R" "ns.new mount" "mask /secret" "mask /token" "mask /does/not/exist")
  om "$s" sh -c "ls -A $R/secret | wc -l; wc -c < $R/token; touch $R/secret/x 2>/dev/null || echo ro; $PROBE mounts"
  [ "$status" -eq 0 ]
  [ "${lines[0]}" = 0 ]
  [ "${lines[1]}" = 0 ]
  [ "${lines[2]}" = ro ]
  run mnt <<<"$output"
  [[ "${lines[1]}" == "/secret tmpfs ro,"* ]]
  [[ "${lines[2]}" == "/token devtmpfs "*" /null" ]]
  [ "${#lines[@]}" -eq 3 ]
}

@test "read-only paths are bound on themselves read-only, missing ones skipped" {
  mkdir -p "$R/var/lib"
  s=$(spec "root.path $R" "ns.new mount" "mount /proc proc proc nosuid,noexec,nodev -" \
    "readonly /var" "readonly /proc/sys" "readonly /no/such")
  om "$s" sh -c "touch $R/var/lib/x 2>/dev/null || echo var-ro; touch $R/tmp/x && echo tmp-rw; $PROBE mounts"
  [ "$status" -eq 0 ]
  [ "${lines[0]}" = var-ro ]
  [ "${lines[1]}" = tmp-rw ]
  run mnt <<<"$output"
  [[ "$output" == *"/var "*" ro,"* ]]
  [[ "$output" == *"/proc/sys proc ro,nosuid,nodev,noexec,relatime /sys"* ]]
}

@test "root.readonly makes the root read-only but not the mounts on it" {
  s=$(spec "root.path $R" "ns.new mount" "root.readonly 1" "mount /tmp tmpfs tmpfs - -")
  om "$s" sh -c "touch $R/x 2>/dev/null || echo root-ro; touch $R/tmp/x && echo tmp-rw"
  [ "$status" -eq 0 ]
  [ "${lines[0]}" = root-ro ]
  [ "${lines[1]}" = tmp-rw ]
  [ ! -e "$R/x" ]
}

@test "rro makes a recursive bind read-only all the way down" {
  mkdir -p "$BATS_TEST_TMPDIR/src/sub"
  s=$(spec "root.path $R" "ns.new mount" "mount /mnt bind $BATS_TEST_TMPDIR/src rbind,rro -")
  run unshare -m --propagation private sh -c \
    "mount -t tmpfs t $BATS_TEST_TMPDIR/src/sub && exec $BIN/oci-mount sh -c 'touch $R/mnt/sub/x || echo sub-ro; $PROBE mounts'" 3< "$s"
  [ "$status" -eq 0 ]
  [[ "$output" == *sub-ro* ]]
  run mnt <<<"$output"
  [[ "${lines[1]}" == "/mnt "*" ro,"* ]]
  [[ "${lines[2]}" == "/mnt/sub tmpfs ro,"* ]]
}

@test "tmpcopyup fills the new tmpfs with what it covers" {
  mkdir -p "$R/opt/d" && echo v > "$R/opt/d/f" && ln -s d/f "$R/opt/l" && chmod 0710 "$R/opt/d"
  s=$(spec "root.path $R" "ns.new mount" "mount /opt tmpfs tmpfs tmpcopyup -")
  om "$s" sh -c "cat $R/opt/l; stat -c %a $R/opt/d; touch $R/opt/new; $PROBE mounts"
  [ "$status" -eq 0 ]
  [ "${lines[0]}" = v ]
  [ "${lines[1]}" = 710 ]
  [ ! -e "$R/opt/new" ]
  run mnt <<<"$output"
  [[ "${lines[1]}" == "/opt tmpfs "* ]]
}

@test "cgroup without a cgroup namespace binds the container's own cgroups, read-only (v1)" {
  requires_cgroup_v1
  s=$(spec "root.path $R" "ns.new mount" "mount /sys sysfs sysfs nosuid,noexec,nodev,ro -" \
    "mount /sys/fs/cgroup cgroup cgroup nosuid,noexec,nodev,relatime,ro -")
  own=$(sed -n 's/^[0-9]*:memory://p' /proc/self/cgroup)
  om "$s" sh -c "$PROBE mounts; test -L $R/sys/fs/cgroup/cpu || echo ok; mkdir $R/sys/fs/cgroup/x 2>/dev/null || echo tmpfs-ro"
  [ "$status" -eq 0 ]
  [[ "$output" == *tmpfs-ro* ]]
  run mnt <<<"$output"
  [[ "$output" == *"/sys/fs/cgroup tmpfs ro,nosuid,nodev,noexec"* ]]
  [[ "$output" == *"/sys/fs/cgroup/memory cgroup ro,nosuid,nodev,noexec,relatime $own"* ]]
}

@test "cgroup without a cgroup namespace shows only the container's own cgroup, read-only (v2)" {
  requires_cgroup_v2
  s=$(spec "root.path $R" "ns.new mount" "mount /sys sysfs sysfs nosuid,noexec,nodev,ro -" \
    "mount /sys/fs/cgroup cgroup cgroup nosuid,noexec,nodev,relatime,ro -")
  own=$(sed -n 's/^0:://p' /proc/self/cgroup)
  om "$s" sh -c "$PROBE mounts; ls $R/sys/fs/cgroup | grep -c -e '\\.slice\$' -e '\\.scope\$'; mkdir $R/sys/fs/cgroup/x 2>/dev/null || echo ro"
  [ "$status" -eq 0 ]
  [ "${lines[-2]}" = 0 ] # no host tree
  [ "${lines[-1]}" = ro ]
  run mnt <<<"$output"
  [[ "$output" == *"/sys/fs/cgroup cgroup2 ro,nosuid,nodev,noexec"*" $own"* ]]
}

@test "cgroup with a cgroup namespace mounts each hierarchy fresh (v1)" {
  requires_cgroup_v1
  s=$(spec "root.path $R" "ns.new mount" "ns.new cgroup" \
    "mount /sys/fs/cgroup cgroup cgroup nosuid,noexec,nodev,relatime -")
  run unshare -m -C --propagation private "$BIN/oci-mount" "$PROBE" mounts 3< "$s"
  [ "$status" -eq 0 ]
  run mnt <<<"$output"
  [[ "$output" == *"/sys/fs/cgroup/memory cgroup rw,nosuid,nodev,noexec,relatime /"* ]]
  [[ "$output" == *"/sys/fs/cgroup/systemd cgroup "* ]]
  if grep -q ' cgroup2 ' /proc/self/mountinfo; then
    [[ "$output" == *" cgroup2 "* ]]
  fi
}

@test "cgroup with a cgroup namespace mounts the unified hierarchy fresh, at the namespace's root (v2)" {
  requires_cgroup_v2
  s=$(spec "root.path $R" "ns.new mount" "ns.new cgroup" \
    "mount /sys/fs/cgroup cgroup cgroup nosuid,noexec,nodev,relatime -")
  run unshare -m -C --propagation private "$BIN/oci-mount" "$PROBE" mounts 3< "$s"
  [ "$status" -eq 0 ]
  run mnt <<<"$output"
  echo "$output"
  # one cgroup mount, the unified one at the namespace's root (the guest
  # also lists the rootfs, a mount of its own there)
  grep -qx "/sys/fs/cgroup cgroup2 rw,nosuid,nodev,noexec,relatime /" <<< "$output"
  [ "$(grep -c '^/sys/fs/cgroup' <<< "$output")" -eq 1 ]
}

@test "cgroup2 mounts the unified hierarchy" {
  grep -q ' cgroup2 ' /proc/self/mountinfo || skip "no cgroup2 on this host"
  s=$(spec "root.path $R" "ns.new mount" "ns.new cgroup" "mount /sys/fs/cgroup cgroup2 cgroup nosuid,noexec,nodev -")
  run unshare -m -C --propagation private "$BIN/oci-mount" "$PROBE" mounts 3< "$s"
  [ "$status" -eq 0 ]
  run mnt <<<"$output"
  [[ "${lines[1]}" == "/sys/fs/cgroup cgroup2 rw,nosuid,nodev,noexec"* ]]
}

@test "without a mount namespace nothing is mounted, and masks are refused" {
  s=$(spec "root.path $R" "mount /tmp tmpfs tmpfs - -")
  om "$s" "$PROBE" mounts
  [ "$status" -eq 0 ]
  [[ "$output" != *"$R"* ]]
  s=$(spec "root.path $R" "mask /etc")
  om "$s" true
  [ "$status" -eq 100 ]
  [ "$output" = "oci-mount: spec: mask and readonly records need a mount namespace" ]
}

@test "ns.mountfd: a bind is made from the fd oci-ns opened (the path is not looked up), and the fd closed" {
  mkdir "$BATS_TEST_TMPDIR/src"
  echo via-fd > "$BATS_TEST_TMPDIR/src/f"
  s=$(spec "root.path $R" "ns.new mount" "mount /mnt bind /no/such/path bind -" "ns.mountfd 0 7")
  # opened in the mount namespace oci-mount works in, as oci-ns's helper does
  run unshare -m --propagation private sh -c 'exec 7< "$1"; shift; exec "$@"' - "$BATS_TEST_TMPDIR/src" \
    "$BIN/oci-mount" sh -c "cat $R/mnt/f; test -e /proc/self/fd/7 || echo closed" 3< "$s"
  echo "$output"
  [ "$status" -eq 0 ]
  [ "${lines[0]}" = via-fd ]
  [ "${lines[1]}" = closed ]
}

@test "ns.mountfd and mount.* records: a bad one is refused with its line, before anything is mounted" {
  for rec in "ns.mountfd 0 99" "ns.mountfd 1 0" "ns.mountfd 0" "mount.idmap 0 0" "mount.uidmap 0 0 1" "mount.bogus 0"; do
    s=$(spec "root.path $R" "ns.new mount" "mount /mnt bind /tmp bind -" "$rec")
    om "$s" sh -c 'echo never'
    echo "$output"
    [ "$status" -eq 100 ]
    [[ "$output" == "oci-mount: spec line 5: "*"${rec%% *}"* ]]
  done
  # an fd for a mount that is not a bind
  s=$(spec "root.path $R" "ns.new mount" "mount /tmp tmpfs tmpfs - -" "ns.mountfd 0 0")
  om "$s" true
  [ "$output" = "oci-mount: spec line 5: bad ns.mountfd record" ]
}
