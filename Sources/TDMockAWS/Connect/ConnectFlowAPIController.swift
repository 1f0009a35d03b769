import Crypto
import Foundation
import HTTPTypes
package import Hummingbird
import TDMockCore
package import TDMockHTTP
package import TDMockServices
import TDMockStore

/// Connect's flow API at AWS's paths (docs/connect-api.md), for boto3's `connect` client and the AWS CLI
/// with an endpoint override: flows (`CreateContactFlow`, `DescribeContactFlow`, `ListContactFlows`,
/// `UpdateContactFlowContent`, `UpdateContactFlowMetadata`, `DeleteContactFlow`) and modules
/// (`CreateContactFlowModule`, `DescribeContactFlowModule`, `ListContactFlowModules`,
/// `UpdateContactFlowModuleContent`, `UpdateContactFlowModuleMetadata`, `DeleteContactFlowModule`).
/// Content is checked as a flow file is at start; what passes is kept in the store and run by the next
/// call that reaches it. Any instance id is taken in a path: tdmock is one instance, whose ARNs name the
/// configured `connect.instance_id`.
package struct ConnectFlowAPIController {
    let services: AppServices

    static let flowTypes: Set<String> = [
        "CONTACT_FLOW", "CUSTOMER_QUEUE", "CUSTOMER_HOLD", "CUSTOMER_WHISPER", "AGENT_HOLD", "AGENT_WHISPER", "OUTBOUND_WHISPER",
        "AGENT_TRANSFER", "QUEUE_TRANSFER", "CAMPAIGN",
    ]
    static let states: Set<String> = ["ACTIVE", "ARCHIVED"]
    static let statuses: Set<String> = ["PUBLISHED", "SAVED"]

    package init(services: AppServices) { self.services = services }

    package func addRoutes(to router: Router<some RequestContext>) {
        router.put("/contact-flows/:instance") { request, context in try await create(.flow, request, context) }
        router.get("/contact-flows/:instance/:id") { _, context in try describe(.flow, context) }
        router.get("/contact-flows-summary/:instance") { request, context in try list(.flow, request, context) }
        router.post("/contact-flows/:instance/:id/content") { request, context in try await updateContent(.flow, request, context) }
        router.post("/contact-flows/:instance/:id/metadata") { request, context in try await updateMetadata(.flow, request, context) }
        router.delete("/contact-flows/:instance/:id") { _, context in try await delete(.flow, context) }
        router.put("/contact-flow-modules/:instance") { request, context in try await create(.module, request, context) }
        router.get("/contact-flow-modules/:instance/:id") { _, context in try describe(.module, context) }
        router.get("/contact-flow-modules-summary/:instance") { request, context in try list(.module, request, context) }
        router.post("/contact-flow-modules/:instance/:id/content") { request, context in try await updateContent(.module, request, context) }
        router.post("/contact-flow-modules/:instance/:id/metadata") { request, context in try await updateMetadata(.module, request, context) }
        router.delete("/contact-flow-modules/:instance/:id") { _, context in try await delete(.module, context) }
    }

    // MARK: Operations

    private func create(_ kind: ConnectResource.Kind, _ request: Request, _ context: some RequestContext) async throws -> Response {
        let body = try await request.jsonObject(of: Self.surface, limit: 1 << 20)
        let name = try text(body, "Name", required: true, limit: kind == .module ? 127 : nil)!
        let content = try text(body, "Content", required: true)!
        let description = try text(body, "Description", required: false, limit: kind == .module ? 500 : nil)
        var type: String?
        if kind == .flow {
            type = try choice(body, "Type", Self.flowTypes, required: true)
        }
        let status = kind == .flow ? try choice(body, "Status", Self.statuses, required: false) ?? "PUBLISHED" : "PUBLISHED"
        let tags = try tagMap(body["Tags"])
        let id = Self.uuid(services.ids.identifier())
        let flow = try check(kind, content, id: id)
        try refuseTaken(kind, name)
        let now = services.clock()
        let resource = ConnectResource(
            kind: kind,
            id: id,
            name: name,
            type: type,
            description: description,
            status: status,
            content: content,
            tags: tags,
            createdAt: now,
            modifiedAt: now
        )
        try await services.database.save(resource)
        services.flows.put(resource, flow: flow)
        let arn = Self.arn(kind, instance: services.configuration.connect.instanceID, id: resource.id)
        switch kind {
        case .flow:
            return Self.json([
                "ContactFlowId": .string(resource.id), "ContactFlowArn": .string(arn), "FlowContentSha256": .string(Self.sha256(content)),
            ])
        case .module:
            return Self.json(["Id": .string(resource.id), "Arn": .string(arn)])
        }
    }

    private func describe(_ kind: ConnectResource.Kind, _ context: some RequestContext) throws -> Response {
        let entry = try find(kind, try parameter(context, "id"))
        let resource = entry.resource
        var object: [String: JSONValue] = [
            "Arn": .string(Self.arn(kind, instance: services.configuration.connect.instanceID, id: resource.id)),
            "Id": .string(resource.id),
            "Name": .string(resource.name),
            "State": .string(resource.state),
            "Status": .string(resource.status),
            "Content": .string(resource.content),
            (kind == .flow ? "FlowContentSha256" : "FlowModuleContentSha256"): .string(Self.sha256(resource.content)),
        ]
        if let description = resource.description { object["Description"] = .string(description) }
        if !resource.tags.isEmpty { object["Tags"] = .object(resource.tags.mapValues(JSONValue.string)) }
        if kind == .flow {
            object["Type"] = .string(resource.type ?? "CONTACT_FLOW")
            object["LastModifiedTime"] = .number(resource.modifiedAt.timeIntervalSince1970)
            object["LastModifiedRegion"] = .string(AWSIdentity.region)
        }
        return Self.json([kind == .flow ? "ContactFlow" : "ContactFlowModule": .object(object)])
    }

    private func list(_ kind: ConnectResource.Kind, _ request: Request, _ context: some RequestContext) throws -> Response {
        let query = request.uri.queryParameters
        var entries = services.flows.entries(kind)
        if kind == .flow {
            let types = query.getAll("contactFlowTypes").map { String($0) }
            for type in types where !Self.flowTypes.contains(type) {
                throw ConnectAPIError.invalidParameter("contactFlowTypes: '\(type)' is not one of \(Self.flowTypes.sorted().joined(separator: ", "))")
            }
            if !types.isEmpty { entries = entries.filter { types.contains($0.resource.type ?? "CONTACT_FLOW") } }
        } else if let state = query["state"].map(String.init) {
            guard Self.states.contains(state) else { throw ConnectAPIError.invalidParameter("state: '\(state)' is not ACTIVE or ARCHIVED") }
            entries = entries.filter { $0.resource.state == state }
        }
        var maxResults = 100
        if let text = query["maxResults"] {
            guard let number = Int(text), (1...1000).contains(number) else {
                throw ConnectAPIError.invalidParameter("maxResults: expected 1 to 1000, found '\(text)'")
            }
            maxResults = number
        }
        var offset = 0
        if let token = query["nextToken"] {
            guard let number = Int(token), number >= 0, number <= entries.count else {
                throw ConnectAPIError.invalidParameter("nextToken: '\(token)' is not a token this list gave")
            }
            offset = number
        }
        let page = entries[offset..<min(entries.count, offset + maxResults)]
        let summaries: [JSONValue] = page.map { entry in
            let resource = entry.resource
            var summary: [String: JSONValue] = [
                "Id": .string(resource.id), "Arn": .string(Self.arn(kind, instance: services.configuration.connect.instanceID, id: resource.id)),
                "Name": .string(resource.name),
            ]
            if kind == .flow {
                summary["ContactFlowType"] = .string(resource.type ?? "CONTACT_FLOW")
                summary["ContactFlowState"] = .string(resource.state)
                summary["ContactFlowStatus"] = .string(resource.status)
            } else {
                summary["State"] = .string(resource.state)
            }
            return .object(summary)
        }
        var answer: [String: JSONValue] = [kind == .flow ? "ContactFlowSummaryList" : "ContactFlowModulesSummaryList": .array(summaries)]
        if offset + maxResults < entries.count { answer["NextToken"] = .string(String(offset + maxResults)) }
        return Self.json(answer)
    }

    private func updateContent(_ kind: ConnectResource.Kind, _ request: Request, _ context: some RequestContext) async throws -> Response {
        var resource = try changeable(kind, try parameter(context, "id"))
        let body = try await request.jsonObject(of: Self.surface, limit: 1 << 20)
        let content = try text(body, "Content", required: true)!
        let flow = try check(kind, content, id: resource.id)
        resource.content = content
        resource.modifiedAt = services.clock()
        try await services.database.save(resource)
        services.flows.put(resource, flow: flow)
        return Self.json([:])
    }

    private func updateMetadata(_ kind: ConnectResource.Kind, _ request: Request, _ context: some RequestContext) async throws -> Response {
        var resource = try changeable(kind, try parameter(context, "id"))
        let body = try await request.jsonObject(of: Self.surface)
        if let name = try text(body, "Name", required: false, limit: kind == .module ? 127 : nil), name != resource.name {
            try refuseTaken(kind, name)
            resource.name = name
        }
        if let description = try text(body, "Description", required: false, limit: kind == .module ? 500 : nil) {
            resource.description = description
        }
        if let state = try choice(body, kind == .flow ? "ContactFlowState" : "State", Self.states, required: false) { resource.state = state }
        resource.modifiedAt = services.clock()
        try await services.database.save(resource)
        services.flows.put(resource, flow: try find(kind, resource.id).flow)
        return Self.json([:])
    }

    private func delete(_ kind: ConnectResource.Kind, _ context: some RequestContext) async throws -> Response {
        let resource = try changeable(kind, try parameter(context, "id"))
        _ = try await services.database.deleteResource(kind: kind, id: resource.id)
        services.flows.remove(kind, resource.id)
        return Self.json([:])
    }

    // MARK: Reading and checking

    /// The content read as the engine runs it, and what it names checked against the configuration: the
    /// refusals name the action and field, as a flow file's at start do. `id` is the one the flow is kept
    /// under, which a call's path and a module's return name it by.
    private func check(_ kind: ConnectResource.Kind, _ content: String, id: String) throws -> Flow {
        let probe = ConnectResource(kind: kind, id: id, name: "", type: nil, description: nil, content: content, createdAt: .now, modifiedAt: .now)
        switch FlowRegistry.read(probe) {
        case .failure(let failure):
            throw ConnectAPIError.invalidContent(kind, ["\(failure)"])
        case .success(let load):
            let problems = load.references.compactMap { reference in
                services.configuration.problem(with: reference).map { "action '\(reference.identifier)', \(reference.field): \($0)" }
            }
            if !problems.isEmpty { throw ConnectAPIError.invalidContent(kind, problems) }
            return load.flow
        }
    }

    /// Names are unique per kind in tdmock's one instance.
    private func refuseTaken(_ kind: ConnectResource.Kind, _ name: String) throws {
        if services.flows.entries(kind).contains(where: { $0.resource.name == name }) {
            throw ConnectAPIError.duplicate("\(kind == .flow ? "A flow" : "A flow module") named '\(name)' already exists in this instance")
        }
    }

    private func find(_ kind: ConnectResource.Kind, _ id: String) throws -> FlowRegistry.Entry {
        guard let entry = services.flows.entry(kind, id) else {
            throw ConnectAPIError.notFound("\(kind == .flow ? "Flow" : "Flow module") '\(id)' not found in this instance")
        }
        return entry
    }

    /// A flow or module the API may change: one it made, not one of the configuration's files.
    private func changeable(_ kind: ConnectResource.Kind, _ id: String) throws -> ConnectResource {
        let entry = try find(kind, id)
        if let file = entry.file {
            throw ConnectAPIError.invalidRequest("'\(id)' is read from \(file) at start: change the file and restart tdmock serve")
        }
        return entry.resource
    }

    private func parameter(_ context: some RequestContext, _ name: String) throws -> String {
        let text = try context.parameters.require(name)
        return text.removingPercentEncoding ?? text
    }

    private func text(_ body: [String: JSONValue], _ field: String, required: Bool, limit: Int? = nil) throws -> String? {
        guard let value = body[field], !value.isNull else {
            if required { throw ConnectAPIError.invalidParameter("\(field) is required") }
            return nil
        }
        guard let text = value.stringValue else { throw ConnectAPIError.invalidParameter("\(field) must be a string, not \(value.typeDescription)") }
        if required && text.isEmpty { throw ConnectAPIError.invalidParameter("\(field) must not be empty") }
        if let limit, text.count > limit { throw ConnectAPIError.invalidParameter("\(field) takes at most \(limit) characters") }
        return text
    }

    private func choice(_ body: [String: JSONValue], _ field: String, _ allowed: Set<String>, required: Bool) throws -> String? {
        guard let text = try text(body, field, required: required) else { return nil }
        guard allowed.contains(text) else {
            throw ConnectAPIError.invalidParameter("\(field): '\(text)' is not one of \(allowed.sorted().joined(separator: ", "))")
        }
        return text
    }

    private func tagMap(_ value: JSONValue?) throws -> [String: String] {
        guard let value, !value.isNull else { return [:] }
        guard let object = value.objectValue else {
            throw ConnectAPIError.invalidParameter("Tags must be a map of strings, not \(value.typeDescription)")
        }
        var tags: [String: String] = [:]
        for (key, item) in object {
            guard let text = item.stringValue else { throw ConnectAPIError.invalidParameter("Tags.\(key) must be a string") }
            tags[key] = text
        }
        return tags
    }

    // MARK: Shapes

    /// The ARN names the configured instance (`connect.instance_id`), whichever instance id the path gave.
    static func arn(_ kind: ConnectResource.Kind, instance: String, id: String) -> String {
        "arn:aws:connect:\(AWSIdentity.region):\(AWSIdentity.account):instance/\(instance)/\(kind == .flow ? "contact-flow" : "flow-module")/\(id)"
    }

    /// A Connect-style id (a UUID's form) from one of tdmock's 32-hex ids, so --seed makes the same ones.
    static func uuid(_ hex: String) -> String {
        let characters = Array(hex.prefix(32))
        guard characters.count == 32 else { return hex }
        return [0..<8, 8..<12, 12..<16, 16..<20, 20..<32].map { String(characters[$0]) }.joined(separator: "-")
    }

    static func sha256(_ content: String) -> String {
        SHA256.hash(data: Data(content.utf8)).map { String(format: "%02x", $0) }.joined()
    }

    static func json(_ object: [String: JSONValue]) -> Response {
        var response = JSONResponse.make(status: .ok, data: JSONCoding.data(JSONValue.object(object)))
        response.headers[AWSError.requestID] = UUID().uuidString.lowercased()
        return response
    }

    package static let surface = Surface(
        prefixes: ["/contact-flows", "/contact-flows-summary", "/contact-flow-modules", "/contact-flow-modules-summary"],
        journalled: true,
        errors: { failure in
            switch failure.status {
            case .notFound, .methodNotAllowed:
                ConnectAPIError(failure.status, "ResourceNotFoundException", "No Connect operation at \(failure.method) \(failure.path)")
            case .internalServerError: ConnectAPIError(failure.status, "InternalServiceException", "tdmock failed to handle the request")
            default: ConnectAPIError.invalidParameter(failure.message ?? failure.status.reasonPhrase)
            }
        }
    )
}

