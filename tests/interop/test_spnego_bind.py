"""Impacket's NTLM and SPNEGO encoders bind to wmid with auth_type 9
(RPC_C_AUTHN_GSS_NEGOTIATE) and call the test interface.

Usage: test_spnego_bind.py WMID_TEST WMIUSER

Impacket's DCE/RPC layer speaks auth_type 9 only with Kerberos, so this
script drives the legs itself with Impacket's pieces, as Windows sends
them over RPC: a bind whose token is Impacket's SPNEGO_NegTokenInit
(mechTypes {NTLMSSP}, mechToken = Impacket's NTLM NEGOTIATE); the
bind_ack's token parsed with Impacket's SPNEGO_NegTokenResp (CHALLENGE);
the AUTHENTICATE from Impacket's getNTLMSSPType3 wrapped in a
NegTokenResp, sent
  - at integrity in an AUTH3, without a mechListMIC (the shape of
    Impacket's own SPNEGO client token), and
  - at privacy in an alter_context with a mechListMIC (NTLM SIGN of the
    MechTypeList with the client signing key, sequence 0), where wmid
    answers accept-completed with its own mechListMIC, checked here;
    both sides then restart RC4 and sequence numbers.
Then Echo (opnum 0) and WhoAmI (opnum 1), signed or sealed with
Impacket's ntlm.SIGN / ntlm.SEAL, and the answers' verifiers checked.
A Kerberos-only offer gets a bind_nak (reason 8), and a wrong password
gets rpc_s_access_denied.  Skips (77) when impacket is missing.
"""
import os
import struct
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import wmidctl  # noqa: E402

TEST_UUID = "7a1f0c3e-5b2d-4c8e-9f60-0123456789ab"
GSS_NEGOTIATE = 9
NTLM_OID_NAME = "NTLMSSP - Microsoft NTLM Security Support Provider"
KRB5_OID_NAME = "MS KRB5 - Microsoft Kerberos 5"
ACCESS_DENIED = 0x00000005


class Failure(Exception):
    pass


