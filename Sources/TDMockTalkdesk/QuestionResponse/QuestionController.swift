import Foundation
import HTTPTypes
package import Hummingbird
import TDMockCore
package import TDMockHTTP
package import TDMockServices
import TDMockStore

/// The third-party question-response API (docs/question-response.md) under `/question-response/v1`, and the agents'
/// side of it under the agent API (`/tdmock/v1/questions`): a question asked is held until an agent answers
/// it or its `wait_seconds` pass.
package struct QuestionController {
    static let prefix = "/question-response/v1"
    let services: AppServices
    let events: EventHub
    let waiters: QuestionWaiters

    package init(services: AppServices, events: EventHub, waiters: QuestionWaiters) {
        self.services = services
        self.events = events
        self.waiters = waiters
    }

    package func addRoutes(to router: Router<some RequestContext>) {
        let api = router.group(RouterPath(Self.prefix))
        api.add(middleware: APIKeyMiddleware(key: services.configuration.questionAPIKey))
        api.post("questions") { request, _ in try await ask(request) }
        api.get("questions/:id") { request, context in try await poll(request, id: try context.parameters.require("id")) }

        let agent = router.group(RouterPath(AgentController.prefix))
        agent.get("questions") { request, _ in try await list(request) }
        agent.get("questions/:id") { _, context in try await detail(try context.parameters.require("id")) }
        agent.post("questions/:id/answer") { request, context in try await answer(request, id: try context.parameters.require("id")) }
    }

    // MARK: The third party's API

    private func ask(_ request: Request) async throws -> Response {
        let ask = try Self.parseAsk(try await request.jsonObject(of: Self.surface))
        let now = services.clock()
        let question = Question(
            id: services.ids.identifier(),
            sessionID: ask.sessionID,
            question: ask.question,
            attributes: ask.attributes,
            createdAt: now
        )
        let ticket = ask.waitSeconds > 0 ? waiters.register(question.id) : nil
        do {
            try await services.database.ask(question)
        } catch {
            if let ticket { waiters.cancel(ticket) }
            throw error
        }
        events.publish(.question(.questionCreated, question, time: now))
        guard let ticket else { return JSONResponse.make(status: .accepted, body: QuestionWire.Queued(questionID: question.id)) }
        if let answer = await waiters.wait(ticket, timeout: .milliseconds(Int64(ask.waitSeconds * 1000))) {
            return JSONResponse.make(status: .ok, body: QuestionWire.Answer(questionID: question.id, answer: answer))
        }
        // Nobody answered in time: the question is let go, unless an answer came in meanwhile.
        let at = services.clock()
        if let expired = try await services.database.expire(questionID: question.id, now: at) {
            events.publish(.question(.questionExpired, expired, time: at))
            return JSONResponse.make(status: .ok, body: QuestionWire.Answer(questionID: question.id, answer: .timeout))
        }
        return try await answerOrQueued(question.id)
    }

    /// `GET …/questions/{id}?wait_seconds=N`: 200 with the answer once there is one, else 202 after N seconds.
    private func poll(_ request: Request, id: String) async throws -> Response {
        var wait = 0.0
        if let text = request.uri.queryParameters["wait_seconds"] {
            guard let seconds = Double(String(text)), seconds >= 0, seconds <= QuestionWire.Ask.maximumWaitSeconds else {
                throw AgentAPIError(.badRequest, "invalid_request", "wait_seconds must be a number of seconds from 0 to 30, not '\(text)'")
            }
            wait = seconds
        }
        let ticket = wait > 0 ? waiters.register(id) : nil
        guard let question = try await services.database.question(id) else {
            if let ticket { waiters.cancel(ticket) }
            throw AgentAPIError(.notFound, "not_found", "no question \(id)")
        }
        guard question.status == .queued, let ticket else {
            if let ticket { waiters.cancel(ticket) }
            return Self.answerOrQueued(question)
        }
        if let answer = await waiters.wait(ticket, timeout: .milliseconds(Int64(wait * 1000))) {
            return JSONResponse.make(status: .ok, body: QuestionWire.Answer(questionID: id, answer: answer))
        }
        return try await answerOrQueued(id)
    }

    private func answerOrQueued(_ id: String) async throws -> Response {
        guard let question = try await services.database.question(id) else { throw AgentAPIError(.notFound, "not_found", "no question \(id)") }
        return Self.answerOrQueued(question)
    }

    private static func answerOrQueued(_ question: Question) -> Response {
        switch question.status {
        case .queued: JSONResponse.make(status: .accepted, body: QuestionWire.Queued(questionID: question.id))
        case .answered: JSONResponse.make(status: .ok, body: QuestionWire.Answer(questionID: question.id, answer: question.answer ?? .timeout))
        case .expired: JSONResponse.make(status: .ok, body: QuestionWire.Answer(questionID: question.id, answer: .timeout))
        }
    }

    /// The question as docs/question-response.md has it, each mistake named by its field.
    static func parseAsk(_ body: [String: JSONValue]) throws -> QuestionWire.Ask {
        func invalid(_ message: String) -> AgentAPIError { AgentAPIError(.badRequest, "invalid_request", message) }
        func requiredString(_ key: String) throws -> String {
            guard let value = body[key] else { throw invalid("\(key) is required: a non-empty string") }
            guard let text = value.stringValue else { throw invalid("\(key) must be a string, not \(value.typeDescription)") }
            guard !Blank.isBlank(text) else { throw invalid("\(key) must not be empty") }
            return text
        }
        let sessionID = try requiredString("session_id")
        let question = try requiredString("question")
        let limit = QuestionWire.Ask.maximumQuestionCharacters
        if question.unicodeScalars.count > limit {
            throw invalid("question is \(question.unicodeScalars.count) characters; at most \(limit)")
        }
        var attributes: [String: String] = [:]
        if let value = body["attributes"], !value.isNull {
            guard let object = value.objectValue else { throw invalid("attributes must be an object of strings, not \(value.typeDescription)") }
            for (key, item) in object {
                guard let text = item.stringValue else { throw invalid("attributes.\(key) must be a string, not \(item.typeDescription)") }
                attributes[key] = text
            }
        }
        var wait = QuestionWire.Ask.defaultWaitSeconds
        if let value = body["wait_seconds"], !value.isNull {
            guard case .number(let seconds) = value, seconds >= 0, seconds <= QuestionWire.Ask.maximumWaitSeconds else {
                let found = if case .number(let number) = value { LexV2.numberText(number) } else { value.typeDescription }
                throw invalid("wait_seconds must be a number of seconds from 0 to 30, not \(found)")
            }
            wait = seconds
        }
        return QuestionWire.Ask(sessionID: sessionID, question: question, attributes: attributes, waitSeconds: wait)
    }

    // MARK: The agents' side

    private func list(_ request: Request) async throws -> Response {
        let statusText = request.uri.queryParameters["status"].map(String.init) ?? "all"
        var status: QuestionStatus?
        if statusText != "all" {
            guard let parsed = QuestionStatus(rawValue: statusText) else {
                throw AgentAPIError(.badRequest, "invalid_request", "status must be queued, answered, expired or all, not '\(statusText)'")
            }
            status = parsed
        }
        let session = request.uri.queryParameters["session_id"].map(String.init)
        let questions = try await services.database.questions(status: status, sessionID: session)
        return JSONResponse.make(status: .ok, body: questions.map(QuestionWire.View.init))
    }

    private func detail(_ id: String) async throws -> Response {
        guard let (question, session) = try await services.database.questionWithSession(id) else {
            throw AgentAPIError(InboxError.questionNotFound(id))
        }
        return JSONResponse.make(status: .ok, body: QuestionWire.Detail(question: .init(question), session: session.map(QuestionWire.View.init)))
    }

    private func answer(_ request: Request, id: String) async throws -> Response {
        let body = try await request.jsonObject(of: AgentController.surface)
        func invalid(_ message: String) -> AgentAPIError { AgentAPIError(.badRequest, "invalid_request", message) }
        guard let agent = body["agent"]?.stringValue, !Blank.isBlank(agent) else { throw invalid("agent must be a non-empty string") }
        let text = body["text"]?.stringValue
        let reason = body["reason"]?.stringValue
        let answer: QuestionAnswer
        switch body["type"]?.stringValue {
        case "speak":
            guard let text, !Blank.isBlank(text) else { throw invalid("a speak answer needs a non-empty text") }
            answer = .speak(text)
        case "disconnect": answer = .disconnect(text.flatMap { Blank.isBlank($0) ? nil : $0 })
        case "failed": answer = .failed(reason.flatMap { Blank.isBlank($0) ? nil : $0 } ?? Self.defaultFailReason)
        default: throw invalid("type must be speak, disconnect or failed")
        }
        let now = services.clock()
        let answered: Question
        do {
            answered = try await services.database.answer(questionID: id, with: answer, by: agent, now: now)
        } catch let error as InboxError {
            throw AgentAPIError(error)
        }
        waiters.answered(id, answer)
        events.publish(.question(.questionAnswered, answered, time: now))
        return JSONResponse.make(status: .ok, body: QuestionWire.View(answered))
    }

    /// The reason of a failed answer given without one.
    static let defaultFailReason = "no_answer"
}

/// The question-response API's `x-api-key`: missing 401, wrong 403.
struct APIKeyMiddleware<Context: RequestContext>: RouterMiddleware {
    let key: String

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        guard let given = request.headers[.xAPIKey] else {
            throw AgentAPIError(.unauthorized, "unauthorized", "x-api-key is missing: send the question API's key (tdmock serve --question-api-key)")
        }
        guard constantTimeEquals(given, key) else {
            throw AgentAPIError(.forbidden, "forbidden", "x-api-key is not this question API's key")
        }
        return try await next(request, context)
    }
}

extension HTTPField.Name {
    static let xAPIKey = Self("x-api-key")!
}

extension QuestionController {
    /// The third party's question-response API: journalled, the agent API's error shape, its own
    /// `x-api-key` (checked by its routes). The agents' side of it is the agent API's.
    package static let surface = Surface(
        prefixes: ["/question-response"],
        journalled: true,
        errors: { failure in AgentAPIError.unrouted(failure) }
    )
}
