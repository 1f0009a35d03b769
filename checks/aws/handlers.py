"""Small Lambda handlers for the AWS checks, hosted by tools/lambda_host.py."""
import time


def echo(event, context):
    return {"got": event, "function": context.function_name}


def fail(event, context):
    raise KeyError("question")


def slow(event, context):
    time.sleep(float(event.get("seconds", 3)))
    return {"slept": True}


RECORDED = []


def ws(event, context):
    """A WebSocket API function: keeps each event; the query or the frame says how to answer."""
    RECORDED.append(event)
    kind = event["requestContext"]["eventType"]
    if kind == "CONNECT":
        query = event.get("queryStringParameters") or {}
        if "refuse" in query:
            return {"statusCode": int(query["refuse"]), "body": "not you"}
        if "raise" in query:
            raise RuntimeError("refusing by raising")
    if kind == "MESSAGE" and "raise" in (event.get("body") or ""):
        raise ValueError("a message that makes the function fail")
    return {"statusCode": 200}


def recorded(event, context):
    """The events `ws` got, for the checks to read; {"clear": true} empties them."""
    events = list(RECORDED)
    if event.get("clear"):
        RECORDED.clear()
    return events


def lexhook(event, context):
    """A Lex V2 fulfillment code hook: closes the intent with what it got."""
    RECORDED.append(event)
    attributes = dict(event["sessionState"].get("sessionAttributes") or {})
    attributes.update({"talkdesk_conversation_id": "c-42", "source": event["invocationSource"]})
    return {"sessionState": {"dialogAction": {"type": "Close"},
                             "intent": {"name": event["sessionState"]["intent"]["name"], "state": "Fulfilled"},
                             "sessionAttributes": attributes},
            "messages": [{"contentType": "PlainText", "content": "Connecting you with an agent."}]}


def lexdialog(event, context):
    """A Lex V2 dialog code hook: notes it was called and hands over to fulfillment."""
    RECORDED.append(event)
    attributes = dict(event["sessionState"].get("sessionAttributes") or {}, dialog="seen")
    return {"sessionState": {"dialogAction": {"type": "Delegate"}, "intent": event["sessionState"]["intent"],
                             "sessionAttributes": attributes}}
