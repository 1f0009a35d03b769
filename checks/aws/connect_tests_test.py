#!/usr/bin/env python3
"""Connect's test cases with boto3's `connect` client, the AWS CLI and a JUnit reader as the judges (make test).

serve runs the question line's flow (examples/question_line) with no Lambda host: the test cases override
what the flow's functions and bot answer. Checked: create, describe, list, search, start, poll the summary,
read the records; a failing case and what its record says; an override consumed first in first out; a chat
entry point; refusals (InvalidTestCaseException's Problems naming the observation and field, an unknown
flow, unknown ids); the AWS CLI's calls; `tdmock test` on the examples (exit codes, JUnit XML read by
junitparser) and on a running server.
"""

import argparse
import json
import os
import subprocess
import tempfile
import time

from junitparser import JUnitXml

from aws_test import client, expect, free_port, raises, started, stop_all

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
EXAMPLES = os.path.join(ROOT, "examples", "question_line")
INSTANCE = "11111111-2222-3333-4444-555555555555"
LAMBDA = "arn:aws:lambda:us-east-1:123456789012:function:customer_lookup"
BOT = "arn:aws:lex:us-east-1:123456789012:bot-alias/QUESTBOT01/TSTALIASID"


def override_lookup(identifier, data=None, error=None):
    response = ({"Type": "Error", "Error": {"Value": error}} if error else
                {"Type": "ExecutionResult", "ExecutionResult": {"LoadedData": json.dumps(data)}})
    return {"Identifier": identifier, "Type": "OverrideSystemBehavior", "Parameters": {
        "ActionType": "OverrideSystemBehavior", "Behavior": {"Type": "FlowAction", "Properties": {
            "ActionType": "InvokeLambdaFunction", "ActionParameters": {"LambdaFunctionARN": LAMBDA},
            "Strategy": {"Type": "MockResponse", "Response": response}}}}}


def greeting_case(expected, overrides):
    return json.dumps({"Version": "2019-10-30", "Metadata": {}, "Observations": [
        {"Identifier": "start", "Event": {"Type": "TestInitiated", "Actor": "System", "Properties": {}}, "Actions": overrides,
         "Transitions": {"NextObservations": ["greeting"]}},
        {"Identifier": "greeting", "Event": {"Type": "MessageReceived", "Actor": "System", "Properties": {"Text": expected},
                                             "MatchingCriteria": "Similarity"}, "Usage": {"Type": "EXACTLY"},
         "Actions": [{"Identifier": "end", "Type": "TestControl", "Parameters": {"ActionType": "TestControl", "Command": {"Type": "EndTest"}}}]},
    ]})


def run(connect, test_id):
    """Starts an execution and polls its summary until it ends, as a user's script does."""
    started_execution = connect.start_test_case_execution(InstanceId=INSTANCE, TestCaseId=test_id)
    expect(started_execution["Status"] in ("INITIATED", "IN_PROGRESS", "PASSED", "FAILED"), f"start: {started_execution}")
    execution = started_execution["TestCaseExecutionId"]
    deadline = time.time() + 20
    while True:
        summary = connect.get_test_case_execution_summary(InstanceId=INSTANCE, TestCaseId=test_id, TestCaseExecutionId=execution)
        if summary["Status"] not in ("INITIATED", "IN_PROGRESS"):
            break
        expect(time.time() < deadline, "the execution did not end in 20 s")
        time.sleep(0.02)
    records = connect.list_test_case_execution_records(InstanceId=INSTANCE, TestCaseId=test_id, TestCaseExecutionId=execution)
    return execution, summary, {record["ObservationId"]: record for record in records["ExecutionRecords"]}


