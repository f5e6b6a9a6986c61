#!/bin/sh
# Installs the Debian 12 packages OpenWMI needs to build, run and test,
# when any is missing.  Needs root (apt-get); does nothing when all are
# present.  The README's dependency table says what each is for.
set -eu

PKGS="build-essential meson ninja-build pkg-config clang libclang-rt-14-dev
libtalloc-dev libsqlite3-dev sqlite3 libcmocka-dev libuv1-dev nettle-dev
libinih-dev libsystemd-dev python3-impacket procps iproute2 clang-format"

missing=""
for p in $PKGS; do
	if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null |
		grep -q "install ok installed"; then
		missing="$missing $p"
	fi
done

if [ -n "$missing" ]; then
	echo "deps: installing:$missing"
	if [ "$(id -u)" -ne 0 ]; then
		echo "deps: run as root to install packages" >&2
		exit 1
	fi
	export DEBIAN_FRONTEND=noninteractive
	apt-get update -q
	# shellcheck disable=SC2086
	apt-get install -y -q --no-install-recommends $missing
fi
