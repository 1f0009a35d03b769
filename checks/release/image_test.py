#!/usr/bin/env python3
"""The container image's smoke test (make test, after make image): run it as a user would.

A volume and a mounted config file; the health check; a token and Start a Conversation from the host; the
agent API behind the token the image made at its first start; a non-root process; `stop` (SIGTERM) within
10 seconds and a clean exit; started again, the conversation and the token are still there. Standard
library only; podman (or CONTAINER_TOOL) runs the container.
"""

import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
import uuid

from common import call, expect, free_port

HERE = os.path.dirname(os.path.abspath(__file__))




class Tool:
    """podman or docker, run with the check's settings."""

    def __init__(self, path):
        self.path = path
        self.env = dict(os.environ)
        if os.path.basename(path) == "podman":
            self.env.setdefault("CONTAINERS_CONF", os.path.join(HERE, "containers.conf"))

    def __call__(self, *args, check=True, timeout=120):
        result = subprocess.run([self.path, *args], env=self.env, capture_output=True, text=True, timeout=timeout)
        if check and result.returncode != 0:
            raise AssertionError(f"{os.path.basename(self.path)} {' '.join(args)} exited {result.returncode}: {result.stderr.strip()}")
        return result

    def inspect(self, name, template):
        return self("inspect", "--format", template, name).stdout.strip()



