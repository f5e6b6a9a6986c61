#!/bin/sh
# Quick start: installs what is missing, builds, and runs OpenWMI on its
# embedded default.  The default repository is compiled from schema/*.mof
# at build time (build/schema/repository.db); this script then queries it.
set -eu
cd "$(dirname "$0")/.."
sh scripts/deps.sh
if [ ! -f build/build.ninja ]; then
	meson setup build >/dev/null
fi
ninja -C build >/dev/null
REPO=build/schema/repository.db
echo "== OpenWMI default repository: $REPO"
./build/src/tools/winmgmt --repository "$REPO" /verifyrepository
echo "== wmic /namespace:\\\\root path __NAMESPACE get Name"
./build/src/tools/wmic --repository "$REPO" '/namespace:\\root' path __NAMESPACE get Name
echo "== wmic query \"SELECT * FROM meta_class WHERE __CLASS = '__NAMESPACE'\""
./build/src/tools/wmic --repository "$REPO" '/namespace:\\root\cimv2' \
	query "SELECT __CLASS, __SUPERCLASS, __DERIVATION FROM meta_class WHERE __this ISA '__SystemClass' AND __CLASS = '__NAMESPACE'"
