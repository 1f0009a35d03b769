import CompressNIO
import Foundation
import HTTPTypes
package import Hummingbird
import NIOCore
import TDMockCore
package import TDMockHTTP
package import TDMockServices

/// Lex V2's runtime API at AWS's paths (docs/aws.md), for boto3's `lexv2-runtime` client with
/// `endpoint_url`: RecognizeText, PutSession, GetSession, DeleteSession. Errors are AWS's REST-JSON ones:
/// `ResourceNotFoundException` (bot, alias, locale, session), `ValidationException` (the body),
/// `DependencyFailedException` (a code hook that failed or answered what Lex refuses).
package struct LexController {
    static let prefix = "/bots"
    let services: AppServices
    let runtime: LexRuntime

    package init(services: AppServices, runtime: LexRuntime) {
        self.services = services
        self.runtime = runtime
    }

    package func addRoutes(to router: Router<some RequestContext>) {
        let session = "/bots/:bot/botAliases/:alias/botLocales/:locale/sessions/:session"
        router.post(RouterPath(session + "/text")) { request, context in try await recognizeText(request, try key(context)) }
        router.post(RouterPath(session)) { request, context in try await putSession(request, try key(context)) }
        router.get(RouterPath(session)) { _, context in try getSession(try key(context)) }
        router.delete(RouterPath(session)) { _, context in try deleteSession(try key(context)) }
    }

    private func key(_ context: some RequestContext) throws -> LexRuntime.SessionKey {
        func parameter(_ name: String) throws -> String {
            let text = try context.parameters.require(name)
            return text.removingPercentEncoding ?? text
        }
        let key = LexRuntime.SessionKey(
            bot: try parameter("bot"),
            alias: try parameter("alias"),
            locale: try parameter("locale"),
            session: try parameter("session")
        )
        guard (2...100).contains(key.session.count), key.session.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || "._:-".contains($0)) })
        else {
            throw AWSError(
                .badRequest,
                "ValidationException",
                "1 validation error detected: Value '\(key.session)' at 'sessionId' failed to satisfy constraint: Member must satisfy regular expression pattern: [0-9a-zA-Z._:-]+ and have length between 2 and 100"
            )
        }
        return key
    }

    private func body(_ request: Request) async throws -> [String: JSONValue] {
        try await request.jsonObject(of: Self.surface, emptyAllowed: true, limit: 256 * 1024)
    }

    private func invalid(_ message: String) -> AWSError { AWSError(.badRequest, "ValidationException", message) }

    private func strings(_ value: JSONValue?, _ field: String) throws -> [String: String]? {
        guard let value, !value.isNull else { return nil }
        guard let object = value.objectValue else { throw invalid("\(field) must be a map of strings, not \(value.typeDescription)") }
        var result: [String: String] = [:]
        for (name, item) in object {
            guard let text = item.stringValue else { throw invalid("\(field).\(name) must be a string, not \(item.typeDescription)") }
            result[name] = text
        }
        return result
    }

    private func recognizeText(_ request: Request, _ key: LexRuntime.SessionKey) async throws -> Response {
        let (bot, alias) = try runtime.bot(key.bot, alias: key.alias, locale: key.locale)
        let body = try await body(request)
        guard let textValue = body["text"] else { throw invalid("text is required: what the user said") }
        guard let text = textValue.stringValue, (1...1024).contains(text.count) else {
            throw invalid("text must be a string of 1 to 1024 characters")
        }
        var stateGiven: [String: String]?
        if let state = body["sessionState"], !state.isNull {
            guard state.objectValue != nil else { throw invalid("sessionState must be an object, not \(state.typeDescription)") }
            stateGiven = try strings(state["sessionAttributes"], "sessionState.sessionAttributes")
        }
        let requestAttributes = try strings(body["requestAttributes"], "requestAttributes") ?? [:]
        let existing = runtime.session(key, ttl: bot.idleSessionTTL)
        var attributes: [String: String] = [:]
        if let stored = existing?.state["sessionAttributes"]?.objectValue { attributes = stored.compactMapValues(\.stringValue) }
        if let stateGiven { attributes = stateGiven }
        let turn: LexRuntime.Turn
        do {
            turn = try await runtime.turn(
                bot: bot,
                eventBot: bot.described(alias: alias, locale: key.locale),
                sessionID: key.session,
                text: text,
                inputMode: "Text",
                sessionAttributes: attributes,
                requestAttributes: requestAttributes,
                caller: .lex
            )
        } catch {
            throw AWSError(.init(code: 424, reasonPhrase: "Failed Dependency"), "DependencyFailedException", error.message)
        }
        runtime.store(
            LexRuntime.Session(
                state: turn.state,
                messages: turn.messages,
                interpretations: turn.interpretations,
                requestAttributes: requestAttributes,
                lastUsed: services.clock()
            ),
            key
        )
        var answer: [String: JSONValue] = [
            "messages": .array(turn.messages),
            "sessionState": turn.state,
            "interpretations": .array(turn.interpretations),
            "sessionId": .string(key.session),
        ]
        if !requestAttributes.isEmpty { answer["requestAttributes"] = .object(requestAttributes.mapValues(JSONValue.string)) }
        return JSONResponse.make(status: .ok, body: JSONValue.object(answer))
    }

    private func putSession(_ request: Request, _ key: LexRuntime.SessionKey) async throws -> Response {
        _ = try runtime.bot(key.bot, alias: key.alias, locale: key.locale)
        let body = try await body(request)
        guard let state = body["sessionState"], case .object(var object) = state else {
            throw invalid("sessionState is required: an object with the session's dialogAction, intent and sessionAttributes")
        }
        let attributes = try strings(state["sessionAttributes"], "sessionState.sessionAttributes") ?? [:]
        object["sessionAttributes"] = .object(attributes.mapValues(JSONValue.string))
        if let action = state["dialogAction"], !action.isNull {
            guard let type = action["type"]?.stringValue, LexV2.dialogActionTypes.contains(type) else {
                throw invalid("sessionState.dialogAction.type must be one of \(LexV2.dialogActionTypes.joined(separator: ", "))")
            }
        }
        let messages = body["messages"]?.arrayValue ?? []
        let requestAttributes = try strings(body["requestAttributes"], "requestAttributes") ?? [:]
        runtime.store(
            LexRuntime.Session(state: .object(object), messages: messages, requestAttributes: requestAttributes, lastUsed: services.clock()),
            key
        )
        // PutSession answers in headers, each a base64-encoded gzipped JSON document, and an empty audio stream.
        var headers: HTTPFields = [.contentType: request.headers[HTTPField.Name("ResponseContentType")!] ?? "text/plain; charset=utf-8"]
        headers[HTTPField.Name("x-amz-lex-session-id")!] = key.session
        headers[HTTPField.Name("x-amz-lex-session-state")!] = Self.packed(.object(object))
        if !messages.isEmpty { headers[HTTPField.Name("x-amz-lex-messages")!] = Self.packed(.array(messages)) }
        if !requestAttributes.isEmpty {
            headers[HTTPField.Name("x-amz-lex-request-attributes")!] = Self.packed(.object(requestAttributes.mapValues(JSONValue.string)))
        }
        return Response(status: .ok, headers: headers)
    }

    /// A JSON document gzipped and base64-encoded, as Lex V2 writes its response headers.
    static func packed(_ value: JSONValue) -> String {
        var buffer = ByteBuffer(bytes: JSONCoding.data(value))
        guard let compressed = try? buffer.compress(with: .gzip()) else { return "" }
        return Data(compressed.readableBytesView).base64EncodedString()
    }

    private func getSession(_ key: LexRuntime.SessionKey) throws -> Response {
        let (bot, _) = try runtime.bot(key.bot, alias: key.alias, locale: key.locale)
        guard let session = runtime.session(key, ttl: bot.idleSessionTTL) else {
            throw AWSError(.notFound, "ResourceNotFoundException", "Session not found: \(key.session)")
        }
        let answer: JSONValue = [
            "sessionId": .string(key.session),
            "messages": .array(session.messages),
            "interpretations": .array(session.interpretations),
            "sessionState": session.state,
        ]
        return JSONResponse.make(status: .ok, body: answer)
    }

    private func deleteSession(_ key: LexRuntime.SessionKey) throws -> Response {
        let (bot, _) = try runtime.bot(key.bot, alias: key.alias, locale: key.locale)
        guard runtime.session(key, ttl: bot.idleSessionTTL) != nil else {
            throw AWSError(.notFound, "ResourceNotFoundException", "Session not found: \(key.session)")
        }
        runtime.remove(key)
        let answer: JSONValue = [
            "botId": .string(key.bot), "botAliasId": .string(key.alias), "localeId": .string(key.locale), "sessionId": .string(key.session),
        ]
        return JSONResponse.make(status: .ok, body: answer)
    }
}

extension LexController {
    /// Lex V2's runtime API: journalled, its errors in AWS's REST-JSON shape; a body it cannot read is a
    /// `ValidationException`.
    package static let surface = Surface(
        prefixes: [prefix],
        journalled: true,
        errors: { failure in
            switch failure.status {
            case .notFound, .methodNotAllowed:
                AWSError(failure.status, "ResourceNotFoundException", "No Lex V2 runtime operation at \(failure.method) \(failure.path)")
            case .internalServerError: AWSError(failure.status, "InternalServerException", "tdmock failed to handle the request")
            default: AWSError(failure.status, "ValidationException", failure.message ?? failure.status.reasonPhrase)
            }
        }
    )
}
