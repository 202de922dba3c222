#!/usr/bin/env bash
# Debian's own nodejs (18 on Debian 12), unpacked into DIR without installing it, so the
# release test can run the .deb's files on the Node.js its `Depends: nodejs (>= 18)` lets
# apt pick, beside the machine's newer node. Fetched with apt-get download from the
# distribution's archive: nodejs, libnode, the libraries not installed here, and the
# node-* packages whose files Debian's node loads as builtins from /usr/share/nodejs.
#   scripts/debian-node.sh DIR       writes DIR/bin/node (root: a private mount namespace
#                                    lays DIR's /usr/share/nodejs over the real /usr/share)
# Exit 0 and nothing to do when DIR/bin/node already runs; exit 1 with a reason otherwise.
set -euo pipefail
dir=$(realpath -m "${1:?usage: scripts/debian-node.sh DIR}")
[ -x "$dir/bin/node" ] && "$dir/bin/node" --version >/dev/null 2>&1 && exit 0
command -v apt-get >/dev/null && command -v dpkg-deb >/dev/null || { echo "debian-node: not a Debian system" >&2; exit 1; }
[ "$(id -u)" = 0 ] || { echo "debian-node: needs root (unshare -m, mount)" >&2; exit 1; }
# The newest nodejs of Debian's own archive (not a third-party repository's).
version=$(apt-cache madison nodejs | awk -F' *[|] *' '$3 ~ /debian\.org\/debian/ { print $2; exit }')
[ -n "$version" ] || { echo "debian-node: no nodejs in Debian's archive (apt-get update first?)" >&2; exit 1; }
rm -rf "$dir" && mkdir -p "$dir/debs" "$dir/root" "$dir/share-overlay"
cd "$dir/debs"
libnode=$(apt-cache depends "nodejs=$version" | awk '$1 == "Depends:" && $2 ~ /^libnode/ { print $2; exit }')
pkgs=("nodejs=$version" "$libnode=$version")
# Its dependencies: the node-* builtins always (they live in /usr/share/nodejs), libraries
# only when not installed here.
for p in $(apt-cache depends "$libnode=$version" | awk '$1 == "Depends:" { print $2 }'); do
  if [[ $p == node-* ]] || ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    pkgs+=("$p")
  fi
done
apt-get download -q "${pkgs[@]}" >/dev/null 2>"$dir/download.log" || {
  echo "debian-node: apt-get download ${pkgs[*]} failed: $(tail -n 1 "$dir/download.log")" >&2
  exit 1
}
for deb in *.deb; do dpkg-deb -x "$deb" "$dir/root"; done
mv "$dir/root/usr/share/nodejs" "$dir/share-overlay/nodejs"
libdir=$(dirname "$(find "$dir/root/usr/lib" -name 'libnode.so.*' | head -n 1)")
mkdir -p "$dir/bin"
# Absolute paths: it runs with whatever PATH a test gives (one that holds only node).
unshare=$(command -v unshare) mount=$(command -v mount)
cat > "$dir/bin/node" <<WRAPPER
#!/bin/sh
# Debian's nodejs $version from $dir (scripts/debian-node.sh): its builtins at /usr/share/nodejs.
exec $unshare -m /bin/sh -c '$mount -t overlay tsnap-node -o lowerdir=$dir/share-overlay:/usr/share /usr/share && LD_LIBRARY_PATH=$libdir exec $dir/root/usr/bin/node "\$@"' node "\$@"
WRAPPER
chmod 0755 "$dir/bin/node"
"$dir/bin/node" --version >/dev/null || { echo "debian-node: $dir/bin/node does not run" >&2; exit 1; }
