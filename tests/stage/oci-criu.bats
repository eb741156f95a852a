#!/usr/bin/env bats
# oci-criu alone on hand-written specs: what it refuses before it asks criu
# to restore anything (the restores themselves: tests/e2e/restore.bats).

load helpers
bats_require_minimum_version 1.5.0

setup() {
  D=$BATS_TEST_TMPDIR
  mkdir -p "$D/rootfs" "$D/img" "$D/state"
  echo '["/dev/null","/dev/null","/dev/null"]' > "$D/img/descriptors.json"
}

# base: the records oci-criu needs, ns.sync on fd 5
base() {
  printf '%s\n' "run.mode restore" "state.dir $D/state" "root.path $D/rootfs" "criu.image $D/img"
}

@test "oci-criu: no spec is a usage error; a spec without ns.sync or not of a restore is refused" {
  run -100 bin/oci-criu
  [ "$output" = "oci-criu: usage: oci-criu" ]
  run -100 bin/oci-criu 3< "$(spec "root.path $D/rootfs")"
  [ "$output" = "oci-criu: spec: no ns.sync record (oci-ns must run first, in run.mode restore)" ]
  run -100 bin/oci-criu 3< "$(spec "run.mode run" "ns.sync 5")" 5< /dev/null
  [ "$output" = "oci-criu: spec: oci-criu is for run.mode restore" ]
  run -100 bin/oci-criu 3< "$(spec "run.mode restore" "state.dir $D/state" "ns.sync 5")" 5< /dev/null
  [ "$output" = "oci-criu: spec: no criu.image record" ]
  [ ! -e "$D/state/criu-root" ]
}

@test "oci-criu: a second joined network or pid namespace is refused by its line, criu never asked to restore" {
  command -v criu > /dev/null || skip "no criu"
  local net="ns.join network /proc/self/ns/net" pid="ns.join pid /proc/self/ns/pid" s
  s=$(spec "$(base)" "$net" "$net" "ns.sync 5")
  run -100 bin/oci-criu 3< "$s" 5< /dev/null
  [ "$output" = "oci-criu: spec line 7: a second ns.join network record" ]
  run -100 bin/oci-criu 3< "$(spec "$(base)" "$pid" "$net" "$pid" "ns.sync 5")" 5< /dev/null
  [ "$output" = "oci-criu: spec line 8: a second ns.join pid record" ]
  # its mount namespace was its own: nothing mounted here
  ! grep -q "$D" /proc/self/mountinfo
  [ ! -e "$D/img/restore.log" ]
}
