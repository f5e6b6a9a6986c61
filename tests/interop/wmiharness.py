"""Shared parts of the Impacket WMI interop tests (issue 4).

test_wmiquery.py and test_wmiexec.py start the real wmid on port 135 of a
random 127.x.y.z address (Impacket's DCOMConnection only talks to 135),
with a repository holding tests/interop/data/interop.mof, an
Administrators account and a plain account, and run Impacket's scripts or
library against it.

Checks are named; every failed check fails the test.  Standard library
plus impacket; /usr/bin/python3.
"""
import argparse
import logging
import os
import re
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import wmidctl  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
DATA_MOF = os.path.join(HERE, "data", "interop.mof")
EXAMPLES = "/usr/share/doc/python3-impacket/examples"

ADMIN = ("alice", "Passw0rd!")
PLAIN = ("bob", "Bobs-Passw0rd")
DOMAIN = "WORKGROUP"

# The first line every Impacket example prints.
BANNER = "Impacket v"


def parse_args(script_default):
    p = argparse.ArgumentParser()
    p.add_argument("--wmid", required=True)
    p.add_argument("--wmiuser", required=True)
    p.add_argument("--mofcomp", required=True)
    p.add_argument("--repository", required=True,
                   help="the build's schema repository.db")
    p.add_argument("--wmiprvse", default=None)
    p.add_argument("--provider-dir", default=None)
    p.add_argument("--tp-good", default=None,
                   help="libtp_good.so (the test provider with methods)")
    p.add_argument("--script", default=os.path.join(EXAMPLES,
                                                    script_default))
    p.add_argument("--keep", action="store_true",
                   help="keep the state folder (debugging)")
    a = p.parse_args()
    # meson passes build targets relative to the build folder (the
    # working directory); wmid's config wants absolute paths.
    for k in ("wmid", "wmiuser", "mofcomp", "repository", "wmiprvse",
              "provider_dir", "tp_good", "script"):
        if getattr(a, k):
            setattr(a, k, os.path.abspath(getattr(a, k)))
    return a


def tp_good_mof(lib):
    """Registers the test provider tp_good (tests/providers/tp_good.c)
    in root\\interop and declares the class it serves, Test_Item, as
    tests/integration/test_providers.c does: static WhoAmI (out only) and
    instance Echo([in] Text, [out] Result).  Its instances carry a
    non-NULL real64 (Ratio), so Impacket may only see the class and the
    method parameters, never an instance."""
    return (
        '#pragma namespace("\\\\\\\\.\\\\root\\\\interop")\n'
        'instance of __Win32Provider as $Tp { Name = "TpGood";\n'
        '  LibraryPath = "%s";\n'
        '  HostingModel = "NetworkServiceHost:Interop"; };\n'
        'instance of __InstanceProviderRegistration { Provider = $Tp;\n'
        '  SupportsGet = TRUE; SupportsPut = TRUE; SupportsDelete = TRUE;\n'
        '  QuerySupportLevels = { "WQL:UnarySelect" }; };\n'
        'instance of __MethodProviderRegistration { Provider = $Tp; };\n'
        '[dynamic, provider("TpGood")] class Test_Item {\n'
        '  [key] uint32 Id; string Name; uint64 Big; sint32 Neg;\n'
        '  boolean Flag; real64 Ratio; datetime When; uint16 Codes[];\n'
        '  string Tags[]; string Source;\n'
        '  [static, implemented] uint32 WhoAmI([out] uint32 Uid,\n'
        '    [out] uint32 Gid, [out] string User, [out] uint32 CtxUid,\n'
        '    [out] boolean HasIds);\n'
        '  [implemented] uint32 Echo([in] string Text,\n'
        '    [out] string Result); };\n' % lib)


class Service:
    """wmid on <random 127.x.y.z>:135 with the interop repository."""

    def __init__(self, args, extra_conf=""):
        self.args = args
        conf = extra_conf
        if args.wmiprvse or args.provider_dir:
            conf += "[providers]\n"
            if args.wmiprvse:
                conf += "host = %s\n" % args.wmiprvse
            if args.provider_dir:
                conf += "directory = %s\n" % args.provider_dir
        self.w = wmidctl.Wmid(args.wmid, epm_port=135, extra_conf=conf)
        self.addr = self.w.addr

    def start(self, extra_mof_texts=()):
        """Returns None on success, or an exit status (SKIP or 1)."""
        a = self.args
        self.w.prepare_repository(a.repository, a.mofcomp, [DATA_MOF],
                                  extra_mof_texts)
        self.w.add_user(a.wmiuser, ADMIN[0], ADMIN[1],
                        groups=("Administrators",))
        self.w.add_user(a.wmiuser, PLAIN[0], PLAIN[1])
        if not self.w.start():
            out = self.w.start_output()
            if "in use" in out or "ermission" in out:
                print("port 135 unavailable: skipped\n" + out)
                return wmidctl.SKIP
            print("wmid did not start:\n" + out)
            return 1
        return None

    def stop(self):
        return self.w.stop()

    def cleanup(self):
        self.w.stop()
        if self.args.keep:
            print("state folder kept: %s" % self.w.dir)
            return
        self.w.cleanup()

    def log_tail(self, n=40):
        lines = self.w.read_log().splitlines()
        return "\n".join(lines[-n:])


