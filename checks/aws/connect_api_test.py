#!/usr/bin/env python3
"""Connect's flow API with boto3's `connect` client and the AWS CLI as the judges (make test).

A deploy script's calls: create, describe, list, update the content and the metadata, delete, for flows
and modules; refusals as Connect's exceptions (InvalidContactFlowException's `problems` naming the
action and field, InvalidContactFlowModuleException's `Problems`, ResourceNotFoundException,
DuplicateResourceException, InvalidRequestException for a file's flow); a call entering the created flow
by `flow_id`, the next call running its new content, a module it invokes; and a restart on the same
store keeping what was deployed.
"""

import argparse
import json
import os
import subprocess
import tempfile
import urllib.request

from aws_test import client, expect, free_port, raises, started, stop_all

INSTANCE = "11111111-2222-3333-4444-555555555555"


def flow(text, module=False, invoke=None):
    """A flow that says `text` and disconnects (a module: that returns), or invokes the module `invoke` first."""
    actions = []
    first = "Say"
    if invoke:
        first = "Module"
        actions.append({"Identifier": "Module", "Type": "InvokeFlowModule",
                        "Parameters": {"FlowModuleId": invoke},
                        "Transitions": {"NextAction": "Say", "Errors": [{"NextAction": "Say", "ErrorType": "NoMatchingError"}]}})
    actions.append({"Identifier": "Say", "Type": "MessageParticipant", "Parameters": {"Text": text},
                    "Transitions": {"NextAction": "End", "Errors": [{"NextAction": "End", "ErrorType": "NoMatchingError"}]}})
    actions.append({"Identifier": "End", "Type": "EndFlowModuleExecution" if module else "DisconnectParticipant",
                    "Parameters": {}, "Transitions": {}})
    return json.dumps({"Version": "2019-10-30", "StartAction": first, "Actions": actions})


def call(base, body):
    request = urllib.request.Request(base + "/connect/v1/contacts", data=json.dumps(body).encode(), method="POST",
                                     headers={"content-type": "application/json"})
    try:
        with urllib.request.urlopen(request, timeout=20) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read())


