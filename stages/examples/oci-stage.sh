# oci-stage.sh: what a stage written in POSIX sh needs, sourced by
# oci-audit, oci-policy and oci-inject (and by yours: oci-policy(8),
# WRITING A STAGE). Set NAME (the stage's name in its messages) and USAGE
# (its synopsis) before sourcing it. It defines:
#   spec_read        read the spec, calling record KEY F1 F2 F3 F4 REST
#                    (defined by the caller) for each record
#   spec_unescape F  $u is field F's value (\ooo escapes undone, - empty)
#   stage_fail N MSG fail as a stage: one line, the teardown, exit status
#   stage_usage      stage_fail 100 "usage: $USAGE"
#   stage_warn MSG   "NAME: warning: MSG" on stderr and in the --log
#   stage_need "$@"  a program left after the options, and a spec read
#   stage_tool NAME  $t is NAME as chain_exec finds it
#   stage_next PROG ARG...  exec the next program as chain_exec does
# and sets spec_fd, stage_dir (fd.stagedir), stage_mode (run.mode). With
# --debug (log.level debug), spec_read and stage_next log "NAME: start" and
# "NAME: done wall=... cpu=..." as a C stage does (shared/die.c).
# shellcheck shell=sh

# The spec is read through a fresh open of its fd (offset 0): reading fd 3
# itself would move the offset every later stage shares.
spec_fd=${OCI_SPEC_FD:-3}
stage_dir=''
stage_mode=''
spec_ok=''
stage_log='' stage_logfmt='' stage_loglevel='' stage_dbg=''

spec_read() {
	[ -r "/proc/self/fd/$spec_fd" ] || return 0
	spec_n=0
	while IFS=' ' read -r spec_k spec_1 spec_2 spec_3 spec_4 spec_r; do
		spec_n=$((spec_n + 1))
		if [ $spec_n -eq 1 ]; then
			[ "$spec_k $spec_1" = "ocispec 1" ] || stage_fail 100 "spec line 1: malformed spec on fd $spec_fd"
			continue
		fi
		# shellcheck disable=SC2034 # stage_mode: for the caller
		case $spec_k in
		fd.stagedir) stage_dir=$spec_1 ;;
		run.mode) stage_mode=$spec_1 ;;
		fd.log) stage_log=$spec_1 ;;
		log.format) stage_logfmt=$spec_1 ;;
		log.level) stage_loglevel=$spec_1 ;;
		esac
		record "$spec_k" "$spec_1" "$spec_2" "$spec_3" "$spec_4" "$spec_r"
	done < "/proc/self/fd/$spec_fd"
	[ $spec_n -eq 0 ] || spec_ok=1
	case $stage_log in '' | *[!0-9]*) stage_log='' ;; esac
	[ "$stage_loglevel" != debug ] || stage_dbg=1
	stage_debug start
}