def check_api(server, cli_env):
    connect = client("connect", server)
    speak = open(os.path.join(EXAMPLES, "tests", "speak-and-listen.json")).read()
    created = connect.create_test_case(InstanceId=INSTANCE, Name="speak", Content=speak, Description="the speak branch",
                                       EntryPoint={"Type": "VOICE_CALL", "VoiceCallEntryPointParameters": {
                                           "FlowId": "main", "SourcePhoneNumber": "+15550100123"}}, Tags={"team": "ivr"})
    test_id = created["TestCaseId"]
    expect(created["TestCaseArn"].endswith("/test-case/" + test_id), f"the ARN: {created}")
    described = connect.describe_test_case(InstanceId=INSTANCE, TestCaseId=test_id)["TestCase"]
    expect(described["Name"] == "speak" and described["Content"] == speak and described["Status"] == "PUBLISHED", "describe")
    expect(described["EntryPoint"]["VoiceCallEntryPointParameters"]["SourcePhoneNumber"] == "+15550100123", "the entry point")
    expect(len(described["TestCaseSha256"]) == 64 and described["Tags"] == {"team": "ivr"}, "sha and tags")
    expect(hasattr(described["LastModifiedTime"], "year"), "LastModifiedTime parses as a datetime")

    execution, summary, records = run(connect, test_id)
    expect(summary["Status"] == "PASSED", f"the speak case passes: {summary} {records}")
    expect(summary["ObservationSummary"] == {"TotalObservations": 4, "ObservationsPassed": 4, "ObservationsFailed": 0}, f"{summary}")
    expect(summary["EndTime"] >= summary["StartTime"], "start and end")
    expect(list(records)[:2] == ["INITIATION", "EXECUTION_START"] and list(records)[-1] == "COMPLETION", f"the records' order: {list(records)}")
    initiation = json.loads(records["INITIATION"]["Record"])
    expect(initiation["EntryPoint"] == {"Type": "VOICE_CALL", "Parameters": {"FlowId": "main", "SourcePhoneNumber": "+15550100123"}}, f"{initiation}")
    expect(len(json.loads(records["EXECUTION_START"]["Record"])["ContactId"]) == 36, "the contact's id")
    greeting = json.loads(records["Greeting"]["Record"])
    expect(greeting["Type"] == "OBSERVATION" and greeting["Identifier"] == "Greeting", f"{greeting}")
    expect(greeting["ExpectedUsage"] == {"Type": "Exactly", "Times": 1} and greeting["ActualUsage"] == {"Times": 1}, f"usage: {greeting}")
    expect(greeting["Event"]["Properties"]["Text"] == "Hello Ada. What is your question?", f"the event as written: {greeting}")
    expect(greeting["Actions"][0]["ExpectedParameters"]["Operand"] == "gold", f"the action as written: {greeting}")
    expect(greeting["Observed"] == 'the customer heard "Hello Ada. What is your question?"', f"the record says what was heard: {greeting}")
    expect(greeting["Actions"][0]["Actual"] == "gold", "the assertion's value is in the record")
    listed = connect.list_test_case_executions(InstanceId=INSTANCE, TestCaseId=test_id)["TestCaseExecutions"]
    expect([item["TestCaseExecutionId"] for item in listed] == [execution] and listed[0]["TestCaseExecutionStatus"] == "PASSED", f"{listed}")
    expect(connect.list_test_case_executions(InstanceId=INSTANCE, Status="FAILED")["TestCaseExecutions"] == [], "status filter")

    # A failing case: the record names what was waited for and what was heard, with the path.
    failing = connect.create_test_case(InstanceId=INSTANCE, Name="wrong greeting",
                                       Content=greeting_case("Welcome to the moon base", [override_lookup("lookup", {"first_name": "Ada"})]))
    _, summary, records = run(connect, failing["TestCaseId"])
    expect(summary["Status"] == "FAILED" and summary["ObservationSummary"]["ObservationsFailed"] == 1, f"failing: {summary}")
    record = json.loads(records["greeting"]["Record"])
    expect(records["greeting"]["Status"] == "FAILED", "the record is FAILED")
    expect("Welcome to the moon base" in record["Failure"] and "Hello Ada" in record["Failure"], f"expected and heard: {record}")
    expect(any("InvokeLambdaFunction" in step for step in record["Path"]), f"the flow's path: {record}")
    only_failed = connect.list_test_case_execution_records(InstanceId=INSTANCE, TestCaseId=failing["TestCaseId"],
                                                            TestCaseExecutionId=_, Status="FAILED")["ExecutionRecords"]
    expect([item["ObservationId"] for item in only_failed] == ["greeting", "COMPLETION"], f"records by status: {only_failed}")
    completion = json.loads(only_failed[-1]["Record"])
    expect(completion["CompletionReason"]["Type"] == "FAILURE" and completion["ExecutionSummary"]["FailedObservations"] == 1, f"{completion}")

    # Overrides of one function are consumed first in first out: the first call's answer is the first one set.
    fifo = connect.create_test_case(InstanceId=INSTANCE, Name="fifo", Content=greeting_case(
        "Hello First. What is your question?",
        [override_lookup("one", {"first_name": "First"}), override_lookup("two", {"first_name": "Second"})]))
    _, summary, records = run(connect, fifo["TestCaseId"])
    expect(summary["Status"] == "PASSED", f"first in, first out: {records}")

    # Usage: an observation that must never match fails when it does.
    never = json.loads(greeting_case("Hello Ada. What is your question?", [override_lookup("lookup", {"first_name": "Ada"})]))
    never["Observations"][1]["Usage"] = {"Type": "Exactly", "Times": 0}
    never["Observations"][1]["Actions"] = []
    never_case = connect.create_test_case(InstanceId=INSTANCE, Name="never", Content=json.dumps(never))
    _, summary, records = run(connect, never_case["TestCaseId"])
    expect(summary["Status"] == "FAILED" and "matched 1 times, where its Usage allows 0" in json.loads(records["greeting"]["Record"])["Failure"],
           f"Exactly 0: {records}")
    connect.delete_test_case(InstanceId=INSTANCE, TestCaseId=never_case["TestCaseId"])

    # A chat entry point: the customer's text goes to the bot block as a chat message.
    chat = connect.create_test_case(InstanceId=INSTANCE, Name="chat", Content=greeting_case(
        "Hello Chatty. What is your question?", [override_lookup("lookup", {"first_name": "Chatty"})]),
        EntryPoint={"Type": "CHAT", "ChatEntryPointParameters": {"FlowId": "main"}},
        InitializationData=json.dumps({"Attributes": {"source": "web"}}))
    _, summary, _ = run(connect, chat["TestCaseId"])
    expect(summary["Status"] == "PASSED", f"chat: {summary}")
    expect(connect.describe_test_case(InstanceId=INSTANCE, TestCaseId=chat["TestCaseId"])["TestCase"]["EntryPoint"]["Type"] == "CHAT", "CHAT")

    # Refusals name the observation and the field.
    bad = json.dumps({"Version": "2019-10-30", "Observations": [
        {"Identifier": "start", "Event": {"Type": "TestInitiated", "Actor": "System"}, "Transitions": {"NextObservations": ["nowhere"]}},
        {"Identifier": "hear", "Event": {"Type": "MessageHeard", "Actor": "System"}},
        {"Identifier": "press", "Event": {"Type": "MessageReceived", "Actor": "System", "Properties": {"Text": "Press 1"}},
         "Actions": [{"Identifier": "keys", "Type": "SendInstruction", "Parameters": {"ActionType": "SendInstruction", "Actor": "Customer",
                      "Instruction": {"Type": "DtmfInput", "Properties": {"Value": "one"}}}}]}]})
    error = raises("InvalidTestCaseException", lambda: connect.create_test_case(InstanceId=INSTANCE, Name="bad", Content=bad))
    problems = [problem["message"] for problem in error.response["Problems"]]
    expect(any("observation 'hear', Event.Type: 'MessageHeard'" in text for text in problems), f"{problems}")
    expect(any("observation 'press', action 'keys', Parameters.Instruction.Properties.Value" in text for text in problems), f"{problems}")
    expect(any("NextObservations: no observation 'nowhere'" in text for text in problems), f"{problems}")
    error = raises("InvalidTestCaseException", lambda: connect.create_test_case(
        InstanceId=INSTANCE, Name="nowhere", Content=greeting_case("hi", []),
        EntryPoint={"Type": "VOICE_CALL", "VoiceCallEntryPointParameters": {"FlowId": "no-such-flow"}}))
    expect("FlowId: no flow 'no-such-flow'" in error.response["Problems"][0]["message"], f"{error.response}")
    raises("InvalidParameterException", lambda: connect.create_test_case(InstanceId=INSTANCE, Name="x", Content=greeting_case("hi", []),
                                                                          EntryPoint={"Type": "VOICE_CALL", "VoiceCallEntryPointParameters": {
                                                                              "SourcePhoneNumber": "5550100"}}))
    raises("DuplicateResourceException", lambda: connect.create_test_case(InstanceId=INSTANCE, Name="speak", Content=speak))
    raises("ResourceNotFoundException", lambda: connect.describe_test_case(InstanceId=INSTANCE, TestCaseId="no-such-case"))
    raises("ResourceNotFoundException", lambda: connect.start_test_case_execution(InstanceId=INSTANCE, TestCaseId="no-such-case"))
    raises("ResourceNotFoundException", lambda: connect.get_test_case_execution_summary(
        InstanceId=INSTANCE, TestCaseId=test_id, TestCaseExecutionId="no-such-execution"))

    # Update, search, list, delete.
    connect.update_test_case(InstanceId=INSTANCE, TestCaseId=fifo["TestCaseId"], Name="fifo renamed", Status="SAVED")
    expect(connect.describe_test_case(InstanceId=INSTANCE, TestCaseId=fifo["TestCaseId"])["TestCase"]["Status"] == "SAVED", "update")
    found = connect.search_test_cases(InstanceId=INSTANCE, SearchCriteria={
        "StringCondition": {"FieldName": "name", "Value": "fifo", "ComparisonType": "STARTS_WITH"}})
    expect([case["Name"] for case in found["TestCases"]] == ["fifo renamed"] and found["ApproximateTotalCount"] == 1, f"search: {found}")
    by_tag = connect.search_test_cases(InstanceId=INSTANCE, SearchFilter={"TagFilter": {"TagCondition": {"TagKey": "team", "TagValue": "ivr"}}})
    expect([case["Name"] for case in by_tag["TestCases"]] == ["speak"], f"search by tag: {by_tag}")
    names = [item["Name"] for page in connect.get_paginator("list_test_cases").paginate(InstanceId=INSTANCE, PaginationConfig={"PageSize": 2})
             for item in page["TestCaseSummaryList"]]
    expect(names == ["speak", "wrong greeting", "fifo renamed", "chat"], f"the paginator: {names}")
    connect.delete_test_case(InstanceId=INSTANCE, TestCaseId=chat["TestCaseId"])
    raises("ResourceNotFoundException", lambda: connect.delete_test_case(InstanceId=INSTANCE, TestCaseId=chat["TestCaseId"]))

    # The AWS CLI.
    with tempfile.NamedTemporaryFile("w", suffix=".json", delete=False) as file:
        file.write(open(os.path.join(EXAMPLES, "tests", "greeting.json")).read())
    cli = ["aws", "connect", "--endpoint-url", server]
    made = subprocess.run(cli + ["create-test-case", "--instance-id", INSTANCE, "--name", "cli greeting", "--content", "file://" + file.name],
                          capture_output=True, text=True, env=cli_env)
    expect(made.returncode == 0, f"aws connect create-test-case: {made.stdout} {made.stderr}")
    cli_id = json.loads(made.stdout)["TestCaseId"]
    started_cli = subprocess.run(cli + ["start-test-case-execution", "--instance-id", INSTANCE, "--test-case-id", cli_id],
                                 capture_output=True, text=True, env=cli_env)
    expect(started_cli.returncode == 0, f"aws connect start-test-case-execution: {started_cli.stderr}")
    cli_execution = json.loads(started_cli.stdout)["TestCaseExecutionId"]
    time.sleep(0.3)
    summary = subprocess.run(cli + ["get-test-case-execution-summary", "--instance-id", INSTANCE, "--test-case-id", cli_id,
                                    "--test-case-execution-id", cli_execution, "--query", "Status", "--output", "text"],
                             capture_output=True, text=True, env=cli_env)
    expect(summary.stdout.strip() == "PASSED", f"the CLI's summary: {summary.stdout} {summary.stderr}")
    missing = subprocess.run(cli + ["describe-test-case", "--instance-id", INSTANCE, "--test-case-id", "nope"],
                             capture_output=True, text=True, env=cli_env)
    expect(missing.returncode != 0 and "ResourceNotFoundException" in missing.stderr, f"the CLI's error: {missing.stderr}")


