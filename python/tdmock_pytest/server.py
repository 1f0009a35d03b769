"""A `tdmock serve` process and the calls a test makes to it: the Talkdesk side's token, the agent's
side (reply, close, wait for an event), the journals, and the AWS endpoint for boto3 clients."""
import base64
import json
import os
import shutil
import subprocess
import threading
import time
import urllib.error
import urllib.parse
import urllib.request


class TDMockError(RuntimeError):
    """A call tdmock answered with an error (its status and body), or a server that would not start."""

    def __init__(self, message, status=None, body=None):
        super().__init__(message)
        self.status = status
        self.body = body


def find_binary(explicit=None):
    """The tdmock to run: `explicit` (--tdmock-bin), else $TDMOCK_BIN, else `tdmock` on PATH."""
    candidate = explicit or os.environ.get("TDMOCK_BIN") or shutil.which("tdmock")
    if not candidate or not os.path.exists(candidate):
        raise TDMockError("no tdmock binary: pass --tdmock-bin, set TDMOCK_BIN, or put tdmock on PATH "
                          "(make build, or make dist's file)")
    return candidate


class TDMockServer:
    """`tdmock serve --port 0 --in-memory` (plus `arguments`), started and stopped; `url` once it listens."""

    def __init__(self, binary, arguments=(), env=None, timeout=60):
        environment = {k: v for k, v in os.environ.items() if not k.startswith("TDMOCK_")}
        environment.update(env or {})
        self.process = subprocess.Popen([binary, "serve", "--port", "0", "--in-memory", *arguments],
                                        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env=environment)
        self.output = []
        self.url = None
        ready = threading.Event()

        def read():
            for line in self.process.stdout:
                self.output.append(line)
                if self.url is None and line.startswith("tdmock listening on http://"):
                    self.url = line.split()[3]
                    ready.set()
            ready.set()

        # Read serve's output to its end on a thread, so that it never blocks on a full pipe.
        threading.Thread(target=read, daemon=True).start()
        if not ready.wait(timeout) or self.url is None:
            self.stop()
            raise TDMockError("tdmock serve did not start:\n" + "".join(self.output))

    def stop(self):
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


class TDMockContainer:
    """The container image running `serve --in-memory` on a free port of this machine's loopback, stopped at
    the end: the same server as TDMockServer, for a machine without the binary.

    It runs with the host's network, so what tdmock calls at 127.0.0.1 (your functions, your callback API)
    is this machine's, as with the binary: Linux's podman or docker (what CI runners have). The working
    folder is mounted read-only at the same path, so `tdmock_args` naming files in it (a config, a flow) work.
    """

    def __init__(self, image, arguments=(), tool=None, workdir=None, timeout=60):
        self.tool = tool or os.environ.get("CONTAINER_TOOL") or shutil.which("podman") or shutil.which("docker")
        if not self.tool:
            raise TDMockError("no podman or docker to run the image " + image + " (set CONTAINER_TOOL, or use --tdmock-bin)")
        workdir = os.path.abspath(workdir or os.getcwd())
        self.name = "tdmock-pytest-" + os.urandom(4).hex()
        self.url = None
        self.output = []
        # As this user, so that the server reads the folder as the tests do (rootless podman maps the user
        # with keep-id; elsewhere the uid is given), with nothing kept: HOME in /tmp, no agent token file.
        rootless_podman = os.path.basename(self.tool) == "podman" and os.getuid() != 0
        user = ["--userns=keep-id"] if rootless_podman else ["--user", f"{os.getuid()}:{os.getgid()}"]
        started = subprocess.run(
            [self.tool, "run", "-d", "--name", self.name, "--network", "host", *user,
             "-e", "HOME=/tmp", "-e", "TDMOCK_HOST=127.0.0.1", "-e", "TDMOCK_PORT=0", "-e", "TDMOCK_IN_MEMORY=true",
             "-e", "TDMOCK_AGENT_TOKEN_FILE=", "-v", f"{workdir}:{workdir}:ro", "-w", workdir, image, "serve", *arguments],
            capture_output=True, text=True)
        if started.returncode != 0:
            raise TDMockError(f"{os.path.basename(self.tool)} could not run {image}: {started.stderr.strip()}")
        deadline = time.monotonic() + timeout
        while self.url is None:
            logs = subprocess.run([self.tool, "logs", self.name], capture_output=True, text=True)
            self.output = (logs.stdout + logs.stderr).splitlines(keepends=True)
            for line in self.output:
                if line.startswith("tdmock listening on http://"):
                    self.url = line.split()[3]
            if self.url is None:
                running = subprocess.run([self.tool, "inspect", "--format", "{{.State.Running}}", self.name],
                                         capture_output=True, text=True).stdout.strip()
                if running != "true" or time.monotonic() > deadline:
                    self.stop()
                    raise TDMockError(f"tdmock serve did not start in {image}:\n" + "".join(self.output))
                time.sleep(0.1)

    def stop(self):
        subprocess.run([self.tool, "stop", "-t", "10", self.name], capture_output=True)
        subprocess.run([self.tool, "rm", "-f", self.name], capture_output=True)


