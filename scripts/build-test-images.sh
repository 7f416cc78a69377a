#!/bin/sh
# Builds the small real images the image tests run, without any network but
# Debian's packages: for each of amd64 and arm64, a root filesystem of
# Debian 12's python3 (stdlib included), nodejs and dash, unpacked from the
# .deb files by mmdebstrap (variant extract: no maintainer scripts, so the
# arm64 one needs no emulator to build; it runs under qemu-user-static), with
# an /etc/passwd and /etc/group naming root and bedrock_agentcore (uid 1000,
# as the starter toolkit's image runs), packed by umoci into one OCI image
# layout as the tags base-amd64 and base-arm64.
# The files are written by --extract-hook: the extract variant skips the
# customize hooks (mmdebstrap(1), OPERATION), so an earlier version of this
# script made images without /etc/passwd. The build fails if they are absent.
#
# Cached: the layout is built once per version of this script, under
# $ACD_TEST_IMAGES (default ~/.cache/agentcore-doctor/test-images), where the
# next run and CI on the same machine find it. Prints the layout's directory.
set -e
here=$(cd "$(dirname "$0")" && pwd)
key=$(sha256sum "$here/build-test-images.sh" | cut -c1-12)
root=${ACD_TEST_IMAGES:-${XDG_CACHE_HOME:-$HOME/.cache}/agentcore-doctor/test-images}
layout="$root/layout-$key"
if [ -f "$layout/.complete" ]; then
  echo "$layout"
  exit 0
fi
for tool in mmdebstrap umoci; do
  command -v "$tool" >/dev/null 2>&1 || { echo "build-test-images: $tool is missing (scripts/ensure-system-deps.sh installs it)" >&2; exit 3; }
done
mkdir -p "$root"
# Test files run two at a time: one builds, the others wait for its layout.
exec 9>"$root/.lock"
if command -v flock >/dev/null 2>&1; then flock 9; fi
if [ -f "$layout/.complete" ]; then
  echo "$layout"
  exit 0
fi
work=$(mktemp -d "$root/build-XXXXXX")
trap 'rm -rf "$work"' EXIT
umoci init --layout "$work/layout"
for arch in amd64 arm64; do
  echo "build-test-images: $arch root filesystem (mmdebstrap)" >&2
  mmdebstrap --quiet --variant=extract --arch="$arch" \
    --include=python3-minimal,libpython3.11-stdlib,nodejs,dash \
    --extract-hook='printf "root:x:0:0:root:/root:/bin/sh\nbedrock_agentcore:x:1000:1000::/app:/bin/sh\n" > "$1/etc/passwd"' \
    --extract-hook='printf "root:x:0:\nbedrock_agentcore:x:1000:\n" > "$1/etc/group"' \
    --extract-hook='mkdir -p "$1/app" "$1/tmp" "$1/root" && chmod 1777 "$1/tmp"' \
    bookworm "$work/$arch.tar"
  for f in ./etc/passwd ./etc/group ./app/; do
    tar -tf "$work/$arch.tar" "$f" >/dev/null 2>&1 || { echo "build-test-images: $arch root filesystem lacks $f" >&2; exit 4; }
  done
  umoci new --image "$work/layout:base-$arch"
  umoci raw add-layer --image "$work/layout:base-$arch" "$work/$arch.tar"
  umoci config --image "$work/layout:base-$arch" --os linux --architecture "$arch" \
    --config.env PATH=/usr/local/bin:/usr/bin:/bin --config.cmd /bin/sh
  rm -f "$work/$arch.tar"
done
umoci gc --layout "$work/layout"
touch "$work/layout/.complete"
rm -rf "$layout"
mv "$work/layout" "$layout"
# Older versions' layouts are of no use any more, once no test started in the
# last hour can still be reading one (worktrees on other versions share $root).
for old in "$root"/layout-*; do
  [ "$old" = "$layout" ] && continue
  [ -n "$(find "$old" -maxdepth 0 -mmin +60 2>/dev/null)" ] && rm -rf "$old"
done
echo "$layout"
