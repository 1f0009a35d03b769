#!/usr/bin/env python3
"""The chat line on the Python example functions (examples/chat_line), unmodified: tdmock serve plays
Talkdesk, Lex and API Gateway, moto's server plays DynamoDB and Secrets Manager, tools/lambda_host.py
hosts the functions. A customer escalates through Lex (boto3), chats over the WebSocket API as the Lex
Web UI does, the agent answers over the agent API, and the customer's 4000 close ends the conversation.

    python3 checks/aws/examples_test.py --tdmock .build/debug/tdmock
"""
import argparse
import json
import os
import subprocess
import sys
import time
import urllib.request

import boto3
import websocket

from aws_test import CREDENTIALS, expect, free_port, started, stop_all, wait_for

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
EXAMPLES = os.path.join(ROOT, "examples", "chat_line")


def agent_api(server, method, path, body=None):
    request = urllib.request.Request(server + "/tdmock/v1" + path, method=method, headers={"content-type": "application/json"},
                                     data=json.dumps(body).encode() if body is not None else None)
    with urllib.request.urlopen(request, timeout=30) as response:
        return json.loads(response.read() or b"null")


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--tdmock", required=True)
    arguments = parser.parse_args()
    processes = []
    try:
        host_port, moto_port = free_port(), free_port()
        host = f"http://127.0.0.1:{host_port}"
        functions = [f"--function={name}={host}/2015-03-31/functions/{name}/invocations" for name in ["escalate", "chat_socket", "chat_callback"]]
        env = {k: v for k, v in os.environ.items() if not k.startswith("TDMOCK_")}
        serve, server = started([arguments.tdmock, "serve", "--port", "0", "--in-memory", *functions], r"tdmock listening on (\S+)", env=env)
        processes.append(serve)
        moto = subprocess.Popen([sys.executable, "-m", "moto.server", "-p", str(moto_port)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        processes.append(moto)
        moto_url = f"http://127.0.0.1:{moto_port}"
        wait_for("moto's server", lambda: _up(moto_url), timeout=30)
        function_env = dict(env, AWS_ACCESS_KEY_ID="test", AWS_SECRET_ACCESS_KEY="test", AWS_DEFAULT_REGION="us-east-1",
                            AWS_ENDPOINT_URL_DYNAMODB=moto_url, AWS_ENDPOINT_URL_SECRETS_MANAGER=moto_url,
                            CONNECTIONS_TABLE="talkdesk-connections", TALKDESK_API_URL=server,
                            TALKDESK_TOKEN_URL=server + "/oauth/token", WEBSOCKET_API_ENDPOINT=server + "/apigw/ws/prod")
        subprocess.run([sys.executable, os.path.join(EXAMPLES, "setup_local.py")], env=function_env, check=True, capture_output=True)
        lambda_host, _ = started([sys.executable, os.path.join(ROOT, "tools", "lambda_host.py"), "--port", str(host_port),
                                  f"escalate={EXAMPLES}/lex_fulfillment.py:lambda_handler",
                                  f"chat_socket={EXAMPLES}/websocket_handler.py:lambda_handler",
                                  f"chat_callback={EXAMPLES}/callback_handler.py:lambda_handler"],
                                 r"lambda host listening on (\S+)", env=function_env)
        processes.append(lambda_host)

        # The customer asks the bot for a person: Lex calls the example's fulfillment function.
        lex = boto3.client("lexv2-runtime", endpoint_url=server, **CREDENTIALS)
        answer = lex.recognize_text(botId="TDMOCKCHAT", botAliasId="TSTALIASID", localeId="en_US", sessionId="customer-1",
                                    text="I want to talk to a person",
                                    sessionState={"sessionAttributes": {"customer_name": "Bo", "customer_email": "bo@example.com"}})
        conversation = answer["sessionState"]["sessionAttributes"].get("talkdesk_conversation_id")
        expect(conversation and answer["messages"][0]["content"] == "Connecting you with an agent.", answer)

        # The Lex Web UI's live chat: new WebSocket(endpoint + "?conversationId=" + id).
        chat = websocket.create_connection(server.replace("http://", "ws://") + f"/apigw/ws/prod?conversationId={conversation}")
        dynamodb = boto3.client("dynamodb", endpoint_url=moto_url, **CREDENTIALS)
        item = wait_for("the mapping in DynamoDB", lambda: dynamodb.get_item(TableName="talkdesk-connections",
                                                                            Key={"conversationId": {"S": conversation}}).get("Item"))
        expect(item["connectionId"]["S"], item)
        chat.send(json.dumps({"action": "onMessage", "message": "My card is blocked", "conversationId": conversation}))
        events = agent_api(server, "GET", f"/wait?event=contact_message&conversation_id={conversation}&timeout=20")
        expect(events[0]["content"] == "My card is blocked", events)

        # The agent answers: Talkdesk's callback -> the REST API -> the example's callback function -> the socket.
        agent_api(server, "POST", f"/conversations/{conversation}/messages", {"agent": "Dana", "content": "Unblocked it for you."})
        frame = json.loads(chat.recv())
        expect(frame == {"event_type": "message_created", "content": "Unblocked it for you.", "author_name": "Dana"}, frame)

        # The customer leaves: close 4000 with conversationId:ID ends the conversation.
        chat.close(status=4000, reason=f"conversationId:{conversation}".encode())
        agent_api(server, "GET", f"/wait?event=contact_left&conversation_id={conversation}&timeout=20")
        shown = agent_api(server, "GET", f"/conversations/{conversation}")
        expect(shown["status"] == "ended" and shown["ended_by"] == "contact", shown["status"])
        failed = agent_api(server, "GET", "/invocations?failed=true")
        expect(failed == [], f"no invocation failed: {failed}")
        print("examples test passed: the chat line on the Python example functions, with moto's DynamoDB and Secrets Manager")
    finally:
        stop_all(processes)


def _up(url):
    try:
        urllib.request.urlopen(url + "/moto-api/", timeout=1)
        return True
    except Exception:
        return False


if __name__ == "__main__":
    main()
