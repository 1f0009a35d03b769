#!/usr/bin/env python3
"""tdmock's AWS surfaces judged by AWS's own SDK: boto3 pointed at `tdmock serve` with endpoint_url.

Starts tools/lambda_host.py with checks/aws/handlers.py and `tdmock serve --port 0` with those functions,
then runs each check against them. Exits non-zero on the first failure, naming it.

    python3 checks/aws/aws_test.py --tdmock .build/debug/tdmock
"""
import argparse
import base64
import gzip
import json
import os
import re
import socket
import subprocess
import sys
import tempfile
import time
import traceback
import urllib.error
import urllib.request

import boto3
import websocket
import botocore.config
import botocore.exceptions

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
CREDENTIALS = {"aws_access_key_id": "AKIDTDMOCK", "aws_secret_access_key": "secret", "region_name": "us-east-1"}


def started(command, pattern, env=None):
    """A process and the first match of `pattern` in its output (it prints where it listens)."""
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env=env)
    deadline = time.time() + 60
    seen = []
    while time.time() < deadline:
        line = process.stdout.readline()
        if not line:
            raise RuntimeError(f"{command[0]} exited: {''.join(seen)}")
        seen.append(line)
        match = re.search(pattern, line)
        if match:
            return process, match.group(1)
    raise RuntimeError(f"{command[0]} did not start: {''.join(seen)}")


def client(service, endpoint):
    return boto3.client(service, endpoint_url=endpoint, config=botocore.config.Config(retries={"max_attempts": 1}, read_timeout=20),
                        **CREDENTIALS)


def free_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def stop_all(processes):
    """Asks each process to stop, then waits for it (killing one that does not stop within 20 s)."""
    for process in processes:
        process.terminate()
    for process in processes:
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()


def expect(condition, message):
    if not condition:
        raise AssertionError(message)


def raises(code, call):
    """The botocore ClientError `call` raises, which must carry `code`."""
    try:
        call()
    except botocore.exceptions.ClientError as error:
        expect(error.response["Error"]["Code"] == code, f"expected {code}, got {error.response['Error']}")
        return error
    raise AssertionError(f"expected {code}, nothing was raised")


LEX_BOTS = """lex:
  bots:
    - id: TDMOCKCHAT
      name: ChatBot
      intents:
        - {name: TalkToAgent, sample_utterances: ["talk to an agent", "I want to talk to a person"], fulfillment: lexhook}
        - {name: Greeting, sample_utterances: ["hello", "hi there"], closing_message: "Hello! How can I help you today?"}
        - {name: Broken, sample_utterances: ["break it"], fulfillment: fail}
        - {name: OrderStatus, sample_utterances: ["check my order"], dialog_hook: lexdialog, fulfillment: lexhook}
    - id: TDMOCKQBOT
      intents: [{name: Unused, sample_utterances: ["tdmock unused intent"]}, {name: FallbackIntent, fulfillment: echo}]
"""


def check_lambda(server):
    lam = client("lambda", server)
    answer = lam.invoke(FunctionName="echo", Payload=json.dumps({"hello": "world"}))
    expect(answer["StatusCode"] == 200 and "FunctionError" not in answer, f"invoke: {answer}")
    expect(json.loads(answer["Payload"].read()) == {"got": {"hello": "world"}, "function": "echo"}, "invoke's payload")
    answer = lam.invoke(FunctionName="arn:aws:lambda:us-east-1:000000000000:function:echo", Payload=b"{}")
    expect(json.loads(answer["Payload"].read())["function"] == "echo", "invoke by ARN")
    answer = lam.invoke(FunctionName="fail", Payload=b"{}")
    expect(answer.get("FunctionError") == "Unhandled", f"a handler that raises: {answer}")
    expect(json.loads(answer["Payload"].read())["errorType"] == "KeyError", "errorType")
    error = raises("ResourceNotFoundException", lambda: lam.invoke(FunctionName="nosuch", Payload=b"{}"))
    expect("function:nosuch" in error.response["Error"]["Message"], "the message names the function")
    expect(lam.invoke(FunctionName="echo", InvocationType="Event", Payload=b"{}")["StatusCode"] == 202, "an Event invocation")
    expect(lam.invoke(FunctionName="echo", InvocationType="DryRun")["StatusCode"] == 204, "a DryRun")
    # The AWS CLI too (version 1 from PyPI: the payload is given raw).
    with tempfile.NamedTemporaryFile() as out:
        run = subprocess.run(["aws", "lambda", "invoke", "--endpoint-url", server, "--function-name", "echo",
                              "--payload", '{"cli": true}', out.name], capture_output=True, text=True,
                             env=dict(os.environ, AWS_ACCESS_KEY_ID="x", AWS_SECRET_ACCESS_KEY="x", AWS_DEFAULT_REGION="us-east-1"))
        expect(run.returncode == 0 and '"StatusCode": 200' in run.stdout, f"aws lambda invoke: {run.stdout} {run.stderr}")
        expect(json.load(open(out.name))["got"] == {"cli": True}, "aws lambda invoke's outfile")


