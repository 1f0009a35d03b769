"""What the release checks share: an assertion, a free port, and an HTTP call answered as JSON.

Standard library only.
"""
import json
import socket
import urllib.error
import urllib.request


def expect(condition, message):
    if not condition:
        raise AssertionError(message)


def free_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def call(method, url, body=None, headers=None, form=None):
    """`method url` with a JSON body (or a form); the status, the decoded JSON answer and the headers."""
    headers = dict(headers or {})
    data = None
    if body is not None:
        data, headers["content-type"] = json.dumps(body).encode(), "application/json"
    elif form is not None:
        data, headers["content-type"] = form.encode(), "application/x-www-form-urlencoded"
    request = urllib.request.Request(url, data=data, method=method, headers=headers)
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, json.loads(response.read() or b"null"), response.headers
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read() or b"null"), error.headers
