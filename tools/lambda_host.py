#!/usr/bin/env python3
"""Hosts Lambda handlers written for AWS Lambda, unmodified, on the Lambda Invoke API, without Docker.

    python3 tools/lambda_host.py --port 9001 escalate=examples/chat_line/escalate.py:lambda_handler \
        chat_socket=examples/chat_line/chat_socket.py:lambda_handler

Each NAME=FILE:FUNCTION (or NAME=MODULE:FUNCTION) is served at
POST /2015-03-31/functions/NAME/invocations, as the Lambda Runtime Interface Emulator and
`sam local start-lambda` serve a function: the event is the body, the handler's return value is the
answer (as JSON), and a handler that raises answers `X-Amz-Function-Error: Unhandled` with Lambda's
`errorMessage`, `errorType` and `stackTrace`. The handler gets a context object with Lambda's fields
(`function_name`, `aws_request_id`, `invoked_function_arn`, `get_remaining_time_in_millis()`, ...).
The handlers run in this process with its environment: set what they read (AWS_ENDPOINT_URL_DYNAMODB,
AWS_REGION, ...) before starting it. Requests are served on threads, so a function may call another.
"""
import argparse
import http.server
import importlib
import importlib.util
import json
import os
import signal
import sys
import time
import traceback
import uuid

ACCOUNT = "000000000000"


class Context:
    """What Lambda's Python runtime hands a handler as its second argument."""

    def __init__(self, name, timeout):
        self.function_name = name
        self.function_version = "$LATEST"
        self.memory_limit_in_mb = 128
        self.aws_request_id = str(uuid.uuid4())
        region = os.environ.get("AWS_REGION") or os.environ.get("AWS_DEFAULT_REGION") or "us-east-1"
        self.invoked_function_arn = f"arn:aws:lambda:{region}:{ACCOUNT}:function:{name}"
        self.log_group_name = f"/aws/lambda/{name}"
        self.log_stream_name = time.strftime("%Y/%m/%d/[$LATEST]") + uuid.uuid4().hex
        self.identity = None
        self.client_context = None
        self._deadline = time.monotonic() + timeout

    def get_remaining_time_in_millis(self):
        return max(0, int((self._deadline - time.monotonic()) * 1000))


MODULES = {}


def load(spec):
    """FILE.py:FUNCTION or MODULE:FUNCTION -> the handler. A file is loaded once, however many of its
    functions are hosted, as an import would."""
    target, _, function = spec.rpartition(":")
    if not target or not function:
        raise SystemExit(f"lambda_host: expected FILE:FUNCTION or MODULE:FUNCTION, found '{spec}'")
    if target.endswith(".py"):
        path = os.path.abspath(target)
        if not os.path.exists(path):
            raise SystemExit(f"lambda_host: no file {target}")
        if path not in MODULES:
            sys.path.insert(0, os.path.dirname(path))
            name = os.path.splitext(os.path.basename(path))[0]
            module_spec = importlib.util.spec_from_file_location(name, path)
            module = importlib.util.module_from_spec(module_spec)
            module_spec.loader.exec_module(module)
            MODULES[path] = module
        module = MODULES[path]
    else:
        module = importlib.import_module(target)
    handler = getattr(module, function, None)
    if not callable(handler):
        raise SystemExit(f"lambda_host: {target} has no function {function}")
    return handler


def serve(handlers, host, port, timeout):
    class Handler(http.server.BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, *args):
            pass

        def answer(self, status, body, headers=()):
            data = json.dumps(body).encode()
            self.send_response(status)
            self.send_header("content-type", "application/json")
            self.send_header("content-length", str(len(data)))
            for name, value in headers:
                self.send_header(name, value)
            self.end_headers()
            self.wfile.write(data)

        def do_POST(self):
            parts = self.path.split("?")[0].strip("/").split("/")
            length = int(self.headers.get("content-length") or 0)
            raw = self.rfile.read(length) if length else b""
            if len(parts) != 4 or parts[:2] != ["2015-03-31", "functions"] or parts[3] != "invocations":
                return self.answer(404, {"message": f"no route {self.path}"})
            name = parts[2].split(":function:")[-1].split(":")[0]  # a name, or an ARN with a qualifier
            handler = handlers.get(name)
            if handler is None:
                return self.answer(404, {"Type": "User", "message": f"Function not found: {name}"},
                                   [("x-amzn-ErrorType", "ResourceNotFoundException")])
            try:
                event = json.loads(raw or b"{}")
            except ValueError:
                return self.answer(400, {"Type": "User", "message": "Could not parse request body into json"},
                                   [("x-amzn-ErrorType", "InvalidRequestContentException")])
            try:
                result = handler(event, Context(name, timeout))
                self.answer(200, result)
            except Exception as error:  # what Lambda's runtime reports for a handler that raises
                print(f"lambda_host: {name} raised {type(error).__name__}: {error}", file=sys.stderr, flush=True)
                self.answer(200, {"errorMessage": str(error), "errorType": type(error).__name__,
                                  "stackTrace": traceback.format_tb(error.__traceback__)},
                            [("X-Amz-Function-Error", "Unhandled")])

    server = http.server.ThreadingHTTPServer((host, port), Handler)
    server.daemon_threads = True
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    base = f"http://{host}:{server.server_address[1]}"
    print(f"lambda host listening on {base}", flush=True)
    for name in handlers:
        print(f"function: {name} -> {base}/2015-03-31/functions/{name}/invocations", flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass


def main():
    parser = argparse.ArgumentParser(description="Host Lambda handlers on the Lambda Invoke API.")
    parser.add_argument("functions", nargs="+", metavar="NAME=FILE:FUNCTION")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=9001, help="0 picks a free port")
    parser.add_argument("--timeout", type=float, default=30, help="what get_remaining_time_in_millis counts down from")
    arguments = parser.parse_args()
    handlers = {}
    for entry in arguments.functions:
        name, equals, spec = entry.partition("=")
        if not equals or not name:
            raise SystemExit(f"lambda_host: expected NAME=FILE:FUNCTION, found '{entry}'")
        handlers[name] = load(spec)
    serve(handlers, arguments.host, arguments.port, arguments.timeout)


if __name__ == "__main__":
    main()
