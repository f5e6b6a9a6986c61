#!/bin/sh
# Integration test of wmiuser: drives the real tool against a temp state
# folder.  Checks add/list/passwd/del, groups, passwords from stdin and
# from a terminal prompt, the refusal of passwords in argv, the 0600 file,
# the stored NT hashes (read back with the sqlite3 shell when present) and
# exit statuses.  Usage:
#   test_wmiuser.sh WMIUSER
# Prints "N passed, N failed"; exit status 0 only when all passed.
set -u
WU=$1
T=$(mktemp -d /tmp/owmi-wmiuser-XXXXXX)
trap 'rm -rf "$T"' EXIT
pass=0
fail=0
S="$T/state"
DB="$S/accounts.db"

ok() { pass=$((pass + 1)); }
bad() { fail=$((fail + 1)); echo "FAIL: $1"; }
expect_rc() { # NAME WANT GOT
	if [ "$2" = "$3" ]; then ok; else bad "$1: exit $3, want $2"; fi
}
expect_grep() { # NAME PATTERN FILE
	if grep -q -- "$2" "$3"; then ok; else
		bad "$1: no '$2' in:"; cat "$3"
	fi
}
expect_no_grep() { # NAME PATTERN FILE
	if grep -q -- "$2" "$3"; then bad "$1: unexpected '$2'"; else ok; fi
}
W() { "$WU" --state-dir "$S" "$@"; }
hash_of() { # USER
	sqlite3 "$DB" "SELECT lower(hex(nt_hash)) FROM users WHERE name = '$1'"
}

# 1. add with the password on stdin; the folder and file are private.
echo 'Passw0rd!' | W add alice --group Administrators >"$T/out" 2>"$T/err"
expect_rc "add alice" 0 $?
mode=$(stat -c %a "$DB")
[ "$mode" = 600 ] && ok || bad "accounts.db mode $mode, want 600"
mode=$(stat -c %a "$S")
[ "$mode" = 700 ] && ok || bad "state dir mode $mode, want 700"

# 2. list shows the RID, the machine SID and the groups.
W list >"$T/out" 2>"$T/err"
expect_rc "list" 0 $?
expect_grep "list alice" '^alice  *1000  *S-1-5-21-[0-9]*-[0-9]*-[0-9]*-1000  *Administrators, Users$' "$T/out"

# 3. the stored secret is MD4(UTF-16LE(password)); CRLF lines are cut.
if command -v sqlite3 >/dev/null 2>&1; then
	[ "$(hash_of alice)" = fc525c9683e8fe067095ba2ddc971889 ] && ok ||
		bad "alice's NT hash is $(hash_of alice)"
	printf 'Password\r\n' | W add bob >/dev/null 2>&1
	expect_rc "add bob (CRLF)" 0 $?
	[ "$(hash_of bob)" = a4f49c406510bdcab6824ee7c30fd852 ] && ok ||
		bad "bob's NT hash is $(hash_of bob)"
else
	printf 'Password\r\n' | W add bob >/dev/null 2>&1
	expect_rc "add bob (CRLF)" 0 $?
fi

# 4. passwords on the command line are refused, and nothing is created.
for opt in --password --password=x -p; do
	echo x | W add carol "$opt" x >"$T/out" 2>"$T/err"
	expect_rc "refuse $opt" 2 $?
	expect_grep "refuse $opt says why" 'command line can be read' "$T/err"
done
W list >"$T/out" 2>&1
expect_no_grep "carol not created" '^carol' "$T/out"

# 5. duplicates (any case) and bad names fail with the HRESULT name.
echo x | W add ALICE >"$T/out" 2>"$T/err"
expect_rc "duplicate" 1 $?
expect_grep "duplicate message" 'WBEM_E_ALREADY_EXISTS (0x80041019)' "$T/err"
echo x | W add 'a/b' >"$T/out" 2>"$T/err"
expect_rc "bad name" 1 $?
expect_grep "bad name message" 'WBEM_E_INVALID_PARAMETER' "$T/err"
echo x | W add dave --group Wheel >"$T/out" 2>"$T/err"
expect_rc "unknown group on add" 1 $?
expect_grep "unknown group message" 'WBEM_E_NOT_FOUND' "$T/err"
W list >"$T/out" 2>&1
expect_no_grep "dave not created" '^dave' "$T/out"

# 6. no password at all.
W add erin </dev/null >"$T/out" 2>"$T/err"
expect_rc "empty stdin" 1 $?
expect_grep "empty stdin message" 'no password' "$T/err"

# 7. passwd.
echo 'Password' | W passwd alice >"$T/out" 2>"$T/err"
expect_rc "passwd" 0 $?
if command -v sqlite3 >/dev/null 2>&1; then
	[ "$(hash_of alice)" = a4f49c406510bdcab6824ee7c30fd852 ] && ok ||
		bad "alice's NT hash after passwd is $(hash_of alice)"
fi
echo x | W passwd nobody >"$T/out" 2>"$T/err"
expect_rc "passwd unknown" 1 $?
expect_grep "passwd unknown message" 'WBEM_E_NOT_FOUND' "$T/err"

