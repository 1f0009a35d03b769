"""The callback REST API's Lambda (behind API Gateway with an API key): Talkdesk tells us what the agent
did; push it to the customer's WebSocket connection with PostToConnection."""
import json
import os

import boto3

table = boto3.resource("dynamodb").Table(os.environ["CONNECTIONS_TABLE"])
# https://{api-id}.execute-api.{region}.amazonaws.com/{stage} in AWS.
management = boto3.client("apigatewaymanagementapi", endpoint_url=os.environ["WEBSOCKET_API_ENDPOINT"])


def lambda_handler(event, context):
    callback = json.loads(event["body"])
    kind = callback["event_type"]
    if kind not in ("message_created", "conversation_ended"):
        return {"statusCode": 200, "body": "{}"}
    item = table.get_item(Key={"conversationId": callback["conversation_id"]}).get("Item")
    if not item:
        return {"statusCode": 404, "body": json.dumps({"message": "no connection for this conversation"})}
    payload = callback.get("payload") or {}
    frame = {"event_type": kind, "content": payload.get("content", ""), "author_name": payload.get("author_name", "Agent")}
    try:
        management.post_to_connection(ConnectionId=item["connectionId"], Data=json.dumps(frame).encode())
        if kind == "conversation_ended":
            management.delete_connection(ConnectionId=item["connectionId"])
    except management.exceptions.GoneException:
        table.delete_item(Key={"conversationId": callback["conversation_id"]})
    return {"statusCode": 200, "body": "{}"}
