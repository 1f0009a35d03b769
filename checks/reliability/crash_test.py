#!/usr/bin/env python3
"""Crash test (`make crash-test`): nothing acknowledged is lost, nothing replayed is doubled.

Several clients start conversations and send messages (with idempotency keys, retried with the same
key until they get an answer, as an integration would) and act as agents (assign, reply, close),
while the server is `kill -9`ed at random moments and restarted on the same database. After each
restart every 2xx the clients logged is checked against the store: the acknowledged conversation,
message or agent reply is there, and each idempotency key made exactly one row. At the end every
agent event in the store must have reached the callback receiver, in order per conversation.
"""

import argparse
import os
import random
import shutil
import sys
import tempfile
import threading
import time

from common import Receiver, Server, call, check_delivered, free_port, new_key, read_store, start_body, token


class Client(threading.Thread):
    """One integration plus one agent, acting at random and logging every acknowledged write."""

    def __init__(self, number, server, stop, log, log_lock, rng):
        super().__init__(daemon=True)
        self.number = number
        self.server = server
        self.stop = stop
        self.log = log
        self.log_lock = log_lock
        self.rng = rng
        self.token = None
        self.open = []  # conversations this client may still act on
        self.retries = 0
        self.error = None

    def record(self, entry):
        with self.log_lock:
            self.log.append(entry)

    def until_answered(self, method, path, body=None, key=None):
        """Retries on connection errors (the server is down) with the same idempotency key."""
        while True:
            try:
                if self.token is None:
                    self.token = token(self.server.url)
                headers = {"authorization": "Bearer " + self.token}
                if key:
                    headers["x-idempotency-key"] = key
                status, answer = call(method, self.server.url + path, body=body, headers=headers)
                if status == 401:
                    self.token = None
                    continue
                return status, answer
            except OSError:
                self.retries += 1
                time.sleep(0.05)

    def agent(self, verb, conversation, content=None):
        """An agent action: no idempotency key in the agent API, so a dropped connection is not retried
        (whether it happened is for the store to say); only answered actions are logged."""
        body = {"agent": f"Agent{self.number}"}
        if content is not None:
            body["content"] = content
        try:
            return call("POST", f"{self.server.url}/tdmock/v1/conversations/{conversation}/{verb}", body=body)
        except OSError:
            self.retries += 1
            time.sleep(0.05)
            return None, None

    def run(self):
        try:
            self.act()
        except Exception as error:  # reported by main, which fails the test
            self.error = f"client {self.number}: {type(error).__name__}: {error}"

    def act(self):
        while not self.stop.is_set():
            choice = self.rng.random()
            if choice < 0.2 or not self.open:
                key = new_key()
                subject = f"crash-{key}"
                status, answer = self.until_answered("POST", "/digital-connect/conversations", start_body(subject), key)
                if status != 201:
                    raise AssertionError(f"start: {status} {answer}")
                self.record(("start", key, answer["id"], subject))
                self.open.append(answer["id"])
            elif choice < 0.7:
                conversation = self.rng.choice(self.open)
                key = new_key()
                content = f"contact-{key}"
                status, answer = self.until_answered(
                    "POST", f"/digital-connect/conversations/{conversation}/messages", {"content": content}, key)
                if status == 201:
                    self.record(("send", key, answer["message_id"], conversation, content))
                elif status == 410:  # the agent closed it meanwhile (Talkdesk: 410 3016011)
                    self.open.remove(conversation)
                else:
                    raise AssertionError(f"send: {status} {answer}")
            elif choice < 0.95:
                conversation = self.rng.choice(self.open)
                content = f"agent-{new_key()}"
                status, answer = self.agent("messages", conversation, content)
                if status == 200:
                    sent = [m for m in answer["messages"] if m["content"] == content]
                    if len(sent) != 1:
                        raise AssertionError(f"reply {content} appears {len(sent)} times in the answer")
                    self.record(("reply", content, sent[0]["message_id"], conversation))
                elif status not in (None, 409):
                    raise AssertionError(f"reply: {status} {answer}")
            else:
                conversation = self.rng.choice(self.open)
                status, answer = self.agent("close", conversation)
                if status == 200:
                    self.record(("close", conversation))
                    self.open.remove(conversation)
                elif status not in (None, 409):
                    raise AssertionError(f"close: {status} {answer}")


