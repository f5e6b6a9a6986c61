"""Impacket's rpcdump.py against wmid lists our endpoints (issue 3).

Usage: test_rpcdump.py WMID_TEST [RPCDUMP]

rpcdump.py only talks to port 135, so the service listens on 135 of a
random 127.x.y.z address: this needs root (CI runs as root) and skips
with status 77 otherwise, or when impacket is missing.
"""
import os
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import wmidctl  # noqa: E402

EPM = "E1AF8308-5D1F-11C9-91A4-08002B14A0FA v3.0"
TEST = "7A1F0C3E-5B2D-4C8E-9F60-0123456789AB v1.0"
SCM = "000001A0-0000-0000-C000-000000000046 v0.0"  # DCOM activator
OXID = "99FCFEC4-5260-101B-BBCB-00AA0021347A v0.0"  # OXID resolver
RPCDUMP = "/usr/share/doc/python3-impacket/examples/rpcdump.py"


def main():
    wmidctl.need_impacket()
    rpcdump = sys.argv[2] if len(sys.argv) > 2 else RPCDUMP
    if not os.path.exists(rpcdump):
        print("no %s: skipped" % rpcdump)
        return wmidctl.SKIP
    if os.geteuid() != 0:
        print("port 135 needs root: skipped")
        return wmidctl.SKIP
    w = wmidctl.Wmid(sys.argv[1], epm_port=135)
    try:
        if not w.start():
            out = w.start_output()
            if "in use" in out or "ermission" in out:
                print("port 135 unavailable: skipped\n" + out)
                return wmidctl.SKIP
            print(out)
            return 1
        r = subprocess.run(["/usr/bin/python3", rpcdump, w.addr],
                           capture_output=True, text=True, timeout=60)
        print(r.stdout)
        print(r.stderr, file=sys.stderr)
        out = r.stdout
        want = [
            EPM, TEST, SCM, OXID,
            "ncacn_ip_tcp:%s[135]" % w.addr,
            "ncacn_ip_tcp:%s[%d]" % (w.addr, w.exporter_port),
            "ncalrpc:[%s]" % w.sock,
            "OpenWMI test interface",
            "Received 8 endpoints.",
        ]
        missing = [s for s in want if s not in out]
        if r.returncode != 0 or missing:
            print("rpcdump exit %d; missing: %r" % (r.returncode, missing))
            return 1
        # The UUIDs rpcdump printed are exactly ours.
        uuids = sorted(set(line.split(":", 1)[1].strip()[:41]
                           for line in out.splitlines()
                           if line.startswith("UUID")))
        if uuids != sorted([EPM, TEST, SCM, OXID]):
            print("unexpected interfaces: %r" % uuids)
            return 1
        if w.stop() != 0:
            print("wmid did not stop cleanly")
            return 1
        if os.path.exists(w.pidfile):
            print("pid file left behind")
            return 1
        print("ok: rpcdump listed %s" % ", ".join(uuids))
        return 0
    finally:
        w.stop()
        w.cleanup()


if __name__ == "__main__":
    sys.exit(main())
