#!/usr/bin/env bats
# The usage line each stage prints is its man page's SYNOPSIS, and every
# man page is well-formed.

ROOT=$(cd "$BATS_TEST_DIRNAME/../.." && pwd)

synopsis() {
	LC_ALL=C MANWIDTH=1000 man -l "$1" 2>/dev/null | sed -n '/^SYNOPSIS/{n;p}' | sed 's/^ *//;s/  */ /g'
}

@test "every stage and program has a man page" {
	for s in "$ROOT"/stages/oci-*.c "$ROOT"/lifecycle/oci-*.c; do
		n=$(basename "$s" .c)
		[ -f "$ROOT/man/$n.8" ] || { echo "no man/$n.8"; return 1; }
	done
	[ -f "$ROOT/man/runc.8" ]
	[ -f "$ROOT/man/oci-spec.5" ]
}

@test "the man pages have no groff warnings" {
	for m in "$ROOT"/man/*.[58]; do
		run groff -man -ww -z "$m"
		[ -z "$output" ] || { echo "$m: $output"; return 1; }
	done
}

@test "each stage without arguments prints its SYNOPSIS as usage and exits 100" {
	for s in "$ROOT"/stages/oci-*.c; do
		n=$(basename "$s" .c)
		run "$ROOT/bin/$n" 3<&-
		[ "$status" -eq 100 ] || { echo "$n: status $status"; return 1; }
		[ "$output" = "$n: usage: $(synopsis "$ROOT/man/$n.8")" ] || {
			echo "$n: '$output' vs '$(synopsis "$ROOT/man/$n.8")'"
			return 1
		}
	done
}
