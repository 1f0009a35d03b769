import Foundation
import HTTPTypes
import Synchronization
import TDMockCore
package import TDMockServices

/// Lex V2's runtime (docs/aws.md): the bots of `lex.bots`, their sessions, recognition by `LexMatcher`,
/// and the code hooks through the functions table. RecognizeText and Connect's turns both go through
/// `turn`; the session store is RecognizeText's (Connect keeps its contacts' attributes itself).
package final class LexRuntime: Sendable {
    let services: AppServices
    let functions: FunctionInvoker
    private let matchers: [String: LexMatcher]
    private let sessions = Mutex<[SessionKey: Session]>([:])

    private var lex: LexConfiguration { services.configuration.lex }

    package init(services: AppServices, functions: FunctionInvoker) {
        self.services = services
        self.functions = functions
        let lex = services.configuration.lex
        matchers = Dictionary(
            lex.bots.map { bot in
                let intents = bot.intents.filter { $0.name != LexV2.fallbackIntent }.map { ($0.name, $0.sampleUtterances) }
                return (bot.id, LexMatcher(intents: intents, threshold: lex.matchThreshold))
            },
            uniquingKeysWith: { first, _ in first }
        )
    }

    struct SessionKey: Hashable, Sendable {
        var bot: String
        var alias: String
        var locale: String
        var session: String
    }

    /// What Lex keeps of a session between requests.
    struct Session: Sendable {
        var state: JSONValue
        var messages: [JSONValue] = []
        var interpretations: [JSONValue] = []
        var requestAttributes: [String: String] = [:]
        var lastUsed: Date
    }

    /// One utterance's outcome.
    struct Turn: Sendable {
        /// The session's state afterwards (what RecognizeText answers as `sessionState`).
        var state: JSONValue
        var messages: [JSONValue]
        var interpretations: [JSONValue]
        /// The answer as Lex took it, for Connect's flow.
        var answer: LexV2.Answer
        /// The code hook's invocation (the last one, when there were two), if any.
        var event: Data?
        var result: FunctionInvoker.Result?
    }

    /// Why a turn has no answer: Lex's `DependencyFailedException`.
    struct DependencyFailed: Error {
        var message: String
        /// The invocation that failed, for Connect's record.
        var event: Data
        var result: FunctionInvoker.Result
        /// The cause in tdmock's words (Connect's `error`).
        var cause: String
    }

    func bot(_ id: String, alias: String, locale: String) throws(AWSError) -> (LexBot, LexBot.Alias) {
        switch lex.bot(id, alias: alias, locale: locale) {
        case .success(let found): return found
        case .failure(let failure): throw AWSError(.notFound, "ResourceNotFoundException", failure.message)
        }
    }

    /// The bot and alias a Connect bot block names, in the locale a call speaks: en_US when the bot has it,
    /// else its first.
    func botForCall(_ id: String, alias: String) throws(AWSError) -> (LexBot, LexBot.Alias, locale: String) {
        let locales = lex.bots.first { $0.id == id }?.locales ?? []
        let locale = locales.contains("en_US") ? "en_US" : locales.first ?? "en_US"
        let (bot, found) = try bot(id, alias: alias, locale: locale)
        return (bot, found, locale)
    }

    /// Recognizes `text`, runs the intent's code hooks, and gives the session's next state.
    func turn(
        bot: LexBot,
        eventBot: LexV2.Bot,
        sessionID: String,
        text: String,
        inputMode: String,
        sessionAttributes: [String: String],
        requestAttributes: [String: String],
        caller: InvocationCaller
    ) async throws(DependencyFailed) -> Turn {
        let (recognized, candidates) = matchers[bot.id]?.recognize(text) ?? (nil, [])
        let intentName = recognized ?? LexV2.fallbackIntent
        let intent = bot.intent(intentName) ?? LexIntent(name: LexV2.fallbackIntent)
        let requestID = services.ids.identifier()

        /// One code hook's call, as the turn it makes.
        func invoke(_ function: String, source: String, attributes: [String: String]) async throws(DependencyFailed) -> Turn {
            let event = LexV2.event(
                sessionID: sessionID,
                text: text,
                inputMode: inputMode,
                invocationSource: source,
                intent: intentName,
                candidates: candidates,
                sessionAttributes: attributes,
                requestAttributes: requestAttributes,
                bot: eventBot,
                requestID: requestID
            )
            let data = JSONCoding.data(event)
            let result = await functions.invoke(
                function,
                event: data,
                caller: caller,
                timeout: services.configuration.connect.lambdaTimeout,
                limitName: "connect.lambda_timeout, --lambda-timeout"
            )
            if let problem = result.problem {
                throw DependencyFailed(message: "Received error response from Lambda: \(problem)", event: data, result: result, cause: problem)
            }
            let raw = result.answer ?? .null
            switch LexV2.check(raw) {
            case .failure(let refusal):
                throw DependencyFailed(
                    message: "Invalid Lambda Response: Received invalid response from Lambda: \(refusal)",
                    event: data,
                    result: result,
                    cause: "Lex refused the Lambda's answer: \(refusal)"
                )
            case .success(let checked):
                return Turn(
                    state: state(of: raw, checked, requestID),
                    messages: raw["messages"]?.arrayValue ?? [],
                    interpretations: LexV2.forClients(event["interpretations"]?.arrayValue ?? []),
                    answer: checked,
                    event: data,
                    result: result
                )
            }
        }

        var attributes = sessionAttributes
        if let hook = intent.dialogHook {
            let turn = try await invoke(hook, source: "DialogCodeHook", attributes: attributes)
            guard turn.answer.dialogActionType == "Delegate", intent.fulfillment != nil else { return turn }
            attributes = turn.answer.sessionAttributes
        }
        if let fulfillment = intent.fulfillment {
            return try await invoke(fulfillment, source: "FulfillmentCodeHook", attributes: attributes)
        }
        // No code hook: the bot closes the intent itself, with its closing message.
        let answer = LexV2.Answer(
            dialogActionType: "Close",
            intentName: intentName,
            intentState: "Fulfilled",
            sessionAttributes: attributes,
            messages: intent.closingMessage.map { [LexV2.Answer.Message(contentType: "PlainText", content: $0)] } ?? []
        )
        let closed: JSONValue = [
            "dialogAction": ["type": "Close"],
            "intent": LexV2.intent(intentName, state: "Fulfilled"),
            "sessionAttributes": .object(attributes.mapValues(JSONValue.string)),
            "originatingRequestId": .string(requestID),
        ]
        return Turn(
            state: closed,
            messages: answer.messages.map { ["contentType": .string($0.contentType), "content": .string($0.content)] },
            interpretations: LexV2.forClients(LexV2.interpretations(intent: intentName, state: "Fulfilled", candidates: candidates)),
            answer: answer
        )
    }

    /// The session's state after a code hook's answer: the answer's, with the attributes as Lex keeps them.
    private func state(of raw: JSONValue, _ checked: LexV2.Answer, _ requestID: String) -> JSONValue {
        guard case .object(var state) = raw["sessionState"] ?? .null else { return .null }
        state["sessionAttributes"] = .object(checked.sessionAttributes.mapValues(JSONValue.string))
        state["originatingRequestId"] = .string(requestID)
        if case .object(var intent) = state["intent"] ?? .null {
            if intent["slots"] == nil { intent["slots"] = .object([:]) }
            if intent["confirmationState"] == nil { intent["confirmationState"] = "None" }
            state["intent"] = .object(intent)
        }
        return .object(state)
    }

    // MARK: Sessions

    func session(_ key: SessionKey, ttl: Double) -> Session? {
        let now = services.clock()
        return sessions.withLock { sessions in
            guard let session = sessions[key] else { return nil }
            guard now.timeIntervalSince(session.lastUsed) <= ttl else {
                sessions[key] = nil
                return nil
            }
            return session
        }
    }

    func store(_ session: Session, _ key: SessionKey) { sessions.withLock { $0[key] = session } }

    func remove(_ key: SessionKey) { _ = sessions.withLock { $0.removeValue(forKey: key) } }
}

extension LexV2 {
    /// A Lambda event's interpretations as RecognizeText answers them: `nluConfidence` as `{"score": n}`.
    static func forClients(_ interpretations: [JSONValue]) -> [JSONValue] {
        interpretations.map { item in
            guard case .object(var object) = item else { return item }
            if let score = object["nluConfidence"]?.numberValue { object["nluConfidence"] = ["score": .number(score)] }
            return .object(object)
        }
    }
}
