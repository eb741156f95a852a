#!/usr/bin/env bats
# make install PREFIX=... DESTDIR=...: the installed runc finds its programs

load helpers

@test "make install puts runc in PREFIX/bin and the programs in PREFIX/libexec/runc" {
	requires_root
	local dest=$BATS_TEST_TMPDIR/dest
	run make -C "$ROOT" install PREFIX=/opt/rt DESTDIR="$dest"
	[ "$status" -eq 0 ]
	[ -x "$dest/opt/rt/bin/runc" ]
	for p in oci-parse oci-secure oci-cgroup oci-ns oci-mount oci-exec oci-delete oci-spec oci-kill; do
		[ -x "$dest/opt/rt/libexec/runc/$p" ] || { echo "missing $p"; return 1; }
	done
	[ -f "$dest/opt/rt/share/man/man8/runc.8" ]
	[ -f "$dest/opt/rt/share/man/man5/oci-spec.5" ]
	# the installed copy runs a container on its own
	BUNDLE=$BATS_TEST_TMPDIR/bundle
	STATE=$BATS_TEST_TMPDIR/state
	ID=rt-test-$$-install
	mkdir -p "$BUNDLE"
	cd "$BUNDLE"
	run "$dest/opt/rt/bin/runc" spec
	[ "$status" -eq 0 ]
	update_config ".root.path = \"$(shared_rootfs)\" | .process.terminal = false | .process.args = [\"echo\", \"installed\"]"
	run "$dest/opt/rt/bin/runc" --root "$STATE" run "$ID"
	[ "$status" -eq 0 ]
	[ "$output" = installed ]
	assert_clean
}
