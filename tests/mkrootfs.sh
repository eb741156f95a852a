#!/bin/sh
# mkrootfs.sh DIR: a minimal busybox root filesystem at DIR/rootfs, plus
# the static probe at /bin/probe when it is built. Needs busybox-static.
# With RT_ROOTFS_TEMPLATE set (tests/run and tests/guest/test make one per
# run: `mkrootfs.sh --template DIR`), the rootfs is a copy of that one: a
# single cp instead of ~400 symlinks, which cost seconds per file under qemu TCG.
set -eu
template=0
if [ "${1:-}" = --template ]; then
  template=1
  shift
fi
dir=${1:?usage: mkrootfs.sh [--template] DIR}
here=$(cd "$(dirname "$0")/.." && pwd)
r=$dir/rootfs
t=${RT_ROOTFS_TEMPLATE:-}
if [ $template -eq 0 ] && [ -n "$t" ] && [ -e "$t/.complete" ]; then
  mkdir -p "$dir"
  cp -a "$t/rootfs" "$r"
  exit 0
fi
bb=$(command -v busybox)
mkdir -p "$r/bin" "$r/proc" "$r/sys" "$r/dev" "$r/tmp" "$r/etc" "$r/root" "$r/var"
cp "$bb" "$r/bin/busybox"
# one symlink per applet, all made by one process (perl-base is essential
# in Debian): ~400 ln processes cost 25 s in the qemu TCG guest
# shellcheck disable=SC2046 # applet names have no blanks
if command -v perl > /dev/null; then
  perl -e 'my $d = shift; for (@ARGV) { -e "$d/$_" or symlink("busybox", "$d/$_") or die "mkrootfs.sh: $d/$_: $!\n" }' "$r/bin" $("$bb" --list)
else
  for app in $("$bb" --list); do
    [ -e "$r/bin/$app" ] || ln -s busybox "$r/bin/$app"
  done
fi
[ -x "$here/bin/probe" ] && cp "$here/bin/probe" "$r/bin/probe"
printf 'root:x:0:0:root:/root:/bin/sh\ndaemon:x:1:1:daemon:/:/bin/sh\nnobody:x:65534:65534:nobody:/:/bin/sh\n' > "$r/etc/passwd"
printf 'root:x:0:\ndaemon:x:1:\ntty:x:5:\nnogroup:x:65534:\n' > "$r/etc/group"
chmod 1777 "$r/tmp"
[ $template -eq 0 ] || : > "$dir/.complete"
