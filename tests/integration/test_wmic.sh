#!/bin/sh
# Integration test of wmic in offline mode: builds a repository with
# mkrepo_wmic, then checks table, list, csv and value output, the empty
# result, the ERROR block and exit statuses.  Usage:
#   test_wmic.sh WMIC MKREPO
# Prints "N passed, N failed"; exit status 0 only when all passed.
set -u
WMIC=$1
MKREPO=$2
T=$(mktemp -d /tmp/owmi-wmic-XXXXXX)
trap 'rm -rf "$T"' EXIT
pass=0
fail=0

ok() { pass=$((pass + 1)); }
bad() { fail=$((fail + 1)); echo "FAIL: $1"; }

# check NAME EXPECTED-FILE ACTUAL-FILE
check() {
	if cmp -s "$2" "$3"; then ok; else bad "$1"; diff "$2" "$3" | head -20; fi
}

"$MKREPO" "$T/repository.db" || { echo "mkrepo failed"; exit 1; }
W() { "$WMIC" --repository "$T/repository.db" "$@"; }

# 1. table: columns alphabetical, padded to the longest value + 2.
W service get Name,State,ProcessId >"$T/out" 2>"$T/err"; rc=$?
printf '%s\n' \
	'Name  ProcessId  State    ' \
	'cron  655        Running  ' \
	'cups  0          Stopped  ' \
	'sshd  812        Running  ' \
	'' >"$T/exp"
check "table output" "$T/exp" "$T/out"
[ $rc -eq 0 ] && [ ! -s "$T/err" ] && ok || bad "table exit status / stderr"

# 2. path + where, default column set (all properties).
W path Win32_Service where "Name='sshd'" get >"$T/out" 2>&1
printf '%s\n' \
	'Name  ProcessId  StartMode  State    ' \
	'sshd  812        Auto       Running  ' \
	'' >"$T/exp"
check "path where get" "$T/exp" "$T/out"

# 3. csv: Node column first, after a blank line.
W path win32_service where "State = 'Running'" get name /format:csv \
	>"$T/out" 2>&1
node=$(sed -n 3p "$T/out" | cut -d, -f1)
printf '\nNode,Name\n%s,cron\n%s,sshd\n' "$node" "$node" >"$T/exp"
check "csv output" "$T/exp" "$T/out"
[ -n "$node" ] && ok || bad "csv node name"

# 4. list / value: Name=Value, blank lines between instances.
W os get Caption,Version /value >"$T/out" 2>&1
printf '\n\nCaption=OpenWMI Test Linux\nVersion=6.1.0\n\n\n' >"$T/exp"
check "value output" "$T/exp" "$T/out"
W /FORMAT:LIST service where "name='cron'" get name >"$T/out" 2>&1
printf '\n\nName=cron\n\n\n' >"$T/exp"
check "list output (/FORMAT:LIST)" "$T/exp" "$T/out"

# 5. empty result: message on stderr, nothing on stdout, exit 0.
W qfe get >"$T/out" 2>"$T/err"; rc=$?
[ $rc -eq 0 ] && ok || bad "empty result exit status $rc"
[ ! -s "$T/out" ] && ok || bad "empty result stdout"
printf 'No Instance(s) Available.\n' >"$T/exp"
check "empty result stderr" "$T/exp" "$T/err"

# 6. errors: the ERROR block on stderr, exit 1.
W path Win32_Nope get >"$T/out" 2>"$T/err"; rc=$?
[ $rc -eq 1 ] && ok || bad "invalid class exit status $rc"
printf 'ERROR:\nDescription = Invalid class\nCode = 0x80041010\nFacility = WMI\n' \
	>"$T/exp"
check "invalid class error" "$T/exp" "$T/err"
W service get Bogus >"$T/out" 2>"$T/err"; rc=$?
[ $rc -eq 1 ] && grep -q '^Description = Invalid query$' "$T/err" &&
	grep -q '^Code = 0x80041017$' "$T/err" && ok || bad "invalid query"
W /namespace:\\\\root\\nowhere os get >"$T/out" 2>"$T/err"; rc=$?
[ $rc -eq 1 ] && grep -q '^Description = Invalid namespace$' "$T/err" &&
	ok || bad "invalid namespace"
W --namespace 'ROOT/CIMV2' os get Version >"$T/out" 2>"$T/err" &&
	grep -q '^6.1.0' "$T/out" && ok || bad "--namespace ROOT/CIMV2"
W nosuchalias get >"$T/out" 2>"$T/err"; rc=$?
[ $rc -eq 1 ] && grep -q '^nosuchalias - Alias not found.$' "$T/err" &&
	ok || bad "unknown alias"
W os get /format:htable >"$T/out" 2>"$T/err"; rc=$?
[ $rc -eq 1 ] && grep -q 'Invalid XSL format' "$T/err" && ok ||
	bad "bad format"
"$WMIC" --repository "$T/missing.db" os get >"$T/out" 2>"$T/err"; rc=$?
[ $rc -eq 1 ] && grep -q '^ERROR:$' "$T/err" && ok || bad "missing repo"

# 7. query, class, delete, help.
W query "SELECT Name FROM Win32_Service WHERE Name LIKE 'c%'" \
	>"$T/out" 2>&1
printf 'Name  \ncron  \ncups  \n\n' >"$T/exp"
check "query with LIKE" "$T/exp" "$T/out"
W class Win32_Service >"$T/out" 2>&1
grep -q '^class Win32_Service$' "$T/out" &&
	grep -q '\[key\] string Name;' "$T/out" && ok || bad "class output"
W path Win32_Service where "Name='cups'" delete >"$T/out" 2>&1 &&
	grep -q 'Instance deletion successful.' "$T/out" && ok ||
	bad "delete"
W path Win32_Service where "Name='cups'" get >"$T/out" 2>"$T/err"
grep -q 'No Instance(s) Available.' "$T/err" && ok || bad "deleted"
"$WMIC" --help >"$T/out" 2>&1 && grep -q 'UTF-16' "$T/out" && ok ||
	bad "--help"
"$WMIC" '/?' >"$T/out" 2>&1 && grep -q '^usage: wmic' "$T/out" && ok ||
	bad "/?"
mkdir "$T/state" && cp "$T/repository.db" "$T/state/" &&
	"$WMIC" --state-dir "$T/state" os get Caption >"$T/out" 2>&1 &&
	grep -q 'OpenWMI Test Linux' "$T/out" && ok || bad "--state-dir"

# 8. failures reach the activity log once.
W --activity-log "$T/act.log" path Win32_Nope get >/dev/null 2>&1
[ "$(wc -l <"$T/act.log")" -eq 1 ] &&
	grep -q '"ResultCode":"0x80041010"' "$T/act.log" && ok ||
	bad "activity log"

echo "$pass passed, $fail failed"
[ $fail -eq 0 ]