class TDMock:
    """What a test gets from the `tdmock` fixture: the server's URLs and the calls around it."""

    client_id = "tdmock-client"
    client_secret = "tdmock-secret"
    touchpoint = "tp-tdmock"
    # Any credentials do: tdmock does not check AWS signatures, but the SDKs want some.
    aws_credentials = {"aws_access_key_id": "AKIDTDMOCK", "aws_secret_access_key": "tdmock", "region_name": "us-east-1"}

    def __init__(self, server, agent="pytest"):
        self.server = server
        self.url = server.url
        self.agent = agent

    # The AWS side

    @property
    def aws_endpoint(self):
        """The endpoint_url for boto3's lambda, lexv2-runtime and the AWS CLI."""
        return self.url

    @property
    def websocket_url(self):
        return self.url.replace("http://", "ws://") + "/apigw/ws/prod"

    @property
    def management_endpoint(self):
        """The endpoint_url of boto3's apigatewaymanagementapi client."""
        return self.url + "/apigw/ws/prod"

    def boto3_client(self, service, **kwargs):
        """A boto3 client pointed at tdmock (`apigatewaymanagementapi` at the WebSocket API's stage)."""
        import boto3

        endpoint = self.management_endpoint if service == "apigatewaymanagementapi" else self.aws_endpoint
        return boto3.client(service, endpoint_url=endpoint, **{**self.aws_credentials, **kwargs})

    # HTTP

    def call(self, method, path, body=None, headers=None, form=None, timeout=60):
        """`method path` on the server; the decoded JSON answer (None for an empty one). Raises TDMockError
        with the status and body on a 4xx or 5xx."""
        data = None
        headers = dict(headers or {})
        if form is not None:
            data = urllib.parse.urlencode(form).encode()
            headers.setdefault("Content-Type", "application/x-www-form-urlencoded")
        elif body is not None or method in ("POST", "PUT", "PATCH"):
            data = json.dumps({} if body is None else body).encode()
            headers.setdefault("Content-Type", "application/json")
        request = urllib.request.Request(self.url + path, data=data, method=method, headers=headers)
        try:
            with urllib.request.urlopen(request, timeout=timeout) as response:
                text = response.read().decode()
        except urllib.error.HTTPError as error:
            text = error.read().decode()
            raise TDMockError(f"{method} {path}: {error.code} {text}", status=error.code, body=text) from None
        return json.loads(text) if text else None

    # The Talkdesk side

    def token(self, scope=None):
        """An access token of the OAuth client, as the token service gives it."""
        basic = base64.b64encode(f"{self.client_id}:{self.client_secret}".encode()).decode()
        form = {"grant_type": "client_credentials", **({"scope": scope} if scope else {})}
        return self.call("POST", "/oauth/token", form=form, headers={"Authorization": "Basic " + basic})["access_token"]

    # The agent's side

    def conversations(self, status="all"):
        return self.call("GET", f"/tdmock/v1/conversations?status={urllib.parse.quote(status)}")

    def conversation(self, conversation_id):
        return self.call("GET", f"/tdmock/v1/conversations/{urllib.parse.quote(conversation_id)}")

    def reply(self, conversation_id, content, agent=None):
        """The agent's message (a queued conversation is assigned first)."""
        return self.call("POST", f"/tdmock/v1/conversations/{urllib.parse.quote(conversation_id)}/messages",
                         {"agent": agent or self.agent, "content": content})

    def close(self, conversation_id, agent=None):
        return self.call("POST", f"/tdmock/v1/conversations/{urllib.parse.quote(conversation_id)}/close", {"agent": agent or self.agent})

    def wait(self, event, count=1, timeout=30, conversation_id=None):
        """The first `count` events named `event` since the last reset, once they have happened."""
        query = {"event": event, "count": count, "timeout": timeout}
        if conversation_id:
            query["conversation_id"] = conversation_id
        return self.call("GET", "/tdmock/v1/wait?" + urllib.parse.urlencode(query), timeout=timeout + 10)

    # The journals

    def invocations(self, function=None):
        """What the functions got and answered, newest first."""
        return self.call("GET", "/tdmock/v1/invocations" + (f"?function={urllib.parse.quote(function)}" if function else ""))

    def requests(self):
        """What your code sent to the Talkdesk surface, the question API and the AWS APIs, newest first."""
        return self.call("GET", "/tdmock/v1/requests")

    def reset(self):
        """An empty inbox, journals and event log; the harness clock real and the queues as configured."""
        self.call("POST", "/tdmock/v1/reset", {})
