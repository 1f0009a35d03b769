#!/usr/bin/env python3
"""A question-response Lambda of one's own, served on the Lambda Invoke API as the Lambda Runtime Interface
Emulator serves a function: POST /2015-03-31/functions/function/invocations (any function name) with the
event as the body, the handler's return value as the answer, and `X-Amz-Function-Error: Unhandled` when
the handler raises.

The handler does what the seed's fallback Lambda does: it asks the question API with the event's sessionId,
inputTranscript and session attributes, and returns Close / Fulfilled with the answer in session attributes
and a CustomPayload message. An utterance starting with `refuse:` makes it answer what Lex refuses (the
end-to-end tests use them), e.g. `refuse:object-attribute`.

    python3 checks/lambda/fallback_lambda.py --port 0 --question-api http://127.0.0.1:8080 --api-key tdmock-question-key
"""
import argparse
import http.server
import json
import signal
import sys
import urllib.error
import urllib.request

OWN = {"response_type", "response_text", "response_reason", "question_id"}


def ask(api, key, session_id, question, attributes):
    body = json.dumps({"session_id": session_id, "question": question, "attributes": attributes, "wait_seconds": 8}).encode()
    request = urllib.request.Request(api.rstrip("/") + "/question-response/v1/questions", data=body, method="POST",
                                     headers={"content-type": "application/json", "x-api-key": key})
    try:
        with urllib.request.urlopen(request, timeout=20) as response:
            return json.loads(response.read())
    except urllib.error.HTTPError as error:
        return {"type": "failed", "reason": f"the question API answered HTTP {error.code}"}
    except OSError as error:
        return {"type": "failed", "reason": f"the question API is unreachable: {error}"}


REFUSALS = {
    "object-attribute": lambda attributes: close(dict(attributes, account={"id": 1})),
    "no-dialog-action": lambda attributes: {"sessionState": {"intent": {"name": "FallbackIntent", "state": "Fulfilled"}}},
    "bad-state": lambda attributes: {"sessionState": {"dialogAction": {"type": "Close"}, "intent": {"name": "FallbackIntent", "state": "Done"}}},
    "bad-content-type": lambda attributes: dict(close(attributes), messages=[{"contentType": "Text", "content": "hi"}]),
}


def close(attributes, payload=None):
    answer = {"sessionState": {"dialogAction": {"type": "Close"}, "intent": {"name": "FallbackIntent", "state": "Fulfilled"},
                               "sessionAttributes": attributes}}
    if payload is not None:
        answer["messages"] = [{"contentType": "CustomPayload", "content": json.dumps(payload)}]
    return answer


def handler(event, options):
    said = event["inputTranscript"]
    attributes = {k: v for k, v in (event["sessionState"].get("sessionAttributes") or {}).items() if k not in OWN}
    if said.startswith("refuse:"):
        kind = said[len("refuse:"):]
        if kind == "raise":
            raise KeyError("question")
        return REFUSALS[kind](attributes)
    answer = ask(options.question_api, options.api_key, event["sessionId"], said, attributes)
    attributes["response_type"] = answer["type"]
    if answer.get("question_id"):
        attributes["question_id"] = answer["question_id"]
    if answer.get("text") is not None:
        attributes["response_text"] = answer["text"]
    if answer.get("reason") is not None:
        attributes["response_reason"] = answer["reason"]
    return close(attributes, {k: answer[k] for k in ("type", "text", "reason") if k in answer})


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, default=9000)
    parser.add_argument("--question-api", default="http://127.0.0.1:8080")
    parser.add_argument("--api-key", default="tdmock-question-key")
    options = parser.parse_args()
    # Ended by SIGTERM even when started with it ignored (a child inherits ignored signals).
    signal.signal(signal.SIGTERM, signal.SIG_DFL)

    class Invoke(http.server.BaseHTTPRequestHandler):
        # Head and body are two writes: without TCP_NODELAY the body waits for the client's delayed ACK.
        disable_nagle_algorithm = True

        def do_POST(self):
            if not (self.path.startswith("/2015-03-31/functions/") and self.path.endswith("/invocations")):
                self.send_error(404)
                return
            body = self.rfile.read(int(self.headers.get("content-length", 0)))
            said = ""
            try:
                event = json.loads(body)
                said = event.get("inputTranscript", "")
                if said == "refuse:status-500":
                    return self.answer(500, b'{"message":"Internal Server Error"}')
                if said == "refuse:not-json":
                    return self.answer(200, b"<html>not json</html>")
                self.answer(200, json.dumps(handler(event, options)).encode())
            except Exception as error:  # the Invoke API's function error
                message = json.dumps({"errorMessage": repr(error), "errorType": type(error).__name__}).encode()
                self.answer(200, message, {"X-Amz-Function-Error": "Unhandled"})

        def answer(self, status, body, headers=None):
            self.send_response(status)
            self.send_header("content-type", "application/json")
            self.send_header("content-length", str(len(body)))
            for name, value in (headers or {}).items():
                self.send_header(name, value)
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args):
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", options.port), Invoke)
    print(f"lambda listening on http://127.0.0.1:{server.server_address[1]}", flush=True)
    server.serve_forever()


if __name__ == "__main__":
    sys.exit(main())
