"""What the reliability tests share: a tdmock server process, a callback receiver, HTTP calls.

Standard library only, so that `make test` needs nothing from PyPI.
"""

import http.client
import http.server
import json
import os
import signal
import socket
import sqlite3
import subprocess
import threading
import time
import uuid

API_KEY = "reliability-key"


def free_port():
    """A free port below the kernel's ephemeral range: a server restarted on it (tdmock after a kill, a
    receiver after an outage) must not find it taken by some client's outgoing connection meanwhile."""
    import random
    try:
        with open("/proc/sys/net/ipv4/ip_local_port_range") as ranges:
            low = int(ranges.read().split()[0])
    except (OSError, ValueError, IndexError):
        low = 32768
    for _ in range(1000):
        port = random.randint(max(1024, low - 12000), low - 1)
        with socket.socket() as probe:
            try:
                probe.bind(("127.0.0.1", port))
                return port
            except OSError:
                continue
    raise RuntimeError("no free port below the ephemeral range")


class Receiver:
    """The integration's callback API: records every POST with its delivery id, attempt and answer.

    `mode` is "up" (200), a status such as "503" (answers it) or "down" (the port is closed: connections
    are refused).
    """

    def __init__(self, port=None):
        self.port = port or free_port()
        self.lock = threading.Lock()
        self.arrivals = []  # (delivery_id, attempt, status answered, body dict, time)
        self.mode = "down"
        self.server = None
        self.connections = set()

    def start(self, mode="up"):
        with self.lock:
            self.mode = mode
        if self.server is None:
            receiver = self

            class Handler(http.server.BaseHTTPRequestHandler):
                protocol_version = "HTTP/1.1"

                def setup(self):
                    super().setup()
                    with receiver.lock:
                        receiver.connections.add(self.connection)

                def finish(self):
                    with receiver.lock:
                        receiver.connections.discard(self.connection)
                    super().finish()

                def do_POST(self):
                    length = int(self.headers.get("content-length") or 0)
                    raw = self.rfile.read(length)
                    if len(raw) < length:
                        # The sender died halfway through the body (a kill): an HTTP server receives nothing.
                        self.close_connection = True
                        return
                    with receiver.lock:
                        if receiver.mode == "down":
                            # Going down while this request was on its way: it is not received.
                            self.close_connection = True
                            try:
                                self.connection.shutdown(socket.SHUT_RDWR)
                            except OSError:
                                pass
                            return
                        status = int(receiver.mode) if receiver.mode.isdigit() else 200
                        if self.headers.get("x-api-key") != API_KEY:
                            status = 401
                        try:
                            body = json.loads(raw)
                        except ValueError:
                            body = {}
                        receiver.arrivals.append((self.headers.get("x-tdmock-delivery-id"),
                                                  int(self.headers.get("x-tdmock-attempt") or 0), status, body, time.time()))
                    answer = b'{"ok":true}' if status == 200 else b'{"error":"unavailable"}'
                    self.send_response(status)
                    self.send_header("content-type", "application/json")
                    self.send_header("content-length", str(len(answer)))
                    self.end_headers()
                    self.wfile.write(answer)

                def log_message(self, *args):
                    pass

            server = http.server.ThreadingHTTPServer(("127.0.0.1", self.port), Handler)
            server.daemon_threads = True
            server.handle_error = lambda request, address: None  # a sender that hangs up is not news
            self.server = server
            threading.Thread(target=server.serve_forever, daemon=True).start()

    def set_mode(self, mode):
        if mode == "down":
            self.stop()
        else:
            self.start(mode)

    def stop(self):
        with self.lock:
            self.mode = "down"
        if self.server is not None:
            self.server.shutdown()
            self.server.server_close()
            self.server = None
        # Kept-alive connections too: down means nothing answers.
        with self.lock:
            connections = list(self.connections)
        for connection in connections:
            try:
                connection.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass

    @property
    def url(self):
        return f"http://127.0.0.1:{self.port}"

    def accepted(self):
        """Deliveries answered 200, in the order they first arrived: {conversation: [delivery ids]},
        and how many 200s repeated a delivery id already accepted."""
        with self.lock:
            arrivals = list(self.arrivals)
        seen = set()
        order = {}
        repeats = 0
        for delivery, _attempt, status, body, _at in arrivals:
            if status != 200:
                continue
            if delivery in seen:
                repeats += 1
                continue
            seen.add(delivery)
            order.setdefault(body.get("conversation_id"), []).append(delivery)
        return order, repeats


