"""Impacket's DCOMConnection against wmid's DCOM runtime (dcom module).

Usage: test_dcom_activation.py WMID_TEST WMIUSER

wmid_test runs on port 135 of a random 127.x.y.z (DCOMConnection only
talks to 135; needs root, skipped otherwise) with [dcom] ping_period_ms
400 and ping_misses 2, an administrator 'boss' and a plain user 'carol':

- an unknown CLSID prints REGDB_E_CLASSNOTREG (0x80040154);
- carol's activation prints E_ACCESSDENIED (0x80070005);
- CLSID_WbemLevel1Login: REGDB_E_CLASSNOTREG until the WMI layer
  registers it, afterwards an object (either is accepted);
- boss activates wmid_test's test class, calls its Ping through the
  string binding Impacket chose, pings the OID set with Impacket's own
  pinger (ComplexPing with SETID 0, then SimplePing), sees it survive
  four ping periods, releases it with RemRelease (one reference, as
  Impacket does) and a ComplexPing deleting the OID, and sees it
  collected; the counters come from wmid_test's DcomStats.
Skips (77) when impacket is missing or port 135 is not available.
"""
import os
import struct
import sys
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import wmidctl  # noqa: E402

TEST_UUID = "7a1f0c3e-5b2d-4c8e-9f60-0123456789ab"
CLSID_TESTOBJ = "7a1f0c3e-5b2d-4c8e-9f60-0123456789ac"
IID_TESTOBJ = "7a1f0c3e-5b2d-4c8e-9f60-0123456789ad"
CLSID_UNKNOWN = "0badc0de-0000-4000-8000-000000000001"
CLSID_WBEMLEVEL1LOGIN = "8bc3f05e-d86b-11d0-a075-00c04fb68820"
IID_IWBEMLEVEL1LOGIN = "f309ad18-d86a-11d0-a075-00c04fb68820"

BOSS = ("boss", "Adm1n!pw")
CAROL = ("carol", "Pl4in!pw")


