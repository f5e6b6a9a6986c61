"""Impacket's wmiquery.py queries wmid (issue 4).

Usage: test_wmiquery.py --wmid WMID --wmiuser WMIUSER --mofcomp MOFCOMP
                        --repository REPOSITORY.DB [--script wmiquery.py]

wmid runs on port 135 of a random 127.x.y.z with the classes of
data/interop.mof.  wmiquery.py (run with /usr/bin/python3 and -file)
then, once at the default authentication level and once each with
-rpc-auth-level integrity and privacy, in -namespace //./root/interop:
SELECT *, chosen properties, WHERE with = and numbers, LIKE, booleans,
datetimes, IS NULL, system properties, arrays, NULL values, references
(an association, ASSOCIATORS OF, REFERENCES OF), an embedded object, an
empty result, 300 instances, describe CLASS, and the errors a bad class,
a malformed query and describe of an unknown class give.  Every table is
compared with the MOF's values cell by cell, in Impacket's formatting.
Separate runs: a query in the default namespace root\\cimv2, a bad
namespace, a wrong password and a non-administrator.  Then the embedded
object, which wmiquery cannot print, is read through Impacket's library.

Every expected text is what Impacket prints against Windows for the same
data (interop notes sections 0, 6, 7.6 and 10).  Needs root (port 135);
skips (77) otherwise or without impacket.
"""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import wmiharness as H  # noqa: E402

# Checks that fail because of the server, by name (see wmiharness.Checks):
# reported, not fatal.  Empty when everything passes.
# ---- the MOF's values as wmiquery prints them ----------------------------

SCALAR_COLS = ["Name", "Text", "Uni", "S8", "U8", "S16", "U16", "S32", "U32",
               "S64", "U64", "Flag", "Letter", "When", "Span"]
SCALAR = {
    "alpha": ["alpha", "hello world", "M\u00fcller caf\u00e9", "-128", "255",
              "-32768", "65535", "-2147483648", "4294967294",
              "-9223372036854775808", "18446744073709551615", "True",
              "65", "20240102030405.123456+060",
              "00000001020304.000005:000"],
    "beta": ["beta", "second row", "\u65e5\u672c\u8a9e \u20ac \u03a9mega",
             "127", "0", "32767", "0", "2147483647", "0",
             "9223372036854775807", "0", "False", "122",
             "19991231235959.000000-300", "99999999235959.999999:000"],
    "gamma": ["gamma", "third", "plain", "0", "7", "-1", "1000", "-1",
              "123456", "0", "1099511627776", "True", "48",
              "20000229120000.000000+000", "00000000000000.000000:000"],
}

ARRAY_COLS = ["Id", "Tags", "Nums", "Small", "Bigs", "Bools"]
ARRAYS = [
    ["1", H.cell(["a", "bb", "M\u00fcller"]),
     H.cell([1, 2, 4294967295]), H.cell([-1, 0, 32767]),
     H.cell([-9223372036854775808, 0, 9223372036854775807]),
     # Impacket shows boolean array items as their 16-bit values.
     H.cell([65535, 0])],
    ["2", H.cell([]), "None", H.cell([5]), "None", "None"],
]

NULL_COLS = ["Id", "S", "I", "U", "B", "D", "A", "R"]
NULLS = [
    ["1", "None", "None", "None", "None", "None", "None", "None"],
    ["2", "", "0", "0", "False", "None", "None", "None"],
]

LINK_COLS = ["Left", "Right", "Note"]
LINKS = [
    ['Interop_Scalar.Name="alpha"', "Interop_Thing.Id=1", "alpha-one"],
    ['Interop_Scalar.Name="beta"', "Interop_Thing.Id=2", "beta-two"],
]

BIG_BLOB = "".join("%04d:0123456789abcdefghijklmnopqrstuvwxy" % i
                   for i in range(500))
