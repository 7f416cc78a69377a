#!/bin/sh
# Installs the system packages the tests need, with apt-get, only where
# missing and only when we are root on Debian/Ubuntu; elsewhere those tests
# skip with a reason:
# - namespaces: nftables, iproute2, util-linux (unshare, setpriv);
# - OCI images: skopeo (registry copies), runc (the OCI runtime; crun refuses
#   hybrid cgroup layouts), umoci (unpacks layers: whiteouts, hard links, and
#   the image config to a runtime config), mmdebstrap (builds the test images
#   from Debian's packages, arm64 ones too), qemu-user-static (runs linux/arm64
#   programs on other hosts; the code registers its binfmt rule when it needs it);
# - pages: chromium (Debian's, driven by playwright-core in the browser tests of
#   the HTML report and the emulator console; never a browser download).
set -e
missing=""
command -v nft >/dev/null 2>&1 || missing="$missing nftables"
command -v ip >/dev/null 2>&1 || missing="$missing iproute2"
command -v unshare >/dev/null 2>&1 || missing="$missing util-linux"
command -v python3 >/dev/null 2>&1 || missing="$missing python3"
command -v skopeo >/dev/null 2>&1 || missing="$missing skopeo"
command -v runc >/dev/null 2>&1 || missing="$missing runc"
command -v umoci >/dev/null 2>&1 || missing="$missing umoci"
command -v mmdebstrap >/dev/null 2>&1 || missing="$missing mmdebstrap"
if [ "$(uname -m)" != "aarch64" ]; then
  command -v qemu-aarch64-static >/dev/null 2>&1 || missing="$missing qemu-user-static"
fi
command -v chromium >/dev/null 2>&1 || missing="$missing chromium"
arm64_packages=yes
if command -v dpkg >/dev/null 2>&1 && [ "$(dpkg --print-architecture)" != "arm64" ]; then
  dpkg --print-foreign-architectures | grep -qx arm64 || arm64_packages=no
fi
[ -z "$missing" ] && [ "$arm64_packages" = yes ] && exit 0
if [ "$(id -u)" != "0" ] || ! command -v apt-get >/dev/null 2>&1; then
  echo "agentcore-doctor: missing system packages:$missing (not root or no apt-get; tests needing them will skip)" >&2
  exit 0
fi
export DEBIAN_FRONTEND=noninteractive
# arm64 test images are made from Debian's arm64 packages.
[ "$arm64_packages" = yes ] || dpkg --add-architecture arm64
echo "agentcore-doctor: installing system packages:${missing:- (none; arm64 package lists)}" >&2
apt-get update -qq >/dev/null
# shellcheck disable=SC2086
[ -z "$missing" ] || apt-get install -y -qq --no-install-recommends $missing >/dev/null
