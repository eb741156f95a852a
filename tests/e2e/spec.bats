#!/usr/bin/env bats
# runc spec: today's default config.json, never overwriting

load helpers

setup() {
	cd "$BATS_TEST_TMPDIR"
}

@test "runc spec writes today's config.json" {
	run "$RUNC" spec
	[ "$status" -eq 0 ]
	[ "$(jq -r .ociVersion config.json)" = 1.2.0 ]
	[ "$(jq -r .process.terminal config.json)" = true ]
	[ "$(jq -c .process.args config.json)" = '["sh"]' ]
	if cgroup_v2; then # runc 1.1 adds a cgroup namespace there, last
		[ "$(jq -c '[.linux.namespaces[].type]' config.json)" = '["pid","network","ipc","uts","mount","cgroup"]' ]
	else
		[ "$(jq -c '[.linux.namespaces[].type]' config.json)" = '["pid","network","ipc","uts","mount"]' ]
	fi
	[ "$(jq -c '[.mounts[].destination]' config.json)" = '["/proc","/dev","/dev/pts","/dev/shm","/dev/mqueue","/sys","/sys/fs/cgroup"]' ]
	[ "$(jq -c .process.capabilities.bounding config.json)" = '["CAP_AUDIT_WRITE","CAP_KILL","CAP_NET_BIND_SERVICE"]' ]
	[ "$(jq -c .process.rlimits config.json)" = '[{"type":"RLIMIT_NOFILE","hard":1024,"soft":1024}]' ]
	[ "$(jq -r .process.noNewPrivileges config.json)" = true ]
	jq -e '.linux.maskedPaths | index("/proc/kcore")' config.json
	jq -e '.linux.readonlyPaths | index("/proc/sys")' config.json
}

@test "runc spec refuses to overwrite config.json" {
	echo '{}' > config.json
	run "$RUNC" spec
	[ "$status" -eq 1 ]
	[ "$output" = "oci-spec: File config.json exists. Remove it first" ]
	[ "$(cat config.json)" = '{}' ]
}

@test "runc spec --bundle writes into that directory" {
	mkdir b
	run "$RUNC" spec --bundle b
	[ "$status" -eq 0 ]
	[ -f b/config.json ]
	[ ! -e config.json ]
}