# A query of about 3,000 characters (6,000 bytes as UTF-16, so the request
# is fragmented at Impacket's 4,152-byte pieces): names many000, many003,
# ..., many447; those up to many297 exist.
LONG_WHERE = " OR ".join("Name = 'many%03d'" % i for i in range(0, 450, 3))

THING_COLS = ["Id", "Label"]
MANY_COLS = ["Id", "Name", "Square"]
MANY = [[str(i), "many%03d" % i, str(i * i)] for i in range(300)]


def pick(cols, names, rows):
    """The columns [names] (kept in class order) of [rows]."""
    idx = [cols.index(n) for n in cols if n in names]
    return [cols[i] for i in idx], [[r[i] for i in idx] for r in rows]


def scalar(names, keys):
    return pick(SCALAR_COLS, names, [SCALAR[k] for k in keys])


# describe output: ParentClass first ("class None" for a class without a
# superclass), then the class; "[q(v)]" for property qualifiers except
# CIMTYPE, "[q]" for class qualifiers (interop notes 7.7).
DESCRIBE_THING = [
    "class None ", "{", "", "}",
    "class Interop_Thing ", "{",
    "\t[key(True)]", "\tuint32 Id ", "",
    "\tstring Label ", "", "",
    "}",
]
DESCRIBE_LINK = [
    "class None ", "{", "", "}",
    "[Association]",
    "class Interop_Link ", "{",
    "\t[key(True)]", "\treference Left ", "",
    "\t[key(True)]", "\treference Right ", "",
    "\tstring Note ", "", "",
    "}",
]

E_INVALID_CLASS = "[-] WMI Session Error: code: 0x80041010 - " \
    "WBEM_E_INVALID_CLASS"
E_INVALID_QUERY = "[-] WMI Session Error: code: 0x80041017 - " \
    "WBEM_E_INVALID_QUERY"
E_NOT_FOUND = "[-] WMI Session Error: code: 0x80041002 - WBEM_E_NOT_FOUND"
E_INVALID_NAMESPACE = "[-] WMI Session Error: code: 0x8004100e - " \
    "WBEM_E_INVALID_NAMESPACE"
E_WRONG_PASSWORD = "[-] rpc_s_access_denied"
E_VERSION_MISMATCH = "[-] DCOM SessionError: code: 0x80010110 - " \
    "RPC_E_VERSION_MISMATCH - The version of OLE on the client and " \
    "server machines does not match."
E_NOT_ADMIN = "[-] DCOM SessionError: code: 0x80070005 - E_ACCESSDENIED - " \
    "General access denied error."
# printReply formats an embedded object with "%s", and Impacket's
# Structure.__str__ returns bytes: the row stops there with this error.
E_EMBEDDED = "[-] __str__ returned non-string (type bytes)"

