"""Connect's test cases (docs/connect-tests.md): a 10-observation test case on a 50-action flow, from
StartTestCaseExecution to the summary that says it passed, through the API as boto3 calls it; and 100 test
case files through `tdmock test` (its own server's start included)."""
import json
import os
import statistics
import subprocess
import time

INSTANCE = "00000000-0000-4000-8000-00000000c0de"
LAMBDA = "arn:aws:lambda:us-east-1:000000000000:function:lookup"
RUNS = 50
FILES = 100


def step(identifier, kind, parameters, transitions):
    return {"Identifier": identifier, "Type": kind, "Parameters": parameters, "Transitions": transitions}


def fifty_action_flow():
    """A Lambda, nine blocks of a message, three attribute updates and a Compare, a fourth update, a DTMF
    menu, a goodbye and a disconnect: 50 actions."""
    actions = [step("lookup", "InvokeLambdaFunction", {"LambdaFunctionARN": LAMBDA, "InvocationTimeLimitSeconds": "3"},
                    {"NextAction": "say-1", "Errors": [{"NextAction": "bye", "ErrorType": "NoMatchingError"}]})]
    for n in range(1, 10):
        following = f"say-{n + 1}" if n < 9 else "extra"
        actions.append(step(f"say-{n}", "MessageParticipant", {"Text": f"Step {n} for $.External.name."}, {"NextAction": f"set-{n}-1"}))
        for k in (1, 2, 3):
            actions.append(step(f"set-{n}-{k}", "UpdateContactAttributes", {"Attributes": {f"a{n}{k}": "$.External.tier"}},
                                {"NextAction": f"set-{n}-{k + 1}" if k < 3 else f"compare-{n}"}))
        actions.append(step(f"compare-{n}", "Compare", {"ComparisonValue": "$.External.tier"},
                            {"Conditions": [{"NextAction": following, "Condition": {"Operator": "Equals", "Operands": ["gold"]}}],
                             "Errors": [{"NextAction": "bye", "ErrorType": "NoMatchingCondition"}]}))
    actions.append(step("extra", "UpdateContactAttributes", {"Attributes": {"done": "yes"}}, {"NextAction": "menu"}))
    actions.append(step("menu", "GetParticipantInput", {"Text": "Press 1 to finish.", "StoreInput": "False", "InputTimeLimitSeconds": "5"},
                        {"Conditions": [{"NextAction": "bye", "Condition": {"Operator": "Equals", "Operands": ["1"]}}],
                         "Errors": [{"NextAction": "bye", "ErrorType": "NoMatchingCondition"},
                                    {"NextAction": "bye", "ErrorType": "InputTimeLimitExceeded"}]}))
    actions.append(step("bye", "MessageParticipant", {"Text": "Goodbye."}, {"NextAction": "end"}))
    actions.append(step("end", "DisconnectParticipant", {}, {}))
    assert len(actions) == 50, len(actions)
    return {"Version": "2019-10-30", "StartAction": "lookup", "Actions": actions}


def ten_observation_case():
    def message(identifier, text, following, actions=()):
        return {"Identifier": identifier, "Event": {"Type": "MessageReceived", "Actor": "System",
                                                    "Properties": {"Text": text, "MatchingCriteria": {"Type": "Similarity"}}},
                "Actions": list(actions), "Transitions": {"NextObservations": [following] if following else []}}
    mock = {"Identifier": "mock", "Type": "OverrideSystemBehavior", "Parameters": {"ActionType": "OverrideSystemBehavior", "Behavior": {
        "Type": "FlowAction", "Properties": {"ActionType": "InvokeLambdaFunction", "ActionParameters": {"LambdaFunctionARN": LAMBDA},
                                             "Strategy": {"Type": "MockResponse", "Response": {"Type": "ExecutionResult", "ExecutionResult": {
                                                 "LoadedData": json.dumps({"name": "Ada", "tier": "gold"})}}}}}}}
    press = {"Identifier": "press", "Type": "SendInstruction", "Parameters": {"ActionType": "SendInstruction", "Actor": "Customer",
                                                                             "Instruction": {"Type": "DtmfInput", "Properties": {"Value": "1"}}}}
    check = {"Identifier": "check", "Type": "Assert", "Parameters": {"Namespace": "$.Attributes.done", "Operator": "Equals", "Operand": "yes"}}
    observations = [
        {"Identifier": "start", "Event": {"Type": "TestInitiated", "Actor": "System", "Properties": {}}, "Actions": [mock],
         "Transitions": {"NextObservations": ["lookup"]}},
        {"Identifier": "lookup", "Event": {"Type": "FlowActionStarted", "Actor": "System", "Properties": {
            "ActionType": "InvokeLambdaFunction", "ActionParameters": {"LambdaFunctionARN": LAMBDA}}}, "Transitions": {"NextObservations": ["step 1"]}},
        message("step 1", "Step 1 for Ada.", "step 3"),
        message("step 3", "Step 3 for Ada.", "step 5"),
        message("step 5", "Step 5 for Ada.", "step 7"),
        message("step 7", "Step 7 for Ada.", "step 9"),
        message("step 9", "Step 9 for Ada.", "menu"),
        message("menu", "Press 1 to finish.", "goodbye", [press]),
        message("goodbye", "Goodbye.", "over", [check]),
        {"Identifier": "over", "Event": {"Type": "TestCompleted", "Actor": "System", "Properties": {}}},
    ]
    assert len(observations) == 10
    return {"Version": "2025-06-21", "Metadata": {}, "Observations": observations}


