#!/bin/sh
# bench_wmid: the service's memory (target: idle RSS below 8 MB).
# Starts wmid with a private state folder on a random 127.x.y.z and a high
# endpoint mapper port, reads VmRSS / VmHWM from /proc/PID/status when it
# is idle, again after 200 connections that each bind the endpoint mapper
# and look up every endpoint (when /usr/bin/python3 is there), stops it,
# and prints the figures.  Exit 1 when idle RSS passes the target.
#
# Usage: bench_wmid.sh WMID
set -eu
WMID=$1
TARGET_KB=8192
dir=$(mktemp -d /tmp/owmi-bench-wmid-XXXXXX)
addr="127.$(( $(od -An -N1 -tu1 /dev/urandom) % 254 + 1 )).$(( $(od -An -N1 -tu1 /dev/urandom) % 254 + 1 )).$(( $(od -An -N1 -tu1 /dev/urandom) % 253 + 1 ))"
port=$(( 20000 + $(od -An -N2 -tu2 /dev/urandom) % 20000 ))
pid=""
cleanup() {
	if [ -n "$pid" ]; then
		kill "$pid" 2>/dev/null || true
		while kill -0 "$pid" 2>/dev/null; do sleep 0.1; done
	fi
	rm -rf "$dir"
}
trap cleanup EXIT INT TERM
printf '[service]\nlisten = %s\nepm_port = %s\n[log]\nlevel = warn\n' \
	"$addr" "$port" >"$dir/wmid.conf"
"$WMID" --state-dir "$dir" 2>"$dir/start.err"
pid=$(cat "$dir/wmid.pid")
sleep 1
rss() { sed -n "s/^$1:[[:space:]]*\([0-9]*\) kB/\1/p" "/proc/$pid/status"; }
idle=$(rss VmRSS)
echo "wmid idle: VmRSS $idle kB, VmHWM $(rss VmHWM) kB, threads $(sed -n 's/^Threads:[[:space:]]*//p' "/proc/$pid/status") (target < $TARGET_KB kB)"
if [ -x /usr/bin/python3 ]; then
	/usr/bin/python3 - "$addr" "$port" <<'PY'
import socket, struct, sys
addr, port = sys.argv[1], int(sys.argv[2])
# rpcdump's bind to the endpoint mapper (capture a01).
bind = bytes.fromhex(
    "05000b03100000004800000001000000b810b81000000000010000000000010008"
    "83afe11f5dc91191a408002b14a0fa03000000045d888aeb1cc9119fe808002b10"
    "486002000000")
lookup = bytes(4) + bytes(4) + bytes(4) + struct.pack("<I", 1) + bytes(20) \
    + struct.pack("<I", 500)
req = struct.pack("<BBBB4sHHI", 5, 0, 0, 3, b"\x10\0\0\0", 24 + len(lookup),
                  0, 2) + struct.pack("<IHH", len(lookup), 0, 2) + lookup
for _ in range(200):
    s = socket.create_connection((addr, port))
    s.sendall(bind)
    s.recv(4096)
    s.sendall(req)
    answer = s.recv(65536)
    s.close()
    if len(answer) < 24 or answer[2] != 2:
        sys.exit("ept_lookup was not answered with a response PDU")
PY
	sleep 1
	echo "wmid after 200 lookups: VmRSS $(rss VmRSS) kB, VmHWM $(rss VmHWM) kB"
fi
[ "$idle" -lt "$TARGET_KB" ]
