public import Foundation

/// A call to tdmock's Amazon Connect (docs/question-response.md), as the store keeps it.
public struct Contact: Sendable, Hashable {
    public var id: String
    public var caller: String?
    /// The session attributes the next turn's event carries (what the Lambda returned last).
    public var sessionAttributes: [String: String]
    /// nil while the call is on; else the branch that ended it (or `hangup`).
    public var endedBy: CallBranch?
    public var createdAt: Date
    public var endedAt: Date?
    public var turns: [CallTurn]
    /// Where the call is in its flow, and the contact data the flow reads.
    public var flowState: FlowContactState
    /// The actions the flow ran from its start to the first wait for the caller, and what they said.
    public var startPath: [FlowStep]
    public var startPrompt: String

    public init(
        id: String,
        caller: String?,
        sessionAttributes: [String: String],
        endedBy: CallBranch? = nil,
        createdAt: Date,
        endedAt: Date? = nil,
        turns: [CallTurn] = [],
        flowState: FlowContactState = FlowContactState(),
        startPath: [FlowStep] = [],
        startPrompt: String = ""
    ) {
        self.id = id
        self.caller = caller
        self.sessionAttributes = sessionAttributes
        self.endedBy = endedBy
        self.createdAt = createdAt
        self.endedAt = endedAt
        self.turns = turns
        self.flowState = flowState
        self.startPath = startPath
        self.startPrompt = startPrompt
    }
}

/// One utterance of a call: the Lex event sent, what the Lambda answered (or how the call to it failed)
/// and how long it took, and where the flow went.
public struct CallTurn: Sendable, Hashable {
    public var utterance: String
    /// The Lambda input event, as JSON text.
    public var event: String
    /// The Lambda's HTTP status, nil when it was not reached or did not answer in time.
    public var statusCode: Int?
    /// `X-Amz-Function-Error`, when the Lambda said its function failed.
    public var functionError: String?
    /// The body the Lambda answered, as it came (up to the first 64 KiB).
    public var answer: Data?
    /// The Lambda call's round trip, in seconds.
    public var latency: Double
    public var branch: CallBranch
    public var prompt: String
    public var ended: Bool
    /// Why the turn went to `error` (the field, for a refused answer) or to the No-match.
    public var note: String?
    public var at: Date
    /// The actions the flow ran on this turn, and the transitions it took.
    public var path: [FlowStep]

    public init(
        utterance: String,
        event: String,
        statusCode: Int?,
        functionError: String?,
        answer: Data?,
        latency: Double,
        branch: CallBranch,
        prompt: String,
        ended: Bool,
        note: String?,
        at: Date,
        path: [FlowStep] = []
    ) {
        self.utterance = utterance
        self.event = event
        self.statusCode = statusCode
        self.functionError = functionError
        self.answer = answer
        self.latency = latency
        self.branch = branch
        self.prompt = prompt
        self.ended = ended
        self.note = note
        self.at = at
        self.path = path
    }
}

/// The contact API's JSON (`/connect/v1/contacts`).
public enum ConnectWire {
    /// `POST /connect/v1/contacts` 201.
    public struct Created: Codable, Sendable, Hashable {
        public var contactId: String
        public var prompt: String
        /// Whether the flow ended the call before it waited for the caller.
        public var ended: Bool
        public var error: String?

        enum CodingKeys: String, CodingKey {
            case contactId = "contact_id"
            case prompt, ended, error
        }

        public init(contactID: String, prompt: String, ended: Bool = false, error: String? = nil) {
            contactId = contactID
            self.prompt = prompt
            self.ended = ended
            self.error = error
        }
    }

    /// `POST /connect/v1/contacts/{id}/utterances` 200.
    public struct TurnResult: Codable, Sendable, Hashable {
        public var branch: CallBranch
        public var prompt: String
        public var ended: Bool
        public var sessionAttributes: [String: String]
        public var error: String?

        enum CodingKeys: String, CodingKey {
            case branch, prompt, ended, error
            case sessionAttributes = "session_attributes"
        }

        public init(branch: CallBranch, prompt: String, ended: Bool, sessionAttributes: [String: String], error: String?) {
            self.branch = branch
            self.prompt = prompt
            self.ended = ended
            self.sessionAttributes = sessionAttributes
            self.error = error
        }
    }

