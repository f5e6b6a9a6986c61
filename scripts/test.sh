#!/bin/sh
# Runs every test: installs what is missing, builds twice (plain, and
# ASan+UBSan), runs the unit, integration, interop and fuzz-corpus suites in
# both, runs each libFuzzer target for a bounded time (clang build), and
# ends with one line "N passed, N failed".
#
# Environment: FUZZ_SECONDS (default 20) bounds each fuzz target's run.
set -u
cd "$(dirname "$0")/.."
sh scripts/deps.sh || exit 1

FUZZ_SECONDS=${FUZZ_SECONDS:-20}
JOBS=$(nproc 2>/dev/null || echo 2)
pass=0
fail=0
failed_names=""

count_meson() {
	# $1: build dir.  Adds the results in testlog.json (one JSON object a
	# line) to the totals; test output inside it may hold any bytes, so it
	# is read as JSON, never grepped.
	log="$1/meson-logs/testlog.json"
	[ -f "$log" ] || return 0
	res=$(/usr/bin/python3 - "$log" <<'PY'
import json, sys
ok = bad = 0
names = []
with open(sys.argv[1], "rb") as f:
    for line in f:
        try:
            t = json.loads(line)
        except ValueError:
            continue
        r = t.get("result")
        if r == "OK":
            ok += 1
        elif r in ("FAIL", "ERROR", "TIMEOUT", "UNEXPECTEDPASS"):
            bad += 1
            names.append(t.get("name", "?").replace(" ", ""))
print(ok, bad, " ".join(names))
PY
)
	p=${res%% *}
	rest=${res#* }
	f=${rest%% *}
	names=${rest#* }
	pass=$((pass + p))
	fail=$((fail + f))
	if [ "$f" -gt 0 ]; then
		failed_names="$failed_names [$1] $names"
	fi
}

run_build() {
	# $1: build dir, $2...: meson setup options
	dir=$1
	shift
	if [ ! -f "$dir/build.ninja" ]; then
		if ! meson setup "$dir" "$@" >"$dir.setup.log" 2>&1; then
			cat "$dir.setup.log"
			echo "test: meson setup $dir failed"
			fail=$((fail + 1))
			failed_names="$failed_names [$dir] setup"
			return 1
		fi
	fi
	if ! ninja -C "$dir" -j "$JOBS"; then
		echo "test: build $dir failed"
		fail=$((fail + 1))
		failed_names="$failed_names [$dir] build"
		return 1
	fi
	rm -f "$dir/meson-logs/testlog.json"
	meson test -C "$dir" --num-processes "$JOBS" --print-errorlogs \
		--suite unit --suite integration --suite interop \
		--suite fuzz-corpus
	count_meson "$dir"
}

echo "== plain build"
run_build build
echo "== ASan+UBSan build"
ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 \
UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
	run_build build-asan -Db_sanitize=address,undefined -Db_lundef=false

echo "== libFuzzer (clang), ${FUZZ_SECONDS}s per target"
if [ ! -f build-fuzz/build.ninja ]; then
	CC=clang meson setup build-fuzz -Dfuzzers=true -Dtests=false \
		-Db_sanitize=address,undefined -Db_lundef=false \
		>build-fuzz.setup.log 2>&1 || cat build-fuzz.setup.log
fi
if ninja -C build-fuzz -j "$JOBS" >build-fuzz.log 2>&1; then
	for t in build-fuzz/fuzz/fuzz_*; do
		[ -f "$t" ] && [ -x "$t" ] || continue
		name=$(basename "$t")
		corpus="fuzz/corpus/${name#fuzz_}"
		work=$(mktemp -d)
		[ -d "$corpus" ] && cp -r "$corpus"/. "$work"/ 2>/dev/null
		if "$t" -max_total_time="$FUZZ_SECONDS" -rss_limit_mb=2048 \
			-max_len=65536 "$work" >"build-fuzz/$name.log" 2>&1; then
			echo "fuzz: $name ok"
			pass=$((pass + 1))
		else
			echo "fuzz: $name FAILED (see build-fuzz/$name.log)"
			tail -40 "build-fuzz/$name.log"
			fail=$((fail + 1))
			failed_names="$failed_names [fuzz] $name"
		fi
		rm -rf "$work"
	done
else
	tail -40 build-fuzz.log
	echo "test: fuzz build failed"
	fail=$((fail + 1))
	failed_names="$failed_names [fuzz] build"
fi

if [ -n "$failed_names" ]; then
	echo "failed:$failed_names"
fi
echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
