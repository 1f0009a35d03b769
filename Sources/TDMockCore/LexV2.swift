import Foundation

/// Amazon Lex V2's side of the question-response line (docs/question-response.md): the Lambda input event tdmock
/// sends for each utterance, and the check Lex makes of the Lambda's answer. Shaped as AWS's "Lambda
/// input event format" and "Lambda response format" pages for Lex V2 document them.
public enum LexV2 {
    /// The bot the events name (config `connect.bot`).
    public struct Bot: Sendable, Hashable {
        public var id = "TDMOCKQBOT"
        public var name = "QuestionBot"
        public var aliasID = "TSTALIASID"
        public var aliasName = "TestBotAlias"
        public var localeID = "en_US"
        public var version = "DRAFT"

        public init() {}
    }

    public static let fallbackIntent = "FallbackIntent"

    /// The Lambda input event of one utterance: `FulfillmentCodeHook` of the FallbackIntent, spoken.
    public static func event(
        contactID: String,
        utterance: String,
        sessionAttributes: [String: String],
        bot: Bot,
        requestID: String
    ) -> JSONValue {
        event(
            sessionID: contactID,
            text: utterance,
            inputMode: "Speech",
            invocationSource: "FulfillmentCodeHook",
            intent: fallbackIntent,
            candidates: [],
            sessionAttributes: sessionAttributes,
            requestAttributes: [:],
            bot: bot,
            requestID: requestID
        )
    }

    /// An intent as the events and answers write it.
    public static func intent(_ name: String, state: String?) -> JSONValue {
        var intent: [String: JSONValue] = ["name": .string(name), "confirmationState": "None", "slots": .object([:])]
        if let state { intent["state"] = .string(state) }
        return .object(intent)
    }

    /// The Lambda input event for a code hook (AWS's "Lambda input event format" for Lex V2): the intent
    /// recognized first in `interpretations` with its score (FallbackIntent has none: Lex gives one only to
    /// the intents it recognised), then the other candidates; `transcriptions` for speech.
    public static func event(
        sessionID: String,
        text: String,
        inputMode: String,
        invocationSource: String,
        intent: String,
        candidates: [LexMatcher.Candidate],
        sessionAttributes: [String: String],
        requestAttributes: [String: String],
        bot: Bot,
        requestID: String
    ) -> JSONValue {
        let state = invocationSource == "DialogCodeHook" ? "InProgress" : "ReadyForFulfillment"
        let current = Self.intent(intent, state: state)
        let interpretations = Self.interpretations(intent: intent, state: state, candidates: candidates)
        var event: [String: JSONValue] = [
            "messageVersion": "1.0",
            "invocationSource": .string(invocationSource),
            "inputMode": .string(inputMode),
            "responseContentType": "text/plain; charset=utf-8",
            "sessionId": .string(sessionID),
            "inputTranscript": .string(text),
            "bot": [
                "id": .string(bot.id), "name": .string(bot.name), "aliasId": .string(bot.aliasID), "aliasName": .string(bot.aliasName),
                "localeId": .string(bot.localeID), "version": .string(bot.version),
            ],
            "interpretations": .array(interpretations),
            "requestAttributes": .object(requestAttributes.mapValues(JSONValue.string)),
            "sessionState": [
                "intent": current,
                "sessionAttributes": .object(sessionAttributes.mapValues(JSONValue.string)),
                "originatingRequestId": .string(requestID),
            ],
        ]
        if inputMode == "Speech" {
            event["transcriptions"] = [
                [
                    "transcription": .string(text), "transcriptionConfidence": .number(0.95),
                    "resolvedContext": ["intent": .string(intent)], "resolvedSlots": .object([:]),
                ]
            ]
        }
        return .object(event)
    }

    /// The interpretations as a Lambda input event lists them: the intent recognized first, in `state`, with
    /// its score as `nluConfidence` (FallbackIntent has none), then the other candidates.
    public static func interpretations(intent: String, state: String, candidates: [LexMatcher.Candidate]) -> [JSONValue] {
        func interpretation(_ name: String, score: Double?, intent: JSONValue) -> JSONValue {
            var object: [String: JSONValue] = ["intent": intent, "interpretationSource": "Lex"]
            if let score, name != fallbackIntent { object["nluConfidence"] = .number(score) }
            return .object(object)
        }
        var interpretations = [
            interpretation(intent, score: candidates.first { $0.intent == intent }?.score, intent: Self.intent(intent, state: state))
        ]
        for candidate in candidates where candidate.intent != intent {
            interpretations.append(interpretation(candidate.intent, score: candidate.score, intent: Self.intent(candidate.intent, state: nil)))
        }
        return interpretations
    }