def recorded(server, clear=False):
    lam = client("lambda", server)
    return json.loads(lam.invoke(FunctionName="recorded", Payload=json.dumps({"clear": clear}))["Payload"].read())


def wait_for(what, condition, timeout=10):
    deadline = time.time() + timeout
    while time.time() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(0.05)
    raise AssertionError(f"timed out waiting for {what}")


def ws_url(server, stage="prod", query=""):
    return server.replace("http://", "ws://") + f"/apigw/ws/{stage}" + query


def close_code(socket):
    """The code of the close frame the server sends next (read raw: nothing is answered)."""
    frame = socket.recv_frame()
    expect(frame.opcode == websocket.ABNF.OPCODE_CLOSE, f"expected a close frame, got opcode {frame.opcode}: {frame.data[:80]}")
    return int.from_bytes(frame.data[:2], "big")


def disconnects(server, connection):
    return [e for e in recorded(server) if e["requestContext"]["eventType"] == "DISCONNECT"
            and e["requestContext"]["connectionId"] == connection]


def check_websocket(server):
    recorded(server, clear=True)
    # The handshake: $connect gets the query and the headers; its 2xx takes the connection.
    socket = websocket.create_connection(ws_url(server, query="?conversationId=c-1"), header=["User-Agent: lex-web-ui"])
    connect = wait_for("$connect", lambda: [e for e in recorded(server) if e["requestContext"]["eventType"] == "CONNECT"])[0]
    context = connect["requestContext"]
    expect(connect["queryStringParameters"] == {"conversationId": "c-1"}, f"query: {connect}")
    expect(context["routeKey"] == "$connect" and context["stage"] == "prod" and context["messageDirection"] == "IN", context)
    expect(isinstance(context["connectedAt"], int) and isinstance(context["requestTimeEpoch"], int), context)
    expect(context["identity"]["userAgent"] == "lex-web-ui" and context["identity"]["sourceIp"] == "127.0.0.1", context)
    connection = context["connectionId"]

    # A frame with a route: the function gets it; what it returns is not sent back.
    socket.send(json.dumps({"action": "onMessage", "message": "hello", "conversationId": "c-1"}))
    message = wait_for("the MESSAGE", lambda: [e for e in recorded(server) if e["requestContext"]["eventType"] == "MESSAGE"])[0]
    expect(message["requestContext"]["routeKey"] == "onMessage" and "messageId" in message["requestContext"], message)
    expect(json.loads(message["body"])["message"] == "hello" and message["isBase64Encoded"] is False, message)
    # No route: Forbidden, with the connection's id. A function that fails: Internal server error.
    socket.send(json.dumps({"action": "nowhere"}))
    frame = json.loads(socket.recv())
    expect(frame["message"] == "Forbidden" and frame["connectionId"] == connection and frame["requestId"], frame)
    socket.send("not json at all")
    expect(json.loads(socket.recv())["message"] == "Forbidden", "a frame that is not JSON has no route")
    socket.send(json.dumps({"action": "onMessage", "message": "raise"}))
    expect(json.loads(socket.recv())["message"] == "Internal server error", "a failing function")

    # The Management API, through boto3: post, get, delete; then GoneException.
    management = client("apigatewaymanagementapi", server + "/apigw/ws/prod")
    management.post_to_connection(ConnectionId=connection, Data=b'{"event_type":"message_created","content":"hi"}')
    expect(json.loads(socket.recv())["content"] == "hi", "PostToConnection's frame")
    described = management.get_connection(ConnectionId=connection)
    expect(described["Identity"]["UserAgent"] == "lex-web-ui" and described["ConnectedAt"] <= described["LastActiveAt"], described)
    raises("PayloadTooLargeException", lambda: management.post_to_connection(ConnectionId=connection, Data=b"x" * (128 * 1024 + 1)))
    management.delete_connection(ConnectionId=connection)
    expect(close_code(socket) == 1000, "DeleteConnection closes with 1000")
    gone = wait_for("$disconnect", lambda: disconnects(server, connection))
    expect(len(gone) == 1 and gone[0]["requestContext"]["disconnectStatusCode"] == 1000, gone)
    raises("GoneException", lambda: management.post_to_connection(ConnectionId=connection, Data=b"late"))
    raises("GoneException", lambda: management.get_connection(ConnectionId=connection))
    raises("GoneException", lambda: management.delete_connection(ConnectionId="nosuch"))
    socket.close()

    # The client's close: $disconnect once, with its code and reason (the Lex Web UI's 4000).
    socket = websocket.create_connection(ws_url(server, query="?conversationId=c-2"))
    connection = wait_for("the second $connect", lambda: [e for e in recorded(server) if e["requestContext"]["eventType"] == "CONNECT"
                                                           and e["queryStringParameters"] == {"conversationId": "c-2"}])[0]["requestContext"]["connectionId"]
    socket.close(status=4000, reason=b"conversationId:c-2")
    gone = wait_for("$disconnect 4000", lambda: disconnects(server, connection))
    time.sleep(0.3)
    gone = disconnects(server, connection)
    expect(len(gone) == 1, f"$disconnect once: {gone}")
    expect(gone[0]["requestContext"]["disconnectStatusCode"] == 4000, gone)
    expect(gone[0]["requestContext"]["disconnectReason"] == "conversationId:c-2", gone)

    # A frame over 128 KiB closes the connection with 1009.
    socket = websocket.create_connection(ws_url(server))
    socket.send("x" * (128 * 1024 + 1))
    expect(close_code(socket) == 1009, "a frame over 128 KiB closes with 1009")
    socket.shutdown()

    # Refusals: $connect's statusCode, a function that raises (502), an unknown stage (403).
    for query, status in [("?refuse=401", 401), ("?raise=1", 502)]:
        try:
            websocket.create_connection(ws_url(server, query=query))
            raise AssertionError(f"{query} was taken")
        except websocket.WebSocketBadStatusException as error:
            expect(error.status_code == status, f"{query}: {error.status_code}")
    try:
        websocket.create_connection(ws_url(server, stage="staging"))
        raise AssertionError("an unknown stage was taken")
    except websocket.WebSocketBadStatusException as error:
        expect(error.status_code == 403, error.status_code)


