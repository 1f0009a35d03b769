#!/usr/bin/env python3
"""serve --tls-port judged by unmodified functions and AWS's SDK (docs/your-functions.md).

A WebSocket chat function written for AWS (checks/aws/ws_chat.py: DynamoDB from moto's server, the
Management API at https://{domainName}/{stage} from its event) runs with environment variables only, two
wss:// clients chat through it; boto3 with AWS_CA_BUNDLE calls lambda, lexv2-runtime and
apigatewaymanagementapi over HTTPS; a client that does not trust tdmock's CA is refused; the CA survives
a restart; a REST API event carries the caller's address, and a callback its User-Agent.

    python3 checks/aws/tls_test.py --tdmock .build/debug/tdmock
"""
import argparse
import json
import os
import shutil
import ssl
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request

import boto3
import botocore.config
import websocket

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, HERE)
from aws_test import CREDENTIALS, expect, free_port, started, stop_all  # noqa: E402

CREDENTIAL_ENV = {"AWS_ACCESS_KEY_ID": "AKIDTDMOCK", "AWS_SECRET_ACCESS_KEY": "secret", "AWS_DEFAULT_REGION": "us-east-1"}


def serve(tdmock, ca_dir, config, env, db=None):
    """serve with a TLS port, once it has said where both listeners are (in either order); its https URL."""
    store = ["--db", db] if db else ["--in-memory"]
    process = subprocess.Popen([tdmock, "serve", "--port", "0", "--tls-port", "0", "--ca-dir", ca_dir, "--config", config, *store],
                               stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env=env)
    plain = tls = None
    seen = []
    while plain is None or tls is None:
        line = process.stdout.readline()
        if not line:
            raise RuntimeError("serve exited: " + "".join(seen))
        seen.append(line)
        if line.startswith("tdmock listening on https://"):
            tls = line.split()[3]
        elif line.startswith("tdmock listening on http://"):
            plain = line.split()[3]
    return process, tls