# (name, WQL line, kind, expectation)
#   table: (header, rows) compared cell by cell, any row order
#   lines: the exact output lines
#   empty: no output
QUERIES = [
    ("select-star", "SELECT * FROM Interop_Scalar", "table",
     scalar(SCALAR_COLS, ["alpha", "beta", "gamma"])),
    ("select-props", "SELECT Name, U64, Uni FROM Interop_Scalar", "table",
     scalar(["Name", "U64", "Uni"], ["alpha", "beta", "gamma"])),
    ("where-eq-negative",
     "SELECT Name, S32 FROM Interop_Scalar WHERE S32 = -1", "table",
     scalar(["Name", "S32"], ["gamma"])),
    ("where-gt-uint64",
     "SELECT Name, U64 FROM Interop_Scalar WHERE U64 > 1000", "table",
     scalar(["Name", "U64"], ["alpha", "gamma"])),
    ("where-eq-uint8", "SELECT Name, U8 FROM Interop_Scalar WHERE U8 = 255",
     "table", scalar(["Name", "U8"], ["alpha"])),
    ("where-like", "SELECT Name, Text FROM Interop_Scalar "
     "WHERE Text LIKE '%o%'", "table",
     scalar(["Name", "Text"], ["alpha", "beta"])),
    ("where-like-underscore",
     "SELECT Name FROM Interop_Scalar WHERE Name LIKE 'g_mm%'", "table",
     scalar(["Name"], ["gamma"])),
    ("where-string-non-ascii", "SELECT Name, Uni FROM Interop_Scalar "
     "WHERE Uni = 'M\u00fcller caf\u00e9'", "table",
     scalar(["Name", "Uni"], ["alpha"])),
    ("where-boolean",
     "SELECT Name, Flag FROM Interop_Scalar WHERE Flag = TRUE", "table",
     scalar(["Name", "Flag"], ["alpha", "gamma"])),
    ("where-datetime", "SELECT Name, When FROM Interop_Scalar "
     "WHERE When = '20240102030405.123456+060'", "table",
     scalar(["Name", "When"], ["alpha"])),
    # System properties are never encoded in MS-WMIO (notes 6.2): wmiquery
    # shows only the ordinary properties of the projection.
    ("system-properties", "SELECT __CLASS, __RELPATH, __PATH, Name FROM "
     "Interop_Scalar WHERE __CLASS = 'Interop_Scalar' AND Name = 'alpha'",
     "table", scalar(["Name"], ["alpha"])),
    ("arrays", "SELECT * FROM Interop_Arrays", "table",
     (ARRAY_COLS, ARRAYS)),
    ("nulls", "SELECT * FROM Interop_Nulls", "table", (NULL_COLS, NULLS)),
    ("where-is-null", "SELECT * FROM Interop_Nulls WHERE S IS NULL",
     "table", (NULL_COLS, NULLS[:1])),
    ("references", "SELECT * FROM Interop_Link", "table",
     (LINK_COLS, LINKS)),
    ("associators-of", 'ASSOCIATORS OF {Interop_Scalar.Name="alpha"}',
     "table", (THING_COLS, [["1", "one"]])),
    ("references-of", "REFERENCES OF {Interop_Thing.Id=2}", "table",
     (LINK_COLS, LINKS[1:])),
    ("embedded-object", "SELECT * FROM Interop_Holder", "lines",
     ["| Id | Payload | After | ", "| 1 | " + E_EMBEDDED]),
    ("empty-result", "SELECT * FROM Interop_Empty", "empty", None),
    ("many-300", "SELECT * FROM Interop_Many", "table", (MANY_COLS, MANY)),
    ("key-lookup", "SELECT * FROM Interop_Many WHERE Id = 299", "table",
     (MANY_COLS, MANY[299:])),
    ("large-response", "SELECT * FROM Interop_Big", "table",
     (["Id", "Blob"], [["1", BIG_BLOB]])),
    ("fragmented-request", "SELECT Id FROM Interop_Many WHERE " +
     LONG_WHERE, "table",
     (["Id"], [[str(i)] for i in range(0, 300, 3)])),
    ("describe", "describe Interop_Thing", "lines", DESCRIBE_THING),
    ("describe-association", "describe Interop_Link", "lines",
     DESCRIBE_LINK),
    ("bad-class", "SELECT * FROM Interop_Nope", "lines", [E_INVALID_CLASS]),
    ("malformed-query", "SELECT * FORM Interop_Scalar", "lines",
     [E_INVALID_QUERY]),
    ("describe-bad-class", "describe Interop_Nope", "lines", [E_NOT_FOUND]),
    # After the errors the session still works.
    ("after-errors", "SELECT * FROM Interop_Thing WHERE Id = 2", "table",
     (THING_COLS, [["2", "two"]])),
]

BANNER = H.BANNER


def check_block(ck, prefix, name, kind, want, lines):
    full = "%s/%s" % (prefix, name)
    shown = "\n".join(lines[:12]) + ("\n..." if len(lines) > 12 else "")
    if kind == "table":
        probs = H.compare_table(lines, want[0], want[1])
        return ck.check(full, not probs,
                        "\n".join(probs[:20]) + "\nwmiquery printed:\n" +
                        shown)
    if kind == "empty":
        return ck.check(full, lines == [],
                        "want no output; wmiquery printed:\n" + shown)
    return ck.check(full, lines == want,
                    "wmiquery printed:\n%s\nwant:\n%s"
                    % ("\n".join(repr(x) for x in lines),
                       "\n".join(repr(x) for x in want)))


