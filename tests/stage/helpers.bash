# helpers.bash: shared by the stage tests (one stage run alone on a
# hand-written spec). bats owns fd 3: always redirect it explicitly.
ROOT=$(cd "$BATS_TEST_DIRNAME/../.." && pwd)
BIN=$ROOT/bin
export PROBE=$BIN/probe
export PATH="$BIN:$PATH"

requires_root() {
  [ "$(id -u)" -eq 0 ] || skip "needs root"
}

# spec LINES...: write a spec file (header added) and print its path
spec() {
  local f="$BATS_TEST_TMPDIR/spec.$RANDOM"
  { echo "ocispec 1"; printf '%s\n' "$@"; } > "$f"
  echo "$f"
}

# a busybox rootfs under the test's tmpdir, made once per file
mkrootfs() {
  local dir=${1:-$BATS_FILE_TMPDIR/bundle}
  [ -d "$dir/rootfs" ] || sh "$ROOT/tests/mkrootfs.sh" "$dir" >/dev/null
  echo "$dir/rootfs"
}

# the host's cgroup layout: see tests/e2e/helpers.bash
cgroup_v2() {
  [ "$(stat -fc %T /sys/fs/cgroup)" = cgroup2fs ]
}
requires_cgroup_v1() {
  ! cgroup_v2 || skip "needs cgroup v1 controllers (this host is pure cgroup v2)"
}
requires_cgroup_v2() {
  cgroup_v2 || skip "needs a pure cgroup v2 host (run it with make test-v2)"
}
