#!/usr/bin/env python3
"""make order-file: regenerate release/tdmock.order, the linker's symbol ordering file for the release build.

The release binary links the Swift runtime, the standard library and Foundation statically (see the
README's "The release build"). Of its ~30 MB of machine code, `tdmock serve` runs about 2 MB from start
to answering requests, scattered over the whole text: every page it touches makes the kernel map its
neighbours too (fault-around, 64 KB), so the scattered 2 MB kept ~19 MB of the binary resident. lld's
`--symbol-ordering-file` puts the functions listed here first and together, so what runs shares pages
(~12 MB of text stays resident: the linker moves sections, not functions, and the objects SwiftPM compiles
keep most of a file's functions in one section; and code the symbol table does not name, the thunks LLVM's
function merging leaves behind, can be neither named by callgrind nor placed).

This script runs a release binary under valgrind's callgrind through what `make bench` measures and what
an integrator's suite does (serve starting on a file store and in memory, a token, Start a Conversation,
Send a Message, /healthz, an agent assigning, replying with the callback delivered to a local receiver and
closing, the agent API's listings, `inbox` and `show` from the command line) and writes every function of
the binary that ran, sorted by name. Names that no longer exist after a change are skipped by
the linker (--no-warn-symbol-ordering), so a stale file only costs memory: regenerate it when `make bench`
shows idle RSS creeping up.

    python3 release/order.py --tdmock .build/release/tdmock [--out release/tdmock.order]
"""
import argparse
import glob
import http.server
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
sys.path.insert(0, os.path.join(ROOT, "bench"))
from run import Receiver, free_port, start_conversation, token  # noqa: E402  (the bench's client helpers)
import run as bench  # noqa: E402


def call(method, url, body=None, headers=None):
    # Under callgrind every request takes some 50 times longer than natively.
    return bench.call(method, url, body, headers, timeout=120)


def wait_healthy(base, process):
    # Under callgrind the server starts some 50 times slower than natively.
    deadline = time.monotonic() + 180
    while time.monotonic() < deadline:
        if process.poll() is not None:
            sys.exit(f"tdmock exited with {process.returncode} before answering /healthz")
        try:
            if call("GET", f"{base}/healthz")[0] == 200:
                return
        except OSError:
            pass
        time.sleep(0.2)
    sys.exit("tdmock did not answer /healthz within 180 s under callgrind")