def check_store(db, log):
    """Problems with the store against the acknowledged writes (empty list: none)."""
    conversations, messages, deliveries = read_store(db)
    problems = []
    by_subject = {}
    for conversation_id, subject, _status in conversations:
        by_subject.setdefault(subject, []).append(conversation_id)
    by_content = {}
    for message_id, conversation_id, _author, content in messages:
        by_content.setdefault(content, []).append((message_id, conversation_id))
    status_of = {c[0]: c[2] for c in conversations}
    for entry in log:
        kind = entry[0]
        if kind == "start":
            _, key, conversation_id, subject = entry
            found = by_subject.get(subject, [])
            if found != [conversation_id]:
                problems.append(f"start {key}: acknowledged {conversation_id}, store has {found}")
        elif kind in ("send", "reply"):
            message_id, conversation_id, content = entry[2], entry[3], entry[4] if kind == "send" else entry[1]
            found = by_content.get(content, [])
            if found != [(message_id, conversation_id)]:
                problems.append(f"{kind} {content}: acknowledged {message_id}, store has {found}")
        elif kind == "close":
            if status_of.get(entry[1]) != "ended":
                problems.append(f"close {entry[1]}: acknowledged, store says {status_of.get(entry[1])}")
    # Unacknowledged writes may or may not be there, but never twice.
    for subject, ids in by_subject.items():
        if len(ids) > 1:
            problems.append(f"{len(ids)} conversations for one idempotency key ({subject})")
    for content, rows in by_content.items():
        if len(rows) > 1 and (content.startswith("contact-") or content.startswith("agent-")):
            problems.append(f"{len(rows)} messages for one write ({content})")
    return problems, len(conversations), len(messages), deliveries


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tdmock", required=True)
    parser.add_argument("--kills", type=int, default=10)
    parser.add_argument("--clients", type=int, default=4)
    parser.add_argument("--seed", type=int, default=int(time.time()))
    arguments = parser.parse_args()
    rng = random.Random(arguments.seed)
    began = time.time()
    directory = tempfile.mkdtemp(prefix="tdmock-crash-")
    db = os.path.join(directory, "inbox.sqlite")
    receiver = Receiver()
    receiver.start("up")
    # Quick retries, so that deliveries caught by a kill go out soon after the restart.
    server = Server(arguments.tdmock, db, free_port(), receiver.url,
                    extra_env={"TDMOCK_CALLBACK_RETRY_MAX": "1"}, log_path=os.path.join(directory, "serve.log"))
    server.start()
    stop = threading.Event()
    log, log_lock = [], threading.Lock()
    clients = [Client(n, server, stop, log, log_lock, random.Random(rng.random())) for n in range(arguments.clients)]
    for client in clients:
        client.start()
    failures = []
    for kill in range(1, arguments.kills + 1):
        time.sleep(rng.uniform(0.5, 2.5))
        server.kill()
        with log_lock:
            acknowledged = list(log)
        problems, conversations, messages, _ = check_store(db, acknowledged)
        print(f"kill {kill:2}: {len(acknowledged):5} acknowledged writes so far; store has {conversations} conversations, "
              f"{messages} messages; lost or doubled: {len(problems)}", flush=True)
        failures += problems
        server.start()
    time.sleep(1)
    stop.set()
    for client in clients:
        client.join(timeout=60)
        if client.is_alive():
            failures.append(f"client {client.number} did not finish")
        if client.error:
            failures.append(client.error)
    # Every agent event reaches the receiver.
    deadline = time.time() + 120
    while time.time() < deadline:
        status, info = call("GET", server.url + "/tdmock/v1/info")
        if status == 200 and info["pending_callbacks"] == 0:
            break
        time.sleep(0.2)
    server.stop()
    problems, conversations, messages, deliveries = check_store(db, log)
    failures += problems
    failures += check_delivered(receiver, deliveries)
    _, repeats = receiver.accepted()
    kinds = {}
    for entry in log:
        kinds[entry[0]] = kinds.get(entry[0], 0) + 1
    print(f"acknowledged: {len(log)} writes ({', '.join(f'{k} {v}' for k, v in sorted(kinds.items()))}); "
          f"client retries while the server was down: {sum(c.retries for c in clients)}")
    print(f"store: {conversations} conversations, {messages} messages, {len(deliveries)} callback deliveries; "
          f"receiver: {sum(len(v) for v in receiver.accepted()[0].values())} accepted, {repeats} repeated "
          f"(a delivery in flight at a kill, sent again with the same id)")
    print(f"{arguments.kills} kills, seed {arguments.seed}, {time.time() - began:.0f} s")
    receiver.stop()
    if failures:
        print(f"FAILED: {len(failures)} problems", file=sys.stderr)
        for problem in failures[:50]:
            print("  " + problem, file=sys.stderr)
        print(f"the store and the server's log are kept in {directory}", file=sys.stderr)
        return 1
    # Passed: nothing to look at, and tens of MB per run would pile up in the temporary directory.
    shutil.rmtree(directory, ignore_errors=True)
    print("crash test: 0 acknowledged writes lost, 0 duplicates, every callback delivered in order")
    return 0


if __name__ == "__main__":
    sys.exit(main())
