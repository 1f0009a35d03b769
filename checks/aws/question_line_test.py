#!/usr/bin/env python3
"""The question line on the integration's own flow, bot and functions (examples/question_line), unmodified:
tdmock serve runs contact_flow.json (a flow's exported Content) with the Lex V2 bot export in
fixtures/lex-export; tools/lambda_host.py hosts the Python functions (customer_lookup for the flow's
InvokeLambdaFunction, question_fallback for the bot's FallbackIntent); the agent answers the question API
over the agent API. Then the flow's coverage, exact.

    python3 checks/aws/question_line_test.py --tdmock .build/debug/tdmock
"""
import argparse
import concurrent.futures
import json
import os
import subprocess
import sys
import urllib.request

from aws_test import expect, free_port, started, stop_all

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
EXAMPLE = os.path.join(ROOT, "examples", "question_line")

# The flow's actions by what they do (their Identifiers are the console's UUIDs).
LOG, LOOKUP, REMEMBER, ASK = "4c1e9f1a-6f8e-4d4b-9d5e-0b1f1d2a7c01", "9a0d3c55-2b7e-4f61-8f0e-3e4b6a1c9d02", "e7b2a1c4-5d6f-4a3b-8c9d-1e2f3a4b5c03", "2f8e7d6c-5b4a-4392-8170-6f5e4d3c2b04"
CHECK, SPEAK, GOODBYE, LISTEN = "b1c2d3e4-f5a6-4b7c-8d9e-0f1a2b3c4d05", "c3d4e5f6-a7b8-4c9d-8e0f-1a2b3c4d5e06", "d4e5f6a7-b8c9-4d0e-9f1a-2b3c4d5e6f07", "8e9f0a1b-2c3d-4e5f-a6b7-c8d9e0f1a208"
HANDOFF, QUEUE, TRANSFER, SORRY = "f5a6b7c8-d9e0-4f1a-8b2c-3d4e5f6a7b09", "a6b7c8d9-e0f1-4a2b-9c3d-4e5f6a7b8c10", "0b1c2d3e-4f5a-4b6c-9d7e-8f9a0b1c2d11", "1c2d3e4f-5a6b-4c7d-8e9f-0a1b2c3d4e12"
STILL_THERE, HANG_UP = "5a6b7c8d-9e0f-4a1b-b2c3-d4e5f6a7b814", "3e4f5a6b-7c8d-4e9f-a0b1-c2d3e4f5a613"
HOURS, CLOSED = "6d7e8f90-1a2b-4c3d-9e4f-5a6b7c8d9e15", "7e8f901a-2b3c-4d4e-8f5a-6b7c8d9e0f16"


def call(server, method, path, body=None):
    request = urllib.request.Request(server + path, method=method, headers={"content-type": "application/json"},
                                     data=json.dumps(body).encode() if body is not None else None)
    with urllib.request.urlopen(request, timeout=30) as response:
        return json.loads(response.read() or b"null")


ASKED = {}