def measure(binary, workdir, row, processes, start_tdmock, free_port, call):
    flow_file = os.path.join(workdir, "fifty-actions.json")
    with open(flow_file, "w") as f:
        json.dump(fifty_action_flow(), f)
    # The flow's function must be configured for the flow to load; every case overrides its answer, so
    # nothing listens at its address.
    config = os.path.join(workdir, "tests.yaml")
    with open(config, "w") as f:
        f.write(f"connect:\n  flow: {flow_file}\nfunctions:\n  lookup: http://127.0.0.1:9/2015-03-31/functions/lookup/invocations\n")
    case = json.dumps(ten_observation_case())
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    processes.append(start_tdmock(binary, port, os.path.join(workdir, "tests.sqlite"), ["--config", config]))
    status, body = call("PUT", f"{base}/test-cases/{INSTANCE}", json.dumps({"Name": "bench", "Content": case}),
                        {"content-type": "application/json"})
    assert status == 200, body
    test_id = json.loads(body)["TestCaseId"]
    times, server_times = [], []
    for index in range(RUNS + 5):
        begin = time.perf_counter()
        _, body = call("PUT", f"{base}/test-cases/{INSTANCE}/{test_id}/start-execution")
        execution = json.loads(body)["TestCaseExecutionId"]
        while True:
            _, body = call("GET", f"{base}/test-cases/{INSTANCE}/{test_id}/{execution}/summary")
            summary = json.loads(body)
            if summary["Status"] not in ("INITIATED", "IN_PROGRESS"):
                break
            time.sleep(0.0005)
        elapsed = (time.perf_counter() - begin) * 1000
        assert summary["Status"] == "PASSED" and summary["ObservationSummary"]["ObservationsPassed"] == 10, summary
        if index >= 5:
            times.append(elapsed)
            server_times.append((summary["EndTime"] - summary["StartTime"]) * 1000)
    processes.pop().stop()
    command = (f"StartTestCaseExecution to the first GetTestCaseExecutionSummary that says PASSED (polling every 0.5 ms), "
               f"median of {RUNS} after 5; the server's EndTime - StartTime median {statistics.median(server_times):.1f} ms")
    median = statistics.median(times)
    row("a 10-observation test case on a 50-action flow", median, "ms", "<= 20 ms", median <= 20, command=command)

    folder = os.path.join(workdir, "cases")
    os.makedirs(folder, exist_ok=True)
    for n in range(FILES):
        with open(os.path.join(folder, f"case-{n:03}.json"), "w") as f:
            f.write(case)
    runs = []
    for _ in range(3):
        begin = time.perf_counter()
        done = subprocess.run([binary, "test", folder, "--config", config], capture_output=True, text=True, timeout=300)
        runs.append(time.perf_counter() - begin)
        assert done.returncode == 0 and f"{FILES} passed" in done.stdout, done.stdout[-2000:] + done.stderr
    seconds = statistics.median(runs)
    command = f"tdmock test on {FILES} files of that case with --config (its own in-memory server's start included), median of 3 ({', '.join(f'{r:.2f}' for r in runs)} s)"
    row(f"{FILES} test cases through tdmock test", seconds, "s", "<= 5 s", seconds <= 5, command=command)
