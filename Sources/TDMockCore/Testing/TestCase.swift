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

/// One observation's record of an execution, as `ListTestCaseExecutionRecords`' `Record` states it
/// (docs/connect-tests.md): the observation and its event as written, the usage expected and met, each
/// action with the parameters written; and tdmock's own account: what it saw, why it failed, the path.
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
        public var expectedParameters: JSONValue
        public var actualParameters: JSONValue
        public var detail: String?
        public var expected: String?
        public var actual: String?

        public init(_ action: TestScript.Action, status: String, detail: String? = nil) {
            id = action.id
            type = action.type
            self.status = status
            expectedParameters = action.parameters
            actualParameters = action.parameters
            self.detail = detail
        }

        enum CodingKeys: String, CodingKey {
            case id = "Identifier"
            case type = "Type"
            case status = "Status"
            case expectedParameters = "ExpectedParameters"
            case actualParameters = "ActualParameters"
            case detail = "Detail"
            case expected = "Expected"
            case actual = "Actual"
        }
    }

    public var type = "OBSERVATION"
    public var observationID: String
    public var status: Status
    public var event: JSONValue
    public var expectedUsage: JSONValue
    public var matches: Int
    /// What the observation expected, said in a line.
    public var expected: String
    /// The last event it matched.
    public var observed: String?
    public var actions: [ActionRecord]
    public var failure: String?
    /// The flow's path up to a failure.
    public var path: [String]?
    public var at: Date

    public init(observation: TestScript.Observation, at: Date) {
        observationID = observation.id
        status = .inProgress
        event = observation.written
        expectedUsage = observation.usage.wire
        switch observation.event {
        case .messageReceived(let match): expected = "\(observation.event.type) \(match.expected)"
        case .actionStarted(let match), .actionCompleted(let match):
            expected = ([observation.event.type, match.type] + match.parameters.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" })
                .joined(separator: " ")
        default: expected = observation.event.type
        }
        matches = 0
        actions = []
        self.at = at
    }

    enum CodingKeys: String, CodingKey {
        case type = "Type"
        case observationID = "Identifier"
        case status = "Status"
        case event = "Event"
        case expectedUsage = "ExpectedUsage"
        case matches = "ActualUsage"
        case expected = "Expected"
        case observed = "Observed"
        case actions = "Actions"
        case failure = "Failure"
        case path = "Path"
        case at = "Timestamp"
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        observationID = try container.decode(String.self, forKey: .observationID)
        status = try container.decode(Status.self, forKey: .status)
        event = try container.decode(JSONValue.self, forKey: .event)
        expectedUsage = try container.decode(JSONValue.self, forKey: .expectedUsage)
        matches = try container.decode(JSONValue.self, forKey: .matches)["Times"]?.numberValue.map { Int($0) } ?? 0
        expected = try container.decode(String.self, forKey: .expected)
        observed = try container.decodeIfPresent(String.self, forKey: .observed)
        actions = try container.decode([ActionRecord].self, forKey: .actions)
        failure = try container.decodeIfPresent(String.self, forKey: .failure)
        path = try container.decodeIfPresent([String].self, forKey: .path)
        at = try container.decode(Date.self, forKey: .at)
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(type, forKey: .type)
        try container.encode(observationID, forKey: .observationID)
        try container.encode(status, forKey: .status)
        try container.encode(event, forKey: .event)
        try container.encode(expectedUsage, forKey: .expectedUsage)
        try container.encode(JSONValue.object(["Times": .number(Double(matches))]), forKey: .matches)
        try container.encode(expected, forKey: .expected)
        try container.encodeIfPresent(observed, forKey: .observed)
        try container.encode(actions, forKey: .actions)
        try container.encodeIfPresent(failure, forKey: .failure)
        try container.encodeIfPresent(path, forKey: .path)
        try container.encode(at, forKey: .at)
    }

    /// The `Record` string of Connect's `ExecutionRecord`: this record as JSON.
    public var recordText: String { TestObservationRecord.text(self) }

    /// JSON with sorted keys and dates in milliseconds since 1970, as records are kept and answered.
    public static func text(_ value: some Encodable) -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        encoder.dateEncodingStrategy = .millisecondsSince1970
        return (try? encoder.encode(value)).map { String(decoding: $0, as: UTF8.self) } ?? "{}"
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
    /// The contact the test's call or chat was.
    public var contactID: String?
    public var entryPoint: TestEntryPoint?

    public init(
        id: String,
        testCaseID: String,
        status: Status,
        startedAt: Date,
        endedAt: Date? = nil,
        totalObservations: Int,
        records: [TestObservationRecord] = [],
        ending: String? = nil,
        tags: [String: String] = [:],
        contactID: String? = nil,
        entryPoint: TestEntryPoint? = nil
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
        self.contactID = contactID
        self.entryPoint = entryPoint
    }

    public var passed: Int { records.filter { $0.status == .passed }.count }
    public var failed: Int { records.filter { $0.status == .failed }.count }
}
