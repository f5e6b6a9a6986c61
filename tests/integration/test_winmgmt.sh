#!/bin/sh
# Integration test of winmgmt: builds a repository with the real mofcomp
# in a temp state folder, then drives /verifyrepository, /backup,
# /salvagerepository, /resetrepository and /restore, with corruptions made
# behind the tool's back with the sqlite3 shell (those steps are skipped
# when the shell is missing).  Usage:
#   test_winmgmt.sh WINMGMT MOFCOMP
# Prints "N passed, N failed"; exit status 0 only when all passed.
set -u
WM=$1
MC=$2
T=$(mktemp -d /tmp/owmi-winmgmt-XXXXXX)
trap 'rm -rf "$T"' EXIT
pass=0
fail=0
S="$T/state"
DB="$S/repository.db"
mkdir -p "$S"

ok() { pass=$((pass + 1)); }
bad() { fail=$((fail + 1)); echo "FAIL: $1"; }
expect_rc() { # NAME WANT GOT
	if [ "$2" = "$3" ]; then ok; else
		bad "$1: exit $3, want $2"; cat "$T/out"
	fi
}
expect_grep() { # NAME PATTERN FILE
	if grep -q -- "$2" "$3"; then ok; else
		bad "$1: no '$2' in:"; cat "$3"
	fi
}
expect_first() { # NAME LINE FILE
	if [ "$(head -n 1 "$3")" = "$2" ]; then ok; else
		bad "$1: first line is not '$2':"; cat "$3"
	fi
}
W() { "$WM" --state-dir "$S" "$@" >"$T/out" 2>&1; }
have_sqlite=0
command -v sqlite3 >/dev/null 2>&1 && have_sqlite=1
classes() { sqlite3 "$DB" "SELECT group_concat(name, ',') FROM (SELECT name FROM class ORDER BY name)"; }

cat >"$T/auto.mof" <<'EOF'
#pragma autorecover
#pragma namespace("\\\\.\\root")
class AutoBase { [key] string Name; uint32 Value; };
class AutoLeaf : AutoBase { string Extra; };
instance of AutoLeaf { Name = "one"; Value = 1; };
EOF
cat >"$T/plain.mof" <<'EOF'
#pragma namespace("\\\\.\\root")
class Plain { [key] string Id; };
instance of Plain { Id = "p"; };
EOF

# 1. No repository yet: verification fails with the file-not-found code.
W /verifyrepository
expect_rc "verify missing" 2 $?
expect_first "verify missing" "WMI repository verification failed" "$T/out"
expect_grep "verify missing code" "Error code: 0x80070002" "$T/out"

# 2. Build one with mofcomp; every spelling of the switch says consistent.
"$MC" --state-dir "$S" "$T/auto.mof" >/dev/null 2>&1
expect_rc "mofcomp auto" 0 $?
"$MC" --state-dir "$S" "$T/plain.mof" >/dev/null 2>&1
expect_rc "mofcomp plain" 0 $?
for sw in /verifyrepository -VerifyRepository /VERIFYREPOSITORY \
	--verify-repository; do
	W "$sw"
	expect_rc "verify $sw" 0 $?
	expect_first "verify $sw" "WMI repository is consistent" "$T/out"
done
"$WM" --repository "$DB" /verifyrepository >"$T/out" 2>&1
expect_rc "verify --repository" 0 $?
"$WM" /verifyrepository "$DB" >"$T/out" 2>&1
expect_rc "verify PATH operand" 0 $?

# 3. Backup, and the backup verifies on its own.
W /backup "$T/backup.db"
expect_rc "backup" 0 $?
W /verifyrepository "$T/backup.db"
expect_rc "verify backup" 0 $?

if [ $have_sqlite = 1 ]; then
	# 4. Delete a superclass behind the tool's back.
	sqlite3 "$DB" "DELETE FROM class WHERE name = 'AutoBase'"
	W /verifyrepository
	expect_rc "verify inconsistent" 1 $?
	expect_first "verify inconsistent" "WMI repository is inconsistent" "$T/out"
	expect_grep "problem listed" "superclass 'AutoBase' is missing" "$T/out"

	# 5. Salvage keeps Plain and recompiles the autorecover MOF.
	W /salvagerepository
	expect_rc "salvage" 0 $?
	expect_first "salvage" "WMI repository has been salvaged" "$T/out"
	W /verifyrepository
	expect_rc "verify after salvage" 0 $?
	[ "$(classes)" = "AutoBase,AutoLeaf,Plain" ] && ok ||
		bad "classes after salvage: $(classes)"

	# 6. Reset keeps only what the autorecover MOFs make.
	W -resetrepository
	expect_rc "reset" 0 $?
	expect_first "reset" "WMI repository has been reset" "$T/out"
	W /verifyrepository
	expect_rc "verify after reset" 0 $?
	[ "$(classes)" = "AutoBase,AutoLeaf" ] && ok ||
		bad "classes after reset: $(classes)"

	# 7. Restore brings Plain back.
	W /restore "$T/backup.db" 1
	expect_rc "restore" 0 $?
	W /verifyrepository
	expect_rc "verify after restore" 0 $?
	[ "$(classes)" = "AutoBase,AutoLeaf,Plain" ] && ok ||
		bad "classes after restore: $(classes)"

	# 8. An inconsistent backup is refused and the repository kept.
	cp "$T/backup.db" "$T/bad.db"
	sqlite3 "$T/bad.db" "UPDATE instance SET blob = x'00'"
	W /restore "$T/bad.db"
	expect_rc "restore bad" 2 $?
	expect_grep "restore bad code" "Error code: 0x8007054E" "$T/out"
	[ "$(classes)" = "AutoBase,AutoLeaf,Plain" ] && ok ||
		bad "classes after refused restore: $(classes)"
fi

# 9. Garbage in place of the repository: inconsistent, then salvaged.
printf 'not a database %.0s' $(seq 1 300) >"$DB"
rm -f "$DB-wal" "$DB-shm"
W /verifyrepository
expect_rc "verify garbage" 1 $?
W /salvagerepository
expect_rc "salvage garbage" 0 $?
W /verifyrepository
expect_rc "verify salvaged garbage" 0 $?

# 10. Usage.
"$WM" /? >"$T/out" 2>&1
expect_rc "help" 0 $?
expect_grep "help text" "/verifyrepository" "$T/out"
"$WM" --help >"$T/out" 2>&1
expect_rc "--help" 0 $?
"$WM" /bogus >"$T/out" 2>&1
expect_rc "unknown switch" 64 $?
"$WM" --state-dir "$S" /backup >"$T/out" 2>&1
expect_rc "backup without file" 64 $?

echo "$pass passed, $fail failed"
[ "$fail" = 0 ]