# 8. groups.
W group add 'Distributed COM Users' bob >"$T/out" 2>"$T/err"
expect_rc "group add" 0 $?
W group list 'Distributed COM Users' >"$T/out" 2>"$T/err"
expect_rc "group list one" 0 $?
expect_grep "group list one" '^Distributed COM Users (S-1-5-32-562): bob$' "$T/out"
W group list >"$T/out" 2>"$T/err"
expect_grep "group list all" '^Users (S-1-5-32-545): alice, bob$' "$T/out"
expect_grep "group list all" '^Administrators (S-1-5-32-544): alice$' "$T/out"
W group add 'Distributed COM Users' bob >"$T/out" 2>"$T/err"
expect_rc "group add twice" 1 $?
W group del 'Distributed COM Users' bob >"$T/out" 2>"$T/err"
expect_rc "group del" 0 $?
W group del 'Distributed COM Users' bob >"$T/out" 2>"$T/err"
expect_rc "group del again" 1 $?
W group add Wheel bob >"$T/out" 2>"$T/err"
expect_rc "group add unknown" 1 $?
W group list Wheel >"$T/out" 2>"$T/err"
expect_rc "group list unknown" 1 $?

# 9. del.
W del bob >"$T/out" 2>"$T/err"
expect_rc "del" 0 $?
W list >"$T/out" 2>&1
expect_no_grep "bob gone" '^bob' "$T/out"
W del bob >"$T/out" 2>"$T/err"
expect_rc "del again" 1 $?
expect_grep "del again message" 'WBEM_E_NOT_FOUND (0x80041002)' "$T/err"

# 10. a wider mode is repaired with a warning.
chmod 644 "$DB"
W list >"$T/out" 2>"$T/err"
expect_rc "list after chmod" 0 $?
expect_grep "mode warning" 'warning: .*0644' "$T/err"
mode=$(stat -c %a "$DB")
[ "$mode" = 600 ] && ok || bad "mode not repaired: $mode"

# 11. --accounts FILE, and a missing file.
echo pw | "$WU" --accounts "$T/other.db" add frank >"$T/out" 2>"$T/err"
expect_rc "--accounts add" 0 $?
"$WU" --accounts "$T/other.db" list >"$T/out" 2>"$T/err"
expect_grep "--accounts list" '^frank ' "$T/out"
"$WU" --accounts "$T/missing.db" list >"$T/out" 2>"$T/err"
expect_rc "missing file" 1 $?
expect_grep "missing file message" 'ERROR_FILE_NOT_FOUND' "$T/err"
[ ! -e "$T/missing.db" ] && ok || bad "list created a file"

# 12. usage.
"$WU" --help >"$T/out" 2>&1
expect_rc "--help" 0 $?
expect_grep "--help text" 'group list' "$T/out"
"$WU" --state-dir "$S" >"$T/out" 2>&1
expect_rc "no command" 2 $?
"$WU" --state-dir "$S" frob >"$T/out" 2>&1
expect_rc "unknown command" 2 $?

# 13. the terminal prompt: twice, without echo (needs python3's pty).
if [ -x /usr/bin/python3 ]; then
	cat >"$T/drive_prompt.py" <<'EOF'
import os, pty, select, sys, time
tool, state, name, first, second = sys.argv[1:6]
pid, fd = pty.fork()
if pid == 0:
    os.execv(tool, [tool, "--state-dir", state, "add", name])
out = b""
def read_until(token):
    global out
    end = time.time() + 10
    while token not in out and time.time() < end:
        ready, _, _ = select.select([fd], [], [], max(0, end - time.time()))
        if not ready:
            break
        try:
            data = os.read(fd, 1024)
        except OSError:
            break
        if not data:
            break
        out += data
read_until(b"password for")
os.write(fd, first.encode() + b"\n")
read_until(b"Retype")
os.write(fd, second.encode() + b"\n")
read_until(b"\xff")
deadline = time.time() + 10
while True:
    done, status = os.waitpid(pid, os.WNOHANG)
    if done:
        break
    if time.time() > deadline:
        os.kill(pid, 9)
        done, status = os.waitpid(pid, 0)
        break
    time.sleep(0.05)
sys.stdout.write(out.decode(errors="replace"))
sys.exit(os.waitstatus_to_exitcode(status))
EOF
	/usr/bin/python3 "$T/drive_prompt.py" "$WU" "$S" gina 'S3cret!' 'S3cret!' >"$T/out" 2>&1
	expect_rc "tty add" 0 $?
	expect_no_grep "tty echo off" 'S3cret' "$T/out"
	/usr/bin/python3 "$T/drive_prompt.py" "$WU" "$S" hank 'one' 'two' >"$T/out" 2>&1
	expect_rc "tty mismatch" 1 $?
	expect_grep "tty mismatch message" 'do not match' "$T/out"
	W list >"$T/out" 2>&1
	expect_grep "tty user added" '^gina ' "$T/out"
	expect_no_grep "mismatch not added" '^hank ' "$T/out"
fi

echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
