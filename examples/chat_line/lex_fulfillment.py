"""The Lex bot's fulfillment Lambda: the customer asked for a human, so start a Talkdesk conversation
with the chat so far and hand its id to the Lex Web UI in the session attributes."""
import json
from datetime import datetime, timezone

import talkdesk


def lambda_handler(event, context):
    state = event["sessionState"]
    attributes = state.get("sessionAttributes") or {}
    intent = state["intent"]["name"]
    now = datetime.now(timezone.utc).isoformat(timespec="milliseconds").replace("+00:00", "Z")
    transcript = json.loads(attributes.get("transcript") or "[]")
    transcript.append({"type": "user", "content": event["inputTranscript"], "created_at": now})
    body = {
        "subject": f"Chat from {attributes.get('customer_name', 'a customer')}",
        "contact_person": {"name": attributes.get("customer_name", "Customer"),
                           "email": attributes.get("customer_email", "customer@example.com")},
        "context_parameters": {"intent": intent},
        "previous_messages": [{"type": m["type"], "content": m["content"], "created_at": m.get("created_at", now)}
                              for m in transcript],
    }
    try:
        conversation_id = talkdesk.start_conversation(body)
    except Exception as error:
        print(f"escalation failed: {error}")
        return close(attributes, intent, "Failed", "Sorry, no agent can take the chat right now.")
    attributes["talkdesk_conversation_id"] = conversation_id
    return close(attributes, intent, "Fulfilled", "Connecting you with an agent.")


def close(attributes, intent, state, message):
    return {"sessionState": {"dialogAction": {"type": "Close"}, "intent": {"name": intent, "state": state},
                             "sessionAttributes": attributes},
            "messages": [{"contentType": "PlainText", "content": message}]}