def check_websocket_endings(server, tdmock, functions):
    """The idle time-out and a graceful shutdown each close with 1001 and invoke $disconnect once."""
    config = tempfile.NamedTemporaryFile("w", suffix=".yaml", delete=False)
    config.write(LEX_BOTS + "apigateway:\n  websocket:\n    idle_timeout: 1\n    routes: {$connect: ws, $disconnect: ws}\n")
    config.close()
    env = {k: v for k, v in os.environ.items() if not k.startswith("TDMOCK_")}
    serve, other = started([tdmock, "serve", "--port", "0", "--in-memory", "--config", config.name, *functions],
                           r"tdmock listening on (\S+)", env=env)
    try:
        recorded(server, clear=True)
        idle = websocket.create_connection(ws_url(other))
        expect(close_code(idle) == 1001, "the idle time-out closes with 1001")
        idle.close()
        gone = wait_for("the idle $disconnect", lambda: [e for e in recorded(server) if e["requestContext"]["eventType"] == "DISCONNECT"])
        expect(gone[0]["requestContext"]["disconnectStatusCode"] == 1001, gone)
        recorded(server, clear=True)
        sockets = [websocket.create_connection(ws_url(other)) for _ in range(3)]
        serve.terminate()
        for socket in sockets:
            expect(close_code(socket) == 1001, "a graceful shutdown closes with 1001")
            socket.close()
        serve.wait(timeout=30)
        gone = [e for e in recorded(server) if e["requestContext"]["eventType"] == "DISCONNECT"]
        expect(len(gone) == 3 and all(e["requestContext"]["disconnectStatusCode"] == 1001 for e in gone), gone)
    finally:
        if serve.poll() is None:
            serve.kill()


