#!/bin/sh
# Installs the system packages the namespace tests need (nftables, iproute2,
# util-linux for unshare/setpriv) and the OCI registry tests need (skopeo), with apt-get, only where missing and only
# when we are root on Debian/Ubuntu. Elsewhere those tests skip with a reason.
set -e
missing=""
command -v nft >/dev/null 2>&1 || missing="$missing nftables"
command -v ip >/dev/null 2>&1 || missing="$missing iproute2"
command -v unshare >/dev/null 2>&1 || missing="$missing util-linux"
command -v python3 >/dev/null 2>&1 || missing="$missing python3"
command -v skopeo >/dev/null 2>&1 || missing="$missing skopeo"
[ -z "$missing" ] && exit 0
if [ "$(id -u)" != "0" ] || ! command -v apt-get >/dev/null 2>&1; then
  echo "agentcore-doctor: missing system packages:$missing (not root or no apt-get; tests needing them will skip)" >&2
  exit 0
fi
echo "agentcore-doctor: installing system packages:$missing" >&2
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq >/dev/null
# shellcheck disable=SC2086
apt-get install -y -qq --no-install-recommends $missing >/dev/null
