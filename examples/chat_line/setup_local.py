"""Creates, in the DynamoDB and Secrets Manager the environment points boto3 at (moto's server locally),
what the functions expect to find: the connections table and the two Talkdesk secrets, with tdmock
serve's default client and touchpoint (override with TALKDESK_CLIENT_ID, TALKDESK_CLIENT_SECRET,
TALKDESK_TOUCHPOINT_ID)."""
import json
import os

import boto3

table = os.environ["CONNECTIONS_TABLE"]
dynamodb = boto3.client("dynamodb")
if table not in dynamodb.list_tables()["TableNames"]:
    dynamodb.create_table(TableName=table, KeySchema=[{"AttributeName": "conversationId", "KeyType": "HASH"}],
                          AttributeDefinitions=[{"AttributeName": "conversationId", "AttributeType": "S"}],
                          BillingMode="PAY_PER_REQUEST")
secrets = boto3.client("secretsmanager")
values = {
    "dev/talkdesk/touchpoint/ids": {"touchpoint_id": os.environ.get("TALKDESK_TOUCHPOINT_ID", "tp-tdmock")},
    "dev/talkdesk/client/keys": {"client_id": os.environ.get("TALKDESK_CLIENT_ID", "tdmock-client"),
                                 "client_secret": os.environ.get("TALKDESK_CLIENT_SECRET", "tdmock-secret")},
}
for name, value in values.items():
    try:
        secrets.create_secret(Name=name, SecretString=json.dumps(value))
    except secrets.exceptions.ResourceExistsException:
        secrets.put_secret_value(SecretId=name, SecretString=json.dumps(value))
print(f"table {table} and secrets {', '.join(values)} are ready")
