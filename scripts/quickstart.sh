#!/bin/sh
# Quick start: installs what is missing, builds, queries the embedded
# default repository offline, then starts the WMI service (wmid) on
# loopback and shows that it answers: rpcdump.py, then queries over DCOM
# with our wmic /node and Impacket's wmiquery.py.  The service keeps
# running; the last lines say how to stop it.  Run as root on Debian 12
# (port 135 and apt-get need it).
#
# Environment: OWMI_DEMO_STATE (default /var/lib/openwmi-demo) is the
# service's state folder, OWMI_DEMO_ADDR (default 127.0.0.1) its address.
set -eu
cd "$(dirname "$0")/.."
sh scripts/deps.sh
if [ ! -f build/build.ninja ]; then
	meson setup build >/dev/null
fi
ninja -C build >/dev/null

# --- offline: the default repository, compiled from schema/*.mof -------
REPO=build/schema/repository.db
echo "== OpenWMI default repository: $REPO"
./build/src/tools/winmgmt --repository "$REPO" /verifyrepository
printf '%s\n' '== wmic /namespace:\\root path __NAMESPACE get Name'
./build/src/tools/wmic --repository "$REPO" '/namespace:\\root' path __NAMESPACE get Name
Q="SELECT * FROM meta_class WHERE __this ISA '__SystemClass' AND __CLASS = '__NAMESPACE'"
echo "== wmic query \"$Q\""
n=$(./build/src/tools/wmic --repository "$REPO" '/namespace:\\root\cimv2' \
	/format:csv query "$Q" | tail -n +3 | grep -c . || true)
echo "$n class found; its definition:"
./build/src/tools/wmic --repository "$REPO" '/namespace:\\root\cimv2' class __NAMESPACE
printf '%s\n' '== wmic /namespace:\\root\cimv2 path Win32_OperatingSystem get Caption,Version (live, from the provider host)'
./build/src/tools/wmic --repository "$REPO" '/namespace:\\root\cimv2' \
	path Win32_OperatingSystem get Caption,Version

# --- online: the service -----------------------------------------------
STATE=${OWMI_DEMO_STATE:-/var/lib/openwmi-demo}
ADDR=${OWMI_DEMO_ADDR:-127.0.0.1}
WMID=./build/src/daemon/wmid
pid=""
if [ -f "$STATE/wmid.pid" ]; then
	pid=$(cat "$STATE/wmid.pid" 2>/dev/null || true)
fi
if [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null; then
	echo "== wmid is already running (pid $pid, state folder $STATE)"
else
	echo "== starting wmid on $ADDR (state folder $STATE)"
	mkdir -p "$STATE"
	startlog="$STATE/start.log"
	# Detaches once it listens; prints the admin password once.
	if ! out=$("$WMID" --state-dir "$STATE" --listen "$ADDR" \
		--init-admin 2>"$startlog"); then
		cat "$startlog" >&2
		echo "quickstart: wmid did not start (is port 135 taken?)" >&2
		exit 1
	fi
	printf '%s\n' "$out"
	PW=$(printf '%s\n' "$out" | sed -n 's/^.*(shown once): //p')
	pid=$(cat "$STATE/wmid.pid")
	grep 'ready:' "$startlog" | sed 's/^.*INFO wmid: /wmid: /'
fi

RPCDUMP=$(dpkg -L python3-impacket 2>/dev/null | grep '/rpcdump\.py$' |
	head -n 1 || true)
if [ -n "$RPCDUMP" ] && [ -x /usr/bin/python3 ]; then
	echo "== $RPCDUMP $ADDR"
	/usr/bin/python3 "$RPCDUMP" "$ADDR"
else
	echo "== (python3-impacket is not installed: no rpcdump.py proof)"
fi

# The remote path, as a Windows admin would use it: activation on 135,
# NTLM, the object exporter, IWbemServices, the provider host.
PW=${PW:-${OWMI_PASSWORD:-}}
if [ -n "$PW" ]; then
	export OWMI_PASSWORD="$PW"
	echo "== wmic /node:$ADDR /user:admin os get Caption,Version (DCOM, NTLM, PktPrivacy)"
	./build/src/tools/wmic "/node:$ADDR" /user:admin os get Caption,Version
	WMIQUERY=$(dpkg -L python3-impacket 2>/dev/null |
		grep '/wmiquery\.py$' | head -n 1 || true)
	if [ -n "$WMIQUERY" ] && [ -x /usr/bin/python3 ]; then
		q="$STATE/quickstart.wql"
		printf '%s\n' "SELECT Name, ProcessId FROM Win32_Process WHERE ProcessId = $pid" \
			"exit" >"$q"
		echo "== $WMIQUERY admin@$ADDR: SELECT Name, ProcessId FROM Win32_Process WHERE ProcessId = $pid"
		/usr/bin/python3 "$WMIQUERY" "admin:$PW@$ADDR" -file "$q"
	fi
else
	echo "== (wmid was already running: set OWMI_PASSWORD to admin's password to see remote queries)"
fi

cat <<END
== wmid runs as pid $pid
   log:      $STATE/logs/wmid.log
   accounts: ./build/src/tools/wmiuser --state-dir $STATE list
   query:    OWMI_PASSWORD=... ./build/src/tools/wmic /node:$ADDR /user:admin path Win32_Service get Name,State
   reload:   kill -HUP \$(cat $STATE/wmid.pid)
   stop:     kill \$(cat $STATE/wmid.pid)
END
