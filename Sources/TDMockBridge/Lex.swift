import Foundation
import TDMockCore

/// What the bridge reads of an Amazon Lex V2 fulfillment event, and the response it gives back.
///
/// Session attributes (strings, as Lex keeps them): `customer_name`, `customer_email`, `intent_history`
/// (comma-separated), `sentiment`, and `transcript`: a JSON array of `{"type": "user"|"external",
/// "content", "created_at"}`, the bot conversation so far.
enum Lex {
    struct Escalation {
        var body: [String: Any]
        var sessionAttributes: [String: String]
        var intentName: String
    }

    struct Invalid: Error, CustomStringConvertible {
        var description: String
    }

    /// The Start a Conversation body the fulfillment Lambda would send for this event.
    static func escalation(from event: [String: Any], touchpoint: String) throws -> Escalation {
        guard let state = event["sessionState"] as? [String: Any] else {
            throw Invalid(description: "not a Lex V2 event: sessionState is missing")
        }
        let attributes = (state["sessionAttributes"] as? [String: Any] ?? [:]).compactMapValues { $0 as? String }
        let intentName = (state["intent"] as? [String: Any])?["name"] as? String ?? "TalkToAgent"
        let interpretation = (event["interpretations"] as? [[String: Any]])?.first
        let sentiment = (interpretation?["sentimentResponse"] as? [String: Any])?["sentiment"] as? String
            ?? attributes["sentiment"] ?? "NEUTRAL"
        var intents = (attributes["intent_history"] ?? "").split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
        if intents.last != intentName { intents.append(intentName) }

        var previous: [[String: Any]] = []
        if let transcript = attributes["transcript"], !transcript.isEmpty {
            guard let data = transcript.data(using: .utf8), let items = try? JSONSerialization.jsonObject(with: data) as? [[String: Any]] else {
                throw Invalid(description: "sessionAttributes.transcript must be a JSON array of {type, content, created_at}")
            }
            previous = items
        }
        if let said = event["inputTranscript"] as? String, !said.isEmpty, previous.last?["content"] as? String != said {
            previous.append(["type": "user", "content": said, "created_at": Timestamp.string(from: Date())])
        }
        var contact: [String: Any] = ["email": attributes["customer_email"] ?? "customer@example.com"]
        if let name = attributes["customer_name"] { contact["name"] = name }
        let body: [String: Any] = [
            "touchpoint_id": touchpoint,
            "subject": "Escalation from \((event["bot"] as? [String: Any])?["name"] as? String ?? "the bot"): \(intentName)",
            "contact_person": contact,
            "context_parameters": ["sentiment": sentiment, "intent_history": intents.joined(separator: ",")],
            "previous_messages": previous,
        ]
        return Escalation(body: body, sessionAttributes: attributes, intentName: intentName)
    }

    /// The Lex V2 response: close the dialog, the intent fulfilled (or failed), the conversation id kept.
    static func response(
        sessionAttributes: [String: String], intentName: String, conversationID: String?, message: String
    ) -> [String: Any] {
        var attributes = sessionAttributes
        if let conversationID { attributes["talkdesk_conversation_id"] = conversationID }
        return [
            "sessionState": [
                "sessionAttributes": attributes,
                "dialogAction": ["type": "Close"],
                "intent": ["name": intentName, "state": conversationID == nil ? "Failed" : "Fulfilled"],
            ],
            "messages": [["contentType": "PlainText", "content": message]],
        ]
    }
}