def check_lex(server):
    lex = client("lexv2-runtime", server)
    ids = {"botId": "TDMOCKCHAT", "botAliasId": "TSTALIASID", "localeId": "en_US"}
    recorded(server, clear=True)
    # An intent the bot closes itself: its closing message, no function called.
    answer = lex.recognize_text(**ids, sessionId="s-1", text="Hello!")
    expect(answer["sessionState"]["intent"]["name"] == "Greeting" and answer["sessionState"]["intent"]["state"] == "Fulfilled", answer)
    expect(answer["messages"] == [{"contentType": "PlainText", "content": "Hello! How can I help you today?"}], answer["messages"])
    expect(answer["interpretations"][0]["nluConfidence"]["score"] == 1.0 and answer["sessionId"] == "s-1", answer["interpretations"])
    # The escalation intent: its fulfillment code hook gets the Lex V2 event; its answer is the session's.
    answer = lex.recognize_text(**ids, sessionId="s-1", text="I want to talk to a person please",
                                sessionState={"sessionAttributes": {"customer_name": "Bo"}})
    expect(answer["sessionState"]["sessionAttributes"] == {"customer_name": "Bo", "talkdesk_conversation_id": "c-42",
                                                           "source": "FulfillmentCodeHook"}, answer["sessionState"])
    expect(answer["messages"][0]["content"] == "Connecting you with an agent.", answer["messages"])
    event = [e for e in recorded(server) if e.get("invocationSource")][-1]
    expect(event["inputMode"] == "Text" and event["inputTranscript"] == "I want to talk to a person please", event)
    expect(event["bot"]["id"] == "TDMOCKCHAT" and event["sessionState"]["intent"]["state"] == "ReadyForFulfillment", event)
    expect(event["interpretations"][0]["intent"]["name"] == "TalkToAgent" and isinstance(event["interpretations"][0]["nluConfidence"], float), event)
    # A dialog code hook first (Delegate), then fulfillment.
    answer = lex.recognize_text(**ids, sessionId="s-2", text="check my order")
    expect(answer["sessionState"]["sessionAttributes"].get("dialog") == "seen", answer["sessionState"])
    sources = [e["invocationSource"] for e in recorded(server) if e.get("sessionId") == "s-2"]
    expect(sources == ["DialogCodeHook", "FulfillmentCodeHook"], sources)
    # Nothing close enough: FallbackIntent.
    answer = lex.recognize_text(**ids, sessionId="s-3", text="zebra crossing")
    expect(answer["sessionState"]["intent"]["name"] == "FallbackIntent", answer["sessionState"])
    # Sessions: get, put (its answer in base64 gzipped headers), delete.
    got = lex.get_session(**ids, sessionId="s-1")
    expect(got["sessionState"]["sessionAttributes"]["talkdesk_conversation_id"] == "c-42" and got["sessionId"] == "s-1", got)
    put = lex.put_session(**ids, sessionId="s-4", sessionState={"sessionAttributes": {"region": "EU"}, "dialogAction": {"type": "ElicitIntent"}},
                          messages=[{"contentType": "PlainText", "content": "Welcome back"}])
    state = json.loads(gzip.decompress(base64.b64decode(put["sessionState"])))
    expect(state["sessionAttributes"] == {"region": "EU"} and put["sessionId"] == "s-4", state)
    expect(json.loads(gzip.decompress(base64.b64decode(put["messages"])))[0]["content"] == "Welcome back", put["messages"])
    answer = lex.recognize_text(**ids, sessionId="s-4", text="hello")
    expect(answer["sessionState"]["sessionAttributes"] == {"region": "EU"}, "PutSession's attributes carry into the next turn")
    deleted = lex.delete_session(**ids, sessionId="s-4")
    expect(deleted["sessionId"] == "s-4" and deleted["botId"] == "TDMOCKCHAT", deleted)
    raises("ResourceNotFoundException", lambda: lex.get_session(**ids, sessionId="s-4"))
    # Errors in the REST-JSON shape.
    raises("ResourceNotFoundException", lambda: lex.recognize_text(botId="NOSUCHBOT1", botAliasId="TSTALIASID", localeId="en_US",
                                                                  sessionId="s-1", text="hi"))
    raises("ResourceNotFoundException", lambda: lex.recognize_text(botId="TDMOCKCHAT", botAliasId="TSTALIASID", localeId="fr_FR",
                                                                  sessionId="s-1", text="hi"))
    error = raises("DependencyFailedException", lambda: lex.recognize_text(**ids, sessionId="s-5", text="break it"))
    expect("Received error response from Lambda" in error.response["Error"]["Message"], error.response["Error"])
    status, body = http_call("POST", server + "/bots/TDMOCKCHAT/botAliases/TSTALIASID/botLocales/en_US/sessions/s-6/text", {"text": 5})
    expect(status == 400 and "text" in body["message"], (status, body))


