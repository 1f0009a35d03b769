#!/usr/bin/env python3
"""Callback outage test (`make outage-test`): the integration's callback API goes away and comes back.

50 conversations are started; then, while agents keep acting on all of them (assign, replies, some
closes), the receiver is down for 60 s (variant "down": connections refused) or answers 503 for 60 s
(variant "503"). Both variants run side by side, each with its own server and receiver, with tdmock's
default retry settings. After the receiver is back, 100 % of the events in the store must arrive, in
order per conversation, none lost; a delivery id may arrive twice only as a retry. Prints the backoff
schedule one delivery went through, from the journal.
"""

import argparse
import os
import shutil
import sqlite3
import sys
import tempfile
import threading
import time

from common import Receiver, Server, call, check_delivered, free_port, new_key, read_store, start_body, token


def variant(name, binary, conversations, outage, results):
    began = time.time()
    directory = tempfile.mkdtemp(prefix=f"tdmock-outage-{name}-")
    db = os.path.join(directory, "inbox.sqlite")
    receiver = Receiver()
    receiver.start("up")
    server = Server(binary, db, free_port(), receiver.url, log_path=os.path.join(directory, "serve.log"))
    server.start()
    bearer = token(server.url)
    ids = []
    for n in range(conversations):
        status, answer = call("POST", server.url + "/digital-connect/conversations", start_body(f"outage-{n}"),
                              {"authorization": "Bearer " + bearer, "x-idempotency-key": new_key()})
        assert status == 201, (status, answer)
        ids.append(answer["id"])

    def act(verb, conversation, content=None):
        body = {"agent": "Dana"}
        if content:
            body["content"] = content
        status, answer = call("POST", f"{server.url}/tdmock/v1/conversations/{conversation}/{verb}", body)
        assert status == 200, (verb, status, answer)

    for conversation in ids:
        act("assign", conversation)
    receiver.set_mode("down" if name == "down" else "503")
    outage_began = time.time()
    actions = conversations
    round_number = 0
    while time.time() - outage_began < outage:
        round_number += 1
        for conversation in ids:
            act("messages", conversation, f"reply {round_number} during the outage")
            actions += 1
        time.sleep(max(0.0, min(5.0, outage - (time.time() - outage_began))))
    for conversation in ids[: conversations // 5]:
        act("close", conversation)
        actions += 1
    receiver.set_mode("up")
    back = time.time()
    deadline = back + 180
    info = {}
    while time.time() < deadline:
        _, info = call("GET", server.url + "/tdmock/v1/info")
        if info["pending_callbacks"] == 0:
            break
        time.sleep(0.2)
    drained = time.time() - back
    server.stop()
    _, _, deliveries = read_store(db)
    problems = check_delivered(receiver, deliveries)
    order, repeats = receiver.accepted()
    if repeats:
        # No crash here: a delivery the receiver accepted is never sent again.
        problems.append(f"{repeats} deliveries accepted twice")
    if info.get("failed_callbacks"):
        problems.append(f"{info['failed_callbacks']} deliveries failed")
    refused = sum(1 for arrival in receiver.arrivals if arrival[2] != 200)
    # The schedule one delivery went through: the first event of the outage for the first conversation.
    connection = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    first = connection.execute(
        "SELECT delivery_id FROM callback_delivery WHERE conversation_id = ? AND event_type = 'message_created' ORDER BY seq LIMIT 1",
        (ids[0],)).fetchone()[0]
    journal = connection.execute(
        "SELECT attempt, started_at, status_code, error FROM callback_attempt WHERE delivery_id = ? ORDER BY attempt",
        (first,)).fetchall()
    most = connection.execute("SELECT MAX(attempts) FROM callback_delivery").fetchone()[0]
    connection.close()
    waits = [round((b[1] - a[1]) / 1000, 1) for a, b in zip(journal, journal[1:])]
    receiver.stop()
    results[name] = {
        "problems": problems, "deliveries": len(deliveries), "accepted": sum(len(v) for v in order.values()),
        "repeats": repeats, "refused": refused, "actions": actions, "drained": drained, "waits": waits,
        "attempts": len(journal), "most": most, "seconds": time.time() - began,
        "last": journal[-1][2] if journal else None, "directory": directory,
    }


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tdmock", required=True)
    parser.add_argument("--conversations", type=int, default=50)
    parser.add_argument("--outage", type=float, default=60)
    arguments = parser.parse_args()
    results = {}
    threads = [threading.Thread(target=variant, args=(name, arguments.tdmock, arguments.conversations, arguments.outage, results))
               for name in ("down", "503")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    failed = False
    for name in ("down", "503"):
        result = results.get(name)
        if result is None:
            print(f"{name}: the variant did not finish (see the error above)", file=sys.stderr)
            failed = True
            continue
        what = "receiver down (connections refused)" if name == "down" else "receiver answering 503"
        print(f"{what} for {arguments.outage:.0f} s, {arguments.conversations} conversations, {result['actions']} agent actions: "
              f"{result['accepted']}/{result['deliveries']} events delivered in order, {result['drained']:.1f} s after it came back; "
              f"{result['refused']} attempts answered 503, {result['repeats']} repeated deliveries; "
              f"most attempts for one delivery: {result['most']}")
        print(f"  one delivery's attempts: {result['attempts']}, waits between them (s): {result['waits']}")
        for problem in result["problems"][:20]:
            print("  PROBLEM " + problem, file=sys.stderr)
        if result["problems"]:
            print(f"  the store and the server's log are kept in {result['directory']}", file=sys.stderr)
            failed = True
        else:
            # Nothing to look at, and the stores would pile up in the temporary directory run after run.
            shutil.rmtree(result["directory"], ignore_errors=True)
    if failed:
        print("outage test FAILED", file=sys.stderr)
        return 1
    print("outage test: 100 % of events delivered, in order per conversation, none lost")
    return 0


if __name__ == "__main__":
    sys.exit(main())
