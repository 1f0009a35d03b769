"""Connect's InvokeLambdaFunction target: who is calling. Returns a flat map of strings, which the flow
reads as $.External.tier and $.External.first_name."""

CUSTOMERS = {
    "+15550100": {"tier": "gold", "first_name": "Ada"},
    "+15550111": {"tier": "standard", "first_name": "Grace"},
}


def lambda_handler(event, context):
    phone = event["Details"]["Parameters"].get("phone", "")
    return CUSTOMERS.get(phone, {"tier": "standard", "first_name": "there"})
