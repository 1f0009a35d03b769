"""A WebSocket chat function written for AWS, the way AWS's Python WebSocket chat sample is: connection
ids in a DynamoDB table, and messages pushed to every connection through the Management API at the
endpoint it builds from its own event. Nothing in it knows tdmock: the check runs it with environment
variables only (AWS_CA_BUNDLE, AWS_ENDPOINT_URL_DYNAMODB, the table's name)."""
import json
import os

import boto3
from botocore.exceptions import ClientError

TABLE = boto3.resource("dynamodb").Table(os.environ["TABLE_NAME"])


def handle(event, context):
    request = event["requestContext"]
    route = request["routeKey"]
    connection = request["connectionId"]
    if route == "$connect":
        TABLE.put_item(Item={"connection_id": connection, "user": (event.get("queryStringParameters") or {}).get("name", "guest")})
        return {"statusCode": 200}
    if route == "$disconnect":
        TABLE.delete_item(Key={"connection_id": connection})
        return {"statusCode": 200}
    # sendmessage: to everyone connected, through https://{domainName}/{stage}.
    message = json.loads(event.get("body") or "{}").get("msg", "")
    sender = TABLE.get_item(Key={"connection_id": connection}).get("Item", {}).get("user", "guest")
    management = boto3.client("apigatewaymanagementapi", endpoint_url=f"https://{request['domainName']}/{request['stage']}")
    for item in TABLE.scan(ProjectionExpression="connection_id")["Items"]:
        try:
            management.post_to_connection(ConnectionId=item["connection_id"], Data=f"{sender}: {message}".encode())
        except ClientError as error:
            if error.response["Error"]["Code"] == "GoneException":
                TABLE.delete_item(Key={"connection_id": item["connection_id"]})
            else:
                raise
    return {"statusCode": 200}