def main():
    wmidctl.need_impacket()
    if os.geteuid() != 0:
        print("not root: port 135 unavailable: skipped")
        return wmidctl.SKIP
    from impacket.dcerpc.v5 import dcomrt, rpcrt, transport
    from impacket.dcerpc.v5.dtypes import ULONG
    from impacket.dcerpc.v5.ndr import NDRCALL
    from impacket.uuid import string_to_bin, uuidtup_to_bin

    # The test object's one method, as Impacket's NDR classes want it.
    global Ping, PingResponse

    class Ping(NDRCALL):
        opnum = 3
        structure = (("ORPCthis", dcomrt.ORPCTHIS),)

    class PingResponse(NDRCALL):
        structure = (("ORPCthat", dcomrt.ORPCTHAT),
                     ("magic", ULONG),
                     ("ErrorCode", ULONG))

    w = wmidctl.Wmid(sys.argv[1], epm_port=135,
                     extra_conf="[dcom]\nping_period_ms = 400\n"
                                "ping_misses = 2\n")
    try:
        w.add_user(sys.argv[2], BOSS[0], BOSS[1], groups=("Administrators",))
        w.add_user(sys.argv[2], CAROL[0], CAROL[1])
        if not w.start():
            out = w.start_output()
            if "135" in out:
                print("port 135 unavailable: skipped\n" + out)
                return wmidctl.SKIP
            print(out)
            return 1

        def stats():
            t = transport.DCERPCTransportFactory(
                "ncacn_ip_tcp:%s[%d]" % (w.addr, w.exporter_port))
            t.set_credentials(BOSS[0], BOSS[1], "WORKGROUP")
            dce = t.get_dce_rpc()
            dce.set_auth_type(rpcrt.RPC_C_AUTHN_WINNT)
            dce.set_auth_level(rpcrt.RPC_C_AUTHN_LEVEL_PKT_INTEGRITY)
            dce.connect()
            dce.bind(uuidtup_to_bin((TEST_UUID, "1.0")))
            dce.call(3, b"")
            raw = dce.recv()
            dce.disconnect()
            names = ("objects", "ipids", "sets", "exported", "destroyed",
                     "collected", "activations", "pings")
            return dict(zip(names, struct.unpack("<8Q", raw)))

        def connect(user):
            return dcomrt.DCOMConnection(w.addr, user[0], user[1],
                                         "WORKGROUP", oxidResolver=True)

        def refused(user, clsid, iid, code):
            dcom = connect(user)
            try:
                dcom.CoCreateInstanceEx(string_to_bin(clsid),
                                        string_to_bin(iid))
            except Exception as e:  # DCOMSessionError
                text = str(e)
                print("%s, %s: %s" % (user[0], clsid, text))
                return code in text
            finally:
                dcom.disconnect()
            print("%s: activation of %s succeeded" % (user[0], clsid))
            return False

        if not refused(BOSS, CLSID_UNKNOWN, IID_TESTOBJ,
                       "0x80040154"):
            return 1
        if not refused(CAROL, CLSID_TESTOBJ, IID_TESTOBJ, "0x80070005"):
            return 1
        if "E_ACCESSDENIED" not in open(w.log).read() and \
                "refused to 'carol'" not in open(w.log).read():
            print("no log line for carol's refusal")
            return 1

        # The test class, end to end.
        before = stats()
        dcom = connect(BOSS)
        try:
            obj = dcom.CoCreateInstanceEx(string_to_bin(CLSID_TESTOBJ),
                                          string_to_bin(IID_TESTOBJ))
            resp = obj.request(Ping(), string_to_bin(IID_TESTOBJ),
                               obj.get_iPid())
            if resp["magic"] != 0x5eed1234:
                print("Ping returned 0x%x" % resp["magic"])
                return 1
            print("ok: activated, Ping through %s" % obj.get_target())
            dcomrt.DCOMConnection.pingServer()  # ComplexPing, SETID 0
            s = stats()
            if s["objects"] != before["objects"] + 1 or s["sets"] < 1 \
                    or s["pings"] < 1:
                print("after ComplexPing: %r" % s)
                return 1
            # Four ping periods of SimplePing: still alive.
            for _ in range(8):
                time.sleep(0.2)
                dcomrt.DCOMConnection.pingServer()
            s = stats()
            if s["objects"] != before["objects"] + 1 or \
                    s["collected"] != before["collected"]:
                print("pinged object was collected: %r" % s)
                return 1
            resp = obj.request(Ping(), string_to_bin(IID_TESTOBJ),
                               obj.get_iPid())
            print("ok: survived %d pings" % s["pings"])
            # Impacket releases one of the five references, then tells
            # the resolver; the object goes with the collector.
            obj.RemRelease()
            dcomrt.DCOMConnection.pingServer()  # ComplexPing, delete
            deadline = time.time() + 5
            while time.time() < deadline:
                s = stats()
                if s["objects"] == before["objects"]:
                    break
                time.sleep(0.1)
            if s["objects"] != before["objects"] or \
                    s["collected"] != before["collected"] + 1 or \
                    s["destroyed"] != before["destroyed"] + 1:
                print("after release: %r (before %r)" % (s, before))
                return 1
            print("ok: released and collected: %r" % s)
        finally:
            dcom.disconnect()
        # WbemLevel1Login: not registered until the WMI layer does it.
        dcom = connect(BOSS)
        try:
            login = dcom.CoCreateInstanceEx(
                string_to_bin(CLSID_WBEMLEVEL1LOGIN),
                string_to_bin(IID_IWBEMLEVEL1LOGIN))
            print("WbemLevel1Login: activated (WMI layer present)")
            login.RemRelease()
        except Exception as e:
            if "0x80040154" not in str(e):
                print("WbemLevel1Login: unexpected %s" % e)
                return 1
            print("WbemLevel1Login: %s (WMI layer not yet registered)" % e)
        finally:
            dcom.disconnect()

        rc = w.stop()
        if rc != 0:
            print("wmid exited with %r" % rc)
            return 1
        return 0
    finally:
        w.cleanup()


def run():
    try:
        return main()
    finally:
        # Impacket's pinger re-arms a 120 s Timer on every ping and
        # disconnect() cancels only the latest: stop them all.
        for t in threading.enumerate():
            if isinstance(t, threading.Timer):
                t.cancel()


if __name__ == "__main__":
    sys.exit(run())