def serve(binary, db):
    port = free_port()
    return started([binary, "serve", "--port", str(port), "--db", db], r"tdmock listening on (http://\S+)")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tdmock", required=True)
    arguments = parser.parse_args()
    work = tempfile.mkdtemp(prefix="tdmock-connect-api-")
    db = os.path.join(work, "tdmock.sqlite")
    processes = []
    try:
        process, base = serve(arguments.tdmock, db)
        processes.append(process)
        connect = client("connect", base)

        created = connect.create_contact_flow(InstanceId=INSTANCE, Name="Support", Type="CONTACT_FLOW", Content=flow("Welcome to support."),
                                              Description="the support line", Tags={"team": "cx"})
        flow_id = created["ContactFlowId"]
        expect(len(flow_id) == 36 and flow_id.count("-") == 4, f"a UUID: {flow_id}")
        expect(created["ContactFlowArn"] == f"arn:aws:connect:us-east-1:000000000000:instance/00000000-0000-4000-8000-00000000c0de/contact-flow/{flow_id}", created["ContactFlowArn"])
        described = connect.describe_contact_flow(InstanceId=INSTANCE, ContactFlowId=flow_id)["ContactFlow"]
        expect(described["Name"] == "Support" and described["Type"] == "CONTACT_FLOW" and described["State"] == "ACTIVE"
               and described["Status"] == "PUBLISHED" and described["Tags"] == {"team": "cx"}, f"describe: {described}")
        expect(json.loads(described["Content"])["StartAction"] == "Say", "the content comes back")
        expect(described["FlowContentSha256"] == created["FlowContentSha256"] and described["LastModifiedTime"].year >= 2026, "sha and time")
        listed = connect.list_contact_flows(InstanceId=INSTANCE)["ContactFlowSummaryList"]
        expect({summary["Name"] for summary in listed} == {"main", "Support"}, f"list: {listed}")
        expect(connect.list_contact_flows(InstanceId=INSTANCE, ContactFlowTypes=["CUSTOMER_QUEUE"])["ContactFlowSummaryList"] == [], "type filter")
        paged = connect.get_paginator("list_contact_flows").paginate(InstanceId=INSTANCE, PaginationConfig={"PageSize": 1})
        expect(sum(len(page["ContactFlowSummaryList"]) for page in paged) == 2, "pages of one")
        print("ok   create, describe, list (filtered, paged) a flow")

        status, contact = call(base, {"flow_id": flow_id, "caller": "+15550100"})
        expect(status == 201 and "Welcome to support." in contact["prompt"], f"a call into the flow: {status} {contact}")
        connect.update_contact_flow_content(InstanceId=INSTANCE, ContactFlowId=flow_id, Content=flow("Support has moved."))
        status, contact = call(base, {"flow_id": flow_id})
        expect("Support has moved." in contact["prompt"], f"the next call runs the new content: {contact}")
        status, missing = call(base, {"flow_id": "no-such-flow"})
        expect(status == 404, f"an unknown flow_id: {status} {missing}")
        print("ok   a call enters it by flow_id; the next call runs its new content")

        error = raises("InvalidContactFlowException", lambda: connect.create_contact_flow(
            InstanceId=INSTANCE, Name="Broken", Type="CONTACT_FLOW",
            Content=json.dumps({"Version": "2019-10-30", "StartAction": "Ask", "Actions": [
                {"Identifier": "Ask", "Type": "ConnectParticipantWithLexBot", "Parameters": {"Text": "Hi",
                 "LexV2Bot": {"AliasArn": "arn:aws:lex:us-east-1:000000000000:bot-alias/NOPE/NOPE"}},
                 "Transitions": {"NextAction": "Ask", "Errors": [{"NextAction": "Ask", "ErrorType": "NoMatchingError"}]}}]})))
        problems = error.response["problems"]
        expect("action 'Ask'" in problems[0]["message"] and "no bot with id 'NOPE'" in problems[0]["message"], f"problems: {problems}")
        error = raises("InvalidContactFlowException", lambda: connect.update_contact_flow_content(
            InstanceId=INSTANCE, ContactFlowId=flow_id, Content='{"Version": "2019-10-30", "Actions": []}'))
        expect(error.response["problems"][0]["message"], "a problem's message")
        raises("DuplicateResourceException", lambda: connect.create_contact_flow(InstanceId=INSTANCE, Name="Support", Type="CONTACT_FLOW",
                                                                                  Content=flow("again")))
        raises("ResourceNotFoundException", lambda: connect.describe_contact_flow(InstanceId=INSTANCE, ContactFlowId="nope"))
        raises("InvalidRequestException", lambda: connect.update_contact_flow_content(InstanceId=INSTANCE, ContactFlowId="main",
                                                                                       Content=flow("x")))
        print("ok   refusals: problems naming the action and field, duplicates, unknown ids, a file's flow")

        module = connect.create_contact_flow_module(InstanceId=INSTANCE, Name="Greeter", Content=flow("Hello from the module.", module=True))
        expect(module["Arn"].endswith(f"/flow-module/{module['Id']}"), f"module: {module}")
        described = connect.describe_contact_flow_module(InstanceId=INSTANCE, ContactFlowModuleId=module["Id"])["ContactFlowModule"]
        expect(described["Name"] == "Greeter" and described["State"] == "ACTIVE" and described["FlowModuleContentSha256"], f"{described}")
        error = raises("InvalidContactFlowModuleException", lambda: connect.update_contact_flow_module_content(
            InstanceId=INSTANCE, ContactFlowModuleId=module["Id"], Content="not json"))
        expect(error.response["Problems"][0]["message"], "the module's Problems")
        with_module = connect.create_contact_flow(InstanceId=INSTANCE, Name="Greeting line", Type="CONTACT_FLOW",
                                                  Content=flow("And now the flow.", invoke=module["Arn"]))
        status, contact = call(base, {"flow_id": with_module["ContactFlowId"]})
        expect("Hello from the module." in contact["prompt"] and "And now the flow." in contact["prompt"], f"module invoked: {contact}")
        expect([m["Name"] for m in connect.list_contact_flow_modules(InstanceId=INSTANCE)["ContactFlowModulesSummaryList"]] == ["Greeter"],
               "modules listed")
        with urllib.request.urlopen(base + "/connect/v1/coverage", timeout=20) as response:
            coverage = {flow["flow"]: flow for flow in json.loads(response.read())["flows"]}
        created_flow = coverage[with_module["ContactFlowId"]]
        expect(created_flow["file"] == "CreateContactFlow: Greeting line", f"coverage names the API's flow: {created_flow['file']}")
        expect(all(action["runs"] == 1 for action in created_flow["actions"] if action["identifier"] in ("Module", "Say")), f"{created_flow}")
        expect(coverage["module/" + module["Id"]]["file"] == "CreateContactFlowModule: Greeter", "coverage lists the API's module")
        print("ok   a module: create, describe, refused content, invoked by a created flow; the coverage counts both")

        connect.update_contact_flow_metadata(InstanceId=INSTANCE, ContactFlowId=flow_id, Name="Support (old)", ContactFlowState="ARCHIVED")
        summary = next(s for s in connect.list_contact_flows(InstanceId=INSTANCE)["ContactFlowSummaryList"] if s["Id"] == flow_id)
        expect(summary["Name"] == "Support (old)" and summary["ContactFlowState"] == "ARCHIVED", f"metadata: {summary}")

        cli_env = dict(os.environ, AWS_ACCESS_KEY_ID="x", AWS_SECRET_ACCESS_KEY="x", AWS_DEFAULT_REGION="us-east-1")
        path = os.path.join(work, "cli-flow.json")
        with open(path, "w") as f:
            f.write(flow("Deployed by the CLI."))
        run = subprocess.run(["aws", "connect", "create-contact-flow", "--endpoint-url", base, "--instance-id", INSTANCE, "--name", "CLI",
                              "--type", "CONTACT_FLOW", "--content", f"file://{path}"], capture_output=True, text=True, env=cli_env)
        expect(run.returncode == 0, f"aws connect create-contact-flow: {run.stdout} {run.stderr}")
        cli_id = json.loads(run.stdout)["ContactFlowId"]
        run = subprocess.run(["aws", "connect", "list-contact-flows", "--endpoint-url", base, "--instance-id", INSTANCE,
                              "--query", "ContactFlowSummaryList[].Name", "--output", "json"], capture_output=True, text=True, env=cli_env)
        expect(run.returncode == 0 and "CLI" in json.loads(run.stdout), f"aws connect list-contact-flows: {run.stdout} {run.stderr}")
        run = subprocess.run(["aws", "connect", "describe-contact-flow", "--endpoint-url", base, "--instance-id", INSTANCE,
                              "--contact-flow-id", "nope"], capture_output=True, text=True, env=cli_env)
        expect(run.returncode != 0 and "ResourceNotFoundException" in run.stderr, f"the CLI's error: {run.stderr}")
        print("ok   the AWS CLI: create-contact-flow from a file, list with --query, an unknown id's error")

        connect.delete_contact_flow(InstanceId=INSTANCE, ContactFlowId=flow_id)
        raises("ResourceNotFoundException", lambda: connect.describe_contact_flow(InstanceId=INSTANCE, ContactFlowId=flow_id))
        stop_all(processes)
        processes.clear()
        process, base = serve(arguments.tdmock, db)
        processes.append(process)
        connect = client("connect", base)
        names = {s["Name"] for s in connect.list_contact_flows(InstanceId=INSTANCE)["ContactFlowSummaryList"]}
        expect(names == {"main", "Greeting line", "CLI"}, f"after a restart: {names}")
        status, contact = call(base, {"flow_id": cli_id})
        expect("Deployed by the CLI." in contact["prompt"], f"a kept flow runs after a restart: {contact}")
        print("ok   delete; a restart on the same store keeps what was deployed, and runs it")
    finally:
        stop_all(processes)
    print("connect api test passed: a deploy script's flows and modules, through boto3 and the AWS CLI")


if __name__ == "__main__":
    main()
