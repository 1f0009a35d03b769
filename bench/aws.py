"""The AWS side's figures, tdmock's own time with the function's taken out:
a WebSocket frame to its function's invocation, PostToConnection to the frame on the client's socket,
RecognizeText with a code hook; and 10,000 WebSocket connections open at once (RSS, and a frame pushed to
each through @connections); and serve's memory after 300 invocations of a function answering 5 MB (the
invocations journal's byte budget). The functions are a small HTTP server in this process, so that the times on
both sides of tdmock are read from one clock."""
import base64
import http.client
import http.server
import json
import os
import selectors
import socket
import sys
import threading
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "checks", "aws"))
import journal_memory_test  # noqa: E402  (the same workload as the check in make test)

TURNS = 2000
WARMUP = 200
CONNECTIONS = 10_000


class Functions(http.server.BaseHTTPRequestHandler):
    """WebSocket routes answer {"statusCode": 200} and note when each MESSAGE arrived; the Lex hook closes
    its intent."""
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True
    arrivals = {}
    arrived = threading.Condition()
    LEX = json.dumps({"sessionState": {"dialogAction": {"type": "Close"}, "intent": {"name": "Hook", "state": "Fulfilled"},
                                       "sessionAttributes": {"done": "yes"}},
                      "messages": [{"contentType": "PlainText", "content": "Done."}]}).encode()

    def do_POST(self):
        now = time.perf_counter()
        body = self.rfile.read(int(self.headers.get("content-length", 0)))
        if "/lexhook/" in self.path:
            answer = self.LEX
        else:
            answer = b'{"statusCode":200}'
            event = json.loads(body)
            if event["requestContext"]["eventType"] == "MESSAGE":
                with Functions.arrived:
                    Functions.arrivals[json.loads(event["body"])["n"]] = now
                    Functions.arrived.notify_all()
        self.send_response(200)
        self.send_header("content-type", "application/json")
        self.send_header("content-length", str(len(answer)))
        self.end_headers()
        self.wfile.write(answer)

    def log_message(self, *args):
        pass


def handshake(port, path="/apigw/ws/prod"):
    """A raw WebSocket client socket, its handshake done (blocking), then non-blocking."""
    client = socket.create_connection(("127.0.0.1", port))
    key = base64.b64encode(os.urandom(16)).decode()
    client.sendall(f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                   f"Sec-WebSocket-Key: {key}\r\nSec-WebSocket-Version: 13\r\n\r\n".encode())
    answer = b""
    while b"\r\n\r\n" not in answer:
        chunk = client.recv(4096)
        if not chunk:
            raise RuntimeError("the server closed during the handshake")
        answer += chunk
    if not answer.startswith(b"HTTP/1.1 101"):
        raise RuntimeError(answer.split(b"\r\n")[0].decode())
    return client


def masked_text(text):
    """A client's text frame (masked, as RFC 6455 requires of clients)."""
    payload = text.encode()
    mask = os.urandom(4)
    header = bytes([0x81])
    header += bytes([0x80 | len(payload)]) if len(payload) < 126 else bytes([0x80 | 126]) + len(payload).to_bytes(2, "big")
    return header + mask + bytes(b ^ mask[i % 4] for i, b in enumerate(payload))


def read_frame(client):
    """One unmasked server frame's payload (blocking)."""
    def exactly(count):
        data = b""
        while len(data) < count:
            chunk = client.recv(count - len(data))
            if not chunk:
                raise RuntimeError("the connection closed")
            data += chunk
        return data
    head = exactly(2)
    length = head[1] & 0x7F
    if length == 126:
        length = int.from_bytes(exactly(2), "big")
    elif length == 127:
        length = int.from_bytes(exactly(8), "big")
    return exactly(length)


def percentile(values, p):
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(p / 100 * (len(ordered) - 1))))]


def connection_ids(base, count):
    """The ids of the connections opened since start, from `websocket_connected` events."""
    with urllib_open(f"{base}/tdmock/v1/wait?event=websocket_connected&count={count}&timeout=120") as response:
        return [event["connection_id"] for event in json.loads(response.read())]


def urllib_open(url):
    import urllib.request
    return urllib.request.urlopen(url, timeout=180)


