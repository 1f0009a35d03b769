import Crypto
import Foundation
package import Hummingbird
import Synchronization
package import TDMockCore
package import TDMockHTTP
package import TDMockServices
import TDMockStore

/// Connect's test-case API at AWS's paths (docs/connect-tests.md), for boto3's `connect` client and the AWS
/// CLI with an endpoint override: `CreateTestCase`, `DescribeTestCase`, `UpdateTestCase`, `DeleteTestCase`,
/// `ListTestCases`, `SearchTestCases`, `StartTestCaseExecution`, `StopTestCaseExecution`,
/// `GetTestCaseExecutionSummary`, `ListTestCaseExecutions`, `ListTestCaseExecutionRecords`. Content is the
/// Testing language, checked at create; an execution runs the entry point's flow through the flow engine in
/// the background and keeps one record per observation.
package struct ConnectTestCaseController: Sendable {
    let services: AppServices
    let runner: TestRunner
    let running = RunningTests()

    package init(services: AppServices, lex: LexRuntime) {
        self.services = services
        runner = TestRunner(engine: ConnectController.engine(services: services, lex: lex))
    }

    package func addRoutes(to router: Router<some RequestContext>) {
        router.put("/test-cases/:instance") { request, _ in try await create(request) }
        router.get("/test-cases/:instance/:id") { _, context in try await describe(context) }
        router.post("/test-cases/:instance/:id") { request, context in try await update(request, context) }
        router.delete("/test-cases/:instance/:id") { _, context in try await delete(context) }
        router.get("/test-cases-summary/:instance") { request, _ in try await list(request) }
        router.post("/search-test-cases") { request, _ in try await search(request) }
        router.put("/test-cases/:instance/:id/start-execution") { _, context in try await start(context) }
        router.post("/test-cases/:instance/:id/:execution/stop-execution") { _, context in try await stop(context) }
        router.get("/test-cases/:instance/:id/:execution/summary") { _, context in try await summary(context) }
        router.get("/test-cases/:instance/:id/:execution/records") { request, context in try await records(request, context) }
        router.get("/test-case-executions/:instance") { request, _ in try await executions(request) }
    }

    // MARK: Test cases

    private func create(_ request: Request) async throws -> Response {
        let body = try await request.jsonObject(of: Self.surface, limit: 1 << 20)
        let name = try field(body, "Name", required: true)!
        let content = try field(body, "Content", required: true)!
        let now = services.clock()
        var testCase = TestCase(
            id: ConnectFlowAPIController.uuid(services.ids.identifier()),
            name: name,
            description: try field(body, "Description"),
            content: content,
            entryPoint: TestEntryPoint(type: "VOICE_CALL", flowID: nil),
            initializationData: try field(body, "InitializationData"),
            status: try status(body) ?? "PUBLISHED",
            tags: try tags(body["Tags"]),
            createdAt: now,
            modifiedAt: now
        )
        testCase.entryPoint = try entryPoint(body["EntryPoint"], content: content)
        try check(testCase)
        guard try await services.database.save(testCase) else { throw Self.taken(name) }
        return ConnectFlowAPIController.json(["TestCaseId": .string(testCase.id), "TestCaseArn": .string(arn(testCase.id))])
    }

    private func describe(_ context: some RequestContext) async throws -> Response {
        let testCase = try await find(try parameter(context, "id"))
        return ConnectFlowAPIController.json(["TestCase": wire(testCase)])
    }

    private func update(_ request: Request, _ context: some RequestContext) async throws -> Response {
        var testCase = try await find(try parameter(context, "id"))
        let body = try await request.jsonObject(of: Self.surface, limit: 1 << 20)
        if let name = try field(body, "Name") { testCase.name = name }
        if let description = try field(body, "Description") { testCase.description = description }
        if let content = try field(body, "Content") { testCase.content = content }
        if let data = try field(body, "InitializationData") { testCase.initializationData = data }
        if let status = try status(body) { testCase.status = status }
        if let entry = body["EntryPoint"], !entry.isNull { testCase.entryPoint = try entryPoint(entry, content: testCase.content) }
        try check(testCase)
        testCase.modifiedAt = services.clock()
        guard try await services.database.save(testCase) else { throw Self.taken(testCase.name) }
        return ConnectFlowAPIController.json([:])
    }

    private func delete(_ context: some RequestContext) async throws -> Response {
        let id = try parameter(context, "id")
        guard try await services.database.deleteTestCase(id) else { throw Self.notFound(id) }
        return ConnectFlowAPIController.json([:])
    }

    private func list(_ request: Request) async throws -> Response {
        let query = request.uri.queryParameters
        let all = try await services.database.testCases()
        let (page, next) = try Self.page(all, of: request, limit: 1000)
        let summaries: [JSONValue] = page.map { testCase in
            [
                "Id": .string(testCase.id), "Arn": .string(arn(testCase.id)), "Name": .string(testCase.name), "Status": .string(testCase.status),
                "LastModifiedTime": .number(testCase.modifiedAt.timeIntervalSince1970), "LastModifiedRegion": .string(AWSIdentity.region),
            ]
        }
        var answer: [String: JSONValue] = ["TestCaseSummaryList": .array(summaries)]
        if let next { answer["NextToken"] = .string(next) }
        return ConnectFlowAPIController.json(answer)
    }

    /// SearchTestCases: the criteria's string conditions on `name`, `description` or `status` (STARTS_WITH,
    /// CONTAINS, EXACT), its status condition, their And and Or, and the tag filter.
    private func search(_ request: Request) async throws -> Response {
        let body = try await request.jsonObject(of: Self.surface)
        let criteria = body["SearchCriteria"]
        let filter = body["SearchFilter"]?["TagFilter"]
        let all = try await services.database.testCases().filter { testCase in
            try (criteria.map { try Self.holds($0, testCase) } ?? true) && (filter.map { try Self.tagsHold($0, testCase.tags) } ?? true)
        }
        let (page, next) = try Self.page(
            all,
            maxResults: body["MaxResults"]?.numberValue.map { LexV2.numberText($0) },
            nextToken: body["NextToken"]?.stringValue,
            limit: 100
        )
        var answer: [String: JSONValue] = ["TestCases": .array(page.map(wire)), "ApproximateTotalCount": .number(Double(all.count))]
        if let next { answer["NextToken"] = .string(next) }
        return ConnectFlowAPIController.json(answer)
    }

    // MARK: Executions

    private func start(_ context: some RequestContext) async throws -> Response {
        let testCase = try await find(try parameter(context, "id"))
        let execution = try await begin(testCase)
        return ConnectFlowAPIController.json([
            "TestCaseExecutionId": .string(execution.id), "TestCaseId": .string(testCase.id), "Status": .string(execution.status.rawValue),
        ])
    }

    /// Keeps the execution as INITIATED and runs it in the background; it keeps its end itself.
    package func begin(_ testCase: TestCase) async throws -> TestExecution {
        let script: TestScript
        switch TestScript.read(testCase.content) {
        case .success(let read): script = read
        case .failure(let failure): throw Self.invalid(failure.problems)
        }
        let attributes = try TestInitialization.attributes(testCase.initializationData).get()
        let execution = TestExecution(
            id: ConnectFlowAPIController.uuid(services.ids.identifier()),
            testCaseID: testCase.id,
            status: .initiated,
            startedAt: services.clock(),
            totalObservations: script.observations.count,
            tags: testCase.tags,
            contactID: ConnectController.contactID(services.ids.identifier()),
            entryPoint: testCase.entryPoint
        )
        try await services.database.save(execution)
        let session = TestSession(script: script, engine: runner.engine)
        running.put(execution.id, session)
        let contactID = execution.contactID ?? ""
        let (services, runner, running) = (self.services, self.runner, self.running)
        Task { [execution] in
            var execution = execution
            let outcome = await runner.run(script, entry: testCase.entryPoint, attributes: attributes, contactID: contactID, session: session)
            services.coverage.record(outcome.path)
            execution.status = outcome.status
            execution.records = outcome.records
            execution.ending = outcome.ending.description
            execution.endedAt = services.clock()
            try? await services.database.save(execution)
            running.remove(execution.id)
        }
        return execution
    }

    private func stop(_ context: some RequestContext) async throws -> Response {
        let execution = try await findExecution(context)
        if let session = running.session(execution.id) {
            session.stop()
        } else if execution.status == .initiated || execution.status == .inProgress {
            throw ConnectAPIError.invalidRequest("execution '\(execution.id)' is not running")
        }
        return ConnectFlowAPIController.json([:])
    }

    private func summary(_ context: some RequestContext) async throws -> Response {
        let execution = try await findExecution(context)
        var answer: [String: JSONValue] = [
            "StartTime": .number(execution.startedAt.timeIntervalSince1970),
            "Status": .string(running.session(execution.id) != nil && execution.status == .initiated ? "IN_PROGRESS" : execution.status.rawValue),
            "ObservationSummary": [
                "TotalObservations": .number(Double(execution.totalObservations)),
                "ObservationsPassed": .number(Double(execution.passed)),
                "ObservationsFailed": .number(Double(execution.failed)),
            ],
        ]
        if let end = execution.endedAt { answer["EndTime"] = .number(end.timeIntervalSince1970) }
        return ConnectFlowAPIController.json(answer)
    }

    /// The execution's records: its start (INITIATION, EXECUTION_START), one per observation that watched
    /// (OBSERVATION), and, once it has ended, its end (COMPLETION) with the summary.
    private func records(_ request: Request, _ context: some RequestContext) async throws -> Response {
        let execution = try await findExecution(context)
        let query = request.uri.queryParameters
        var records = Self.records(of: execution)
        if let status = query["status"].map(String.init) {
            guard TestExecution.Status(rawValue: status) != nil else { throw Self.badStatus(status) }
            records = records.filter { $0["Status"]?.stringValue == status }
        }
        let (page, next) = try Self.page(records, of: request, limit: 100)
        var answer: [String: JSONValue] = ["ExecutionRecords": .array(page.map(JSONValue.object))]
        if let next { answer["NextToken"] = .string(next) }
        return ConnectFlowAPIController.json(answer)
    }

    static func records(of execution: TestExecution) -> [[String: JSONValue]] {
        func record(_ id: String, _ status: String, _ at: Date, _ body: JSONValue) -> [String: JSONValue] {
            [
                "ObservationId": .string(id), "Status": .string(status), "Timestamp": .number(at.timeIntervalSince1970),
                "Record": .string(TestObservationRecord.text(body)),
            ]
        }
        let entry = execution.entryPoint ?? TestEntryPoint(type: "VOICE_CALL", flowID: nil)
        var parameters: [String: JSONValue] = ["FlowId": .string(entry.flowID ?? "main")]
        if let number = entry.sourcePhoneNumber { parameters["SourcePhoneNumber"] = .string(number) }
        if let number = entry.destinationPhoneNumber { parameters["DestinationPhoneNumber"] = .string(number) }
        let initiation: JSONValue = [
            "Type": "INITIATION", "Identifier": "INITIATION", "EntryPoint": ["Type": .string(entry.type), "Parameters": .object(parameters)],
        ]
        let start: JSONValue = ["Type": "EXECUTION_START", "Identifier": "EXECUTION_START", "ContactId": .string(execution.contactID ?? "")]
        var list = [record("INITIATION", "PASSED", execution.startedAt, initiation), record("EXECUTION_START", "PASSED", execution.startedAt, start)]
        list += execution.records.map { item in
            [
                "ObservationId": .string(item.observationID), "Status": .string(item.status.rawValue),
                "Timestamp": .number(item.at.timeIntervalSince1970), "Record": .string(item.recordText),
            ]
        }
        if let end = execution.endedAt, ![.initiated, .inProgress].contains(execution.status) {
            let failures = execution.records.filter { $0.status == .failed }.map { "\($0.observationID): \($0.failure ?? "failed")" }
            let reason = execution.status == .passed ? "SUCCESS" : execution.status == .stopped ? "STOPPED" : "FAILURE"
            let milliseconds = (end.timeIntervalSince(execution.startedAt) * 1000).rounded()
            let completion: JSONValue = [
                "Type": "COMPLETION", "Identifier": "COMPLETION",
                "CompletionReason": [
                    "Type": .string(reason), "Message": .string(execution.ending ?? ""), "FailureReasons": .array(failures.map(JSONValue.string)),
                ],
                "ExecutionSummary": [
                    "TotalObservations": .number(Double(execution.totalObservations)), "PassedObservations": .number(Double(execution.passed)),
                    "FailedObservations": .number(Double(execution.failed)), "ExecutionDurationMs": .number(milliseconds),
                ],
            ]
            list.append(record("COMPLETION", execution.status.rawValue, end, completion))
        }
        return list
    }

    private func executions(_ request: Request) async throws -> Response {
        let query = request.uri.queryParameters
        var list = try await services.database.testExecutions(testCaseID: query["testCaseId"].map(String.init))
        if let name = query["testCaseName"].map(String.init) {
            let ids = Set(try await services.database.testCases().filter { $0.name == name }.map(\.id))
            list = list.filter { ids.contains($0.testCaseID) }
        }
        if let status = query["status"].map(String.init) {
            guard TestExecution.Status(rawValue: status) != nil else { throw Self.badStatus(status) }
            list = list.filter { $0.status.rawValue == status }
        }
        for (key, keep) in [
            ("startTime", { (execution: TestExecution, time: Date) in execution.startedAt >= time }),
            ("endTime", { (execution: TestExecution, time: Date) in execution.startedAt <= time }),
        ] {
            guard let text = query[Substring(key)].map(String.init) else { continue }
            guard let milliseconds = Double(text) else { throw ConnectAPIError.invalidParameter("\(key): '\(text)' is not milliseconds since 1970") }
            list = list.filter { keep($0, Date(timeIntervalSince1970: milliseconds / 1000)) }
        }
        let (page, next) = try Self.page(list, of: request, limit: 100)
        let items: [JSONValue] = page.map { execution in
            var item: [String: JSONValue] = [
                "StartTime": .number(execution.startedAt.timeIntervalSince1970), "TestCaseExecutionId": .string(execution.id),
                "TestCaseId": .string(execution.testCaseID), "TestCaseExecutionStatus": .string(execution.status.rawValue),
            ]
            if let end = execution.endedAt { item["EndTime"] = .number(end.timeIntervalSince1970) }
            if !execution.tags.isEmpty { item["Tags"] = .object(execution.tags.mapValues(JSONValue.string)) }
            return .object(item)
        }
        var answer: [String: JSONValue] = ["TestCaseExecutions": .array(items)]
        if let next { answer["NextToken"] = .string(next) }
        return ConnectFlowAPIController.json(answer)
    }

    // MARK: Checking

    /// The content read as an execution plays it, the resources it substitutes in checked against the
    /// configuration, the entry point's flow known, the initialization data read.
    package func check(_ testCase: TestCase) throws {
        var problems: [String] = []
        switch TestScript.read(testCase.content) {
        case .failure(let failure): problems += failure.problems
        case .success(let script):
            problems += script.references.compactMap { reference in
                services.configuration.problem(with: reference).map { "\(reference.field): \($0)" }
            }
        }
        if case .failure(let failure) = TestInitialization.attributes(testCase.initializationData) { problems += failure.problems }
        let flowID = testCase.entryPoint.flowID.map(Flow.id(fromReference:)) ?? "main"
        if services.flows.flow(flowID) == nil {
            let key = testCase.entryPoint.type == "CHAT" ? "ChatEntryPointParameters" : "VoiceCallEntryPointParameters"
            problems.append("EntryPoint.\(key).FlowId: no flow '\(flowID)' (the configuration's flows and those of CreateContactFlow are known)")
        }
        if !problems.isEmpty { throw Self.invalid(problems) }
    }

    /// The request's EntryPoint, else the one a console export keeps in Metadata, else a voice call into `main`.
    private func entryPoint(_ value: JSONValue?, content: String) throws -> TestEntryPoint {
        if let value, !value.isNull {
            switch TestEntryPoint.read(value) {
            case .success(let entry): return entry
            case .failure(let failure): throw ConnectAPIError.invalidParameter(failure.description)
            }
        }
        if case .success(let script) = TestScript.read(content), let exported = script.metadata["entryPoint"],
            case .success(let entry) = TestEntryPoint.read(exported, field: "Metadata.entryPoint")
        {
            return entry
        }
        return TestEntryPoint(type: "VOICE_CALL", flowID: nil)
    }

    // MARK: Shapes

    private func arn(_ id: String) -> String {
        "arn:aws:connect:\(AWSIdentity.region):\(AWSIdentity.account):instance/\(services.configuration.connect.instanceID)/test-case/\(id)"
    }

    private func wire(_ testCase: TestCase) -> JSONValue {
        var object: [String: JSONValue] = [
            "Arn": .string(arn(testCase.id)), "Id": .string(testCase.id), "Name": .string(testCase.name), "Content": .string(testCase.content),
            "EntryPoint": testCase.entryPoint.wire, "Status": .string(testCase.status),
            "LastModifiedTime": .number(testCase.modifiedAt.timeIntervalSince1970), "LastModifiedRegion": .string(AWSIdentity.region),
            "TestCaseSha256": .string(ConnectFlowAPIController.sha256(testCase.content)),
        ]
        if let description = testCase.description { object["Description"] = .string(description) }
        if let data = testCase.initializationData { object["InitializationData"] = .string(data) }
        if !testCase.tags.isEmpty { object["Tags"] = .object(testCase.tags.mapValues(JSONValue.string)) }
        return .object(object)
    }

    private func find(_ id: String) async throws -> TestCase {
        guard let testCase = try await services.database.testCase(id) else { throw Self.notFound(id) }
        return testCase
    }

    private func findExecution(_ context: some RequestContext) async throws -> TestExecution {
        let id = try parameter(context, "id")
        _ = try await find(id)
        let executionID = try parameter(context, "execution")
        guard let execution = try await services.database.testExecution(executionID), execution.testCaseID == id else {
            throw ConnectAPIError.notFound("Test case execution '\(executionID)' of test case '\(id)' not found in this instance")
        }
        return execution
    }

    private func parameter(_ context: some RequestContext, _ name: String) throws -> String {
        let text = try context.parameters.require(name)
        return text.removingPercentEncoding ?? text
    }

    private func field(_ body: [String: JSONValue], _ name: String, required: Bool = false) throws -> String? {
        guard let value = body[name], !value.isNull else {
            if required { throw ConnectAPIError.invalidParameter("\(name) is required") }
            return nil
        }
        guard let text = value.stringValue else { throw ConnectAPIError.invalidParameter("\(name) must be a string, not \(value.typeDescription)") }
        if required && text.isEmpty { throw ConnectAPIError.invalidParameter("\(name) must not be empty") }
        return text
    }

    private func status(_ body: [String: JSONValue]) throws -> String? {
        guard let text = try field(body, "Status") else { return nil }
        guard ["PUBLISHED", "SAVED"].contains(text) else { throw ConnectAPIError.invalidParameter("Status: '\(text)' is not PUBLISHED or SAVED") }
        return text
    }

    private func tags(_ value: JSONValue?) throws -> [String: String] {
        guard let value, !value.isNull else { return [:] }
        guard let object = value.objectValue else {
            throw ConnectAPIError.invalidParameter("Tags must be a map of strings, not \(value.typeDescription)")
        }
        return try object.mapValues { item in
            guard let text = item.stringValue else { throw ConnectAPIError.invalidParameter("Tags values must be strings") }
            return text
        }
    }

    /// A page of a GET list: its `maxResults` and `nextToken` from the query.
    static func page<T>(_ items: [T], of request: Request, limit: Int) throws -> (ArraySlice<T>, String?) {
        let query = request.uri.queryParameters
        return try page(items, maxResults: query["maxResults"].map(String.init), nextToken: query["nextToken"].map(String.init), limit: limit)
    }

    static func page<T>(_ items: [T], maxResults: String?, nextToken: String?, limit: Int) throws -> (ArraySlice<T>, String?) {
        var size = limit == 1000 ? 100 : limit
        if let maxResults {
            guard let number = Int(maxResults), (1...limit).contains(number) else {
                throw ConnectAPIError.invalidParameter("MaxResults: expected 1 to \(limit), found '\(maxResults)'")
            }
            size = number
        }
        var offset = 0
        if let nextToken {
            guard let number = Int(nextToken), number >= 0, number <= items.count else {
                throw ConnectAPIError.invalidParameter("NextToken: '\(nextToken)' is not a token this list gave")
            }
            offset = number
        }
        let end = min(items.count, offset + size)
        return (items[offset..<end], end < items.count ? String(end) : nil)
    }

    static func holds(_ criteria: JSONValue, _ testCase: TestCase) throws -> Bool {
        if let any = criteria["OrConditions"]?.arrayValue, !any.isEmpty, try !any.contains(where: { try holds($0, testCase) }) { return false }
        if let all = criteria["AndConditions"]?.arrayValue, try !all.allSatisfy({ try holds($0, testCase) }) { return false }
        if let status = criteria["StatusCondition"]?.stringValue, status != testCase.status { return false }
        if let condition = criteria["StringCondition"] {
            let name = condition["FieldName"]?.stringValue ?? ""
            let fields = ["name": testCase.name, "description": testCase.description ?? "", "status": testCase.status]
            guard let actual = fields[name.lowercased()] else {
                throw ConnectAPIError.invalidParameter("SearchCriteria.StringCondition.FieldName: '\(name)' is not name, description or status")
            }
            let value = condition["Value"]?.stringValue ?? ""
            switch condition["ComparisonType"]?.stringValue ?? "EXACT" {
            case "EXACT": return actual == value
            case "STARTS_WITH": return actual.hasPrefix(value)
            case "CONTAINS": return actual.localizedCaseInsensitiveContains(value)
            case let other: throw ConnectAPIError.invalidParameter("ComparisonType: '\(other)' is not STARTS_WITH, CONTAINS or EXACT")
            }
        }
        return true
    }

    static func tagsHold(_ filter: JSONValue, _ tags: [String: String]) throws -> Bool {
        func holds(_ condition: JSONValue) -> Bool {
            guard let key = condition["TagKey"]?.stringValue else { return true }
            guard let value = condition["TagValue"]?.stringValue else { return tags[key] != nil }
            return tags[key] == value
        }
        if let condition = filter["TagCondition"], !holds(condition) { return false }
        if let and = filter["AndConditions"]?.arrayValue, !and.allSatisfy(holds) { return false }
        if let or = filter["OrConditions"]?.arrayValue, !or.isEmpty, !or.contains(where: { ($0.arrayValue ?? [$0]).allSatisfy(holds) }) {
            return false
        }
        return true
    }

    static func invalid(_ problems: [String]) -> ConnectAPIError {
        ConnectAPIError(
            .badRequest,
            "InvalidTestCaseException",
            "The test case's content is not valid: " + problems.joined(separator: "; "),
            members: ["Problems": .array(problems.prefix(50).map { ["message": .string(String($0.prefix(256)))] })]
        )
    }

    static func notFound(_ id: String) -> ConnectAPIError { .notFound("Test case '\(id)' not found in this instance") }
    static func taken(_ name: String) -> ConnectAPIError { .duplicate("A test case named '\(name)' already exists in this instance") }
    static func badStatus(_ status: String) -> ConnectAPIError {
        .invalidParameter("status: '\(status)' is not one of \(TestExecution.Status.allCases.map(\.rawValue).joined(separator: ", "))")
    }

    package static let surface = Surface(
        prefixes: ["/test-cases", "/test-cases-summary", "/test-case-executions", "/search-test-cases"],
        journalled: true,
        errors: ConnectFlowAPIController.surface.errors
    )
}

/// The executions running now, for StopTestCaseExecution.
final class RunningTests: Sendable {
    private let sessions = Mutex<[String: TestSession]>([:])

    func put(_ id: String, _ session: TestSession) { sessions.withLock { $0[id] = session } }
    func remove(_ id: String) { _ = sessions.withLock { $0.removeValue(forKey: id) } }
    func session(_ id: String) -> TestSession? { sessions.withLock { $0[id] } }
}
