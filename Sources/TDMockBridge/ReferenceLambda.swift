import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1
import TDMockCore

/// The question-response line's reference Lambda (docs/question-response.md): the FallbackIntent's fulfillment, as
/// the seed's Lambda does it. It asks the question API with the event's `sessionId`, `inputTranscript`
/// and session attributes, and answers Lex with `Close` / `Fulfilled`, the answer in session attributes
/// (`response_type`, `response_text`, `response_reason`, `question_id`) and a `CustomPayload` message, so
/// that Lex speaks nothing and the contact flow branches on `response_type`.
struct ReferenceLambda: Sendable {
    /// `…/question-response/v1/questions` of the question API.
    let questionsURL: String
    let apiKey: String
    let client: HTTPClient
    /// The `wait_seconds` the question is asked with.
    let waitSeconds = 8

    /// The session attributes this Lambda writes: cleared before each answer, and not sent to the question API.
    static let ownAttributes: Set<String> = ["response_type", "response_text", "response_reason", "question_id"]

    /// A Lambda's answer over the Invoke API: the function's return value, or a function error.
    enum Outcome {
        case returned(JSONValue)
        /// The function threw: the Invoke API says so with `X-Amz-Function-Error: Unhandled`.
        case functionError(type: String, message: String)
    }

    func invoke(_ body: Data) async -> Outcome {
        guard let event = JSONValue(parsing: body)?.objectValue else {
            return .functionError(type: "InvalidEvent", message: "the event is not a JSON object: expected a Lex V2 Lambda input event")
        }
        guard let sessionID = event["sessionId"]?.stringValue, !sessionID.isEmpty else {
            return .functionError(type: "InvalidEvent", message: "the event has no sessionId: expected a Lex V2 Lambda input event")
        }
        let state = event["sessionState"]
        let intentName = state?["intent"]?["name"]?.stringValue ?? LexV2.fallbackIntent
        var attributes = (state?["sessionAttributes"]?.objectValue ?? [:]).compactMapValues(\.stringValue)
        for key in Self.ownAttributes { attributes[key] = nil }
        let question = event["inputTranscript"]?.stringValue ?? ""

        let answer = await ask(sessionID: sessionID, question: question, attributes: attributes)
        var payload: [String: JSONValue] = ["type": .string(answer.type)]
        attributes["response_type"] = answer.type
        if let id = answer.questionID { attributes["question_id"] = id }
        if let text = answer.text {
            attributes["response_text"] = text
            payload["text"] = .string(text)
        }
        if let reason = answer.reason {
            attributes["response_reason"] = reason
            payload["reason"] = .string(reason)
        }
        return .returned([
            "sessionState": [
                "dialogAction": ["type": "Close"],
                "intent": ["name": .string(intentName), "state": "Fulfilled"],
                "sessionAttributes": .object(attributes.mapValues(JSONValue.string)),
            ],
            "messages": [["contentType": "CustomPayload", "content": .string(JSONValue.object(payload).jsonText)]],
        ])
    }

    struct Answer {
        var type: String
        var questionID: String?
        var text: String?
        var reason: String?

        static func failed(_ reason: String, questionID: String? = nil) -> Answer { Answer(type: "failed", questionID: questionID, reason: reason) }
    }

    /// The question API's answer; `failed` with a reason that says why when there is none to be had.
    func ask(sessionID: String, question: String, attributes: [String: String]) async -> Answer {
        var request = HTTPClientRequest(url: questionsURL)
        request.method = .POST
        request.headers.add(name: "content-type", value: "application/json")
        request.headers.add(name: "x-api-key", value: apiKey)
        let body: JSONValue = [
            "session_id": .string(sessionID), "question": .string(question),
            "attributes": .object(attributes.mapValues(JSONValue.string)), "wait_seconds": .number(Double(waitSeconds)),
        ]
        request.body = .bytes(ByteBuffer(bytes: JSONCoding.data(body)))
        let response: HTTPClientResponse
        let data: Data
        do {
            response = try await client.execute(request, timeout: .seconds(Int64(waitSeconds) + 10))
            data = Data((try await response.body.collect(upTo: 1 << 20)).readableBytesView)
        } catch {
            let why = String(describing: error).lowercased().contains("refused") ? "connection refused" : String(describing: error)
            return .failed("the question API at \(questionsURL) is unreachable: \(why)")
        }
        let object = JSONValue(parsing: data)?.objectValue ?? [:]
        let code = Int(response.status.code)
        guard code == 200 else {
            let message = object["message"]?.stringValue ?? String(decoding: data.prefix(200), as: UTF8.self)
            if code >= 500 { return .failed("the question API answered HTTP \(code)\(message.isEmpty ? "" : ": " + message)") }
            let id = object["question_id"]?.stringValue
            if code == 202 { return .failed("the question API is still holding question \(id ?? "?")", questionID: id) }
            return .failed("the question API refused the question (HTTP \(code)\(message.isEmpty ? "" : ": " + message))")
        }
        let id = object["question_id"]?.stringValue
        switch object["type"]?.stringValue {
        case "speak": return Answer(type: "speak", questionID: id, text: object["text"]?.stringValue ?? "")
        case "disconnect": return Answer(type: "disconnect", questionID: id, text: object["text"]?.stringValue)
        case "failed": return .failed(object["reason"]?.stringValue ?? "failed", questionID: id)
        default: return .failed("the question API's answer has no type speak, disconnect or failed", questionID: id)
        }
    }
}