def measure(binary, workdir, row, processes, start_tdmock, free_port):
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Functions)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    functions = f"http://127.0.0.1:{server.server_address[1]}/2015-03-31/functions"
    config = os.path.join(workdir, "aws.yaml")
    with open(config, "w") as f:
        f.write("apigateway:\n  websocket:\n    routes: {onMessage: socket}\n"
                "lex:\n  bots:\n    - id: BENCHBOT01\n      intents: [{name: Hook, sample_utterances: [\"run the hook\"], fulfillment: lexhook}]\n"
                "    - id: TDMOCKQBOT\n      intents: [{name: FallbackIntent, fulfillment: lexhook}]\n")
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    processes.append(start_tdmock(binary, port, os.path.join(workdir, "aws.sqlite"),
                                  ["--config", config, "--function", f"socket={functions}/socket/invocations",
                                   "--function", f"lexhook={functions}/lexhook/invocations"]))

    # 1. A frame to its function's invocation.
    client = handshake(port)
    delays = []
    for n in range(TURNS + WARMUP):
        sent = time.perf_counter()
        client.sendall(masked_text(json.dumps({"action": "onMessage", "n": n})))
        with Functions.arrived:
            Functions.arrived.wait_for(lambda: n in Functions.arrivals, timeout=10)
            delays.append((Functions.arrivals[n] - sent) * 1000)
    delays = delays[WARMUP:]
    command = f"{TURNS:,} onMessage frames in turn on one connection; the function's arrival time less the frame's send time"
    row("WebSocket frame -> its function's invocation: p50", percentile(delays, 50), "ms", command=command)
    row("WebSocket frame -> its function's invocation: p99", percentile(delays, 99), "ms", "<= 2 ms", percentile(delays, 99) <= 2)

    # 2. PostToConnection to the frame on the client's socket.
    connection = connection_ids(base, 1)[0]
    management = http.client.HTTPConnection("127.0.0.1", port)
    delays = []
    for n in range(TURNS + WARMUP):
        sent = time.perf_counter()
        management.request("POST", f"/apigw/ws/prod/@connections/{connection}", body=b'{"event_type":"message_created","content":"hi"}')
        read_frame(client)
        delays.append((time.perf_counter() - sent) * 1000)
        assert management.getresponse().read() == b""
    delays = delays[WARMUP:]
    command = f"{TURNS:,} PostToConnection in turn on one keep-alive connection; the frame's arrival on the client's socket"
    row("PostToConnection -> the frame on the client's socket: p50", percentile(delays, 50), "ms", command=command)
    row("PostToConnection -> the frame on the client's socket: p99", percentile(delays, 99), "ms", "<= 2 ms", percentile(delays, 99) <= 2)
    client.close()

    # 3. RecognizeText with a code hook: the client's round trip less the hook's, as tdmock measured it.
    lex = http.client.HTTPConnection("127.0.0.1", port)
    totals = []
    for n in range(TURNS + WARMUP):
        begin = time.perf_counter()
        lex.request("POST", f"/bots/BENCHBOT01/botAliases/TSTALIASID/botLocales/en_US/sessions/bench-{n % 50}/text",
                    body=b'{"text":"run the hook"}', headers={"content-type": "application/json"})
        answer = json.loads(lex.getresponse().read())
        totals.append((time.perf_counter() - begin) * 1000)
        assert answer["sessionState"]["sessionAttributes"]["done"] == "yes", answer
    with urllib_open(f"{base}/tdmock/v1/invocations?function=lexhook&limit={TURNS}") as response:
        hook = [entry["latency_ms"] for entry in reversed(json.loads(response.read()))]
    own = [total - latency for total, latency in zip(totals[WARMUP:], hook)]
    command = f"{TURNS:,} sequential RecognizeText on one connection; less each hook's latency_ms in the invocations journal"
    row("RecognizeText with a code hook, tdmock's own time: p50", percentile(own, 50), "ms", command=command)
    row("RecognizeText with a code hook, tdmock's own time: p99", percentile(own, 99), "ms", "<= 2 ms", percentile(own, 99) <= 2)
    processes.pop().stop()

    # 4. 10,000 connections open at once, then a frame pushed to each through @connections.
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    with open(config, "w") as f:
        f.write("apigateway:\n  websocket:\n    routes: {}\n")
    processes.append(start_tdmock(binary, port, os.path.join(workdir, "sockets.sqlite"), ["--config", config]))
    baseline = processes[-1].rss_mb()
    sockets = [handshake(port) for _ in range(CONNECTIONS)]
    ids = connection_ids(base, CONNECTIONS)
    rss = processes[-1].rss_mb()
    row(f"RSS with {CONNECTIONS:,} WebSocket connections open", rss, "MB", "<= 256 MB", rss <= 256,
        f"{CONNECTIONS:,} clients' handshakes on /apigw/ws/prod (no $connect route); VmRSS (idle: {baseline:.1f} MB)")
    selector = selectors.DefaultSelector()
    for client in sockets:
        client.setblocking(False)
        selector.register(client, selectors.EVENT_READ)
    received = [0]
    done = threading.Event()

    def read_all():
        while received[0] < CONNECTIONS:
            for key, _ in selector.select(timeout=1):
                if key.fileobj.recv(4096):
                    received[0] += 1
        done.set()

    reader = threading.Thread(target=read_all, daemon=True)
    begin = time.perf_counter()
    reader.start()

    def push(share):
        posting = http.client.HTTPConnection("127.0.0.1", port)
        for connection in share:
            posting.request("POST", f"/apigw/ws/prod/@connections/{connection}", body=b'{"event_type":"message_created","content":"to all"}')
            posting.getresponse().read()
        posting.close()

    pushers = [threading.Thread(target=push, args=(ids[i::8],)) for i in range(8)]
    for pusher in pushers:
        pusher.start()
    for pusher in pushers:
        pusher.join()
    done.wait(60)
    elapsed = time.perf_counter() - begin
    row(f"a frame to each of {CONNECTIONS:,} connections through @connections", elapsed, "s", "< 10 s",
        elapsed < 10 and received[0] == CONNECTIONS, f"8 keep-alive clients POST /apigw/ws/prod/@connections/{{id}}; {received[0]:,} frames read")
    for client in sockets:
        client.close()
    processes.pop().stop()
    server.shutdown()

    # 5. The invocations journal's memory: a function answering 5 MB, invoked 300 times.
    figures = journal_memory_test.measure(binary)
    ceiling = journal_memory_test.CEILING_MB
    row(f"RSS after {journal_memory_test.INVOCATIONS} invocations answering 5 MB", figures["after"], "MB", f"<= {ceiling} MB",
        figures["after"] <= ceiling and figures["peak"] <= ceiling,
        f"{journal_memory_test.INVOCATIONS} POST /2015-03-31/functions/big/invocations in turn, each answered 5 MB; VmRSS "
        f"(idle {figures['idle']:.1f} MB, peak {figures['peak']:.1f} MB, {figures['seconds']:.1f} s)")