/// An error of Connect's API in its REST-JSON shape: the name in `x-amzn-ErrorType`, `Message`, and the
/// content's problems under the member name botocore's model gives each exception (`problems` for
/// flows, `Problems` for modules).
struct ConnectAPIError: Error, SurfaceShapedError {
    let status: HTTPResponse.Status
    let type: String
    let message: String
    var members: [String: JSONValue] = [:]

    init(_ status: HTTPResponse.Status, _ type: String, _ message: String, members: [String: JSONValue] = [:]) {
        self.status = status
        self.type = type
        self.message = message
        self.members = members
    }

    static func notFound(_ message: String) -> Self { Self(.notFound, "ResourceNotFoundException", message) }
    static func duplicate(_ message: String) -> Self { Self(.conflict, "DuplicateResourceException", message) }
    static func invalidParameter(_ message: String) -> Self { Self(.badRequest, "InvalidParameterException", message) }
    static func invalidRequest(_ message: String) -> Self { Self(.badRequest, "InvalidRequestException", message) }

    static func invalidContent(_ kind: ConnectResource.Kind, _ problems: [String]) -> Self {
        let list = JSONValue.array(problems.prefix(50).map { ["message": .string(String($0.prefix(256)))] })
        return kind == .flow
            ? Self(
                .badRequest,
                "InvalidContactFlowException",
                "The flow's content is not valid: " + problems.joined(separator: "; "),
                members: ["problems": list]
            )
            : Self(
                .badRequest,
                "InvalidContactFlowModuleException",
                "The module's content is not valid: " + problems.joined(separator: "; "),
                members: ["Problems": list]
            )
    }

    func response(from request: Request, context: some RequestContext) throws -> Response {
        var body = members
        body["Message"] = .string(message)
        var response = JSONResponse.make(status: status, data: JSONCoding.data(JSONValue.object(body)))
        response.headers[AWSError.errorType] = type
        response.headers[AWSError.requestID] = UUID().uuidString.lowercased()
        return response
    }
}
