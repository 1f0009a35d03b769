#!/usr/bin/env python3
"""The invocations journal keeps serve's memory bounded whatever its functions answer.

A function answering 5 MB is invoked 300 times through serve's Invoke API (1.5 GB through the journal);
serve's resident memory, after and at its peak, must stay under CEILING_MB. The newest invocation is
still whole (GET /tdmock/v1/invocations/{id}); the oldest are cut to their start, with their sizes.
`make bench` reports the same figure (`measure`). Standard library only.
"""
import argparse
import http.client
import http.server
import json
import os
import re
import subprocess
import sys
import threading
import time

INVOCATIONS = 300
ANSWER_BYTES = 5 * 1024 * 1024
# The journal keeps 32 MB whole by default: what serve holds beyond its idle size (about 50 MB in a debug build)
# is that, the cut records, a few answers in
# flight and what the allocator keeps.
CEILING_MB = 200


class FiveMegabytes(http.server.BaseHTTPRequestHandler):
    """A function on the Lambda Invoke API whose answer is a 5 MB JSON string."""

    protocol_version = "HTTP/1.1"
    answer = json.dumps("x" * (ANSWER_BYTES - 2)).encode()

    def do_POST(self):
        self.rfile.read(int(self.headers.get("Content-Length", 0)))
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(self.answer)))
        self.end_headers()
        self.wfile.write(self.answer)

    def log_message(self, *args):
        pass


def rss_mb(pid, field="VmRSS"):
    with open(f"/proc/{pid}/status") as status:
        for line in status:
            if line.startswith(field + ":"):
                return int(line.split()[1]) / 1024
    raise RuntimeError(f"no {field} for {pid}")


def measure(tdmock, invocations=INVOCATIONS, env=None):
    """Starts serve with a 5 MB function, invokes it `invocations` times; answers RSS figures (MB) and the
    journal's view of the newest and the oldest invocation."""
    host = http.server.ThreadingHTTPServer(("127.0.0.1", 0), FiveMegabytes)
    threading.Thread(target=host.serve_forever, daemon=True).start()
    url = f"http://127.0.0.1:{host.server_port}/2015-03-31/functions/big/invocations"
    environment = {k: v for k, v in os.environ.items() if not k.startswith("TDMOCK_")}
    environment.update(env or {})
    serve = subprocess.Popen([tdmock, "serve", "--port", "0", "--in-memory", "--function", f"big={url}"],
                             stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env=environment)
    try:
        port = None
        for line in serve.stdout:
            found = re.search(r"tdmock listening on http://127\.0\.0\.1:(\d+)", line)
            if found:
                port = int(found.group(1))
                break
        if port is None:
            raise RuntimeError("serve did not start")
        threading.Thread(target=serve.stdout.read, daemon=True).start()
        idle = rss_mb(serve.pid)
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        started = time.monotonic()
        for _ in range(invocations):
            connection.request("POST", "/2015-03-31/functions/big/invocations", body=b"{}",
                               headers={"Content-Type": "application/json"})
            response = connection.getresponse()
            body = response.read()
            if response.status != 200 or len(body) != ANSWER_BYTES:
                raise AssertionError(f"invoke: {response.status}, {len(body)} bytes")
        elapsed = time.monotonic() - started

        def get(path):
            connection.request("GET", path)
            response = connection.getresponse()
            return response.status, json.loads(response.read())

        _, listing = get("/tdmock/v1/invocations?limit=1000")
        status, newest = get(f"/tdmock/v1/invocations/{listing[0]['id']}")
        return {"idle": idle, "after": rss_mb(serve.pid), "peak": rss_mb(serve.pid, "VmHWM"), "seconds": elapsed,
                "listing": listing, "newest": newest, "newest_status": status}
    finally:
        serve.terminate()
        serve.wait(timeout=30)
        host.shutdown()


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--tdmock", required=True)
    arguments = parser.parse_args()
    figures = measure(arguments.tdmock)
    listing, newest = figures["listing"], figures["newest"]
    print(f"{INVOCATIONS} invocations answering {ANSWER_BYTES >> 20} MB in {figures['seconds']:.1f} s: RSS idle "
          f"{figures['idle']:.0f} MB, after {figures['after']:.0f} MB, peak {figures['peak']:.0f} MB (ceiling {CEILING_MB} MB)")
    problems = []
    if figures["after"] > CEILING_MB or figures["peak"] > CEILING_MB:
        problems.append(f"RSS over {CEILING_MB} MB")
    if len(listing) != INVOCATIONS:
        problems.append(f"the journal lists {len(listing)} invocations, not {INVOCATIONS}")
    if figures["newest_status"] != 200 or newest.get("cut") or len(newest.get("answer", "")) != ANSWER_BYTES - 2:
        problems.append("the newest invocation is not whole in GET /tdmock/v1/invocations/{id}")
    if not (listing[0]["cut"] and listing[0]["answer_bytes"] == ANSWER_BYTES and len(listing[0]["answer"]) <= 4096):
        problems.append("the listing does not show a 5 MB answer by its start and its size")
    oldest = listing[-1]
    if not (oldest["cut"] and oldest["answer_bytes"] == ANSWER_BYTES):
        problems.append("the oldest invocation is not cut with its size")
    for problem in problems:
        print(f"FAIL {problem}")
    if not problems:
        print("ok   the invocations journal's memory")
    sys.exit(1 if problems else 0)


if __name__ == "__main__":
    main()
