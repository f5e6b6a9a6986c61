"""ExecMethod round trips the way wmiexec.py makes them (issue 4).

Usage: test_wmiexec.py --wmid WMID --wmiuser WMIUSER --mofcomp MOFCOMP
                       --repository REPOSITORY.DB --tp-good LIBTP_GOOD.SO
                       [--wmiprvse WMIPRVSE --provider-dir DIR]
                       [--script wmiexec.py]

wmid runs on port 135 of a random 127.x.y.z with data/interop.mof and the
test provider tp_good registered in root\\interop for class Test_Item.
With Impacket's library (DCOMConnection, IWbemLevel1Login.NTLMLogin,
IWbemServices.GetObject, the class object's method call, which builds the
in-parameters instance from the class's __PARAMETERS signature, and
ExecMethod), at the default level (the OXID connection at integrity) and
with the services raised to privacy as wmiexec's -rpc-auth-level would:

- Test_Item: the method signatures; static WhoAmI (no in-parameters);
  Echo on the instance Test_Item.Id=3 with a non-ASCII in-parameter;
  an unknown method gives WBEM_E_INVALID_METHOD;
- Win32_Process (root\\cimv2): Create's signature exactly as wmiexec needs
  it (CommandLine, CurrentDirectory, ProcessStartupInformation ->
  ProcessId, ReturnValue); Create of /bin/sh writing its own pid to a
  file returns 0 and that ProcessId; wmiexec's own command
  "cmd.exe /Q /c ..." in "C:\\" returns 9 (path not found, Windows'
  code for a missing program or folder);
- then the real wmiexec.py -nooutput runs "whoami" (sent as
  cmd.exe /Q /c whoami in C:\\): it exits 0 and prints no error; as a
  non-administrator it prints E_ACCESSDENIED from activation and exits 1.

Needs root (port 135); skips (77) otherwise or without impacket.
"""
import logging
import os
import shutil
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import wmiharness as H  # noqa: E402

# Checks that fail because of the server, by name (see wmiharness.Checks):
# reported, not fatal.  Empty when everything passes.
# Win32_Process.Create as wmiexec.py calls it (positionally, notes 6.5):
# (in-parameters, out-parameters) with Impacket's type names.
CREATE_SIGNATURE = (
    [("CommandLine", "string"), ("CurrentDirectory", "string"),
     ("ProcessStartupInformation", "object")],
    [("ProcessId", "uint32"), ("ReturnValue", "uint32")])

E_NOT_ADMIN = "[-] DCOM SessionError: code: 0x80070005 - " \
    "E_ACCESSDENIED - General access denied error."
E_INVALID_METHOD = "WMI Session Error: code: 0x8004102e - " \
    "WBEM_E_INVALID_METHOD"


def values(obj):
    """name -> value of an out-parameters object."""
    return {k: v["value"] for k, v in obj.getProperties().items()}


def params(method, which):
    d = method.get(which)
    if d is None:
        return None
    return [(n, d[n]["stype"]) for n in d]


def call_logged(grab, fn, *a):
    """fn(*a) with [grab] emptied first; an exception is kept among
    [grab]'s records and gives None, as a logged method error does."""
    grab.take()
    try:
        return fn(*a)
    except Exception as e:
        grab.records.append("raised %s: %s" % (type(e).__name__, e))
        return None


class Session:
    def __init__(self, addr, namespace, level=None):
        self.dcom, self.svc = H.wmi_session(addr, namespace, level)

    def close(self):
        H.disconnect_quietly(self.dcom)


def test_item(ck, svc, grab, tag):
    """The test provider's methods through ExecMethod."""
    try:
        s = Session(svc.addr, "//./root/interop", tag)
    except Exception as e:
        ck.check(tag + "/login-interop", False,
                 "%s: %s" % (type(e).__name__, e))
        return
    try:
        try:
            cls, _ = s.svc.GetObject("Test_Item")
        except Exception as e:
            ck.check(tag + "/getobject-class", False,
                     "GetObject('Test_Item') raised %s" % e)
            return
        methods = cls.getMethods()
        sig = {m: (params(methods[m], "InParams"),
                   params(methods[m], "OutParams")) for m in methods}
        want = {
            "WhoAmI": (None, [("Uid", "uint32"), ("Gid", "uint32"),
                              ("User", "string"), ("CtxUid", "uint32"),
                              ("HasIds", "bool"),
                              ("ReturnValue", "uint32")]),
            "Echo": ([("Text", "string")],
                     [("Result", "string"), ("ReturnValue", "uint32")]),
        }
        ck.check(tag + "/method-signatures", sig == want,
                 "got  %r\nwant %r" % (sig, want))

        # Static method without in-parameters: ExecMethod on the class.
        out = call_logged(grab, cls.WhoAmI)
        if out is None:
            ck.check(tag + "/static-method", False,
                     "Test_Item.WhoAmI() returned nothing; Impacket "
                     "logged: %r" % grab.take())
        else:
            v = values(out)
            ok = (v.get("ReturnValue") == 0 and
                  isinstance(v.get("User"), str) and
                  "alice" in v.get("User", "").lower() and
                  isinstance(v.get("Uid"), int) and
                  v.get("HasIds") in ("True", "False"))
            ck.check(tag + "/static-method", ok,
                     "out-parameters %r; want ReturnValue 0 (static "
                     "call), User naming alice, a Uid, HasIds" % v)

        # Instance method with an in-parameter: the class object's method
        # call against the instance path, as Impacket does for methods of
        # an instance (IWbemClassObject.__getattr__).
        cls.createMethods("Test_Item.Id=3", cls.getMethods())
        text = "h\u00e9llo w\u00f6rld \u20ac"
        out = call_logged(grab, cls.Echo, text)
        if out is None:
            ck.check(tag + "/instance-method-in-params", False,
                     "Test_Item.Id=3 Echo(%r) returned nothing; Impacket "
                     "logged: %r" % (text, grab.take()))
        else:
            v = values(out)
            want_v = {"Result": "3:" + text, "ReturnValue": 0}
            ck.check(tag + "/instance-method-in-params", v == want_v,
                     "out-parameters %r\nwant %r" % (v, want_v))

        # An unknown method: the HRESULT reaches Impacket unchanged.
        try:
            s.svc.ExecMethod("Test_Item", "NoSuchMethod")
            ck.check(tag + "/unknown-method", False,
                     "ExecMethod('Test_Item', 'NoSuchMethod') succeeded")
        except Exception as e:
            ck.check(tag + "/unknown-method", str(e) == E_INVALID_METHOD,
                     "got %r\nwant %r" % (str(e), E_INVALID_METHOD))
    finally:
        s.close()


