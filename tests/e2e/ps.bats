#!/usr/bin/env bats
# ps: the container's processes, as a JSON array of host pids or as the
# host's ps(1) lines with the header

load helpers

setup() {
	setup_bundle
}

teardown() {
	[ -n "${ID:-}" ] && "$RUNC" --root "$STATE" delete --force "$ID" >/dev/null 2>&1
	teardown_bundle
}

start_two() {
	set_args sh -c 'sleep 1001 & sleep 1002; wait'
	create "$ID"
	[ "$status" -eq 0 ]
	runc start "$ID"
	for _ in $(seq 50); do [ "$(runc ps --format json "$ID" | jq length)" -ge 3 ] && break; sleep 0.1; done
}

@test "ps --format json: the host pids of every process in the container's cgroups" {
	start_two
	run runc ps --format json "$ID"
	[ "$status" -eq 0 ]
	[ "$(jq length <<< "$output")" -eq 3 ]
	local init p
	init=$(runc state "$ID" | jq .pid)
	jq -e --argjson p "$init" 'index($p) != null' <<< "$output"
	for p in $(jq '.[]' <<< "$output"); do
		grep -qx "$p" "$(cg_dir memory)/cgroup.procs"
	done
	[ "$(for p in $(jq '.[]' <<< "$output"); do tr '\0' ' ' < "/proc/$p/cmdline"; echo; done | grep -c '^sleep 100[12] $')" -eq 2 ]
	run runc ps -f json "$ID"
	[ "$status" -eq 0 ]
	[ "$(jq length <<< "$output")" -eq 3 ]
}

@test "ps: host ps -ef filtered to the container's pids, header kept; PS-ARGS after the id" {
	start_two
	run runc ps "$ID"
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = "$(ps -ef | head -1)" ]
	[ "${#lines[@]}" -eq 4 ]
	grep -q 'sleep 1001' <<< "$output"
	grep -q 'sleep 1002' <<< "$output"
	! grep -q bats <<< "$output"
	run runc ps "$ID" -- -o pid,comm
	[ "$status" -eq 0 ]
	[ "$(echo "${lines[0]}" | awk '{ print $1 }')" = PID ]
	[ "${#lines[@]}" -eq 4 ]
	[ "$(printf '%s\n' "${lines[@]:1}" | awk '{ print $2 }' | sort | tr '\n' ' ')" = "sh sleep sleep " ]
	run runc ps "$ID" -o pid,comm
	[ "$status" -eq 0 ]
	[ "${#lines[@]}" -eq 4 ]
	# a ps output without a PID column
	run runc ps "$ID" -o comm
	[ "$status" -eq 1 ]
	[ "$output" = "oci-ps: couldn't find PID field in ps output" ]
}

@test "ps: bad format, missing container, stopped container" {
	run runc ps --format yaml "$ID"
	[ "$status" -eq 1 ]
	[ "$output" = "oci-ps: invalid format option: yaml" ]
	run runc ps "$ID"
	[ "$status" -eq 1 ]
	[ "$output" = "oci-ps: container $ID does not exist" ]
	run runc ps
	[ "$status" -eq 1 ]
	[ "$output" = "runc: ps: a container id expected" ]
	set_args true
	create "$ID"
	runc start "$ID"
	for _ in $(seq 50); do [ "$(runc state "$ID" | jq -r .status)" = stopped ] && break; sleep 0.1; done
	run runc ps --format json "$ID"
	[ "$status" -eq 0 ]
	[ "$output" = "[]" ]
	runc delete "$ID"
	assert_clean
}
