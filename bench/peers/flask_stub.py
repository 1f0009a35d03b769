"""What a team writes instead of tdmock: a Flask + SQLite stub of the token / start / send endpoints.

Written to be reasonably fast: SQLite in WAL mode, one connection per worker process, prepared-statement
friendly SQL, gunicorn with one sync worker per core (see bench/run.py).
"""
import base64
import json
import os
import secrets
import sqlite3
import time
import uuid

from flask import Flask, g, request

DB = os.environ.get("STUB_DB", "/tmp/flask-stub.sqlite")
app = Flask(__name__)
_connection = None


def db():
    global _connection
    if _connection is None:
        _connection = sqlite3.connect(DB, isolation_level=None, check_same_thread=False)
        _connection.execute("PRAGMA journal_mode=WAL")
        _connection.execute("PRAGMA synchronous=NORMAL")
        _connection.execute("PRAGMA busy_timeout=10000")
        _connection.executescript(
            """
            CREATE TABLE IF NOT EXISTS token (token TEXT PRIMARY KEY, expires REAL);
            CREATE TABLE IF NOT EXISTS conversation (id TEXT PRIMARY KEY, body TEXT, status TEXT);
            CREATE TABLE IF NOT EXISTS message (id TEXT PRIMARY KEY, conversation_id TEXT, content TEXT, created_at TEXT);
            """
        )
    return _connection


def error(status, code, message):
    return app.response_class(json.dumps({"code": code, "message": message}), status=status, mimetype="application/json")


def authorized():
    header = request.headers.get("Authorization", "")
    if not header.startswith("Bearer "):
        return False
    row = db().execute("SELECT expires FROM token WHERE token = ?", (header[7:],)).fetchone()
    return row is not None and row[0] > time.time()


@app.post("/oauth/token")
def token():
    header = request.headers.get("Authorization", "")
    try:
        client, secret = base64.b64decode(header[6:]).decode().split(":", 1)
    except Exception:
        return app.response_class('{"error":"invalid_client"}', status=401, mimetype="application/json")
    if client != "tdmock-client" or secret != "tdmock-secret":
        return app.response_class('{"error":"invalid_client"}', status=401, mimetype="application/json")
    value = secrets.token_urlsafe(32)
    db().execute("INSERT INTO token VALUES (?, ?)", (value, time.time() + 3600))
    return {"access_token": value, "token_type": "Bearer", "expires_in": 3600, "scope": "digital-connect:write"}


@app.post("/digital-connect/conversations")
def start():
    if not authorized():
        return error(401, "3016001", "Unauthorized")
    body = request.get_json(silent=True)
    if not isinstance(body, dict) or not body.get("touchpoint_id") or not (body.get("contact_person") or {}).get("email"):
        return error(400, "3016000", "Invalid request body")
    conversation = uuid.uuid4().hex
    db().execute("INSERT INTO conversation VALUES (?, ?, 'queued')", (conversation, json.dumps(body)))
    return {"id": conversation}, 201


@app.post("/digital-connect/conversations/<conversation>/messages")
def send(conversation):
    if not authorized():
        return error(401, "3016001", "Unauthorized")
    body = request.get_json(silent=True)
    if not isinstance(body, dict) or not (body.get("content") or body.get("attachments")):
        return error(400, "3016000", "Invalid request body")
    row = db().execute("SELECT status FROM conversation WHERE id = ?", (conversation,)).fetchone()
    if row is None:
        return error(404, "3016004", "Conversation not found")
    if row[0] == "ended":
        return error(409, "3016011", "Conversation has ended")
    message = uuid.uuid4().hex
    created = time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime()) + ".000Z"
    db().execute("INSERT INTO message VALUES (?, ?, ?, ?)", (message, conversation, body.get("content", ""), created))
    return {"id": conversation, "message_id": message, "created_at": created}, 201


@app.get("/healthz")
def health():
    return {"status": "ok"}
