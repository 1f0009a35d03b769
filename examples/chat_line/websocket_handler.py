"""The WebSocket API's Lambda ($connect, onMessage, $disconnect): remembers which connection chats in
which conversation (DynamoDB, table CONNECTIONS_TABLE), forwards the customer's messages to Talkdesk,
and ends the conversation when the Lex Web UI closes with 4000."""
import json
import os

import boto3

import talkdesk

table = boto3.resource("dynamodb").Table(os.environ["CONNECTIONS_TABLE"])


def lambda_handler(event, context):
    request = event["requestContext"]
    route = request["routeKey"]
    connection_id = request["connectionId"]
    if route == "$connect":
        conversation_id = (event.get("queryStringParameters") or {}).get("conversationId")
        if not conversation_id:
            return {"statusCode": 400, "body": "conversationId is required"}
        table.put_item(Item={"conversationId": conversation_id, "connectionId": connection_id})
        return {"statusCode": 200}
    if route == "$disconnect":
        if request.get("disconnectStatusCode") == 4000:
            reason = request.get("disconnectReason", "")
            if reason.startswith("conversationId:"):
                conversation_id = reason[len("conversationId:"):]
                talkdesk.end_conversation(conversation_id)
                table.delete_item(Key={"conversationId": conversation_id})
        return {"statusCode": 200}
    frame = json.loads(event["body"])
    talkdesk.send_message(frame["conversationId"], frame["message"])
    return {"statusCode": 200}
