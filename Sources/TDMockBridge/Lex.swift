import Foundation
import TDMockCore

/// What the bridge reads of an Amazon Lex V2 fulfillment event, and the response it gives back.
///
/// Session attributes (strings, as Lex keeps them): `customer_name`, `customer_email`, `intent_history`
/// (comma-separated), `sentiment`, and `transcript`: a JSON array of `{"type": "user"|"external",
/// "content", "created_at"}`, the bot conversation so far.
enum Lex {
    struct Escalation {
        var body: JSONValue
        var sessionAttributes: [String: String]
        var intentName: String
    }

    struct Invalid: Error, CustomStringConvertible {
        var description: String
    }

    /// The code hooks a Lambda is called from: fulfillment, or the dialog code hook (Connect's bots often
    /// enable it on the fallback intent). The escalation is the same for both.
    static let invocationSources: Set<String> = ["FulfillmentCodeHook", "DialogCodeHook"]
    static let inputModes: Set<String> = ["Text", "Speech", "DTMF"]

    /// What of a Lex V2 Lambda input event the bridge cannot use, if anything. `interpretations` may be
    /// missing; each one's `nluConfidence` is a bare number in a Lambda input event (AWS's "Lambda input
    /// event format") and `{"score": n}` in RecognizeText's answer: both are taken.
    static func problem(in event: [String: JSONValue]) -> String? {
        if let source = event["invocationSource"], !source.isNull {
            guard let name = source.stringValue, invocationSources.contains(name) else {
                return "invocationSource must be FulfillmentCodeHook or DialogCodeHook, not \(source.jsonText)"
            }
        }
        if let mode = event["inputMode"], !mode.isNull {
            guard let name = mode.stringValue, inputModes.contains(name) else {
                return "inputMode must be Text, Speech or DTMF, not \(mode.jsonText)"
            }
        }
        guard event["sessionState"]?.objectValue != nil else {
            return "sessionState is missing: a Lex V2 Lambda input event carries the session's state"
        }
        if let interpretations = event["interpretations"], !interpretations.isNull {
            guard let list = interpretations.arrayValue else { return "interpretations must be an array" }
            for (index, item) in list.enumerated() {
                guard let interpretation = item.objectValue else { return "interpretations[\(index)] must be an object" }
                if let confidence = interpretation["nluConfidence"], !confidence.isNull, nluScore(confidence) == nil {
                    return "interpretations[\(index)].nluConfidence must be a number (or {\"score\": number}), not \(confidence.jsonText)"
                }
            }
        }
        return nil
    }

    /// An `nluConfidence` as a number, from either of its two forms.
    static func nluScore(_ value: JSONValue) -> Double? {
        value.numberValue ?? value["score"]?.numberValue
    }

    /// The intent the event is about (`sessionState.intent.name`), for the answer; TalkToAgent when it has none.
    static func intentName(of event: [String: JSONValue]) -> String {
        event["sessionState"]?["intent"]?["name"]?.stringValue ?? "TalkToAgent"
    }

    /// The event's session attributes that are strings (as Lex keeps them).
    static func sessionAttributes(of event: [String: JSONValue]) -> [String: String] {
        (event["sessionState"]?["sessionAttributes"]?.objectValue ?? [:]).compactMapValues(\.stringValue)
    }

    /// The Start a Conversation body the fulfillment Lambda would send for this event.
    static func escalation(from event: [String: JSONValue], touchpoint: String) throws -> Escalation {
        if let problem = problem(in: event) { throw Invalid(description: problem) }
        let attributes = sessionAttributes(of: event)
        let intentName = intentName(of: event)
        let interpretation = event["interpretations"]?.arrayValue?.first
        let sentiment = interpretation?["sentimentResponse"]?["sentiment"]?.stringValue ?? attributes["sentiment"] ?? "NEUTRAL"
        var intents = (attributes["intent_history"] ?? "").split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter {
            !$0.isEmpty
        }
        if intents.last != intentName { intents.append(intentName) }

        var previous: [JSONValue] = []
        if let transcript = attributes["transcript"], !transcript.isEmpty {
            guard let items = JSONValue(parsing: Data(transcript.utf8))?.arrayValue, items.allSatisfy({ $0.objectValue != nil }) else {
                throw Invalid(description: "sessionAttributes.transcript must be a JSON array of {type, content, created_at}")
            }
            // Talkdesk requires each previous message's time: one the transcript leaves out is now's.
            let now = JSONValue.string(Timestamp.string(from: Date()))
            previous = items.map { item in
                guard var message = item.objectValue, message["created_at"]?.stringValue == nil else { return item }
                message["created_at"] = now
                return .object(message)
            }
        }
        if let said = event["inputTranscript"]?.stringValue, !said.isEmpty, previous.last?["content"]?.stringValue != said {
            previous.append(["type": "user", "content": .string(said), "created_at": .string(Timestamp.string(from: Date()))])
        }
        var contact: [String: JSONValue] = ["email": .string(attributes["customer_email"] ?? "customer@example.com")]
        if let name = attributes["customer_name"] { contact["name"] = .string(name) }
        let body: JSONValue = [
            "touchpoint_id": .string(touchpoint),
            "subject": .string("Escalation from \(event["bot"]?["name"]?.stringValue ?? "the bot"): \(intentName)"),
            "contact_person": .object(contact),
            "context_parameters": ["sentiment": .string(sentiment), "intent_history": .string(intents.joined(separator: ","))],
            "previous_messages": .array(previous),
        ]
        return Escalation(body: body, sessionAttributes: attributes, intentName: intentName)
    }

    /// The Lex V2 response: close the dialog, the intent fulfilled (or failed), the conversation id kept.
    static func response(
        sessionAttributes: [String: String],
        intentName: String,
        conversationID: String?,
        message: String
    ) -> JSONValue {
        var attributes = sessionAttributes
        if let conversationID { attributes["talkdesk_conversation_id"] = conversationID }
        return [
            "sessionState": [
                "sessionAttributes": .object(attributes.mapValues(JSONValue.string)),
                "dialogAction": ["type": "Close"],
                "intent": ["name": .string(intentName), "state": .string(conversationID == nil ? "Failed" : "Fulfilled")],
            ],
            "messages": [["contentType": "PlainText", "content": .string(message)]],
        ]
    }
}
