#!/usr/bin/env python3
"""`make fuzz`: schemathesis against a live `tdmock serve`, for the three OpenAPI documents.

Three servers (in memory, free ports): one for the Talkdesk surface (openapi/talkdesk.yaml), one for the
agent API (openapi/agent.yaml), so that the agent API's faults and resets do not reach the Talkdesk
fuzzing, and one for the question-response line (openapi/question-response.yaml), where a scripted agent
(fixtures/agent-script.yaml, whose last rule takes every question) answers each question as it is asked,
so that a held question comes back at once instead of after its wait; the calls' Lambda is not running,
so every utterance takes the documented error branch. There `DELETE /connect/v1/contacts/{id}` hangs the
call up and the contact stays readable, ended, so schemathesis' use-after-free check (a deleted resource
must be 404) does not apply to it. Every check schemathesis has is on: no 5xx, every status, header, content type and body as the
documents say, invalid requests refused and valid ones accepted. The token operation runs on its own
with the credentials schemathesis makes up (401; the Swift tests cover the right ones: a fixed
Authorization header would also answer the cases meant to lack it), the other Talkdesk operations with
a bearer token from the default client. Left out: the agent API's
`/events` (a stream that does not end) and `/wait` (a long poll) are not fuzzed: they block by design.
"""

import argparse
import base64
import json
import os
import re
import subprocess
import sys
import time
import urllib.request

SEED = 1
ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


# The agent API's server asks for a token, as one beyond loopback does, so that the workspace's sign-in
# is fuzzed as it is used (on a server without a token, signing in is refused by design).
AGENT_TOKEN = "fuzz-agent-token-0123456789"


def start_server(binary, *arguments):
    env = {k: v for k, v in os.environ.items() if not k.startswith("TDMOCK_")}
    process = subprocess.Popen([binary, "serve", "--in-memory", "--port", "0", *arguments], stdout=subprocess.PIPE,
                               stderr=subprocess.STDOUT, env=env, text=True)
    for line in process.stdout:
        if line.startswith("tdmock listening on "):
            return process, line.strip()[len("tdmock listening on "):]
    raise RuntimeError("tdmock serve did not start")


def start_agent(binary, url):
    env = {k: v for k, v in os.environ.items() if not k.startswith("TDMOCK_")}
    return subprocess.Popen([binary, "agent", "--server", url, "--agent", "Fuzz", "--script",
                             os.path.join(ROOT, "fixtures", "agent-script.yaml")],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env)


def token(url):
    request = urllib.request.Request(url + "/oauth/token", data=b"grant_type=client_credentials", method="POST", headers={
        "Authorization": "Basic " + base64.b64encode(b"tdmock-client:tdmock-secret").decode(),
        "Content-Type": "application/x-www-form-urlencoded"})
    with urllib.request.urlopen(request) as response:
        return json.load(response)["access_token"]


# One worker: with two, CPython 3.11.7's ast.parse, which hypothesis calls from both threads, failed
# with "AST constructor recursion depth mismatch" (a CPython bug fixed in 3.11.8, not tdmock's).
def schemathesis(document, url, examples, extra):
    command = ["st", "run", os.path.join(ROOT, "openapi", document), "--url", url, "--checks", "all",
               "--max-examples", str(examples), "--workers", "1", "--request-timeout", "10", "--seed", str(SEED)] + extra
    print("$ " + " ".join(command), flush=True)
    began = time.time()
    result = subprocess.run(command, capture_output=True, text=True)
    output = result.stdout + result.stderr
    cases = re.search(r"(\d+) generated", output)
    summary = re.search(r"={3,} (.*) in [0-9.]+s =+", output)
    print(f"  {cases.group(1) if cases else '?'} test cases, {summary.group(1) if summary else 'no summary'}, "
          f"{time.time() - began:.0f} s", flush=True)
    if result.returncode != 0:
        print(output[-20000:], flush=True)
    return result.returncode, int(cases.group(1)) if cases else 0


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tdmock", required=True)
    parser.add_argument("--examples", type=int, default=150, help="examples per operation and phase")
    parser.add_argument("--seed", type=int, default=1, help="schemathesis seed (the same seed, the same cases)")
    arguments = parser.parse_args()
    global SEED
    SEED = arguments.seed
    talkdesk, talkdesk_url = start_server(arguments.tdmock)
    agent, agent_url = start_server(arguments.tdmock, "--agent-token", AGENT_TOKEN)
    questions, questions_url = start_server(arguments.tdmock)
    answerer = start_agent(arguments.tdmock, questions_url)
    try:
        runs = [
            schemathesis("talkdesk.yaml", talkdesk_url, arguments.examples,
                         ["--include-operation-id", "token"]),
            # Digital Connect and the Attachments API refuse some schema-valid requests by the state they
            # name, as Talkdesk does (a message's attachment that does not exist: 400 3016012; a file of a
            # type its upload link does not allow: 400 2320000), so the check that every schema-valid
            # request is accepted is left out here; every other check runs.
            schemathesis("talkdesk.yaml", talkdesk_url, arguments.examples,
                         ["--exclude-operation-id", "token", "--header", f"Authorization: Bearer {token(talkdesk_url)}",
                          "--exclude-checks", "positive_data_acceptance"]),
            schemathesis("agent.yaml", agent_url, arguments.examples,
                         ["--exclude-path", "/tdmock/v1/events", "--exclude-path", "/tdmock/v1/wait",
                          "--header", f"Authorization: Bearer {AGENT_TOKEN}"]),
            schemathesis("question-response.yaml", questions_url, arguments.examples,
                         ["--header", "x-api-key: tdmock-question-key", "--exclude-checks", "use_after_free"]),
        ]
    finally:
        answerer.terminate()
        answerer.wait(timeout=30)
        for process in (talkdesk, agent, questions):
            process.terminate()
            process.wait(timeout=30)
    crashed = [p for p in (talkdesk, agent, questions) if p.returncode not in (0, -15)]
    total = sum(cases for _, cases in runs)
    failed = [code for code, _ in runs if code != 0]
    print(f"fuzz: {total} test cases against the three documents; "
          + ("no server error, no answer outside the documents" if not failed and not crashed else f"{len(failed)} runs FAILED"))
    return 1 if failed or crashed or total < 2000 else 0


if __name__ == "__main__":
    sys.exit(main())
