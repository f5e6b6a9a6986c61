"""Impacket binds to wmid with NTLM and calls the test interface (issue 3).

Usage: test_ntlm_bind.py WMID_TEST WMIUSER

- finds the test interface's dynamic port with Impacket's ept_map
  (hept_map) on the endpoint mapper;
- binds with NTLM at RPC_C_AUTHN_LEVEL_PKT_INTEGRITY and at
  RPC_C_AUTHN_LEVEL_PKT_PRIVACY, calls Echo (opnum 0) and WhoAmI
  (opnum 1) and checks the bytes;
- a wrong password gets rpc_s_access_denied and a log line in wmid.log.
Skips (77) when impacket is missing.
"""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import wmidctl  # noqa: E402

TEST_UUID = "7a1f0c3e-5b2d-4c8e-9f60-0123456789ab"


def main():
    wmidctl.need_impacket()
    from impacket.dcerpc.v5 import epm, rpcrt, transport
    from impacket.uuid import uuidtup_to_bin

    iface = uuidtup_to_bin((TEST_UUID, "1.0"))
    w = wmidctl.Wmid(sys.argv[1])
    try:
        w.add_user(sys.argv[2], "alice", "Passw0rd!")
        if not w.start():
            print(w.start_output())
            return 1

        # ept_map, as Impacket asks it, on a fresh connection.
        t = transport.DCERPCTransportFactory(
            "ncacn_ip_tcp:%s[%d]" % (w.addr, w.epm_port))
        dce = t.get_dce_rpc()
        dce.connect()
        binding = epm.hept_map(w.addr, iface, protocol="ncacn_ip_tcp",
                               dce=dce)
        dce.disconnect()
        want = "ncacn_ip_tcp:%s[%d]" % (w.addr, w.exporter_port)
        if binding != want:
            print("hept_map gave %r, want %r" % (binding, want))
            return 1

        def session(password, level):
            t = transport.DCERPCTransportFactory(binding)
            t.set_credentials("alice", password, "WORKGROUP")
            dce = t.get_dce_rpc()
            dce.set_auth_type(rpcrt.RPC_C_AUTHN_WINNT)
            dce.set_auth_level(level)
            dce.connect()
            dce.bind(iface)
            return dce

        for level, name in ((rpcrt.RPC_C_AUTHN_LEVEL_PKT_INTEGRITY,
                             "integrity"),
                            (rpcrt.RPC_C_AUTHN_LEVEL_PKT_PRIVACY,
                             "privacy")):
            dce = session("Passw0rd!", level)
            msg = b"echo at " + name.encode() + b" \x00\xff" * 300
            dce.call(0, msg)
            got = dce.recv()
            if got != msg:
                print("%s: echo returned %r" % (name, got[:40]))
                return 1
            dce.call(1, b"")
            got = dce.recv()
            if got != b"alice":
                print("%s: whoami returned %r" % (name, got))
                return 1
            dce.disconnect()
            print("ok: NTLM at %s, echo and whoami" % name)

        # A wrong password.
        dce = session("wrong password", rpcrt.RPC_C_AUTHN_LEVEL_PKT_INTEGRITY)
        try:
            dce.call(0, b"x")
            dce.recv()
            print("a call with a wrong password succeeded")
            return 1
        except rpcrt.DCERPCException as e:
            if "rpc_s_access_denied" not in str(e):
                print("wrong password: unexpected error %s" % e)
                return 1
            print("ok: wrong password -> %s" % e)
        finally:
            dce.disconnect()
        if "authentication failed for user 'WORKGROUP\\alice'" \
                not in w.read_log():
            print("no log line for the failed authentication")
            return 1
        if w.stop() != 0:
            print("wmid did not stop cleanly")
            return 1
        return 0
    finally:
        w.stop()
        w.cleanup()


if __name__ == "__main__":
    sys.exit(main())
