"""What the three functions share: the Talkdesk secrets from Secrets Manager, an access token from the
Talkdesk ID token service, and Digital Connect calls. Endpoints come from the environment only:
TALKDESK_API_URL (https://api.talkdeskapp.com in AWS), TALKDESK_TOKEN_URL
(https://ACCOUNT.talkdeskid.com/oauth/token), and boto3's own AWS_ENDPOINT_URL_* for AWS services."""
import base64
import json
import os
import time
import urllib.error
import urllib.request
import uuid

import boto3

TOUCHPOINT_SECRET = "dev/talkdesk/touchpoint/ids"
CLIENT_SECRET = "dev/talkdesk/client/keys"

_secrets = {}
_token = {"value": None, "expires": 0}


def secret(name):
    """A JSON secret of Secrets Manager, read once per container."""
    if name not in _secrets:
        value = boto3.client("secretsmanager").get_secret_value(SecretId=name)["SecretString"]
        _secrets[name] = json.loads(value)
    return _secrets[name]


def access_token(renew=False):
    """A Digital Connect token (client credentials), kept until it expires."""
    if not renew and _token["value"] and time.time() < _token["expires"] - 30:
        return _token["value"]
    keys = secret(CLIENT_SECRET)
    basic = base64.b64encode(f"{keys['client_id']}:{keys['client_secret']}".encode()).decode()
    request = urllib.request.Request(
        os.environ["TALKDESK_TOKEN_URL"],
        data=b"grant_type=client_credentials&scope=digital-connect:write",
        headers={"Authorization": f"Basic {basic}", "Content-Type": "application/x-www-form-urlencoded"},
        method="POST")
    with urllib.request.urlopen(request, timeout=10) as response:
        token = json.loads(response.read())
    _token.update(value=token["access_token"], expires=time.time() + token["expires_in"])
    return _token["value"]


def call(method, path, body=None, idempotency_key=None):
    """A Digital Connect call: (status, parsed body); a 401 renews the token once."""
    for renew in (False, True):
        headers = {"Authorization": f"Bearer {access_token(renew)}", "Content-Type": "application/json"}
        if idempotency_key:
            headers["x-idempotency-key"] = idempotency_key
        request = urllib.request.Request(os.environ["TALKDESK_API_URL"].rstrip("/") + path, method=method, headers=headers,
                                         data=json.dumps(body).encode() if body is not None else None)
        try:
            with urllib.request.urlopen(request, timeout=10) as response:
                raw = response.read()
                return response.status, json.loads(raw) if raw else None
        except urllib.error.HTTPError as error:
            if error.code == 401 and not renew:
                continue
            raw = error.read()
            return error.code, json.loads(raw) if raw else None


def start_conversation(body):
    body = dict(body, touchpoint_id=secret(TOUCHPOINT_SECRET)["touchpoint_id"])
    status, answer = call("POST", "/digital-connect/conversations", body, idempotency_key=str(uuid.uuid4()))
    if status != 201:
        raise RuntimeError(f"Talkdesk refused the conversation ({status}): {answer}")
    return answer["id"]


def send_message(conversation_id, content):
    status, answer = call("POST", f"/digital-connect/conversations/{conversation_id}/messages", {"content": content})
    if status not in (201, 206):
        raise RuntimeError(f"Talkdesk refused the message ({status}): {answer}")


def end_conversation(conversation_id):
    status, answer = call("DELETE", f"/digital-connect/conversations/{conversation_id}")
    if status not in (204, 410):
        raise RuntimeError(f"Talkdesk refused the end ({status}): {answer}")
