"""The Lex V2 bot's FallbackIntent fulfillment: asks the third-party question-response API what to say
and returns the answer in session attributes, with nothing for Lex to speak (the flow speaks it).

Reads QUESTION_API_URL and QUESTION_API_KEY from the environment.
"""
import json
import os
import urllib.error
import urllib.request


def ask(session_id, question, attributes):
    body = json.dumps({"session_id": session_id, "question": question, "attributes": attributes, "wait_seconds": 8}).encode()
    request = urllib.request.Request(
        os.environ["QUESTION_API_URL"].rstrip("/") + "/question-response/v1/questions",
        data=body,
        method="POST",
        headers={"content-type": "application/json", "x-api-key": os.environ["QUESTION_API_KEY"]},
    )
    with urllib.request.urlopen(request, timeout=10) as response:
        return json.loads(response.read())


def lambda_handler(event, context):
    attributes = dict(event["sessionState"].get("sessionAttributes") or {})
    try:
        answer = ask(event["sessionId"], event["inputTranscript"], attributes)
    except (urllib.error.URLError, OSError, ValueError) as error:
        answer = {"type": "failed", "reason": f"question API unreachable: {error}"}
    attributes["response_type"] = answer["type"]
    attributes["response_text"] = answer.get("text", "")
    if answer["type"] == "failed":
        attributes["response_reason"] = answer.get("reason", "")
    return {
        "sessionState": {
            "dialogAction": {"type": "Close"},
            "intent": {"name": event["sessionState"]["intent"]["name"], "state": "Fulfilled"},
            "sessionAttributes": attributes,
        },
        "messages": [{"contentType": "CustomPayload", "content": json.dumps(answer)}],
    }