# stage_logline LEVEL LINE: LINE in the --log file, as text or as runc's
# JSON (shared/die.c): a JSON string with \ and " escaped (a line holds no
# control character)
stage_logline() {
	[ -n "$stage_log" ] || return 0
	if [ "$stage_logfmt" = json ]; then
		spec_e='' spec_s=$2
		while :; do
			case $spec_s in
			*[\\\"]*)
				spec_p=${spec_s%%[\\\"]*}
				spec_s=${spec_s#"$spec_p"}
				spec_e=$spec_e$spec_p\\${spec_s%"${spec_s#?}"}
				spec_s=${spec_s#?}
				;;
			*) break ;;
			esac
		done
		printf '{"level":"%s","msg":"%s","time":"%s"}\n' "$1" "$spec_e$spec_s" "$(date -u +%Y-%m-%dT%H:%M:%S.%NZ)"
	else
		printf '%s\n' "$2"
	fi >&"$stage_log"
}

stage_debug() {
	[ -z "$stage_dbg" ] || stage_logline debug "$NAME: $1"
}

stage_warn() {
	printf '%s: warning: %s\n' "$NAME" "$1" >&2
	stage_logline warning "$NAME: warning: $1"
}

# stage_clock: $spec_w and $spec_c, wall and CPU time in microseconds. The
# kernel's per-process counters run on across the chain's execs, so a
# stage's times are differences from the values read when it started.
# Wall: the scheduler's clock when the task last ran (/proc/self/sched,
# ns), else /proc/uptime (10 ms); CPU: /proc/self/schedstat (ns, this
# shell, not its children, as CLOCK_PROCESS_CPUTIME_ID), else the ticks of
# /proc/self/stat. A fraction is read as 1FRACTION - 10^n, so that its
# leading zeros do not make it octal.
stage_clock() {
	spec_k='' spec_w='' spec_c=''
	if [ -r /proc/self/sched ]; then
		{
			read -r _
			read -r _
			read -r spec_k _ spec_w
		} < /proc/self/sched
	fi
	if [ "$spec_k" = se.exec_start ]; then
		spec_w=$((${spec_w%.*} * 1000 + (1${spec_w#*.} - 1000000) / 1000))
	else
		read -r spec_w _ < /proc/uptime
		spec_w=$((${spec_w%.*} * 1000000 + (1${spec_w#*.} - 100) * 10000))
	fi
	if [ -r /proc/self/schedstat ]; then
		read -r spec_c _ < /proc/self/schedstat
		spec_c=$((spec_c / 1000))
	else
		read -r spec_c < /proc/self/stat
		# shellcheck disable=SC2086 # the fields after "(comm) ", split
		set -- ${spec_c##*) }
		spec_c=$(((${12} + ${13}) * 10000))
	fi
}
stage_clock
stage_w0=$spec_w stage_c0=$spec_c

# the done line before the exec, as a C stage's (shared/die.c debug_done)
stage_done() {
	[ -n "$stage_dbg" ] || return 0
	stage_clock
	spec_w=$((spec_w - stage_w0)) spec_c=$((spec_c - stage_c0))
	[ "$spec_w" -ge 0 ] || spec_w=0
	spec_ms "$spec_w"
	spec_w=$spec_m
	spec_ms "$spec_c"
	stage_debug "done wall=${spec_w}ms cpu=${spec_m}ms"
}

# spec_ms US: $spec_m is US microseconds as milliseconds, W.WWW
spec_ms() {
	spec_m=$(($1 % 1000))
	case $spec_m in
	?) spec_m=00$spec_m ;;
	??) spec_m=0$spec_m ;;
	esac
	spec_m=$(($1 / 1000)).$spec_m
}

spec_unescape() {
	case $1 in
	-) u='' ;;
	*\\*)
		# every backslash starts an \ooo escape; printf %b wants \0ooo
		u='' spec_s=$1
		while :; do
			case $spec_s in
			*\\*) u=$u${spec_s%%\\*}\\0 spec_s=${spec_s#*\\} ;;
			*) break ;;
			esac
		done
		u=$(printf '%bx' "$u$spec_s")
		u=${u%x}
		;;
	*) u=$1 ;;
	esac
}

# from the stage directory (fd.stagedir) first, else from PATH
stage_tool() {
	if [ -n "$stage_dir" ] && [ -x "/proc/self/fd/$stage_dir/$1" ]; then
		t=/proc/self/fd/$stage_dir/$1
	elif command -v "$1" > /dev/null; then
		t=$1
	else
		return 1
	fi
}

# With a spec, oci-fail(8) prints the line (also to the --log), tears down
# what exists and exits exit.setup (runc: 1), else N; without one (run by
# hand, no fd 3), the line and N.
stage_fail() {
	stage_st=$1
	shift
	if [ -n "$spec_ok" ] && stage_tool oci-fail; then
		exec "$t" --status="$stage_st" "$NAME" "$*"
	fi
	printf '%s: %s\n' "$NAME" "$*" >&2
	exit "$stage_st"
}

stage_usage() {
	stage_fail 100 "usage: $USAGE"
}

stage_need() {
	[ $# -gt 0 ] || stage_usage
	[ -n "$spec_ok" ] || stage_fail 111 "read spec from fd $spec_fd: not open"
}

# A program that is not there fails as a stage (127, the teardown) rather
# than as the shell's exec would (its own message, nothing torn down).
stage_next() {
	case $1 in
	*/*) [ -e "$1" ] || stage_fail 127 "exec $1: No such file or directory" ;;
	*)
		stage_tool "$1" || stage_fail 127 "exec $1: No such file or directory"
		shift
		set -- "$t" "$@"
		;;
	esac
	stage_done
	exec "$@"
}
