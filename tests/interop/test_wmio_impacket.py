"""Our MS-WMIO encoder read by Impacket's parser, without DCOM (issue 4).

Usage: test_wmio_impacket.py --wmio-dump WMIO_DUMP --mofcomp MOFCOMP
                             --repository REPOSITORY.DB

Compiles data/interop.mof into a copy of the schema repository, has
wmio_dump encode what each of test_wmiquery.py's QUERIES returns (the
object manager's objects through src/wmio, as the service sends them),
parses every EncodingUnit with Impacket's own ENCODING_UNIT/OBJECT_BLOCK
and prints it exactly as wmiquery.py's printReply and describe do.  The
result must match test_wmiquery.py's expectations line for line, so when
wmiquery against wmid fails and this passes, the fault is in DCOM/WMI
(src/dcom, src/wmi), not in the encoder or the object manager.
Skips (77) without impacket.
"""
import argparse
import contextlib
import io
import os
import shutil
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import wmiharness as H  # noqa: E402
import wmidctl  # noqa: E402

def render(kind, units, code):
    """What wmiquery prints for a command whose objects are [units] and
    whose result is [code]: a list of lines."""
    from impacket.dcerpc.v5.dcom import wmi

    out = io.StringIO()
    try:
        if code != 0:
            raise wmi.DCERPCSessionError(error_code=code)
        blocks = []
        for u in units:
            unit = wmi.ENCODING_UNIT(u)
            block = unit["ObjectBlock"]
            block.parseObject()
            blocks.append(block)
        if kind == "describe":
            with contextlib.redirect_stdout(out):
                for b in blocks:
                    b.printInformation()
        else:
            print_reply_into(out, blocks)
    except Exception as e:
        out.write("[-] %s\n" % e)
    lines = out.getvalue().split("\n")
    while lines and lines[-1].strip() == "":
        lines.pop()
    return lines


def print_reply_into(out, blocks):
    """wmiquery.py's printReply over parsed objects, into [out] (what
    it printed before a value raised stays there, as on a terminal)."""
    printHeader = True
    for block in blocks:
        record = block.ctCurrent["properties"]
        if printHeader is True:
            print("|", end=" ", file=out)
            for col in record:
                print("%s |" % col, end=" ", file=out)
            print(file=out)
            printHeader = False
        print("|", end=" ", file=out)
        for key in record:
            if type(record[key]["value"]) is list:
                for item in record[key]["value"]:
                    print(item, end=" ", file=out)
                print(" |", end=" ", file=out)
            else:
                print("%s |" % record[key]["value"], end=" ", file=out)
        print(file=out)
    return out


def check_signatures(ck, args, repo):
    """Win32_Process.Create's signature as Impacket reads it from our
    class encoding: what wmiexec.py's positional call needs (notes 6.5),
    and the describe text of the method."""
    from impacket.dcerpc.v5.dcom import wmi
    import test_wmiexec as X

    r = subprocess.run([args.wmio_dump, repo, "root\\cimv2"],
                       input="class Win32_Process\n", capture_output=True,
                       text=True, timeout=60)
    units = [bytes.fromhex(x[4:]) for x in r.stdout.split("\n")
             if x.startswith("obj ")]
    if len(units) != 1:
        ck.check("wmio/win32-process-create-signature", False,
                 "wmio_dump printed %r %r" % (r.stdout[:300], r.stderr))
        return
    block = wmi.ENCODING_UNIT(units[0])["ObjectBlock"]
    block.parseObject()
    m = block.ctCurrent["methods"].get("Create")
    got = None if m is None else (X.params(m, "InParams"),
                                  X.params(m, "OutParams"))
    ck.check("wmio/win32-process-create-signature",
             got == X.CREATE_SIGNATURE,
             "got %r\nwant %r" % (got, X.CREATE_SIGNATURE))


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--wmio-dump", required=True)
    p.add_argument("--mofcomp", required=True)
    p.add_argument("--repository", required=True)
    args = p.parse_args()
    wmidctl.need_impacket()
    import test_wmiquery as Q

    ck = H.Checks()
    tmp = tempfile.mkdtemp(prefix="owmi-wmio-impacket-")
    try:
        repo = os.path.join(tmp, "repository.db")
        shutil.copyfile(args.repository, repo)
        r = subprocess.run([args.mofcomp, "-offline", repo, H.DATA_MOF],
                           capture_output=True, text=True)
        if r.returncode != 0:
            print("mofcomp failed:\n" + r.stdout + r.stderr)
            return 1
        cmds = []
        for name, q, kind, want in Q.QUERIES:
            if q.startswith("describe "):
                cmds.append("class " + q[len("describe "):])
            else:
                cmds.append("query " + q)
        r = subprocess.run([args.wmio_dump, repo, "root\\interop"],
                           input="\n".join(cmds) + "\n",
                           capture_output=True, text=True, timeout=120)
        if r.returncode != 0:
            print("wmio_dump failed (%d):\n%s" % (r.returncode, r.stderr))
            return 1
        results = []
        units = []
        for line in r.stdout.split("\n"):
            if line.startswith("obj "):
                units.append(bytes.fromhex(line[4:]))
            elif line.startswith("end "):
                results.append((units, int(line[4:], 16)))
                units = []
        if len(results) != len(Q.QUERIES):
            print("wmio_dump answered %d of %d commands:\n%s"
                  % (len(results), len(Q.QUERIES), r.stderr))
            return 1
        for (name, q, kind, want), (us, code) in zip(Q.QUERIES, results):
            lines = render("describe" if q.startswith("describe ")
                           else "table", us, code)
            Q.check_block(ck, "wmio", name, kind, want, lines)
        check_signatures(ck, args, repo)
        return ck.summary()
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
