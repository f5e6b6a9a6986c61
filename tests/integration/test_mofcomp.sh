#!/bin/sh
# Integration test: the mofcomp tool's switches, output and exit codes
# (reference section 5.3), against a repository in a temp folder.
#   test_mofcomp.sh MOFCOMP SCHEMA_DIR
set -u
MOFCOMP=$1
SCHEMA=$2
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
fails=0

fail() {
	echo "FAIL: $*"
	fails=$((fails + 1))
}

# expect CODE DESCRIPTION -- ARGS...: runs mofcomp, checks its exit code.
expect() {
	want=$1
	what=$2
	shift 3
	"$MOFCOMP" "$@" >"$T/out" 2>"$T/err"
	got=$?
	if [ "$got" != "$want" ]; then
		fail "$what: exit $got, want $want"
		cat "$T/out" "$T/err"
	fi
}

contains() {
	grep -q -- "$2" "$1" || {
		fail "'$2' not in $1"
		cat "$1"
	}
}

lacks() {
	if grep -q -- "$2" "$1"; then
		fail "'$2' unexpectedly in $1"
		cat "$1"
	fi
}

cat >"$T/good.mof" <<'EOF'
#pragma namespace("\\\\.\\root\\test")
#pragma namespace("__create")
class T_Thing { [Key] string Name; uint32 Size = 4; };
instance of T_Thing { Name = "one"; Size = 1; };
EOF
printf '#pragma autorecover\nclass T_Auto { };\n' >"$T/auto.mof"
printf 'class T_Bad {\n  uint32 p\n};\n' >"$T/syntax.mof"
printf 'instance of T_Nowhere { x = 1; };\n' >"$T/semantic.mof"

# Help and switches.
expect 0 "help" -- --help
contains "$T/out" "-offline"
contains "$T/out" "/var/lib/openwmi/repository.db"
expect 0 "/? help" -- '/?'
expect 2 "unknown switch" -- -frobnicate "$T/good.mof"
expect 2 "bad class mode" -- -class:sometimes "$T/good.mof"
expect 2 "bad instance mode" -- --instance=forceupdate "$T/good.mof"
expect 2 "binary MOF unsupported" -- -B:out.bmf "$T/good.mof"
expect 2 "no file" -- -check
expect 1 "no repository without the daemon" -- "$T/good.mof"
contains "$T/err" "offline"

# -check parses only and touches no repository.
expect 0 "check" -- -check "$T/good.mof"
contains "$T/out" "Parsing MOF file: $T/good.mof"
contains "$T/out" "MOF file has been successfully parsed"
lacks "$T/out" "Storing data"
lacks "$T/out" "WARNING"
expect 0 "/CHECK upper case" -- /CHECK "$T/good.mof"
expect 3 "check syntax error" -- -check "$T/syntax.mof"
contains "$T/err" "syntax.mof (3): error SYNTAX 0X80044002: column 1:"
contains "$T/err" "expected ';'"
contains "$T/err" "Compiler returned error 0x80044002"

# Storing into an offline repository.
R="$T/repo.db"
expect 0 "store" -- -offline "$R" "$T/good.mof"
contains "$T/out" "Storing data in the repository..."
contains "$T/out" "WARNING: File $T/good.mof does not contain #PRAGMA AUTORECOVER."
contains "$T/out" "Done!"
expect 0 "store with autorecover pragma" -- --repository "$R" -N:root\\test \
	"$T/auto.mof"
lacks "$T/out" "WARNING"
expect 0 "second run updates in place" -- -offline:"$R" "$T/good.mof"
expect 1 "class createonly" -- -offline "$R" -class:createonly "$T/good.mof"
contains "$T/err" "error SEMANTIC 0X80041019"
expect 1 "instance createonly" -- /offline "$R" /instance:createonly \
	"$T/good.mof"
expect 1 "semantic error" -- --offline="$R" -N:root "$T/semantic.mof"
contains "$T/err" "semantic.mof (1): error SEMANTIC 0X80041010"
expect 3 "syntax error while storing" -- --offline="$R" "$T/syntax.mof"
expect 1 "missing file" -- -offline "$R" "$T/nonexistent.mof"

# -N: and --namespace= pick the namespace; the pragma wins over them.
printf 'class T_Here { };\n' >"$T/plain.mof"
expect 1 "-N: missing namespace" -- -N:root\\nowhere -offline "$R" \
	"$T/plain.mof"
contains "$T/err" "0X8004100e"
expect 0 "-N:root\\test" -- -N:root\\test -offline "$R" "$T/plain.mof"
expect 0 "--namespace=root" -- --namespace=root --offline="$R" \
	"$T/plain.mof"

# -autorecover and --state-dir.
mkdir "$T/state"
expect 0 "state dir" -- --state-dir "$T/state" -autorecover -N:root \
	"$T/plain.mof"
lacks "$T/out" "WARNING"
[ -f "$T/state/repository.db" ] || fail "--state-dir made no repository"

# The default repository schema compiles on its own.
expect 0 "schema" -- -offline "$T/schema.db" "$SCHEMA/openwmi.mof"

if [ "$fails" -ne 0 ]; then
	echo "$fails failure(s)"
	exit 1
fi
echo "mofcomp: all checks passed"
