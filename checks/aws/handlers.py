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
