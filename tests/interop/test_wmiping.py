"""Impacket's DCOM pinger keeps wmid's objects alive (issue 4).

Usage: test_wmiping.py --wmid WMID --wmiuser WMIUSER --mofcomp MOFCOMP
                       --repository REPOSITORY.DB

Impacket's DCOMConnection pings the OIDs it holds every 120 s with
ComplexPing/SimplePing on port 135, with its quirks (SETID 0 and
SequenceNum 0 at first, OID 0 in DelFromSet after a by-value object's
RemRelease; interop notes 4.3).  Here the pinger's 120 s timer is cut to
0.5 s (the library's own pingServer, only the period changed) and wmid
collects unpinged objects after 5 x 1 s ([dcom] ping_period_ms 1000,
ping_misses 5).  Then:

- pinged: a session with an open enumerator, a released class object
  (OID 0) and IWbemServices lives 9 s, through ~18 pings: the
  enumerator's next object and a new query still work, and the pinger
  logs no error;
- not pinged (the timer never fires): after 9 s the enumerator is gone,
  Next fails with RPC_E_INVALID_OBJECT and wmid logs the collection.

Needs root (port 135); skips (77) otherwise or without impacket.
"""
import logging
import os
import sys
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import wmiharness as H  # noqa: E402

PING_S = 0.5
WAIT_S = 9.0


class NeverTimer:
    def __init__(self, *a):
        pass

    def start(self):
        pass

    def cancel(self):
        pass


def ident(obj):
    return obj.getProperties()["Id"]["value"]


def pinged(ck, svc, grab):
    from impacket.dcerpc.v5 import dcomrt

    dcomrt.Timer = lambda t, f: threading.Timer(PING_S, f)
    dcomrt.DCOMConnection.PINGTIMER = None
    dcom = None
    try:
        dcom, svcs = H.wmi_session(svc.addr, "//./root/interop")
        enum = svcs.ExecQuery("SELECT Id FROM Interop_Many WHERE Id < 3")
        first = ident(enum.Next(0xffffffff, 1)[0])
        cls, _ = svcs.GetObject("Interop_Thing")
        cls.RemRelease()  # a by-value object: OID 0 in the next ping
        time.sleep(WAIT_S)
        errors = []
        try:
            second = ident(enum.Next(0xffffffff, 1)[0])
        except Exception as e:
            second = None
            errors.append("Next after %.0f s: %s" % (WAIT_S, e))
        try:
            e2 = svcs.ExecQuery("SELECT * FROM Interop_Thing WHERE Id = 2")
            label = e2.Next(0xffffffff, 1)[0].getProperties()[
                "Label"]["value"]
            e2.RemRelease()
        except Exception as e:
            label = None
            errors.append("a new query after %.0f s: %s" % (WAIT_S, e))
        got = (sorted([first, second]) if second is not None else None,
               label)
        ck.check("pinged-objects-live", not errors and
                 got[0] is not None and len(set(got[0])) == 2 and
                 set(got[0]) <= {0, 1, 2} and label == "two",
                 "got %r; errors %r" % (got, errors))
        ck.check("pinger-no-errors", grab.records == [],
                 "Impacket's pinger logged %r" % grab.records)
        enum.RemRelease()
        svcs.RemRelease()
    except Exception as e:
        ck.check("pinged-objects-live", False,
                 "%s: %s" % (type(e).__name__, e))
    finally:
        if dcom is not None:
            dcom.disconnect()


def unpinged(ck, svc, grab):
    from impacket.dcerpc.v5 import dcomrt

    dcomrt.Timer = NeverTimer
    dcomrt.DCOMConnection.PINGTIMER = None
    dcom = None
    try:
        dcom, svcs = H.wmi_session(svc.addr, "//./root/interop")
        enum = svcs.ExecQuery("SELECT Id FROM Interop_Many WHERE Id < 3")
        enum.Next(0xffffffff, 1)
        time.sleep(WAIT_S)
        try:
            enum.Next(0xffffffff, 1)
            ck.check("unpinged-objects-collected", False,
                     "Next after %.0f s without pings succeeded" % WAIT_S)
        except Exception as e:
            ck.check("unpinged-objects-collected",
                     "RPC_E_INVALID_OBJECT" in str(e),
                     "Next after %.0f s without pings raised %r; want "
                     "RPC_E_INVALID_OBJECT" % (WAIT_S, str(e)))
        ck.check("collection-logged",
                 "whose client stopped pinging" in svc.w.read_log(),
                 "no collection line in wmid.log:\n" + svc.log_tail(15))
    except Exception as e:
        ck.check("unpinged-objects-collected", False,
                 "%s: %s" % (type(e).__name__, e))
    finally:
        H.disconnect_quietly(dcom)


def main():
    args = H.parse_args("wmiquery.py")
    skip = H.preflight(args)
    if skip is not None:
        return skip
    grab = H.LogGrab()
    logging.getLogger().addHandler(grab)

    def body(ck, svc):
        marker = "level pkt_privacy, context 79231"
        before = svc.w.read_log().count(marker)
        pinged(ck, svc, grab)
        # Each ping is a new authenticated port-135 connection (as is
        # the activation): at least half of the expected pings happened.
        n = svc.w.read_log().count(marker) - before
        ck.check("pings-sent", n >= 1 + int(WAIT_S / PING_S / 2),
                 "%d port-135 logons during the pinged session; want "
                 "the activation and at least %d pings"
                 % (n, int(WAIT_S / PING_S / 2)))
        unpinged(ck, svc, grab)

    return H.serve(args, body,
                   "[dcom]\nping_period_ms = 1000\nping_misses = 5\n")


if __name__ == "__main__":
    sys.exit(main())