    public static let dialogActionTypes = ["Close", "ConfirmIntent", "Delegate", "ElicitIntent", "ElicitSlot"]
    public static let intentStates = ["Failed", "Fulfilled", "InProgress", "ReadyForFulfillment", "Waiting", "FulfillmentInProgress"]
    public static let contentTypes = ["CustomPayload", "ImageResponseCard", "PlainText", "SSML"]

    /// A Lambda answer that Lex takes.
    public struct Answer: Sendable, Hashable {
        public var dialogActionType: String
        public var intentName: String?
        public var intentState: String?
        /// As Lex keeps them: strings (numbers and booleans as their text).
        public var sessionAttributes: [String: String]
        public var messages: [Message]
        /// The intent's slots that have a value, by name: each one's `interpretedValue` (`$.Lex.Slots`).
        public var slots: [String: String] = [:]

        public struct Message: Sendable, Hashable {
            public var contentType: String
            public var content: String

            public init(contentType: String, content: String) {
                self.contentType = contentType
                self.content = content
            }
        }

        public init(
            dialogActionType: String,
            intentName: String? = nil,
            intentState: String? = nil,
            sessionAttributes: [String: String],
            messages: [Message]
        ) {
            self.dialogActionType = dialogActionType
            self.intentName = intentName
            self.intentState = intentState
            self.sessionAttributes = sessionAttributes
            self.messages = messages
        }

        /// What Lex would speak: the PlainText and SSML messages, in order.
        public var spoken: [String] {
            messages.filter { $0.contentType == "PlainText" || $0.contentType == "SSML" }.map(\.content)
        }
    }

    /// Why Lex refuses an answer: the field, and what is wrong with it.
    public struct Refusal: Error, Sendable, Hashable, CustomStringConvertible {
        public var field: String
        public var problem: String
        public var description: String { field.isEmpty ? problem : "\(field): \(problem)" }
    }

    /// Checks a Lambda's answer as Lex does.
    public static func check(_ answer: JSONValue) -> Result<Answer, Refusal> {
        func refuse(_ field: String, _ problem: String) -> Result<Answer, Refusal> { .failure(Refusal(field: field, problem: problem)) }
        guard let root = answer.objectValue else { return refuse("", "the answer is \(answer.typeDescription), not a JSON object") }
        guard let stateValue = root["sessionState"] else { return refuse("sessionState", "missing; Lex needs the session's next state") }
        guard let state = stateValue.objectValue else { return refuse("sessionState", "\(stateValue.typeDescription); Lex takes an object") }
        guard let actionValue = state["dialogAction"] else {
            return refuse("sessionState.dialogAction", "missing; Lex needs to know what to do next")
        }
        guard let action = actionValue.objectValue else {
            return refuse("sessionState.dialogAction", "\(actionValue.typeDescription); Lex takes an object")
        }
        let types = dialogActionTypes.joined(separator: ", ")
        guard let typeValue = action["type"] else { return refuse("sessionState.dialogAction.type", "missing; one of \(types)") }
        guard let type = typeValue.stringValue, dialogActionTypes.contains(type) else {
            return refuse("sessionState.dialogAction.type", "\(describe(typeValue)) is not one of \(types)")
        }
        var checked = Answer(dialogActionType: type, sessionAttributes: [:], messages: [])
        if let intentValue = state["intent"], !intentValue.isNull || type == "Close" {
            guard let intent = intentValue.objectValue else {
                return refuse("sessionState.intent", "\(intentValue.typeDescription); Lex takes an object")
            }
            checked.intentName = intent["name"]?.stringValue
            checked.intentState = intent["state"]?.stringValue
            for (name, slot) in intent["slots"]?.objectValue ?? [:] {
                if let value = slot["value"]?["interpretedValue"]?.stringValue ?? slot["value"]?["originalValue"]?.stringValue {
                    checked.slots[name] = value
                }
            }
            if let state = intent["state"], !state.isNull, !(state.stringValue.map(intentStates.contains) ?? false) {
                return refuse("sessionState.intent.state", "\(describe(state)) is not one of \(intentStates.joined(separator: ", "))")
            }
        }
        if type == "Close" {
            guard state["intent"] != nil else { return refuse("sessionState.intent", "missing; with Close, Lex needs the intent and its state") }
            guard let name = checked.intentName, !name.isEmpty else {
                return refuse("sessionState.intent.name", "missing or not a string; with Close, Lex needs the intent's name")
            }
            guard checked.intentState != nil else {
                return refuse("sessionState.intent.state", "missing; with Close, one of \(intentStates.joined(separator: ", "))")
            }
        }
        if let attributesValue = state["sessionAttributes"], !attributesValue.isNull {
            guard let attributes = attributesValue.objectValue else {
                return refuse("sessionState.sessionAttributes", "\(attributesValue.typeDescription); Lex takes an object of strings")
            }
            for (key, value) in attributes {
                switch value {
                case .string(let text): checked.sessionAttributes[key] = text
                case .number(let number): checked.sessionAttributes[key] = numberText(number)
                case .bool(let flag): checked.sessionAttributes[key] = flag ? "true" : "false"
                // A null value is no value: the attribute is left out, as Lex leaves it.
                case .null: continue
                case .object, .array:
                    return refuse("sessionState.sessionAttributes.\(key)", "\(value.typeDescription); Lex takes strings")
                }
            }
        }
        if let messagesValue = root["messages"], !messagesValue.isNull {
            guard let messages = messagesValue.arrayValue else { return refuse("messages", "\(messagesValue.typeDescription); Lex takes an array") }
            for (index, item) in messages.enumerated() {
                let field = "messages[\(index)]"
                guard let message = item.objectValue else { return refuse(field, "\(item.typeDescription); Lex takes an object") }
                guard let contentType = message["contentType"]?.stringValue, contentTypes.contains(contentType) else {
                    return refuse(
                        field + ".contentType",
                        "\(message["contentType"].map(describe) ?? "missing"); one of \(contentTypes.joined(separator: ", "))"
                    )
                }
                guard let content = message["content"]?.stringValue else {
                    return refuse(field + ".content", "\(message["content"].map { $0.typeDescription } ?? "missing"); Lex takes a string")
                }
                checked.messages.append(Answer.Message(contentType: contentType, content: content))
            }
        }
        return .success(checked)
    }