def ask_and_answer(server, contact, text, answer):
    """The caller says `text`; the Lambda asks the question API, which holds it until the agent answers."""
    ASKED[contact] = ASKED.get(contact, 0) + 1
    with concurrent.futures.ThreadPoolExecutor(1) as pool:
        turn = pool.submit(call, server, "POST", f"/connect/v1/contacts/{contact}/utterances", {"text": text})
        created = call(server, "GET", f"/tdmock/v1/wait?event=question_created&session_id={contact}&count={ASKED[contact]}&timeout=20")
        expect(created, f"no question for {text!r}")
        question = created[-1]["question_id"]
        call(server, "POST", f"/tdmock/v1/questions/{question}/answer", dict(answer, agent="Dana"))
        return turn.result(timeout=30)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--tdmock", required=True)
    arguments = parser.parse_args()
    processes = []
    try:
        port = free_port()
        host = f"http://127.0.0.1:{port}"
        env = {k: v for k, v in os.environ.items() if not k.startswith("TDMOCK_")}
        functions = [f"--function={name}={host}/2015-03-31/functions/{name}/invocations" for name in ["customer_lookup", "question_fallback"]]
        serve, server = started([arguments.tdmock, "serve", "--config", os.path.join(EXAMPLE, "tdmock.yaml"), "--port", "0", *functions],
                                r"tdmock listening on (\S+)", env=env)
        processes.append(serve)
        function_env = dict(env, QUESTION_API_URL=server, QUESTION_API_KEY="tdmock-question-key")
        lambda_host, _ = started([sys.executable, os.path.join(ROOT, "tools", "lambda_host.py"), "--port", str(port),
                                  f"customer_lookup={EXAMPLE}/customer_lookup.py:lambda_handler",
                                  f"question_fallback={EXAMPLE}/question_fallback.py:lambda_handler"],
                                 r"lambda host listening on (\S+)", env=function_env)
        processes.append(lambda_host)

        # A known caller: greeted by name ($.External via InvokeLambdaFunction, then $.Attributes).
        ada = call(server, "POST", "/connect/v1/contacts", {"caller": "+15550100"})
        expect(ada["prompt"] == "Hello Ada. What is your question?" and not ada["ended"], ada)
        contact = ada["contact_id"]
        turn = ask_and_answer(server, contact, "What are our third quarter earnings?", {"type": "speak", "text": "They were 4.2 million."})
        expect(turn["branch"] == "speak" and turn["prompt"] == "They were 4.2 million." and not turn["ended"], turn)
        turn = ask_and_answer(server, contact, "Thanks, that is all", {"type": "disconnect", "text": "Goodbye."})
        expect(turn["branch"] == "disconnect" and turn["prompt"] == "Goodbye." and turn["ended"], turn)

        # Silence, then a question the agent cannot answer: the flow hands the call to a queue.
        grace = call(server, "POST", "/connect/v1/contacts", {"caller": "+15550111"})
        expect(grace["prompt"] == "Hello Grace. What is your question?", grace)
        contact = grace["contact_id"]
        turn = call(server, "POST", f"/connect/v1/contacts/{contact}/utterances", {"silence": True})
        expect(turn["prompt"] == "Are you still there? Ask your question whenever you are ready." and not turn["ended"], turn)
        turn = ask_and_answer(server, contact, "Can I change my plan?", {"type": "failed", "reason": "no_workflow"})
        expect(turn["branch"] == "transfer" and turn["ended"], turn)
        expect(turn["prompt"] == "I could not answer that. Let me put you through to someone who can.", turn)
        shown = call(server, "GET", f"/connect/v1/contacts/{contact}")
        expect(shown["ended_by"] == "transfer" and shown["queue"].endswith("/queue/7a8b9c0d-1e2f-4a3b-8c4d-5e6f7a8b9c0d"), shown)
        expect(shown["attributes"] == {"tier": "standard", "first_name": "Grace"}, shown["attributes"])

        # What the functions got: Connect's event with the flow's parameters; Lex's with the block's session attributes.
        lookups = call(server, "GET", "/tdmock/v1/invocations?function=customer_lookup")
        event = lookups[-1]["event"]
        expect(event["Name"] == "ContactFlowEvent" and event["Details"]["Parameters"] == {"phone": "+15550100"}, event)
        expect(event["Details"]["ContactData"]["CustomerEndpoint"]["Address"] == "+15550100", event)
        fallbacks = call(server, "GET", "/tdmock/v1/invocations?function=question_fallback")
        first = fallbacks[-1]["event"]
        expect(first["sessionState"]["sessionAttributes"] == {"tier": "gold"} and first["bot"]["id"] == "QUESTBOT01", first)
        expect(call(server, "GET", "/tdmock/v1/invocations?failed=true") == [], "no invocation failed")

        # Coverage since start, exact: each action's runs, each transition's takes.
        coverage = call(server, "GET", "/connect/v1/coverage")
        runs = {a["identifier"]: a["runs"] for a in coverage["flows"][0]["actions"]}
        expect(runs == {LOG: 2, HOURS: 2, CLOSED: 0, LOOKUP: 2, REMEMBER: 2, ASK: 2, CHECK: 3, SPEAK: 1, GOODBYE: 1, LISTEN: 2, HANDOFF: 1, QUEUE: 1,
                        TRANSFER: 1, SORRY: 0, STILL_THERE: 1, HANG_UP: 1}, runs)
        taken = {(a["identifier"], t["transition"]): t["taken"] for a in coverage["flows"][0]["actions"] for t in a["transitions"]}
        expect({key for key, count in taken.items() if count} == {
            (LOG, "NextAction"), (HOURS, "Conditions: Equals True"), (LOOKUP, "NextAction"), (REMEMBER, "NextAction"),
            (ASK, "Conditions: Equals FallbackIntent"), (ASK, "Errors: InputTimeLimitExceeded"),
            (CHECK, "Conditions: Equals speak"), (CHECK, "Conditions: Equals disconnect"), (CHECK, "Conditions: Equals failed"),
            (SPEAK, "NextAction"), (GOODBYE, "NextAction"), (LISTEN, "Conditions: Equals FallbackIntent"),
            (HANDOFF, "NextAction"), (QUEUE, "NextAction"), (STILL_THERE, "NextAction"),
        }, sorted(key for key, count in taken.items() if count))
        expect(taken[(CHECK, "Conditions: Equals speak")] == 1 and taken[(LISTEN, "Conditions: Equals FallbackIntent")] == 2, taken)
        totals = coverage["totals"]
        expect(totals == {"actions": 16, "actions_run": 14, "transitions": 36, "transitions_taken": 15}, totals)

        # The command line shows the same.
        text = subprocess.run([arguments.tdmock, "contacts", "--coverage", "--server", server], capture_output=True, text=True, check=True).stdout
        expect("14 of 16 actions run, 15 of 36 transitions taken." in text and f"{SORRY} (MessageParticipant): never run" in text, text)
        print("question line test passed: the user's flow, bot export and Python functions, with coverage")
    finally:
        stop_all(processes)


if __name__ == "__main__":
    main()