def start_queries(svc, args, level):
    """Starts one wmiquery session with every QUERIES line at [level];
    returns (prefix, command text, Popen)."""
    prefix = "wmiquery-" + (level or "default")
    qfile = os.path.join(svc.w.dir, "queries-%s.wql" % prefix)
    with open(qfile, "w", encoding="utf-8") as f:
        for _, q, _, _ in QUERIES:
            f.write(q + "\n")
    argv = ["-namespace", "//./root/interop", "-file", qfile]
    if level:
        argv += ["-rpc-auth-level", level]
    argv.append(H.target(H.ADMIN[0], H.ADMIN[1], svc.addr))
    cmd = "/usr/bin/python3 %s %s" % (args.script, " ".join(argv))
    return prefix, cmd, H.start_script(args.script, argv)


def check_queries(ck, prefix, cmd, proc):
    print("\n== %s: %s" % (prefix, cmd))
    rc, out = H.finish_script(proc, timeout=150)
    head, blocks = H.split_wmiquery(out)
    head_lines = [x for x in head.split("\n") if x.strip()]
    ck.check(prefix + "/session", rc == 0 and
             [x for x in head_lines if not x.startswith(BANNER)] == [] and
             len(blocks) == len(QUERIES),
             "exit status %s, %d of %d commands echoed; before the first "
             "command:\n%s\nlast output:\n%s"
             % (rc, len(blocks), len(QUERIES), head, out[-3000:]))
    got = {cmd_text: lines for cmd_text, lines in blocks}
    for name, q, kind, want in QUERIES:
        if q not in got:
            ck.check("%s/%s" % (prefix, name), False,
                     "command never ran (session ended early)")
            continue
        check_block(ck, prefix, name, kind, want, got[q])


def run_single(ck, args, name, argv, queries, want_lines, svc):
    """A wmiquery run whose whole output after the banner must be
    [want_lines] (exactly)."""
    qfile = os.path.join(svc.w.dir, name + ".wql")
    with open(qfile, "w", encoding="utf-8") as f:
        for q in queries:
            f.write(q + "\n")
    argv = argv[:-1] + ["-file", qfile] + argv[-1:]
    rc, lines, _ = H.run_example(args.script, name, argv)
    ck.check(name, rc == 0 and lines == want_lines,
             "exit status %s; wmiquery printed:\n%s\nwant:\n%s"
             % (rc, "\n".join(repr(x) for x in lines),
                "\n".join(repr(x) for x in want_lines)))


def embedded_via_library(ck, svc):
    """Reads Interop_Holder.Payload with Impacket's library (wmiquery
    cannot print it): an Interop_Point instance X=3, Y=-4, Tag="p"."""
    dcom = None
    try:
        dcom, svcs = H.wmi_session(svc.addr, "//./root/interop")
        enum = svcs.ExecQuery("SELECT * FROM Interop_Holder")
        obj = enum.Next(0xffffffff, 1)[0]
        props = obj.getProperties()
        got = {}
        unit = props["Payload"]["value"]
        if unit is not None and not isinstance(unit, (str, int)):
            block = unit["ObjectBlock"]
            block.parseObject()
            cur = block.ctCurrent
            got["class"] = cur["name"] if cur else None
            if cur:
                for p in ("X", "Y", "Tag"):
                    pr = cur["properties"].get(p)
                    got[p] = pr["value"] if pr else "<absent>"
        got["Id"] = props["Id"]["value"]
        got["After"] = props["After"]["value"]
        want = {"class": "Interop_Point", "X": 3, "Y": -4, "Tag": "p",
                "Id": 1, "After": "tail"}
        ck.check("library/embedded-object", got == want,
                 "got %r\nwant %r" % (got, want))
        try:
            enum.Next(0xffffffff, 1)
            ck.check("library/embedded-end", False,
                     "a second object; want WBEM_S_FALSE")
        except Exception as e:
            ck.check("library/embedded-end", "S_FALSE" in str(e),
                     "Next after the last object raised %r" % str(e))
        enum.RemRelease()
        svcs.RemRelease()
    except Exception as e:
        ck.check("library/embedded-object", False,
                 "%s: %s" % (type(e).__name__, e))
    finally:
        H.disconnect_quietly(dcom)


