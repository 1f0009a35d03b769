import AsyncHTTPClient
import Foundation
import NIOCore
import TDMockCore

/// The question-response line's reference Lambda (CONTRACT §8.3): the FallbackIntent's fulfillment, as
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
        case returned([String: Any])
        /// The function threw: the Invoke API says so with `X-Amz-Function-Error: Unhandled`.
        case functionError(type: String, message: String)
    }

    func invoke(_ body: Data) async -> Outcome {
        guard let event = try? JSONSerialization.jsonObject(with: body) as? [String: Any] else {
            return .functionError(type: "InvalidEvent", message: "the event is not a JSON object: expected a Lex V2 Lambda input event")
        }
        guard let sessionID = event["sessionId"] as? String, !sessionID.isEmpty else {
            return .functionError(type: "InvalidEvent", message: "the event has no sessionId: expected a Lex V2 Lambda input event")
        }
        let state = event["sessionState"] as? [String: Any] ?? [:]
        let intentName = (state["intent"] as? [String: Any])?["name"] as? String ?? LexV2.fallbackIntent
        var attributes = (state["sessionAttributes"] as? [String: Any] ?? [:]).compactMapValues { $0 as? String }
        for key in Self.ownAttributes { attributes[key] = nil }
        let question = event["inputTranscript"] as? String ?? ""

        let answer = await ask(sessionID: sessionID, question: question, attributes: attributes)
        var payload: [String: Any] = ["type": answer.type]
        attributes["response_type"] = answer.type
        if let id = answer.questionID { attributes["question_id"] = id }
        if let text = answer.text {
            attributes["response_text"] = text
            payload["text"] = text
        }
        if let reason = answer.reason {
            attributes["response_reason"] = reason
            payload["reason"] = reason
        }
        let content = (try? JSONSerialization.data(withJSONObject: payload, options: [.sortedKeys])).map { String(decoding: $0, as: UTF8.self) } ?? "{}"
        return .returned([
            "sessionState": [
                "dialogAction": ["type": "Close"],
                "intent": ["name": intentName, "state": "Fulfilled"],
                "sessionAttributes": attributes,
            ],
            "messages": [["contentType": "CustomPayload", "content": content]],
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
        let body: [String: Any] = ["session_id": sessionID, "question": question, "attributes": attributes, "wait_seconds": waitSeconds]
        request.body = .bytes(ByteBuffer(bytes: (try? JSONSerialization.data(withJSONObject: body)) ?? Data()))
        let response: HTTPClientResponse
        let data: Data
        do {
            response = try await client.execute(request, timeout: .seconds(Int64(waitSeconds) + 10))
            data = Data((try await response.body.collect(upTo: 1 << 20)).readableBytesView)
        } catch {
            let why = String(describing: error).lowercased().contains("refused") ? "connection refused" : String(describing: error)
            return .failed("the question API at \(questionsURL) is unreachable: \(why)")
        }
        let object = (try? JSONSerialization.jsonObject(with: data)) as? [String: Any] ?? [:]
        let code = Int(response.status.code)
        guard code == 200 else {
            let message = object["message"] as? String ?? String(decoding: data.prefix(200), as: UTF8.self)
            if code >= 500 { return .failed("the question API answered HTTP \(code)\(message.isEmpty ? "" : ": " + message)") }
            if code == 202 { return .failed("the question API is still holding question \(object["question_id"] as? String ?? "?")", questionID: object["question_id"] as? String) }
            return .failed("the question API refused the question (HTTP \(code)\(message.isEmpty ? "" : ": " + message))")
        }
        let id = object["question_id"] as? String
        switch object["type"] as? String {
        case "speak": return Answer(type: "speak", questionID: id, text: object["text"] as? String ?? "")
        case "disconnect": return Answer(type: "disconnect", questionID: id, text: object["text"] as? String)
        case "failed": return .failed(object["reason"] as? String ?? "failed", questionID: id)
        default: return .failed("the question API's answer has no type speak, disconnect or failed", questionID: id)
        }
    }
}
