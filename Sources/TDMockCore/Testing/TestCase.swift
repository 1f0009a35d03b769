public import Foundation

/// A test case made through Connect's test-case API (`CreateTestCase`), as the store keeps it
/// (docs/connect-tests.md): its Testing-language content, the entry point it calls, and the metadata
/// Connect describes it by.
public struct TestCase: Sendable, Hashable {
    public var id: String
    public var name: String
    public var description: String?
    public var content: String
    public var entryPoint: TestEntryPoint
    /// `InitializationData` as written: JSON whose `Attributes` are the contact's first attributes.
    public var initializationData: String?
    /// `PUBLISHED` or `SAVED`.
    public var status: String
    public var tags: [String: String]
    public var createdAt: Date
    public var modifiedAt: Date

    public init(
        id: String,
        name: String,
        description: String?,
        content: String,
        entryPoint: TestEntryPoint,
        initializationData: String?,
        status: String,
        tags: [String: String],
        createdAt: Date,
        modifiedAt: Date
    ) {
        self.id = id
        self.name = name
        self.description = description
        self.content = content
        self.entryPoint = entryPoint
        self.initializationData = initializationData
        self.status = status
        self.tags = tags
        self.createdAt = createdAt
        self.modifiedAt = modifiedAt
    }
}

/// Where a test's contact enters: a voice call or a chat, the flow, and the numbers.
public struct TestEntryPoint: Codable, Sendable, Hashable {
    /// `VOICE_CALL` or `CHAT`.
    public var type: String
    public var flowID: String?
    public var sourcePhoneNumber: String?
    public var destinationPhoneNumber: String?

    public init(type: String, flowID: String?, sourcePhoneNumber: String? = nil, destinationPhoneNumber: String? = nil) {
        self.type = type
        self.flowID = flowID
        self.sourcePhoneNumber = sourcePhoneNumber
        self.destinationPhoneNumber = destinationPhoneNumber
    }

    public static let types = ["VOICE_CALL", "CHAT"]

    /// The channel the contact API names: `VOICE` or `CHAT`.
    public var channel: String { type == "CHAT" ? FlowContactState.chat : FlowContactState.voice }

    /// Connect's wire form (`Type`, `VoiceCallEntryPointParameters` or `ChatEntryPointParameters`).
    public var wire: JSONValue {
        var parameters: [String: JSONValue] = [:]
        if let flowID { parameters["FlowId"] = .string(flowID) }
        if type == "CHAT" { return ["Type": .string(type), "ChatEntryPointParameters": .object(parameters)] }
        if let sourcePhoneNumber { parameters["SourcePhoneNumber"] = .string(sourcePhoneNumber) }
        if let destinationPhoneNumber { parameters["DestinationPhoneNumber"] = .string(destinationPhoneNumber) }
        return ["Type": .string(type), "VoiceCallEntryPointParameters": .object(parameters)]
    }

    /// Reads Connect's wire form; the refusal says which field is wrong.
    public static func read(_ value: JSONValue, field: String = "EntryPoint") -> Result<TestEntryPoint, TestScriptFailure> {
        func refuse(_ text: String) -> Result<TestEntryPoint, TestScriptFailure> { .failure(TestScriptFailure(problems: [text])) }
        guard let object = value.objectValue else { return refuse("\(field) must be an object with Type, not \(value.typeDescription)") }
        let type = object["Type"]?.stringValue ?? ""
        guard types.contains(type) else { return refuse("\(field).Type: '\(type)' is not VOICE_CALL or CHAT") }
        let key = type == "CHAT" ? "ChatEntryPointParameters" : "VoiceCallEntryPointParameters"
        let parameters = object[key]?.objectValue ?? [:]
        var entry = TestEntryPoint(type: type, flowID: nil)
        for (name, item) in parameters where !item.isNull {
            guard let text = item.stringValue else { return refuse("\(field).\(key).\(name) must be a string, not \(item.typeDescription)") }
            switch name {
            case "FlowId": entry.flowID = text
            case "SourcePhoneNumber", "DestinationPhoneNumber":
                guard text.hasPrefix("+"), (2...15).contains(text.count - 1), text.dropFirst().allSatisfy({ $0.isASCII && $0.isNumber }) else {
                    return refuse("\(field).\(key).\(name): '\(text)' is not an E.164 number (+ and up to 15 digits)")
                }
                if name == "SourcePhoneNumber" { entry.sourcePhoneNumber = text } else { entry.destinationPhoneNumber = text }
            case "TranscriptionLanguageCodes": break
            default: return refuse("\(field).\(key).\(name) is not a field of \(key)")
            }
        }
        return .success(entry)
    }
}