def win32_process(ck, svc, grab, tag, workdir):
    try:
        s = Session(svc.addr, "//./root/cimv2", tag)
    except Exception as e:
        ck.check(tag + "/login-cimv2", False,
                 "%s: %s" % (type(e).__name__, e))
        return
    try:
        try:
            proc, _ = s.svc.GetObject("Win32_Process")
        except Exception as e:
            ck.check(tag + "/create-signature", False,
                     "GetObject('Win32_Process') raised %s" % e)
            return
        m = proc.getMethods().get("Create")
        got = None if m is None else (params(m, "InParams"),
                                      params(m, "OutParams"))
        want = CREATE_SIGNATURE
        ck.check(tag + "/create-signature", got == want,
                 "Win32_Process.Create: got %r\nwant %r" % (got, want))
        if m is None:
            return

        # A real process: /bin/sh writes its own pid.
        path = os.path.join(workdir, "created-%s" % tag)
        cmd = '/bin/sh -c "echo $$ > %s"' % path
        out = call_logged(grab, proc.Create, cmd, "/", None)
        if out is None:
            ck.check(tag + "/create-process", False,
                     "Create(%r, '/', None) returned nothing; Impacket "
                     "logged: %r" % (cmd, grab.take()))
        else:
            v = values(out)
            written = None
            end = time.time() + 10
            while time.time() < end:
                try:
                    with open(path) as f:
                        written = f.read()
                    if written.endswith("\n"):
                        break
                except FileNotFoundError:
                    pass
                time.sleep(0.05)
            pid = v.get("ProcessId")
            ok = (v.get("ReturnValue") == 0 and isinstance(pid, int) and
                  pid > 0 and written == "%d\n" % pid)
            ck.check(tag + "/create-process", ok,
                     "Create(%r, '/', None): out-parameters %r; the file "
                     "holds %r; want ReturnValue 0 and the file holding "
                     "ProcessId" % (cmd, v, written))

        # wmiexec's own call: cmd.exe /Q /c ... in C:\ (neither exists
        # here), and a missing program in an existing folder: Windows'
        # "path not found", 9, and no error.
        cmd = "cmd.exe /Q /c cd 1> \\\\127.0.0.1\\ADMIN$\\__output 2>&1"
        for name, cwd in (("create-missing-program", "C:\\"),
                          ("create-missing-program-in-root", "/")):
            out = call_logged(grab, proc.Create, cmd, cwd, None)
            if out is None:
                ck.check(tag + "/" + name, False,
                         "Create(%r, %r, None) returned nothing; "
                         "Impacket logged: %r" % (cmd, cwd, grab.take()))
            else:
                v = values(out)
                ck.check(tag + "/" + name, v.get("ReturnValue") == 9,
                         "Create(%r, %r, None): out-parameters %r; want "
                         "ReturnValue 9 (path not found)" % (cmd, cwd, v))
    finally:
        s.close()


def real_wmiexec(ck, svc, args):
    argv = ["-nooutput", H.target(H.ADMIN[0], H.ADMIN[1], svc.addr),
            "whoami"]
    rc, lines, out = H.run_example(args.script, "wmiexec", argv)
    ck.check("wmiexec-nooutput", rc == 0 and lines == [],
             "exit status %s; wmiexec printed:\n%s\nwant exit 0 and "
             "nothing but the banner" % (rc, out))

    # Not an administrator: activation refuses (E_ACCESSDENIED), wmiexec
    # prints it and exits 1.
    argv = ["-nooutput", H.target(H.PLAIN[0], H.PLAIN[1], svc.addr),
            "whoami"]
    rc, lines, out = H.run_example(args.script, "wmiexec", argv)
    want = [E_NOT_ADMIN]
    ck.check("wmiexec-not-administrator", rc == 1 and lines == want,
             "exit status %s; wmiexec printed:\n%s\nwant exit 1 and %r"
             % (rc, out, want))


def main():
    args = H.parse_args("wmiexec.py")
    skip = H.preflight(args)
    if skip is not None:
        return skip
    if not args.tp_good or not os.path.exists(args.tp_good):
        print("no test provider library (--tp-good): skipped")
        return 77
    grab = H.LogGrab()
    logging.getLogger().addHandler(grab)
    workdir = tempfile.mkdtemp(prefix="owmi-interop-exec-")
    os.chmod(workdir, 0o1777)

    def body(ck, svc):
        for tag in ("default", "privacy"):
            print("\n== library, %s" % tag)
            test_item(ck, svc, grab, tag)
            win32_process(ck, svc, grab, tag, workdir)
        real_wmiexec(ck, svc, args)

    try:
        return H.serve(args, body, extra_mof_texts=[
            H.tp_good_mof(os.path.abspath(args.tp_good))])
    finally:
        shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