def main():
    args = H.parse_args("wmiquery.py")
    skip = H.preflight(args)
    if skip is not None:
        return skip

    def body(ck, svc):
        # The three sessions run at the same time (one wmid, three
        # clients, each with its own OXID connection).
        sessions = [start_queries(svc, args, level)
                    for level in (None, "integrity", "privacy")]
        for prefix, cmd, proc in sessions:
            check_queries(ck, prefix, cmd, proc)
        admin = H.target(H.ADMIN[0], H.ADMIN[1], svc.addr)
        # root\cimv2: a repository class, and a provider class (the
        # Win32_Process instance of wmid itself, through wmiprvse).
        pid = svc.w.proc.pid
        pq = ("SELECT Handle, ProcessId FROM Win32_Process WHERE "
              "ProcessId = %d" % pid)
        run_single(ck, args, "wmiquery-default-namespace", [admin],
                   ["SELECT * FROM Interop_InCimv2", pq],
                   ["WQL> SELECT * FROM Interop_InCimv2",
                    " | Name | Value | ", "| cimv2-row | 42 | ",
                    "WQL> " + pq,
                    " | Handle | ProcessId | ",
                    "| %d | %d | " % (pid, pid)],
                   svc)
        run_single(ck, args, "wmiquery-bad-namespace",
                   ["-namespace", "//./root/nope", admin],
                   ["SELECT * FROM Interop_Scalar"],
                   [E_INVALID_NAMESPACE], svc)
        run_single(ck, args, "wmiquery-wrong-password",
                   [H.target(H.ADMIN[0], "not the password", svc.addr)],
                   ["SELECT * FROM Interop_Scalar"],
                   [E_WRONG_PASSWORD], svc)
        ck.check("wrong-password-logged",
                 "authentication failed for user 'WORKGROUP\\alice'"
                 in svc.w.read_log(),
                 "no 'authentication failed' line in wmid.log:\n" +
                 svc.log_tail(20))
        # Pass-the-hash (-hashes LM:NT), as against Windows.
        from impacket import ntlm
        nthash = ntlm.compute_nthash(H.ADMIN[1]).hex()
        run_single(ck, args, "wmiquery-nt-hash",
                   ["-namespace", "//./root/interop", "-hashes",
                    ":" + nthash,
                    "%s/%s@%s" % (H.DOMAIN, H.ADMIN[0], svc.addr)],
                   ["SELECT * FROM Interop_Thing WHERE Id = 1"],
                   ["WQL> SELECT * FROM Interop_Thing WHERE Id = 1",
                    " | Id | Label | ", "| 1 | one | "], svc)
        # MS-DCOM 3.1.2.5.2.3: a client with a higher minor COM version
        # gets RPC_E_VERSION_MISMATCH from activation.
        run_single(ck, args, "wmiquery-com-version-5.8",
                   ["-com-version", "5.8", admin],
                   ["SELECT * FROM Interop_InCimv2"],
                   [E_VERSION_MISMATCH], svc)
        run_single(ck, args, "wmiquery-not-administrator",
                   ["-namespace", "//./root/interop",
                    H.target(H.PLAIN[0], H.PLAIN[1], svc.addr)],
                   ["SELECT * FROM Interop_Scalar"],
                   [E_NOT_ADMIN], svc)
        embedded_via_library(ck, svc)

    return H.serve(args, body)


if __name__ == "__main__":
    sys.exit(main())