/// The contact's first attributes in a test case's `InitializationData` (`{"Attributes": {...}}`).
public enum TestInitialization {
    public static func attributes(_ text: String?) -> Result<[String: String], TestScriptFailure> {
        guard let text, !text.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty else { return .success([:]) }
        switch Data(text.utf8).withUnsafeBytes({ JSONReader.read($0) }) {
        case .failure(let failure): return .failure(TestScriptFailure(problems: ["InitializationData is not JSON: \(failure.description)"]))
        case .success(let value):
            guard let object = value.objectValue else {
                return .failure(TestScriptFailure(problems: ["InitializationData must be an object ({\"Attributes\": {...}})"]))
            }
            var attributes: [String: String] = [:]
            for (key, item) in object["Attributes"]?.objectValue ?? [:] {
                guard let text = item.stringValue else {
                    return .failure(
                        TestScriptFailure(problems: ["InitializationData.Attributes.\(key) must be a string, not \(item.typeDescription)"])
                    )
                }
                attributes[key] = text
            }
            return .success(attributes)
        }
    }
}

/// One observation's record of an execution: what was expected, what happened, the actions it ran.
public struct TestObservationRecord: Codable, Sendable, Hashable {
    public enum Status: String, Codable, Sendable, Hashable {
        case passed = "PASSED"
        case failed = "FAILED"
        case inProgress = "IN_PROGRESS"
        case stopped = "STOPPED"
    }

    public struct ActionRecord: Codable, Sendable, Hashable {
        public var id: String
        public var type: String
        public var status: String
        public var detail: String?
        public var expected: String?
        public var actual: String?

        public init(id: String, type: String, status: String, detail: String? = nil) {
            self.id = id
            self.type = type
            self.status = status
            self.detail = detail
        }

        enum CodingKeys: String, CodingKey {
            case id = "Identifier"
            case type = "Type"
            case status = "Status"
            case detail = "Detail"
            case expected = "Expected"
            case actual = "Actual"
        }
    }

    public var observationID: String
    public var status: Status
    public var eventType: String
    public var expected: String
    public var observed: String?
    public var matches: Int
    public var actions: [ActionRecord]
    public var failure: String?
    /// The flow's path up to a failure.
    public var path: [String]?
    public var at: Date

    public init(observation: TestScript.Observation, at: Date) {
        observationID = observation.id
        status = .inProgress
        eventType = observation.event.type
        switch observation.event {
        case .messageReceived(let match): expected = match.expected
        case .actionStarted(let match), .actionCompleted(let match):
            expected = ([match.type] + match.parameters.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }).joined(separator: " ")
        default: expected = observation.event.type
        }
        matches = 0
        actions = []
        self.at = at
    }

    enum CodingKeys: String, CodingKey {
        case observationID = "ObservationId"
        case status = "Status"
        case eventType = "EventType"
        case expected = "Expected"
        case observed = "Observed"
        case matches = "Matches"
        case actions = "Actions"
        case failure = "Failure"
        case path = "Path"
        case at = "Timestamp"
    }

    /// The `Record` string of Connect's `ExecutionRecord`: this record as JSON.
    public var recordText: String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        encoder.dateEncodingStrategy = .millisecondsSince1970
        return (try? encoder.encode(self)).map { String(decoding: $0, as: UTF8.self) } ?? "{}"
    }
}

/// One run of a test case: its status, when, and a record per observation that watched.
public struct TestExecution: Sendable, Hashable {
    public enum Status: String, Codable, Sendable, Hashable, CaseIterable {
        case initiated = "INITIATED"
        case inProgress = "IN_PROGRESS"
        case passed = "PASSED"
        case failed = "FAILED"
        case stopped = "STOPPED"
    }

    public var id: String
    public var testCaseID: String
    public var status: Status
    public var startedAt: Date
    public var endedAt: Date?
    public var totalObservations: Int
    public var records: [TestObservationRecord]
    /// How the test ended, said in a line.
    public var ending: String?
    public var tags: [String: String]

    public init(
        id: String,
        testCaseID: String,
        status: Status,
        startedAt: Date,
        endedAt: Date? = nil,
        totalObservations: Int,
        records: [TestObservationRecord] = [],
        ending: String? = nil,
        tags: [String: String] = [:]
    ) {
        self.id = id
        self.testCaseID = testCaseID
        self.status = status
        self.startedAt = startedAt
        self.endedAt = endedAt
        self.totalObservations = totalObservations
        self.records = records
        self.ending = ending
        self.tags = tags
    }

    public var passed: Int { records.filter { $0.status == .passed }.count }
    public var failed: Int { records.filter { $0.status == .failed }.count }
}