    /// A number as Lex's deserializer writes it into a string attribute: whole numbers without a fraction.
    public static func numberText(_ number: Double) -> String {
        if number.rounded() == number, abs(number) < 1e15 { return String(Int64(number)) }
        return String(number)
    }

    private static func describe(_ value: JSONValue) -> String {
        if case .string(let text) = value { return "\"\(text)\"" }
        return value.typeDescription
    }
}

/// How a call's turn came out: the contact flow's branches (docs/question-response.md), and `hangup` when the caller
/// hung up.
public enum CallBranch: String, Codable, Sendable, CaseIterable {
    case speak
    case disconnect
    case failed
    /// The dialog is left open: the Get customer input block listens again.
    case `continue`
    /// The Lambda's answer could not be used (refused, non-2xx, a function error, unreachable, too slow).
    case error
    case hangup
    /// The flow transferred the call to a queue (`TransferContactToQueue`).
    case transfer
}

/// The built-in contact flow's settings (config `connect:`): what it plays, the bot, and where it goes on
/// the Lambda's answer. They are written into `fixtures/question-flow.json`, which the flow engine runs.
public struct ContactFlow: Sendable, Hashable {
    public var greeting = "What is your question?"
    public var errorPrompt = "Sorry, something went wrong. Goodbye."
    public var bot = LexV2.Bot()
    /// `$.Lex.SessionAttributes.<this>` is what the flow's Check contact attributes block looks at.
    public var branchAttribute = "response_type"
    /// What Connect plays on speak (and on disconnect, if set).
    public var textAttribute = "response_text"
    /// A value of `branchAttribute` -> the branch it takes; a value not here is the No-match (failed).
    public var branches: [String: CallBranch] = ["speak": .speak, "disconnect": .disconnect, "failed": .failed]

    public init() {}

    /// The branch a bot's closing answer names: the value of `branchAttribute` in its session attributes,
    /// looked up in `branches`; nil when the answer names none.
    public func branch(namedBy answer: LexV2.Answer) -> CallBranch? {
        guard answer.dialogActionType == "Close", answer.intentState != "Failed" else { return nil }
        return answer.sessionAttributes[branchAttribute].flatMap { branches[$0] }
    }
}