def check_cli(binary, server):
    """`tdmock test` on its own server and on a running one: exit codes, lines, JUnit XML, JSON."""
    config = os.path.join(EXAMPLES, "tdmock.yaml")
    work = tempfile.mkdtemp(prefix="tdmock-test-")
    junit = os.path.join(work, "results.xml")
    done = subprocess.run([binary, "test", os.path.join(EXAMPLES, "tests"), "--config", config, "--junit", junit],
                          capture_output=True, text=True, timeout=120)
    expect(done.returncode == 0, f"the examples pass: {done.stdout} {done.stderr}")
    expect("6 passed, 0 failed" in done.stdout, f"the summary line: {done.stdout}")
    xml = JUnitXml.fromfile(junit)
    expect(xml.tests == 6 and xml.failures == 0 and xml.errors == 0, f"JUnit: {xml.tests} {xml.failures} {xml.errors}")

    failing = os.path.join(work, "failing.json")
    with open(failing, "w") as file:
        file.write(greeting_case("Welcome to the moon base", [override_lookup("lookup", {"first_name": "Ada"})]))
    broken = os.path.join(work, "broken.json")
    with open(broken, "w") as file:
        file.write('{"Version": "2019-10-30", "Observations": [{"Identifier": "x", "Event": {"Type": "Nope"}}]}')
    done = subprocess.run([binary, "test", failing, "--config", config, "--junit", junit], capture_output=True, text=True, timeout=120)
    expect(done.returncode == 1, f"a failing case exits 1: {done.returncode} {done.stdout} {done.stderr}")
    expect("FAIL failing" in done.stdout and "observation 'greeting'" in done.stdout and "the flow's path:" in done.stdout, done.stdout)
    xml = JUnitXml.fromfile(junit)
    cases = [case for suite in xml for case in suite]
    expect(xml.failures == 1 and cases[0].result and "moon base" in cases[0].result[0].message, "JUnit names the failure")
    done = subprocess.run([binary, "test", broken, failing, "--config", config, "--json"], capture_output=True, text=True, timeout=120)
    expect(done.returncode == 2, f"a case that cannot run exits 2: {done.returncode} {done.stderr}")
    results = json.loads(done.stdout)
    expect([result["status"] for result in results] == ["ERROR", "FAILED"], f"--json: {results}")
    expect("observation 'x', Event.Type: 'Nope'" in results[0]["error"], f"the refusal: {results[0]}")
    done = subprocess.run([binary, "test", os.path.join(work, "nothing-here")], capture_output=True, text=True, timeout=60)
    expect(done.returncode != 0 and "no such file or folder" in done.stderr, f"a missing path: {done.stderr}")

    # On a running serve, with the flow pushed through CreateContactFlow for the run.
    done = subprocess.run([binary, "test", os.path.join(EXAMPLES, "tests", "greeting.json"), "--server", server,
                           "--flow", os.path.join(EXAMPLES, "contact_flow.json")], capture_output=True, text=True, timeout=120)
    expect(done.returncode == 0 and "PASS greeting" in done.stdout, f"--server: {done.stdout} {done.stderr}")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tdmock", required=True)
    arguments = parser.parse_args()
    port = free_port()
    processes = []
    try:
        process, server = started([arguments.tdmock, "serve", "--config", os.path.join(EXAMPLES, "tdmock.yaml"), "--port", str(port)],
                                  r"tdmock listening on (http://\S+)")
        processes.append(process)
        cli_env = dict(os.environ, AWS_ACCESS_KEY_ID="x", AWS_SECRET_ACCESS_KEY="x", AWS_DEFAULT_REGION="us-east-1")
        check_api(server, cli_env)
        check_cli(arguments.tdmock, server)
    finally:
        stop_all(processes)
    print("connect test cases: ok")


if __name__ == "__main__":
    main()