def wait_healthy(url, seconds=30):
    start = time.monotonic()
    while time.monotonic() - start < seconds:
        try:
            if call("GET", url + "/healthz")[0] == 200:
                return time.monotonic() - start
        except OSError:
            pass
        time.sleep(0.05)
    raise AssertionError(f"{url}/healthz did not answer within {seconds} s")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--image", required=True)
    arguments = parser.parse_args()
    tool = Tool(os.environ.get("CONTAINER_TOOL") or shutil.which("podman") or shutil.which("docker") or sys.exit("no podman or docker"))
    name = "tdmock-smoke-" + uuid.uuid4().hex[:8]
    volume = name + "-data"
    work = tempfile.mkdtemp(prefix="tdmock-image-")
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    try:
        # What the image declares.
        inspected = json.loads(tool("image", "inspect", arguments.image).stdout)[0]
        config = inspected["Config"]
        # docker keeps the health check in Config, podman beside it.
        healthcheck = config.get("Healthcheck") or inspected.get("Healthcheck") or {}
        expect(config.get("User") == "10001:10001", f"the image runs as {config.get('User')!r}, not the non-root user")
        expect("/data" in (config.get("Volumes") or {}), "the image declares no /data volume")
        expect("8080/tcp" in (config.get("ExposedPorts") or {}), "the image exposes no 8080")
        expect(healthcheck.get("Test", [None])[-1] == "--quiet", f"no health check: {healthcheck}")
        size = int(tool("image", "inspect", "--format", "{{.Size}}", arguments.image).stdout.strip())
        print(f"ok   the image: user 10001, volume /data, port 8080, a health check; {size / 1e6:.1f} MB")

        # Started with a volume and a mounted config file, configured by TDMOCK_* as on the host.
        with open(os.path.join(work, "tdmock.yaml"), "w") as f:
            f.write("touchpoints:\n  - id: tp-smoke\n    name: Smoke test\n")
        os.chmod(work, 0o755)
        os.chmod(os.path.join(work, "tdmock.yaml"), 0o644)
        tool("volume", "create", volume)
        tool(
            "run", "-d", "--name", name, "-p", f"127.0.0.1:{port}:8080", "-v", f"{volume}:/data",
            "-v", f"{work}/tdmock.yaml:/etc/tdmock/tdmock.yaml:ro", "-e", "TDMOCK_CONFIG=/etc/tdmock/tdmock.yaml",
            "-e", "TDMOCK_CALLBACK_MAX_ATTEMPTS=3", arguments.image,
        )
        took = wait_healthy(url)
        logs = tool("logs", name).stdout
        made = re.search(r"agent token: ([0-9a-f]{64}) \(made now, kept in /data/agent-token\)", logs)
        expect(made, f"no agent token made at the first start:\n{logs}")
        agent_token = made.group(1)
        expect("touchpoint: tp-smoke (Smoke test)" in logs, f"the mounted config file was not read:\n{logs}")
        expect("tdmock listening on http://0.0.0.0:8080" in logs, f"not listening on 0.0.0.0:8080:\n{logs}")
        expect("workspace: http://localhost:8080/ in a browser (it asks for the agent token)" in logs, f"the workspace's address:\n{logs}")
        print(f"ok   started with a volume and a config file, healthy in {took:.2f} s, agent token made and printed")

        pid = tool.inspect(name, "{{.State.Pid}}")
        with open(f"/proc/{pid}/status") as status:
            uids = next(line for line in status if line.startswith("Uid:")).split()[1:]
        expect(set(uids) == {"10001"}, f"the server runs as uid {uids}")
        print("ok   the server runs as uid 10001, not root")

        health = tool("healthcheck", "run", name, check=False) if "podman" in tool.path else None
        if health is not None:
            expect(health.returncode == 0, f"the health check failed: {health.stdout}{health.stderr}")
            print("ok   podman healthcheck run: healthy")

        # From the host: a token and Start a Conversation, as an integration does.
        status, answer, _ = call(
            "POST", url + "/oauth/token", form="grant_type=client_credentials&scope=digital-connect:write",
            headers={"authorization": "Basic dGRtb2NrLWNsaWVudDp0ZG1vY2stc2VjcmV0"},
        )
        expect(status == 200, f"token: {status} {answer}")
        bearer = {"authorization": "Bearer " + answer["access_token"], "x-idempotency-key": uuid.uuid4().hex}
        start = {"touchpoint_id": "tp-smoke", "subject": "Smoke test", "contact_person": {"name": "Ana", "email": "ana@example.com"}}
        status, conversation, _ = call("POST", url + "/digital-connect/conversations", body=start, headers=bearer)
        expect(status == 201, f"Start a Conversation: {status} {conversation}")
        path = f"/digital-connect/conversations/{conversation['id']}/messages"
        status, message, _ = call("POST", url + path, body={"content": "Hello from the host"}, headers={**bearer, "x-idempotency-key": uuid.uuid4().hex})
        expect(status in (200, 201), f"Send a Message: {status} {message}")
        agent = {"authorization": "Bearer " + agent_token}
        expect(call("GET", url + "/tdmock/v1/conversations")[0] == 401, "the agent API answered without the agent token")
        status, inbox, _ = call("GET", url + "/tdmock/v1/conversations", headers=agent)
        expect(status == 200 and [c["id"] for c in inbox] == [conversation["id"]], f"the inbox: {status} {inbox}")
        status, _, headers = call("POST", url + "/tdmock/v1/sign-in", body={"token": agent_token})
        expect(status in (200, 204) and "HttpOnly" in (headers.get("set-cookie") or ""), f"workspace sign-in: {status} {headers}")
        print("ok   a token and Start a Conversation from the host; the agent API and the workspace's sign-in take the token")

        # SIGTERM (stop) ends it within 10 s, cleanly; started again, everything is still there.
        began = time.monotonic()
        tool("stop", "-t", "10", name, timeout=30)
        stopped = time.monotonic() - began
        code = tool.inspect(name, "{{.State.ExitCode}}")
        expect(stopped <= 10 and code == "0", f"stop took {stopped:.1f} s, exit code {code}")
        print(f"ok   stop (SIGTERM): exited 0 in {stopped:.2f} s")
        tool("start", name)
        wait_healthy(url)
        expect("agent token: the one in /data/agent-token" in tool("logs", name).stdout, "the second start did not keep the token")
        status, detail, _ = call("GET", url + f"/tdmock/v1/conversations/{conversation['id']}", headers=agent)
        messages = [m.get("content") for m in (detail or {}).get("messages", [])]
        expect(status == 200 and "Hello from the host" in messages, f"after a restart: {status} {detail}")
        began = time.monotonic()
        tool("kill", "--signal", "TERM", name)
        tool("wait", name, timeout=30)
        stopped = time.monotonic() - began
        expect(stopped <= 10 and tool.inspect(name, "{{.State.ExitCode}}") == "0", f"SIGTERM took {stopped:.1f} s")
        print(f"ok   started again on the volume: the conversation, its message and the token are there; SIGTERM: {stopped:.2f} s")
    finally:
        tool("rm", "-f", name, check=False)
        tool("volume", "rm", "-f", volume, check=False)
        shutil.rmtree(work, ignore_errors=True)
    print("image test passed: tdmock:VERSION runs as a user runs it, with podman")


if __name__ == "__main__":
    main()