class Callgrind:
    def __init__(self, binary, outdir):
        self.binary, self.outdir, self.count = binary, outdir, 0

    def command(self, args):
        self.count += 1
        return ["valgrind", "--tool=callgrind", "--quiet", f"--callgrind-out-file={self.outdir}/cg.{self.count}",
                "--dump-instr=no", "--compress-strings=no", "--compress-pos=no", "--demangle=no", self.binary, *args]

    def run(self, args):
        result = subprocess.run(self.command(args), capture_output=True, text=True)
        if result.returncode != 0:
            sys.exit(f"{' '.join(args)} failed under callgrind ({result.returncode}):\n{result.stderr}")
        return result.stdout

    def serve(self, args):
        port = free_port()
        process = subprocess.Popen(self.command(["serve", "--port", str(port), *args]),
                                   stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
        base = f"http://127.0.0.1:{port}"
        wait_healthy(base, process)
        return process, base

    @staticmethod
    def stop(process):
        process.send_signal(signal.SIGINT)
        try:
            _, stderr = process.communicate(timeout=120)
        except subprocess.TimeoutExpired:
            process.kill()
            sys.exit("tdmock did not stop within 120 s of SIGINT under callgrind")
        if process.returncode != 0:
            sys.exit(f"tdmock serve exited with {process.returncode} under callgrind:\n{stderr}")


def workload(callgrind, workdir):
    start_body = open(os.path.join(ROOT, "fixtures", "start-conversation.json")).read()
    json_headers = {"Content-Type": "application/json"}
    receiver = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Receiver)
    threading.Thread(target=receiver.serve_forever, daemon=True).start()

    # Serve on a file store, callbacks going to the receiver: everything the bench and a suite touch.
    process, base = callgrind.serve(["--db", os.path.join(workdir, "inbox.sqlite"),
                                     "--callback-url", f"http://127.0.0.1:{receiver.server_address[1]}",
                                     "--callback-api-key", "order-file"])
    for _ in range(50):
        call("GET", f"{base}/healthz")
    bearer = token(base)
    auth = {"Authorization": f"Bearer {bearer}", **json_headers}
    conversations = [start_conversation(base, bearer, start_body) for _ in range(5)]
    for index in range(200):
        conversation = conversations[index % len(conversations)]
        status, body = call("POST", f"{base}/digital-connect/conversations/{conversation}/messages",
                            json.dumps({"content": f"message {index}"}), auth)
        assert status == 201, body
    for conversation in conversations[:3]:
        assert call("POST", f"{base}/tdmock/v1/conversations/{conversation}/assign", '{"agent":"Order"}', json_headers)[0] == 200
        for index in range(20):
            status, body = call("POST", f"{base}/tdmock/v1/conversations/{conversation}/messages",
                                json.dumps({"agent": "Order", "content": f"reply {index}"}), json_headers)
            assert status == 200, body
    assert call("POST", f"{base}/tdmock/v1/conversations/{conversations[0]}/close", '{"agent":"Order"}', json_headers)[0] == 200
    assert call("DELETE", f"{base}/digital-connect/conversations/{conversations[1]}", None, auth)[0] == 204
    call("GET", f"{base}/tdmock/v1/conversations")
    call("GET", f"{base}/tdmock/v1/conversations/{conversations[2]}")
    call("GET", f"{base}/tdmock/v1/callbacks")
    deadline = time.monotonic() + 120
    while json.loads(call("GET", f"{base}/tdmock/v1/callbacks?status=pending")[1]) and time.monotonic() < deadline:
        time.sleep(0.5)
    if not Receiver.arrivals:
        sys.exit("no callback arrived under callgrind")
    # The agent's commands, one-shot, against the same server.
    callgrind.run(["inbox", "--json", "--server", base])
    callgrind.run(["inbox", "--server", base])
    callgrind.run(["show", conversations[2], "--json", "--server", base])
    Callgrind.stop(process)
    receiver.shutdown()

    # Serve in memory: the bench's start-to-healthz and idle RSS measure this one.
    process, base = callgrind.serve(["--in-memory"])
    call("GET", f"{base}/healthz")
    Callgrind.stop(process)


def executed_functions(outdir, binary):
    """The functions of `binary` that ran, over every callgrind output in outdir, sorted by name."""
    functions = set()
    for path in glob.glob(os.path.join(outdir, "cg.*")):
        obj = None
        for line in open(path, errors="replace"):
            # A function's block is "fn=name" under the last "ob=object" (cob=/cfn= name callees, which
            # have blocks of their own); callgrind marks a recursive activation as name'2.
            if line.startswith("ob="):
                obj = line[3:].strip()
            elif line.startswith("fn=") and obj == binary:
                functions.add(line[3:].strip().split("'")[0])
    # Sorted by name: what matters is that they share pages, and a sorted file changes only by the
    # functions that came or went. Code without a symbol shows as an address, which the linker cannot place.
    return sorted(name for name in functions if not name.startswith("0x"))


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tdmock", required=True, help="a release tdmock binary")
    parser.add_argument("--out", default=os.path.join(HERE, "tdmock.order"))
    args = parser.parse_args()
    if shutil.which("valgrind") is None:
        sys.exit("valgrind is not installed (apt-get install valgrind; make order-file does it)")
    with tempfile.TemporaryDirectory(prefix="tdmock-order-") as workdir:
        # valgrind gives up on the DWARF swiftc writes ("Possibly corrupted debuginfo file"): the symbol
        # table is all it needs.
        binary = os.path.join(workdir, "tdmock")
        subprocess.run(["objcopy", "--strip-debug", args.tdmock, binary], check=True)
        outdir = os.path.join(workdir, "callgrind")
        os.mkdir(outdir)
        workload(Callgrind(binary, outdir), workdir)
        functions = executed_functions(outdir, binary)
    if len(functions) < 1000:
        sys.exit(f"only {len(functions)} functions of the binary ran: is it the release binary?")
    with open(args.out, "w") as out:
        out.write("\n".join(functions) + "\n")
    print(f"{args.out}: {len(functions)} functions")


if __name__ == "__main__":
    main()
