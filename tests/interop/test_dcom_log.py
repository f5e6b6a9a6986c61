"""Impacket's DCOMConnection refused by wmid writes one event 10016 to the
DCOM log (daemon + dcom modules; docs/internals/eventlog.md).

Usage: test_dcom_log.py WMID_TEST WMIUSER

wmid_test on port 135 of a random 127.x.y.z (DCOMConnection only talks to
135; needs root, skipped otherwise), an administrator 'boss' and a plain
user 'carol':

- carol's activation of CLSID_WbemLevel1Login prints E_ACCESSDENIED and
  logs/dcom.log then holds exactly one record: EventID 10016, source
  Microsoft-Windows-DistributedCOM, Remote Activation, the WMI CLSID and
  AppID, user carol with her SID, her address and Windows' message;
- boss's activation (of the test class) adds no record.
Skips (77) when impacket is missing or port 135 is not available.
"""
import json
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import wmidctl  # noqa: E402

CLSID_TESTOBJ = "7a1f0c3e-5b2d-4c8e-9f60-0123456789ac"
IID_TESTOBJ = "7a1f0c3e-5b2d-4c8e-9f60-0123456789ad"
CLSID_WBEMLEVEL1LOGIN = "8bc3f05e-d86b-11d0-a075-00c04fb68820"
IID_IWBEMLEVEL1LOGIN = "f309ad18-d86a-11d0-a075-00c04fb68820"
WMI_GUID = "{8BC3F05E-D86B-11D0-A075-00C04FB68820}"

BOSS = ("boss", "Adm1n!pw")
CAROL = ("carol", "Pl4in!pw")


def records(w):
    path = os.path.join(w.dir, "logs", "dcom.log")
    if not os.path.exists(path):
        return []
    with open(path) as f:
        return [json.loads(line) for line in f if line.strip()]


def main():
    wmidctl.need_impacket()
    if os.geteuid() != 0:
        print("not root: port 135 unavailable: skipped")
        return wmidctl.SKIP
    from impacket.dcerpc.v5 import dcomrt
    from impacket.uuid import string_to_bin

    w = wmidctl.Wmid(sys.argv[1], epm_port=135)
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

        def activate(user, clsid, iid):
            dcom = dcomrt.DCOMConnection(w.addr, user[0], user[1],
                                         "WORKGROUP", oxidResolver=True)
            try:
                dcom.CoCreateInstanceEx(string_to_bin(clsid),
                                        string_to_bin(iid))
                return "ok"
            except Exception as e:  # DCOMSessionError
                return str(e)
            finally:
                dcom.disconnect()

        got = activate(CAROL, CLSID_WBEMLEVEL1LOGIN, IID_IWBEMLEVEL1LOGIN)
        print("carol: %s" % got)
        if "0x80070005" not in got:
            return 1
        recs = records(w)
        if len(recs) != 1:
            print("want one 10016 record, have %d: %r" % (len(recs), recs))
            return 1
        r = recs[0]
        print(json.dumps(r, indent=1))
        want = {"EventID": 10016,
                "Source": "Microsoft-Windows-DistributedCOM",
                "Locality": "Remote", "Permission": "Activation",
                "CLSID": WMI_GUID, "APPID": WMI_GUID, "User": "carol",
                "ResultCode": "0x80070005"}
        for k, v in want.items():
            if r.get(k) != v:
                print("%s: want %r, have %r" % (k, v, r.get(k)))
                return 1
        if not r.get("SID", "").startswith("S-1-5-21-") or \
                not r.get("Address", "").startswith("127."):
            print("bad SID or Address")
            return 1
        msg = ("The application-specific permission settings do not grant "
               "Remote Activation permission for the COM Server application "
               "with CLSID %s and APPID %s to the user %s\\carol SID (%s) "
               "from address %s running in the application container "
               "Unavailable SID (Unavailable)."
               % (WMI_GUID, WMI_GUID, r["Domain"], r["SID"], r["Address"]))
        if not r.get("Message", "").startswith(msg):
            print("message: %r" % r.get("Message"))
            return 1

        got = activate(BOSS, CLSID_TESTOBJ, IID_TESTOBJ)
        print("boss: %s" % got)
        if got != "ok" or len(records(w)) != 1:
            print("boss's activation failed or wrote a record")
            return 1
        return 0
    finally:
        w.stop()
        w.cleanup()


if __name__ == "__main__":
    sys.exit(main())
