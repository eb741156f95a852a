#!/bin/sh
# mkrootfs.sh DIR: a minimal busybox root filesystem at DIR/rootfs, plus
# the static probe at /bin/probe when it is built. Needs busybox-static.
# With RT_ROOTFS_TEMPLATE set (tests/run and tests/guest/test make one per
# run: `mkrootfs.sh --template DIR`), the rootfs is a copy of that one: a
# single cp instead of ~400 ln, which costs seconds per file under qemu TCG.
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
for app in $("$bb" --list); do
  [ -e "$r/bin/$app" ] || ln -s busybox "$r/bin/$app"
done
[ -x "$here/bin/probe" ] && cp "$here/bin/probe" "$r/bin/probe"
printf 'root:x:0:0:root:/root:/bin/sh\ndaemon:x:1:1:daemon:/:/bin/sh\nnobody:x:65534:65534:nobody:/:/bin/sh\n' > "$r/etc/passwd"
printf 'root:x:0:\ndaemon:x:1:\ntty:x:5:\nnogroup:x:65534:\n' > "$r/etc/group"
chmod 1777 "$r/tmp"
[ $template -eq 0 ] || : > "$dir/.complete"
