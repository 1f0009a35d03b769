"""Small Lambda handlers for the AWS checks, hosted by tools/lambda_host.py."""
import time


def echo(event, context):
    return {"got": event, "function": context.function_name}


def fail(event, context):
    raise KeyError("question")


def slow(event, context):
    time.sleep(float(event.get("seconds", 3)))
    return {"slept": True}