def http_call(method, url, body):
    request = urllib.request.Request(url, data=json.dumps(body).encode(), method=method, headers={"content-type": "application/json"})
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, json.loads(response.read() or b"null")
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read() or b"null")


def check_unknown_operations(server):
    """An operation tdmock does not play is named by the SDK's error, not a bare 404."""
    error = raises("UnknownOperationException", lambda: client("lambda", server).list_functions())
    expect("GET /2015-03-31/functions" in error.response["Error"]["Message"], f"the message names the path: {error.response}")
    raises("UnknownOperationException", lambda: client("connect", server).list_users(InstanceId="instance-1"))
    raises("UnknownOperationException", lambda: client("dynamodb", server).list_tables())
    run = subprocess.run(["aws", "lambda", "list-functions", "--endpoint-url", server], capture_output=True, text=True,
                         env=dict(os.environ, AWS_ACCESS_KEY_ID="x", AWS_SECRET_ACCESS_KEY="x", AWS_DEFAULT_REGION="us-east-1"))
    expect(run.returncode != 0 and "(UnknownOperationException) when calling the ListFunctions operation" in run.stderr,
           f"aws lambda list-functions: {run.stderr}")


CHECKS = [("lambda", check_lambda), ("unknown operations", check_unknown_operations), ("lex", check_lex), ("websocket", check_websocket), ("websocket endings", check_websocket_endings)]


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--tdmock", required=True)
    arguments = parser.parse_args()
    handlers = os.path.join(HERE, "handlers.py")
    host, base = started([sys.executable, os.path.join(ROOT, "tools", "lambda_host.py"), "--port", "0",
                          f"echo={handlers}:echo", f"fail={handlers}:fail", f"slow={handlers}:slow", f"ws={handlers}:ws",
                          f"recorded={handlers}:recorded", f"lexhook={handlers}:lexhook", f"lexdialog={handlers}:lexdialog"],
                         r"lambda host listening on (\S+)")
    functions = [f"--function={name}={base}/2015-03-31/functions/{name}/invocations"
                 for name in ["echo", "fail", "slow", "ws", "recorded", "lexhook", "lexdialog"]]
    config = tempfile.NamedTemporaryFile("w", suffix=".yaml", delete=False)
    config.write(LEX_BOTS + "apigateway:\n  websocket:\n    routes: {$connect: ws, onMessage: ws, $disconnect: ws}\n")
    config.close()
    env = {k: v for k, v in os.environ.items() if not k.startswith("TDMOCK_")}
    serve, server = started([arguments.tdmock, "serve", "--port", "0", "--in-memory", "--config", config.name, *functions],
                            r"tdmock listening on (\S+)", env=env)
    failed = False
    try:
        for name, check in CHECKS:
            try:
                if check is check_websocket_endings:
                    check(server, arguments.tdmock, functions)
                else:
                    check(server)
                print(f"ok   {name}")
            except Exception as error:
                failed = True
                print(f"FAIL {name}: {type(error).__name__}: {error}")
                traceback.print_exc()
    finally:
        serve.terminate()
        host.terminate()
        serve.wait(timeout=30)
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
