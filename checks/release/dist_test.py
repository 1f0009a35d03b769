#!/usr/bin/env python3
"""make dist's file, run where there is no Swift (make test, after make dist).

The binary is checked to be static (no program interpreter, so no dynamic loader and no shared library
is asked for), then run by bubblewrap in an empty root holding only it and /etc/hosts: `--version`, serve
in memory, a conversation started from outside, an agent's reply sent with `tdmock reply` from inside the
same root, its callbacks delivered to `localhost` (glibc's built-in files service reading /etc/hosts), and
SIGTERM ending serve cleanly. Standard library only.
"""

import argparse
import http.server
import os
import shutil
import signal
import struct
import subprocess
import tempfile
import threading
import time
import uuid

from common import call, expect, free_port

PT_INTERP = 3




def program_header_types(path):
    """The p_type of every program header of a 64-bit little-endian ELF file."""
    with open(path, "rb") as f:
        header = f.read(64)
        expect(header[:4] == b"\x7fELF" and header[4] == 2 and header[5] == 1, f"{path} is not a 64-bit little-endian ELF file")
        phoff, = struct.unpack_from("<Q", header, 0x20)
        phentsize, phnum = struct.unpack_from("<HH", header, 0x36)
        types = []
        for index in range(phnum):
            f.seek(phoff + index * phentsize)
            types.append(struct.unpack("<I", f.read(4))[0])
        return types


def descendant(pid, program):
    """The process below `pid` whose command starts with `program`."""
    children = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/stat") as stat:
                    parent = int(stat.read().rsplit(")", 1)[1].split()[1])
                children.setdefault(parent, []).append(int(entry))
            except (OSError, ValueError):
                continue
    queue = [pid]
    while queue:
        current = queue.pop()
        try:
            with open(f"/proc/{current}/cmdline", "rb") as cmdline:
                if cmdline.read().split(b"\0")[0].decode() == program:
                    return current
        except OSError:
            pass
        queue.extend(children.get(current, []))
    raise AssertionError(f"no {program} below process {pid}")



def receiver():
    """A callback API on loopback that records the paths posted to it."""
    arrived = []

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_POST(self):
            self.rfile.read(int(self.headers.get("content-length") or 0))
            arrived.append(self.path)
            self.send_response(200)
            self.send_header("content-length", "0")
            self.end_headers()

        def log_message(self, *args):
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, arrived


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--binary", required=True)
    parser.add_argument("--version", required=True)
    arguments = parser.parse_args()
    bwrap = shutil.which("bwrap") or exit("bwrap is missing: apt-get install bubblewrap")

    types = program_header_types(arguments.binary)
    expect(PT_INTERP not in types, "the binary asks for a program interpreter: it is not static")
    print(f"ok   {os.path.basename(arguments.binary)}: static (no program interpreter), {os.path.getsize(arguments.binary) / 1e6:.1f} MB")

    root = tempfile.mkdtemp(prefix="tdmock-clean-root-")
    for folder in ["etc", "proc", "dev", "tmp"]:  # the last three: empty, where bubblewrap mounts its own
        os.makedirs(os.path.join(root, folder))
    with open(os.path.join(root, "etc", "hosts"), "w") as hosts:
        hosts.write("127.0.0.1 localhost\n::1 localhost\n")
    shutil.copy(arguments.binary, os.path.join(root, "tdmock"))
    expect(sorted(os.listdir(root)) == ["dev", "etc", "proc", "tdmock", "tmp"] and os.listdir(os.path.join(root, "etc")) == ["hosts"],
           "the clean root holds more than the binary, /etc/hosts and empty mount points")

    def inside(*args):
        # The empty root, read-only, with /proc, /dev and a fresh /tmp; the network is the host's loopback.
        return [bwrap, "--ro-bind", root, "/", "--proc", "/proc", "--dev", "/dev", "--tmpfs", "/tmp",
                "--unshare-pid", "--die-with-parent", "--clearenv", "--setenv", "HOME", "/tmp", "/tdmock", *args]

    version = subprocess.run(inside("--version"), capture_output=True, text=True, timeout=30)
    expect(version.returncode == 0 and version.stdout.strip() == arguments.version, f"--version: {version.stdout}{version.stderr}")
    print(f"ok   in an empty root: tdmock --version says {arguments.version}")

    callbacks, arrived = receiver()
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    command = inside("serve", "--in-memory", "--port", str(port),
                     "--callback-url", f"http://localhost:{callbacks.server_address[1]}/cb", "--callback-max-attempts", "3")
    serve = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                if call("GET", url + "/healthz")[0] == 200:
                    break
            except OSError:
                if serve.poll() is not None:
                    raise AssertionError("serve exited: " + serve.stdout.read())
                expect(time.monotonic() < deadline, "serve did not answer within 30 s")
                time.sleep(0.05)
        status, token, _ = call("POST", url + "/oauth/token", form="grant_type=client_credentials&scope=digital-connect:write",
                             headers={"authorization": "Basic dGRtb2NrLWNsaWVudDp0ZG1vY2stc2VjcmV0"})
        expect(status == 200, f"token: {status} {token}")
        status, conversation, _ = call(
            "POST", url + "/digital-connect/conversations",
            body={"touchpoint_id": "tp-tdmock", "subject": "dist", "contact_person": {"name": "Ana", "email": "ana@example.com"}},
            headers={"authorization": "Bearer " + token["access_token"], "x-idempotency-key": uuid.uuid4().hex},
        )
        expect(status == 201, f"Start a Conversation: {status} {conversation}")
        reply = subprocess.run(inside("reply", conversation["id"], "--message", "hello from a clean root", "--server", url,
                                      "--agent", "Dana"), capture_output=True, text=True, timeout=30)
        expect(reply.returncode == 0, f"tdmock reply: {reply.stdout}{reply.stderr}")
        deadline = time.monotonic() + 20
        while len(arrived) < 2 and time.monotonic() < deadline:
            time.sleep(0.05)
        expect(arrived == ["/cb/conversation_started", "/cb/message_created"], f"callbacks to localhost: {arrived}")
        print("ok   serve in memory, a conversation, `tdmock reply` from the same root, callbacks delivered to localhost")
        # The signal goes to serve itself, not to bubblewrap above it (which would die of it).
        began = time.monotonic()
        os.kill(descendant(serve.pid, "/tdmock"), signal.SIGTERM)
        code = serve.wait(timeout=10)
        expect(code == 0, f"serve exited {code} on SIGTERM")
        print(f"ok   SIGTERM: serve exited 0 in {time.monotonic() - began:.2f} s")
    finally:
        if serve.poll() is None:
            serve.kill()
        callbacks.shutdown()
        shutil.rmtree(root, ignore_errors=True)
    print("dist test passed: the one-file tdmock runs with no Swift and no shared library")


if __name__ == "__main__":
    main()