class Server:
    """`tdmock serve` on a fixed port and database file, to be killed and started again."""

    def __init__(self, binary, db, port, callback_url, extra_env=None, log_path=None, extra_args=()):
        self.binary = binary
        self.extra_args = list(extra_args)
        self.db = db
        self.port = port
        self.callback_url = callback_url
        self.env = {k: v for k, v in os.environ.items() if not k.startswith("TDMOCK_")}
        self.env.update(extra_env or {})
        self.log = open(log_path or os.devnull, "ab")
        self.process = None

    @property
    def url(self):
        return f"http://127.0.0.1:{self.port}"

    def start(self):
        self.process = subprocess.Popen(
            [self.binary, "serve", "--port", str(self.port), "--db", self.db, "--callback-url", self.callback_url,
             "--callback-api-key", API_KEY, *self.extra_args],
            stdout=self.log, stderr=self.log, env=self.env)
        deadline = time.time() + 60
        while time.time() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"tdmock serve exited with {self.process.returncode}")
            try:
                status, _ = call("GET", self.url + "/healthz", timeout=1)
                if status == 200:
                    return
            except OSError:
                pass
            time.sleep(0.02)
        raise RuntimeError("tdmock serve did not answer /healthz within 60 s")

    def kill(self):
        self.process.send_signal(signal.SIGKILL)
        self.process.wait()

    def stop(self):
        if self.process and self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            self.process.wait(timeout=30)


def call(method, url, body=None, headers=None, timeout=10):
    """One HTTP request on a new connection: (status, parsed JSON body or None). Raises OSError when
    the server cannot be reached or the connection drops before the answer."""
    assert url.startswith("http://")
    host_port, _, path = url[len("http://"):].partition("/")
    host, _, port = host_port.partition(":")
    connection = http.client.HTTPConnection(host, int(port), timeout=timeout)
    try:
        data = None
        all_headers = dict(headers or {})
        if body is not None:
            data = body if isinstance(body, bytes) else json.dumps(body).encode()
            all_headers.setdefault("content-type", "application/json")
        connection.request(method, "/" + path, body=data, headers=all_headers)
        response = connection.getresponse()
        raw = response.read()
        try:
            parsed = json.loads(raw) if raw else None
        except ValueError:
            parsed = None
        return response.status, parsed
    except (http.client.HTTPException, ConnectionError, socket.timeout) as error:
        raise OSError(str(error)) from error
    finally:
        connection.close()


def token(server_url):
    import base64
    basic = base64.b64encode(b"tdmock-client:tdmock-secret").decode()
    status, body = call("POST", server_url + "/oauth/token", body=b"grant_type=client_credentials",
                        headers={"authorization": "Basic " + basic,
                                 "content-type": "application/x-www-form-urlencoded"})
    if status != 200:
        raise OSError(f"token: {status} {body}")
    return body["access_token"]


def start_body(subject):
    return {"touchpoint_id": "tp-tdmock", "subject": subject,
            "contact_person": {"email": "ana@example.com", "name": "Ana"},
            "context_parameters": {"sentiment": "NEGATIVE"}}


def new_key():
    return uuid.uuid4().hex


def read_store(db):
    """The store as the next server will find it (read-only; the WAL is applied by SQLite)."""
    connection = sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=30)
    try:
        conversations = connection.execute("SELECT id, subject, status FROM conversation").fetchall()
        messages = connection.execute("SELECT id, conversation_id, author, content FROM message").fetchall()
        deliveries = connection.execute(
            "SELECT delivery_id, conversation_id, event_type, status, attempts FROM callback_delivery ORDER BY seq").fetchall()
        return conversations, messages, deliveries
    finally:
        connection.close()


def check_delivered(receiver, deliveries):
    """Every delivery the store has was accepted by the receiver, in the store's order per conversation.
    Returns a list of problems (empty: all good)."""
    problems = []
    order, _repeats = receiver.accepted()
    expected = {}
    for delivery_id, conversation_id, _event, status, _attempts in deliveries:
        expected.setdefault(conversation_id, []).append(delivery_id)
        if status != "delivered":
            problems.append(f"delivery {delivery_id} is {status}")
    for conversation_id, ids in expected.items():
        got = order.get(conversation_id, [])
        if got != ids:
            problems.append(f"conversation {conversation_id}: store order {ids}, received {got}")
    unknown = set(order) - set(expected)
    if unknown:
        problems.append(f"callbacks for conversations the store does not have: {sorted(unknown)}")
    return problems
