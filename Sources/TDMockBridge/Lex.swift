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

    /// The code hooks a Lambda is called from: fulfillment, or the dialog code hook (Connect's bots often
    /// enable it on the fallback intent). The escalation is the same for both.
    static let invocationSources: Set<String> = ["FulfillmentCodeHook", "DialogCodeHook"]
    static let inputModes: Set<String> = ["Text", "Speech", "DTMF"]

    /// What of a Lex V2 Lambda input event the bridge cannot use, if anything. `interpretations` may be
    /// missing; each one's `nluConfidence` is a bare number in a Lambda input event (AWS's "Lambda input
    /// event format") and `{"score": n}` in RecognizeText's answer: both are taken.
    static func problem(in event: [String: Any]) -> String? {
        if let source = event["invocationSource"], !(source is NSNull) {
            guard let source = source as? String, invocationSources.contains(source) else {
                return "invocationSource must be FulfillmentCodeHook or DialogCodeHook, not \(describe(source))"
            }
        }
        if let mode = event["inputMode"], !(mode is NSNull) {
            guard let mode = mode as? String, inputModes.contains(mode) else {
                return "inputMode must be Text, Speech or DTMF, not \(describe(mode))"
            }
        }
        guard event["sessionState"] is [String: Any] else {
            return "sessionState is missing: a Lex V2 Lambda input event carries the session's state"
        }
        if let interpretations = event["interpretations"], !(interpretations is NSNull) {
            guard let list = interpretations as? [Any] else { return "interpretations must be an array" }
            for (index, item) in list.enumerated() {
                guard let interpretation = item as? [String: Any] else { return "interpretations[\(index)] must be an object" }
                if let confidence = interpretation["nluConfidence"], !(confidence is NSNull), nluScore(confidence) == nil {
                    return "interpretations[\(index)].nluConfidence must be a number (or {\"score\": number}), not \(describe(confidence))"
                }
            }
        }
        return nil
    }

    /// An `nluConfidence` as a number, from either of its two forms.
    static func nluScore(_ value: Any) -> Double? {
        // Through JSONValue, which tells Foundation's booleans from its numbers (`1 is Bool` holds on Linux).
        switch JSONValue(serialized: value) {
        case .number(let score)?: return score
        case .object(let object)?: if case .number(let score)? = object["score"] { return score }
        default: break
        }
        return nil
    }

    private static func describe(_ value: Any) -> String {
        if let text = value as? String { return "\"\(text)\"" }
        if let data = try? JSONSerialization.data(withJSONObject: value, options: [.fragmentsAllowed, .sortedKeys]) {
            return String(decoding: data, as: UTF8.self)
        }
        return "\(value)"
    }

    /// The intent the event is about (`sessionState.intent.name`), for the answer; TalkToAgent when it has none.
    static func intentName(of event: [String: Any]) -> String {
        ((event["sessionState"] as? [String: Any])?["intent"] as? [String: Any])?["name"] as? String ?? "TalkToAgent"
    }

    /// The event's session attributes that are strings (as Lex keeps them).
    static func sessionAttributes(of event: [String: Any]) -> [String: String] {
        (((event["sessionState"] as? [String: Any])?["sessionAttributes"] as? [String: Any]) ?? [:]).compactMapValues { $0 as? String }
    }

    /// The Start a Conversation body the fulfillment Lambda would send for this event.
    static func escalation(from event: [String: Any], touchpoint: String) throws -> Escalation {
        if let problem = problem(in: event) { throw Invalid(description: problem) }
        let attributes = sessionAttributes(of: event)
        let intentName = intentName(of: event)
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
