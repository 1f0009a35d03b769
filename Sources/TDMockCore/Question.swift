public import Foundation

/// Where a question of the question-response API is: waiting for an agent, answered, or let go when
/// the request that asked it stopped waiting.
public enum QuestionStatus: String, Codable, Sendable, CaseIterable {
    case queued
    case answered
    case expired
}

/// The third party's answer to a question (docs/question-response.md): say a text, end the call (with an optional
/// last text), or give up with a reason.
public enum QuestionAnswer: Sendable, Hashable {
    case speak(String)
    case disconnect(String?)
    case failed(String)

    /// The answer type as the wire names it.
    public var type: String {
        switch self {
        case .speak: "speak"
        case .disconnect: "disconnect"
        case .failed: "failed"
        }
    }

    /// The text said (speak, and disconnect when it has one).
    public var text: String? {
        switch self {
        case .speak(let text): text
        case .disconnect(let text): text
        case .failed: nil
        }
    }

    /// Why it failed (failed only).
    public var reason: String? {
        if case .failed(let reason) = self { return reason }
        return nil
    }

    /// The answer from its wire parts; nil for a type that is not one of the three, or a speak without text.
    public init?(type: String, text: String?, reason: String?) {
        switch type {
        case "speak":
            guard let text else { return nil }
            self = .speak(text)
        case "disconnect": self = .disconnect(text)
        case "failed": self = .failed(reason ?? "failed")
        default: return nil
        }
    }

    /// What a held request answers when nobody answered in time.
    public static let timeout = QuestionAnswer.failed("timeout")
}

/// A question asked of the third-party API, as the store keeps it.
public struct Question: Sendable, Hashable {
    public var id: String
    public var sessionID: String
    public var question: String
    public var attributes: [String: String]
    public var status: QuestionStatus
    public var answer: QuestionAnswer?
    /// The agent who answered (nil for a timeout).
    public var answeredBy: String?
    public var createdAt: Date
    public var answeredAt: Date?

    public init(
        id: String,
        sessionID: String,
        question: String,
        attributes: [String: String],
        status: QuestionStatus = .queued,
        answer: QuestionAnswer? = nil,
        answeredBy: String? = nil,
        createdAt: Date,
        answeredAt: Date? = nil
    ) {
        self.id = id
        self.sessionID = sessionID
        self.question = question
        self.attributes = attributes
        self.status = status
        self.answer = answer
        self.answeredBy = answeredBy
        self.createdAt = createdAt
        self.answeredAt = answeredAt
    }
}

/// The question-response API's JSON (`/question-response/v1`) and the agent API's views of questions.
public enum QuestionWire {
    /// `POST /question-response/v1/questions`, after validation.
    public struct Ask: Sendable, Hashable {
        public var sessionID: String
        public var question: String
        public var attributes: [String: String]
        public var waitSeconds: Double

        public init(sessionID: String, question: String, attributes: [String: String] = [:], waitSeconds: Double = 8) {
            self.sessionID = sessionID
            self.question = question
            self.attributes = attributes
            self.waitSeconds = waitSeconds
        }

        public static let maximumQuestionCharacters = 4000
        public static let maximumWaitSeconds = 30.0
        public static let defaultWaitSeconds = 8.0
    }

    /// The 200 answer: `{"question_id", "type", "text"?, "reason"?}`.
    public struct Answer: Codable, Sendable, Hashable {
        public var questionId: String
        public var type: String
        public var text: String?
        public var reason: String?

        enum CodingKeys: String, CodingKey {
            case questionId = "question_id"
            case type, text, reason
        }

        public init(questionID: String, answer: QuestionAnswer) {
            questionId = questionID
            type = answer.type
            text = answer.text
            reason = answer.reason
        }
    }

    /// The 202 answer: the question is waiting.
    public struct Queued: Codable, Sendable, Hashable {
        public var questionId: String
        public var status: String

        enum CodingKeys: String, CodingKey {
            case questionId = "question_id"
            case status
        }

        public init(questionID: String) {
            questionId = questionID
            status = QuestionStatus.queued.rawValue
        }
    }

    /// A question as the agent API shows it (`tdmock questions --json`).
    public struct View: Codable, Sendable, Hashable {
        public var id: String
        public var sessionId: String
        public var question: String
        public var attributes: [String: String]
        public var status: QuestionStatus
        public var answer: Answer?
        public var answeredBy: String?
        public var createdAt: String
        public var answeredAt: String?

        enum CodingKeys: String, CodingKey {
            case id
            case sessionId = "session_id"
            case question, attributes, status, answer
            case answeredBy = "answered_by"
            case createdAt = "created_at"
            case answeredAt = "answered_at"
        }

        public init(_ question: Question) {
            id = question.id
            sessionId = question.sessionID
            self.question = question.question
            attributes = question.attributes
            status = question.status
            answer = question.answer.map { Answer(questionID: question.id, answer: $0) }
            answeredBy = question.answeredBy
            createdAt = Timestamp.string(from: question.createdAt)
            answeredAt = question.answeredAt.map(Timestamp.string(from:))
        }
    }

    /// One question with the earlier questions of its session, oldest first (`/open <id>` in the console).
    public struct Detail: Codable, Sendable, Hashable {
        public var question: View
        public var session: [View]

        public init(question: View, session: [View]) {
            self.question = question
            self.session = session
        }
    }

    /// `POST /tdmock/v1/questions/{id}/answer`: `{"agent", "type": "speak|disconnect|failed", "text"?, "reason"?}`.
    public struct AnswerRequest: Codable, Sendable, Hashable {
        public var agent: String
        public var type: String
        public var text: String?
        public var reason: String?

        public init(agent: String, answer: QuestionAnswer) {
            self.agent = agent
            type = answer.type
            text = answer.text
            reason = answer.reason
        }
    }
}