def receive(socket, timeout=10):
    socket.settimeout(timeout)
    return socket.recv()


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--tdmock", required=True)
    arguments = parser.parse_args()
    work = tempfile.mkdtemp(prefix="tdmock-tls-")
    ca_dir = os.path.join(work, "ca")
    env = {k: v for k, v in os.environ.items() if not k.startswith("TDMOCK_")}
    ca = subprocess.run([arguments.tdmock, "ca", "--ca-dir", ca_dir], capture_output=True, text=True, env=env, check=True).stdout.strip()
    expect(ca == os.path.join(ca_dir, "tdmock-ca.pem") and os.path.exists(ca), f"tdmock ca printed {ca!r}")
    processes = []
    try:
        moto_port = free_port()
        processes.append(subprocess.Popen([sys.executable, "-m", "moto.server", "-p", str(moto_port)],
                                          stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL))
        moto = f"http://127.0.0.1:{moto_port}"
        deadline = time.time() + 30
        while True:
            try:
                urllib.request.urlopen(moto + "/moto-api/", timeout=1)
                break
            except (urllib.error.URLError, ConnectionError):
                if time.time() > deadline:
                    raise
                time.sleep(0.2)
        boto3.client("dynamodb", endpoint_url=moto, **CREDENTIALS).create_table(
            TableName="chat", KeySchema=[{"AttributeName": "connection_id", "KeyType": "HASH"}],
            AttributeDefinitions=[{"AttributeName": "connection_id", "AttributeType": "S"}], BillingMode="PAY_PER_REQUEST")

        # The function's process: only the standard variables point it at tdmock's CA and at moto.
        function_env = {**env, **CREDENTIAL_ENV, "AWS_CA_BUNDLE": ca, "AWS_ENDPOINT_URL_DYNAMODB": moto, "TABLE_NAME": "chat"}
        host, base = started([sys.executable, os.path.join(ROOT, "tools", "lambda_host.py"), "--port", "0",
                              f"chat={os.path.join(HERE, 'ws_chat.py')}:handle"],
                             r"lambda host listening on (\S+)", env=function_env)
        processes.append(host)
        config = os.path.join(work, "tdmock.yaml")
        with open(config, "w") as f:
            f.write(f"functions:\n  chat: {base}/2015-03-31/functions/chat/invocations\n"
                    "apigateway:\n  websocket:\n    routes: {$connect: chat, sendmessage: chat, $disconnect: chat}\n")
        server, tls = serve(arguments.tdmock, ca_dir, config, env, db=os.path.join(work, "tdmock.sqlite"))
        processes.append(server)
        wss = tls.replace("https://", "wss://") + "/apigw/ws/prod"
        trusted = {"ca_certs": ca}

        # Two wss clients chat through the unmodified function.
        ada = websocket.create_connection(wss + "?name=ada", sslopt=trusted)
        bob = websocket.create_connection(wss + "?name=bob", sslopt=trusted)
        ada.send(json.dumps({"action": "sendmessage", "msg": "hello over TLS"}))
        expect(receive(ada) == "ada: hello over TLS", "ada got no echo of her message")
        expect(receive(bob) == "ada: hello over TLS", "bob got no message from ada")
        bob.close()
        time.sleep(0.5)
        ada.send(json.dumps({"action": "sendmessage", "msg": "still here"}))
        expect(receive(ada) == "ada: still here", "ada got nothing once bob left")
        print("ok   AWS's WebSocket chat pattern, unmodified, with two wss clients")

        # boto3 with AWS_CA_BUNDLE for lambda, lexv2-runtime and apigatewaymanagementapi.
        os.environ["AWS_CA_BUNDLE"] = ca
        config_retries = botocore.config.Config(retries={"max_attempts": 1})
        lex = boto3.client("lexv2-runtime", endpoint_url=tls, config=config_retries, **CREDENTIALS)
        answer = lex.recognize_text(botId="TDMOCKCHAT", botAliasId="TSTALIASID", localeId="en_US", sessionId="tls", text="hello")
        expect(answer["sessionState"]["intent"]["name"], "lexv2-runtime over TLS named no intent")
        lam = boto3.client("lambda", endpoint_url=tls, config=config_retries, **CREDENTIALS)
        invoked = lam.invoke(FunctionName="chat", Payload=json.dumps(
            {"requestContext": {"routeKey": "$disconnect", "connectionId": "nobody", "domainName": "x", "stage": "prod"}}).encode())
        expect(invoked["StatusCode"] == 200 and "FunctionError" not in invoked, f"lambda over TLS: {invoked}")
        connection = next(e for e in json.loads(urllib.request.urlopen(
            urllib.request.Request(tls + "/tdmock/v1/invocations?function=chat"), context=ssl.create_default_context(cafile=ca)).read())
            if e["event"]["requestContext"]["routeKey"] == "$connect"
            and (e["event"].get("queryStringParameters") or {}).get("name") == "ada")["event"]["requestContext"]
        expect(connection["domainName"] == tls.removeprefix("https://"), f"domainName {connection['domainName']} is not {tls}")
        management = boto3.client("apigatewaymanagementapi", endpoint_url=f"{tls}/prod", config=config_retries, **CREDENTIALS)
        management.post_to_connection(ConnectionId=connection["connectionId"], Data=b"from boto3")
        expect(receive(ada) == "from boto3", "apigatewaymanagementapi over TLS delivered nothing")
        print("ok   boto3 with AWS_CA_BUNDLE: lambda, lexv2-runtime, apigatewaymanagementapi")

        # Node trusts the CA through NODE_EXTRA_CA_CERTS alone (its fetch and its https module).
        node = shutil.which("node")
        if node:
            script = ("const https = require('https');"
                      "https.get(process.argv[1] + '/healthz', r => { let b = ''; r.on('data', d => b += d);"
                      " r.on('end', () => fetch(process.argv[1] + '/healthz').then(f => f.text()).then(t => console.log(b + ' ' + t))); })"
                      ".on('error', e => { console.error(e.message); process.exit(1); });")
            answer = subprocess.run([node, "-e", script, tls], capture_output=True, text=True, timeout=60,
                                    env={**env, "NODE_EXTRA_CA_CERTS": ca})
            expect(answer.returncode == 0 and answer.stdout.count('"status":"ok"') == 2, f"node: {answer.stdout} {answer.stderr}")
            refused = subprocess.run([node, "-e", script, tls], capture_output=True, text=True, timeout=60, env=env)
            expect(refused.returncode != 0, "node without NODE_EXTRA_CA_CERTS was served")
            print("ok   Node with NODE_EXTRA_CA_CERTS (https and fetch); without it, refused")
        else:
            print("skip Node: no node on this machine")

        # No silent downgrade: a client that does not trust the CA is refused.
        try:
            urllib.request.urlopen(tls + "/healthz", context=ssl.create_default_context())
            raise AssertionError("a client without tdmock's CA was served")
        except urllib.error.URLError as error:
            expect(isinstance(error.reason, ssl.SSLCertVerificationError), f"refused for another reason: {error}")
        print("ok   a client that does not trust the CA is refused")

        # The CA survives a restart: the client that trusts it still does.
        ada.close()
        server.terminate()
        server.wait(timeout=30)
        with open(ca) as f:
            before = f.read()
        server, tls = serve(arguments.tdmock, ca_dir, config, env, db=os.path.join(work, "tdmock.sqlite"))
        processes.append(server)
        with open(ca) as f:
            expect(f.read() == before, "the CA changed across a restart")
        health = urllib.request.urlopen(tls + "/healthz", context=ssl.create_default_context(cafile=ca)).read()
        expect(json.loads(health) == {"status": "ok"}, "the restarted server's certificate is not trusted")
        print("ok   the CA survives a restart")
    finally:
        stop_all(processes)
    print("tls test passed: functions written for AWS, unmodified, over HTTPS and WSS")


if __name__ == "__main__":
    main()