def preflight(args):
    """Skip status or None."""
    wmidctl.need_impacket()
    if not os.path.exists(args.script):
        print("no %s: skipped" % args.script)
        return wmidctl.SKIP
    if os.geteuid() != 0:
        print("port 135 needs root: skipped")
        return wmidctl.SKIP
    return None


def serve(args, body, extra_conf="", extra_mof_texts=()):
    """The frame of a test against wmid: starts the Service (with
    [extra_conf] and [extra_mof_texts]), runs body(ck, svc) with a
    Checks, then checks that wmid stops cleanly.
    Returns the exit status: Service.start's when wmid did not start,
    else Checks.summary's.  wmid's log tail is printed after a failure;
    the state folder is always cleaned up."""
    ck = Checks()
    svc = Service(args, extra_conf)
    try:
        st = svc.start(extra_mof_texts)
        if st is not None:
            return st
        print("wmid on %s:135, exporter port %d"
              % (svc.addr, svc.w.exporter_port))
        body(ck, svc)
        rc = svc.stop()
        ck.check("wmid-clean-stop", rc == 0,
                 "wmid exit status %s; log tail:\n%s"
                 % (rc, svc.log_tail()))
        return ck.summary()
    finally:
        if ck.failed:
            print("\nwmid.log tail:\n" + svc.log_tail(60))
        svc.cleanup()


def wmi_session(addr, namespace, level=None):
    """Impacket's library as alice: DCOMConnection, WbemLevel1Login
    activation, NTLMLogin to [namespace]; with [level] "privacy" the
    IWbemServices calls are sealed.  Returns (DCOMConnection,
    IWbemServices); disconnects again when a step fails."""
    from impacket.dcerpc.v5 import rpcrt
    from impacket.dcerpc.v5.dcom import wmi
    from impacket.dcerpc.v5.dcomrt import DCOMConnection
    from impacket.dcerpc.v5.dtypes import NULL

    dcom = DCOMConnection(addr, ADMIN[0], ADMIN[1], DOMAIN, "", "", None,
                          oxidResolver=True)
    try:
        iface = dcom.CoCreateInstanceEx(wmi.CLSID_WbemLevel1Login,
                                        wmi.IID_IWbemLevel1Login)
        login = wmi.IWbemLevel1Login(iface)
        svcs = login.NTLMLogin(namespace, NULL, NULL)
        if level == "privacy":
            svcs.get_dce_rpc().set_auth_level(
                rpcrt.RPC_C_AUTHN_LEVEL_PKT_PRIVACY)
        login.RemRelease()
    except Exception:
        disconnect_quietly(dcom)
        raise
    return dcom, svcs


def disconnect_quietly(dcom):
    """Disconnects a DCOMConnection (None: nothing), ignoring errors."""
    if dcom is None:
        return
    try:
        dcom.disconnect()
    except Exception:
        pass


class LogGrab(logging.Handler):
    """Keeps the warnings and errors Impacket logs (its pinger's, or its
    method wrapper's, which logs ExecMethod errors and returns None) so a
    failure can say why."""

    def __init__(self):
        logging.Handler.__init__(self, logging.DEBUG)
        self.records = []

    def emit(self, record):
        if record.levelno >= logging.WARNING:
            self.records.append(record.getMessage())

    def take(self):
        r, self.records = self.records, []
        return r


def run_example(script, name, argv, timeout=60):
    """Runs an Impacket example as run_script does, after printing the
    command under [name].  Returns (exit status, the output lines that
    are neither blank nor the banner, the whole output)."""
    print("\n== %s: /usr/bin/python3 %s %s" % (name, script, " ".join(argv)))
    rc, out = run_script(script, argv, timeout=timeout)
    lines = [x for x in out.split("\n")
             if x.strip() and not x.startswith(BANNER)]
    return rc, lines, out


def run_script(script, argv, timeout=90):
    """Runs an Impacket example script with /usr/bin/python3; returns
    (exit status or None on timeout, stdout text).  UTF-8 whatever the
    locale."""
    return finish_script(start_script(script, argv), timeout)


def script_env():
    env = dict(os.environ)
    env["PYTHONUTF8"] = "1"
    env["PYTHONIOENCODING"] = "utf-8"
    return env


