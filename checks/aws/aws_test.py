#!/usr/bin/env python3
"""tdmock's AWS surfaces judged by AWS's own SDK: boto3 pointed at `tdmock serve` with endpoint_url.

Starts tools/lambda_host.py with checks/aws/handlers.py and `tdmock serve --port 0` with those functions,
then runs each check against them. Exits non-zero on the first failure, naming it.

    python3 checks/aws/aws_test.py --tdmock .build/debug/tdmock
"""
import argparse
import json
import os
import re
import subprocess
import sys
import tempfile
import time

import boto3
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


CHECKS = [("lambda", check_lambda)]


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--tdmock", required=True)
    arguments = parser.parse_args()
    handlers = os.path.join(HERE, "handlers.py")
    host, base = started([sys.executable, os.path.join(ROOT, "tools", "lambda_host.py"), "--port", "0",
                          f"echo={handlers}:echo", f"fail={handlers}:fail", f"slow={handlers}:slow"],
                         r"lambda host listening on (\S+)")
    functions = [f"--function={name}={base}/2015-03-31/functions/{name}/invocations" for name in ["echo", "fail", "slow"]]
    env = {k: v for k, v in os.environ.items() if not k.startswith("TDMOCK_")}
    serve, server = started([arguments.tdmock, "serve", "--port", "0", "--in-memory", *functions],
                            r"tdmock listening on (\S+)", env=env)
    failed = False
    try:
        for name, check in CHECKS:
            try:
                check(server)
                print(f"ok   {name}")
            except Exception as error:
                failed = True
                print(f"FAIL {name}: {type(error).__name__}: {error}")
    finally:
        serve.terminate()
        host.terminate()
        serve.wait(timeout=30)
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