    public struct LambdaView: Codable, Sendable, Hashable {
        public var statusCode: Int?
        public var functionError: String?
        /// The answer as JSON when it is JSON, else as the text it was.
        public var answer: JSONValue?
        public var latencyMs: Double

        enum CodingKeys: String, CodingKey {
            case statusCode = "status_code"
            case functionError = "function_error"
            case answer
            case latencyMs = "latency_ms"
        }
    }

    public struct TurnView: Codable, Sendable, Hashable {
        public var turn: Int
        public var at: String
        public var utterance: String
        public var lexEvent: JSONValue
        public var lambda: LambdaView
        public var branch: CallBranch
        public var prompt: String
        public var ended: Bool
        public var error: String?
        public var note: String?
        /// The actions the flow ran on this turn and the transitions it took.
        public var path: [FlowStep]

        enum CodingKeys: String, CodingKey {
            case turn, at, utterance, lambda, branch, prompt, ended, error, note, path
            case lexEvent = "lex_event"
        }

        public init(_ turn: CallTurn, number: Int) {
            self.turn = number
            at = Timestamp.string(from: turn.at)
            utterance = turn.utterance
            lexEvent = turn.event.isEmpty ? .null : (try? JSONDecoder().decode(JSONValue.self, from: Data(turn.event.utf8))) ?? .string(turn.event)
            let answer: JSONValue? = turn.answer.map { data in
                if let object = try? JSONSerialization.jsonObject(with: data, options: [.fragmentsAllowed]),
                    let value = JSONValue(serialized: object)
                {
                    return value
                }
                return .string(String(decoding: data, as: UTF8.self))
            }
            lambda = LambdaView(
                statusCode: turn.statusCode,
                functionError: turn.functionError,
                answer: answer,
                latencyMs: Latency.milliseconds(turn.latency)
            )
            branch = turn.branch
            prompt = turn.prompt
            ended = turn.ended
            error = turn.branch == .error ? turn.note : nil
            note = turn.branch == .error ? nil : turn.note
            path = turn.path
        }
    }

    /// `GET /connect/v1/contacts/{id}`; the list (`GET /connect/v1/contacts`) leaves `turns` empty.
    public struct ContactView: Codable, Sendable, Hashable {
        public var contactId: String
        public var caller: String?
        /// `VOICE` or `CHAT`.
        public var channel: String
        public var status: String
        public var endedBy: CallBranch?
        public var createdAt: String
        public var endedAt: String?
        public var sessionAttributes: [String: String]
        public var turnCount: Int
        /// `$.Attributes`: the contact attributes, as the flow left them.
        public var attributes: [String: String]
        /// The working queue the flow set (`UpdateContactTargetQueue`), if any.
        public var queue: String?
        /// The flow from its start to the first wait for the caller: what the caller heard, and the path.
        public var start: Start?
        public var turns: [TurnView]?

        public struct Start: Codable, Sendable, Hashable {
            public var prompt: String
            public var path: [FlowStep]
        }

        enum CodingKeys: String, CodingKey {
            case contactId = "contact_id"
            case caller, channel, status, turns, attributes, queue, start
            case endedBy = "ended_by"
            case createdAt = "created_at"
            case endedAt = "ended_at"
            case sessionAttributes = "session_attributes"
            case turnCount = "turn_count"
        }

        public init(_ contact: Contact, turnCount: Int? = nil, withTurns: Bool) {
            contactId = contact.id
            caller = contact.caller
            channel = contact.flowState.channelName
            status = contact.endedBy == nil ? "in_progress" : "ended"
            endedBy = contact.endedBy
            createdAt = Timestamp.string(from: contact.createdAt)
            endedAt = contact.endedAt.map(Timestamp.string(from:))
            sessionAttributes = contact.sessionAttributes
            self.turnCount = turnCount ?? contact.turns.count
            attributes = contact.flowState.attributes
            queue = contact.flowState.queue
            start = withTurns ? Start(prompt: contact.startPrompt, path: contact.startPath) : nil
            turns = withTurns ? contact.turns.enumerated().map { TurnView($1, number: $0 + 1) } : nil
        }
    }
}