class SpnegoSession:
    """One connection and one auth_type 9 security context (id 79231)."""

    def __init__(self, binding, iface, level):
        from impacket.dcerpc.v5 import transport
        self.t = transport.DCERPCTransportFactory(binding)
        self.t.connect()
        self.iface = iface
        self.level = level
        self.call_id = 1
        self.seq = 0

    def _bind_pdu(self, ptype, token):
        from impacket.dcerpc.v5 import rpcrt
        from impacket.uuid import uuidtup_to_bin
        bind = rpcrt.MSRPCBind()
        item = rpcrt.CtxItem()
        item['AbstractSyntax'] = self.iface
        item['TransferSyntax'] = uuidtup_to_bin(
            ('8a885d04-1ceb-11c9-9fe8-08002b104860', '2.0'))
        item['ContextID'] = 0
        item['TransItems'] = 1
        bind.addCtxItem(item)
        pkt = rpcrt.MSRPCHeader()
        pkt['type'] = ptype
        pkt['pduData'] = bind.getData()
        return pkt, token

    def _send_auth(self, pkt, token):
        from impacket.dcerpc.v5 import rpcrt
        tr = rpcrt.SEC_TRAILER()
        tr['auth_type'] = GSS_NEGOTIATE
        tr['auth_level'] = self.level
        tr['auth_ctx_id'] = 79231
        pad = (4 - (len(pkt.get_packet()) % 4)) % 4
        if pad:
            pkt['pduData'] += b'\xff' * pad
            tr['auth_pad_len'] = pad
        pkt['sec_trailer'] = tr
        pkt['auth_data'] = token
        pkt['call_id'] = self.call_id
        self.t.send(pkt.get_packet())

    def _recv(self):
        from impacket.dcerpc.v5 import rpcrt
        return rpcrt.MSRPCHeader(self.t.recv())

    def bind(self, mech_names, token):
        """Sends the bind; returns the answer header."""
        from impacket import spnego
        from impacket.dcerpc.v5 import rpcrt
        init = spnego.SPNEGO_NegTokenInit()
        init['MechTypes'] = [spnego.TypesMech[n] for n in mech_names]
        init['MechToken'] = token
        self.mech_list = b'\x30' + spnego.asn1encode(b''.join(
            b'\x06' + spnego.asn1encode(spnego.TypesMech[n])
            for n in mech_names))
        pkt, tok = self._bind_pdu(rpcrt.MSRPC_BIND, init.getData())
        self._send_auth(pkt, tok)
        return self._recv()

    def authenticate(self, user, password, with_alter):
        from impacket import ntlm, spnego
        from impacket.dcerpc.v5 import rpcrt
        from Cryptodome.Cipher import ARC4
        type1 = ntlm.getNTLMSSPType1('', '', signingRequired=True,
                                     use_ntlmv2=True)
        ans = self.bind([NTLM_OID_NAME], type1.getData())
        if ans['type'] != rpcrt.MSRPC_BINDACK:
            raise Failure("bind answered with type %d" % ans['type'])
        ack = rpcrt.MSRPCBindAck(ans.getData())
        resp = spnego.SPNEGO_NegTokenResp(ack['auth_data'])
        if resp['NegState'] != b'\x01' or \
                resp['SupportedMech'] != spnego.TypesMech[NTLM_OID_NAME]:
            raise Failure("bind_ack token: state %r mech %r" % (
                resp['NegState'], resp['SupportedMech']))
        type3, key = ntlm.getNTLMSSPType3(type1, resp['ResponseToken'],
                                          user, password, 'WORKGROUP',
                                          use_ntlmv2=True)
        f = type3['flags']
        if not f & ntlm.NTLMSSP_NEGOTIATE_EXTENDED_SESSIONSECURITY:
            raise Failure("no extended session security")
        self.flags = f
        self.csign = ntlm.SIGNKEY(f, key)
        self.ssign = ntlm.SIGNKEY(f, key, b"Server")
        self.cseal = ntlm.SEALKEY(f, key)
        self.sseal = ntlm.SEALKEY(f, key, b"Server")

        def restart():
            self.chandle = ARC4.new(self.cseal).encrypt
            self.shandle = ARC4.new(self.sseal).encrypt
            self.seq = 0
        restart()

        if not with_alter:
            # Impacket's client token shape: responseToken only.
            last = spnego.SPNEGO_NegTokenResp()
            last['ResponseToken'] = type3.getData()
            pkt = rpcrt.MSRPCHeader()
            pkt['type'] = rpcrt.MSRPC_AUTH3
            pkt['pduData'] = b'    '
            self._send_auth(pkt, last.getData())
            self.call_id += 1
            return None
        mic = ntlm.SIGN(f, self.csign, self.mech_list, 0,
                        self.chandle).getData()
        body = (b'\xa2' + spnego.asn1encode(
                    b'\x04' + spnego.asn1encode(type3.getData())) +
                b'\xa3' + spnego.asn1encode(
                    b'\x04' + spnego.asn1encode(mic)))
        last = b'\xa1' + spnego.asn1encode(
            b'\x30' + spnego.asn1encode(body))
        pkt, tok = self._bind_pdu(rpcrt.MSRPC_ALTERCTX, last)
        self._send_auth(pkt, tok)
        ans = self._recv()
        self.call_id += 1
        if ans['type'] != rpcrt.MSRPC_ALTERCTX_R:
            return ans
        tok = rpcrt.MSRPCBindAck(ans.getData())['auth_data']
        # accept-completed, mechListMIC [3] of 16 octets.
        want_head = b'\xa1\x1b\x30\x19\xa0\x03\x0a\x01\x00\xa3\x12\x04\x10'
        if tok[:len(want_head)] != want_head or len(tok) != 29:
            raise Failure("alter_context_resp token %s" % tok.hex())
        smic = tok[-16:]
        want = ntlm.SIGN(f, self.ssign, self.mech_list, 0,
                         self.shandle).getData()
        if smic != want:
            raise Failure("the server's mechListMIC does not verify")
        restart()
        return ans

    def call(self, opnum, data):
        """One request; returns the stub, or raises with the fault."""
        from impacket import ntlm
        from impacket.dcerpc.v5 import rpcrt
        pkt = rpcrt.MSRPCRequestHeader()
        pkt['op_num'] = opnum
        pkt['ctx_id'] = 0
        pkt['call_id'] = self.call_id
        self.call_id += 1
        pkt['pduData'] = data
        pkt['alloc_hint'] = len(data)
        tr = rpcrt.SEC_TRAILER()
        tr['auth_type'] = GSS_NEGOTIATE
        tr['auth_level'] = self.level
        tr['auth_ctx_id'] = 79231
        pad = (4 - (len(pkt.get_packet()) % 4)) % 4
        if pad:
            pkt['pduData'] += b'\xbb' * pad
            tr['auth_pad_len'] = pad
        pkt['sec_trailer'] = tr.getData()
        pkt['auth_data'] = b'\x00' * 16
        whole = pkt.get_packet()[:-16]
        if self.level == rpcrt.RPC_C_AUTHN_LEVEL_PKT_PRIVACY:
            sealed, sig = ntlm.SEAL(self.flags, self.csign, self.cseal,
                                    whole, pkt['pduData'], self.seq,
                                    self.chandle)
            pkt['pduData'] = sealed
        else:
            sig = ntlm.SIGN(self.flags, self.csign, whole, self.seq,
                            self.chandle)
        pkt['auth_data'] = sig.getData()
        self.seq += 1
        self.t.send(pkt.get_packet())
        raw = self.t.recv()
        hdr = rpcrt.MSRPCHeader(raw)
        if hdr['type'] == rpcrt.MSRPC_FAULT:
            status = struct.unpack('<L', hdr['pduData'][8:12])[0]
            raise Failure("fault 0x%08x" % status)
        alen = hdr['auth_len']
        frag = raw[:hdr['frag_len']]
        stub_end = len(frag) - alen - 8
        trailer = rpcrt.SEC_TRAILER(frag[stub_end:stub_end + 8])
        if trailer['auth_type'] != GSS_NEGOTIATE or alen != 16:
            raise Failure("response verifier: type %d len %d" % (
                trailer['auth_type'], alen))
        body = bytearray(frag[:-16])
        if self.level == rpcrt.RPC_C_AUTHN_LEVEL_PKT_PRIVACY:
            plain = self.shandle(bytes(body[24:stub_end]))
            body[24:stub_end] = plain
            sig = ntlm.MAC(self.flags, self.shandle, self.ssign, self.seq - 1,
                           bytes(body))
        else:
            sig = ntlm.SIGN(self.flags, self.ssign, bytes(body), self.seq - 1,
                            self.shandle)
        if sig.getData() != frag[-16:]:
            raise Failure("the response's verifier does not verify")
        stub = bytes(body[24:stub_end])
        return stub[:len(stub) - trailer['auth_pad_len']]

    def close(self):
        self.t.disconnect()


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
        t = transport.DCERPCTransportFactory(
            "ncacn_ip_tcp:%s[%d]" % (w.addr, w.epm_port))
        dce = t.get_dce_rpc()
        dce.connect()
        binding = epm.hept_map(w.addr, iface, protocol="ncacn_ip_tcp",
                               dce=dce)
        dce.disconnect()

        for level, name, alter in (
                (rpcrt.RPC_C_AUTHN_LEVEL_PKT_INTEGRITY, "integrity", False),
                (rpcrt.RPC_C_AUTHN_LEVEL_PKT_PRIVACY, "privacy", True),
                (rpcrt.RPC_C_AUTHN_LEVEL_PKT_INTEGRITY, "integrity", True),
                (rpcrt.RPC_C_AUTHN_LEVEL_PKT_PRIVACY, "privacy", False)):
            leg = "alter_context+MIC" if alter else "AUTH3"
            s = SpnegoSession(binding, iface, level)
            ans = s.authenticate("alice", "Passw0rd!", alter)
            if ans is not None and ans['type'] != rpcrt.MSRPC_ALTERCTX_R:
                print("%s/%s: third leg refused" % (name, leg))
                return 1
            for i in range(2):
                msg = b"spnego %d at %s \x00\xff" % (i, name.encode()) * 50
                got = s.call(0, msg)
                if got != msg:
                    print("%s/%s: echo returned %r" % (name, leg, got[:40]))
                    return 1
            got = s.call(1, b"")
            if got != b"alice":
                print("%s/%s: whoami returned %r" % (name, leg, got))
                return 1
            s.close()
            print("ok: SPNEGO/NTLM (auth_type 9) at %s via %s, echo x2 "
                  "and whoami, verifiers checked" % (name, leg))

        # Kerberos only: bind_nak, reason 8 (authentication type not
        # recognized).
        s = SpnegoSession(binding, iface,
                          rpcrt.RPC_C_AUTHN_LEVEL_PKT_INTEGRITY)
        ans = s.bind([KRB5_OID_NAME], b'\x60\x03\x06\x01\x00')
        if ans['type'] != rpcrt.MSRPC_BINDNAK:
            print("Kerberos-only offer answered with type %d" % ans['type'])
            return 1
        nak = rpcrt.MSRPCBindNak(ans['pduData'])
        if nak['RejectedReason'] != 8:
            print("Kerberos-only offer: reason %d" % nak['RejectedReason'])
            return 1
        s.close()
        print("ok: Kerberos-only SPNEGO offer -> bind_nak reason 8")

        # A wrong password: AUTH3 has no answer, the call is refused.
        s = SpnegoSession(binding, iface,
                          rpcrt.RPC_C_AUTHN_LEVEL_PKT_INTEGRITY)
        s.authenticate("alice", "wrong password", False)
        try:
            s.call(0, b"x")
            print("a call with a wrong password succeeded")
            return 1
        except Failure as e:
            if "fault 0x%08x" % ACCESS_DENIED not in str(e):
                print("wrong password: %s" % e)
                return 1
            print("ok: wrong password -> %s (rpc_s_access_denied)" % e)
        s.close()
        if w.stop() != 0:
            print("wmid did not stop cleanly")
            return 1
        return 0
    except Failure as e:
        print("FAIL: %s" % e)
        return 1
    finally:
        w.stop()
        w.cleanup()


if __name__ == "__main__":
    sys.exit(main())