def start_script(script, argv):
    """Starts an Impacket example script; finish with finish_script."""
    return subprocess.Popen(["/usr/bin/python3", script] + list(argv),
                            stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT, env=script_env())


def finish_script(proc, timeout=90):
    """(exit status or None on timeout, stdout text) of start_script's
    process."""
    try:
        out, _ = proc.communicate(timeout=timeout)
        return proc.returncode, out.decode("utf-8", "replace")
    except subprocess.TimeoutExpired:
        proc.kill()
        out, _ = proc.communicate()
        return None, (out.decode("utf-8", "replace") +
                      "\n<<timed out after %d s>>" % timeout)


def target(user, password, addr):
    return "%s/%s:%s@%s" % (DOMAIN, user, password, addr)


# ---- wmiquery output ------------------------------------------------------

def split_wmiquery(out):
    """wmiquery -file prints "WQL> <line>" with end=' ' before each
    command's output, so the output of a command starts after one space
    (and an empty output leaves " " before the next "WQL> ").  Returns
    (text before the first command, [(command, [output lines])])."""
    parts = re.split(r"(?:^|(?<=\n)) ?WQL> ", out)
    head = parts[0]
    blocks = []
    for part in parts[1:]:
        cmd, _, rest = part.partition("\n")
        if rest.startswith(" "):
            rest = rest[1:]
        lines = rest.split("\n")
        while lines and lines[-1].strip() == "":
            lines.pop()
        blocks.append((cmd, lines))
    return head, blocks


def split_row(line):
    """'| a | b c  | d | ' -> ['a', 'b c ', 'd'] (printReply's layout:
    each cell "%s | ", a list as items each followed by a space, then
    " | ")."""
    if not line.startswith("| "):
        return None
    body = line[2:]
    if not body.endswith("| ") and not body.endswith("|"):
        return None
    cells = body.split(" | ")
    if cells and cells[-1] in ("", " "):
        cells.pop()
    return cells


def cell(v):
    """A value as printReply shows it."""
    if isinstance(v, list):
        return "".join("%s " % x for x in v)
    if v is True:
        return "True"
    if v is False:
        return "False"
    return "%s" % (v,)


class Checks:
    """Named checks; the summary fails when any failed."""

    def __init__(self):
        self.failed = []
        self.passed = 0

    def check(self, name, ok, detail=""):
        if ok:
            self.passed += 1
            print("ok   %s" % name)
            return True
        print("FAIL %s\n%s" % (name, indent(detail)))
        self.failed.append(name)
        return False

    def summary(self):
        print("\n%d checks passed, %d failed"
              % (self.passed, len(self.failed)))
        if self.failed:
            print("failed: " + ", ".join(self.failed))
        return 1 if self.failed else 0


def indent(text, pfx="     | "):
    return "\n".join(pfx + line for line in str(text).split("\n"))


def compare_table(lines, header, rows, ordered=False):
    """Compares wmiquery's table output [lines] with the expected
    [header] and [rows] (lists of cell strings).  Returns a list of
    problems (empty when equal); rows are matched on their first cell
    (the key), cell by cell."""
    probs = []
    if not lines:
        return ["no output at all; want the header %r and %d rows"
                % (header, len(rows))]
    got_header = split_row(lines[0])
    if got_header != header:
        probs.append("header: got %r (line %r)\n  want %r"
                     % (got_header, lines[0], header))
    got_rows = []
    for ln in lines[1:]:
        r = split_row(ln)
        if r is None:
            probs.append("not a table row: %r" % ln)
        else:
            got_rows.append(r)
    if len(got_rows) != len(rows):
        probs.append("got %d rows, want %d" % (len(got_rows), len(rows)))
    if ordered:
        for i, (g, w) in enumerate(zip(got_rows, rows)):
            if g != w:
                probs.append("row %d: got %r\n  want %r" % (i, g, w))
        return probs
    want_by_key = {}
    for w in rows:
        want_by_key.setdefault(w[0], []).append(w)
    for g in got_rows:
        key = g[0] if g else None
        cands = want_by_key.get(key)
        if not cands:
            probs.append("unexpected row %r" % (g,))
            continue
        w = cands.pop(0)
        if g == w:
            continue
        hdr = header
        for i in range(max(len(g), len(w))):
            gv = g[i] if i < len(g) else "<missing>"
            wv = w[i] if i < len(w) else "<missing>"
            if gv != wv:
                col = hdr[i] if i < len(hdr) else "#%d" % i
                probs.append("row %s, column %s: got %r, want %r"
                             % (key, col, gv, wv))
    for key, left in want_by_key.items():
        for w in left:
            probs.append("missing row %r" % (w,))
    return probs
