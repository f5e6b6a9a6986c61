"""Starts and stops a private wmid (or wmid_test) for the interop tests.

Each test gets a fresh state folder, a random 127.x.y.z address and its
own endpoint mapper port, runs the service in the foreground as a child
process, and stops it with SIGTERM at the end (never leaving it running).
Standard library only; run with /usr/bin/python3.
"""
import os
import random
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time

SKIP = 77


def need_impacket():
    """Exits with the skip status when impacket is not installed."""
    try:
        import impacket  # noqa: F401
    except ImportError:
        print("impacket is not installed: skipped")
        sys.exit(SKIP)


class Wmid:
    def __init__(self, exe, epm_port=None, extra_conf=""):
        self.exe = exe
        self.dir = tempfile.mkdtemp(prefix="owmi-interop-")
        self.addr = "127.%d.%d.%d" % (random.randint(1, 254),
                                      random.randint(1, 254),
                                      random.randint(1, 253))
        self.epm_port = epm_port or random.randint(20000, 39999)
        self.log = os.path.join(self.dir, "logs", "wmid.log")
        self.sock = os.path.join(self.dir, "wmid.sock")
        self.pidfile = os.path.join(self.dir, "wmid.pid")
        self.proc = None
        self.exporter_port = None
        with open(os.path.join(self.dir, "wmid.conf"), "w") as f:
            f.write("[service]\nlisten = %s\nepm_port = %d\n%s"
                    % (self.addr, self.epm_port, extra_conf))

    def add_user(self, wmiuser, name, password, groups=()):
        args = [wmiuser, "--state-dir", self.dir, "add", name]
        for g in groups:
            args += ["--group", g]
        subprocess.run(args, input=password + "\n", text=True, check=True,
                       stdout=subprocess.DEVNULL)

    def prepare_repository(self, default_repo, mofcomp, mof_files=(),
                           mof_texts=()):
        """Puts a copy of [default_repo] (the build's schema repository)
        into the state folder, where wmid finds it and copies nothing,
        then compiles each MOF file and each MOF text (a string, written
        to the state folder first) into it with mofcomp -offline.
        Raises RuntimeError with mofcomp's output when one fails."""
        dest = os.path.join(self.dir, "repository.db")
        shutil.copyfile(default_repo, dest)
        todo = list(mof_files)
        for i, text in enumerate(mof_texts):
            path = os.path.join(self.dir, "extra%d.mof" % i)
            with open(path, "w", encoding="utf-8") as f:
                f.write(text)
            todo.append(path)
        for mof in todo:
            r = subprocess.run([mofcomp, "-offline", dest, mof],
                               capture_output=True, text=True)
            if r.returncode != 0:
                raise RuntimeError("mofcomp %s failed (%d):\n%s%s"
                                   % (mof, r.returncode, r.stdout,
                                      r.stderr))
        return dest

    def start(self, timeout=20, env=None):
        """Starts in the foreground; returns False if it exited early.
        [env]: extra environment variables for the service (a dict)."""
        self.out = open(os.path.join(self.dir, "start.out"), "w")
        full_env = None
        if env:
            full_env = dict(os.environ)
            full_env.update(env)
        self.proc = subprocess.Popen(
            [self.exe, "--state-dir", self.dir, "--foreground"],
            stdout=self.out, stderr=subprocess.STDOUT, env=full_env)
        end = time.time() + timeout
        while time.time() < end:
            if self.proc.poll() is not None:
                return False
            text = self.read_log()
            m = re.search(r"ready: pid \d+, endpoint mapper port \d+, "
                          r"exporter port (\d+)", text)
            if m:
                self.exporter_port = int(m.group(1))
                return True
            time.sleep(0.05)
        self.stop()
        raise RuntimeError("wmid did not become ready")

    def read_log(self):
        try:
            with open(self.log) as f:
                return f.read()
        except FileNotFoundError:
            return ""

    def start_output(self):
        with open(os.path.join(self.dir, "start.out")) as f:
            return f.read()

    def stop(self):
        """SIGTERM, wait; returns the exit status."""
        if self.proc is None:
            return None
        rc = self.proc.poll()
        if rc is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                rc = self.proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                rc = self.proc.wait()
        self.proc = None
        self.out.close()
        return rc

    def cleanup(self):
        if self.proc is not None:
            self.proc.kill()
            self.proc.wait()
            self.proc = None
        shutil.rmtree(self.dir, ignore_errors=True)
