import Foundation
import HTTPTypes
package import Hummingbird
import Synchronization
import TDMockCore
package import TDMockHTTP
package import TDMockServices
import TDMockStore

/// Talkdesk's Attachments API (`/attachments/2023-03`): how a customer's file reaches the agent. An upload
/// link (served by tdmock itself, taking one `PUT` of the file before it expires), an attachment made
/// from the link's request, then the attachment's id in Send a Message. Errors are `{"code", "message"}`
/// with Talkdesk's `2320xxx` codes; each operation asks its own scope of the token.
package struct AttachmentsController {
    static let prefix = "/attachments/2023-03"
    /// How long an upload link takes its file (tdmock's choice).
    static let uploadLinkLifetime: TimeInterval = 15 * 60
    /// How long a download link serves the file (Talkdesk's `expire_time`).
    static let downloadLinkLifetime: TimeInterval = 600

    let services: AppServices

    package init(services: AppServices) {
        self.services = services
    }
    let downloads = DownloadLinks()

    package func addRoutes(to router: Router<some RequestContext>) {
        let group = router.group(RouterPath(stringLiteral: Self.prefix))
        group.post("upload-link") { request, _ in try await uploadLink(request) }
        group.put("uploads/:request_id") { request, context in try await upload(request, requestID: try context.parameters.require("request_id")) }
        group.post { request, _ in try await create(request) }
        group.get { request, _ in try await list(request) }
        group.get(":id") { request, context in try await show(request, id: try context.parameters.require("id")) }
        group.delete(":id") { request, context in try await delete(request, id: try context.parameters.require("id")) }
        group.get(":id/download-link") { request, context in
            try await downloadLink(request, id: try context.parameters.require("id"))
        }
        group.get("downloads/:token") { _, context in try await download(token: try context.parameters.require("token")) }
    }

    // MARK: Operations

    private func uploadLink(_ request: Request) async throws -> Response {
        let client = try await authorize(request, scope: Scope.attachmentsRequest)
        let body = try await request.jsonObject(of: Self.surface, emptyAllowed: true)
        var types: [String] = []
        switch body["allowed_mime_types"] {
        case nil, .null?: break
        case .array(let items)?:
            for item in items {
                guard let type = item.stringValue, Self.isMediaType(type) else {
                    throw AttachmentsAPIError.badRequest("allowed_mime_types must be media types such as image/png, not \(item.jsonText)")
                }
                types.append(type)
            }
        case let other?:
            throw AttachmentsAPIError.badRequest("allowed_mime_types must be an array of media types, not \(other.typeDescription)")
        }
        let now = services.clock()
        let upload = AttachmentUpload(
            requestID: services.ids.identifier(),
            allowedTypes: types,
            expiresAt: now.addingTimeInterval(Self.uploadLinkLifetime)
        )
        try await services.database.createUploadLink(upload, clientID: client.id, now: now)
        return Self.hal(["request_id": .string(upload.requestID), "url": .string(Self.base(request) + "/uploads/" + upload.requestID)])
    }

    /// The upload link itself: one `PUT` of the file, its `Content-Type` among the link's types. The
    /// link is the credential, as a pre-signed upload URL is.
    private func upload(_ request: Request, requestID: String) async throws -> Response {
        guard let type = request.headers[.contentType]?.split(separator: ";").first?.trimmingCharacters(in: .whitespaces), !type.isEmpty
        else { throw AttachmentsAPIError.badRequest("The upload needs the file's Content-Type") }
        let limit = services.configuration.limits.attachmentBytes
        let data = try await request.collectBody(
            upTo: limit,
            orThrow: AttachmentsAPIError(.contentTooLarge, AttachmentsAPIError.Code.badRequest, "The file is larger than \(limit) bytes")
        )
        do {
            try await services.database.upload(requestID: requestID, type: type, data: data, now: services.clock())
        } catch let error as AttachmentError {
            throw AttachmentsAPIError(error)
        }
        return Response(status: .ok)
    }

    private func create(_ request: Request) async throws -> Response {
        _ = try await authorize(request, scope: Scope.attachmentsWrite)
        let body = try await request.jsonObject(of: Self.surface, emptyAllowed: true)
        guard case .string(let name)? = body["name"], !Blank.isBlank(name), name.unicodeScalars.count <= 512 else {
            throw AttachmentsAPIError.badRequest("name must be a non-empty string of at most 512 characters")
        }
        guard case .string(let requestID)? = body["request_id"], !requestID.isEmpty else {
            throw AttachmentsAPIError.badRequest("request_id must be the request id of an upload link")
        }
        var metadata: [String: JSONValue] = [:]
        switch body["metadata"] {
        case nil, .null?: break
        case .object(let object)?: metadata = object
        case let other?: throw AttachmentsAPIError.badRequest("metadata must be an object, not \(other.typeDescription)")
        }
        do {
            let attachment = try await services.database.createAttachment(
                id: services.ids.identifier(),
                name: name,
                requestID: requestID,
                metadata: metadata,
                now: services.clock()
            )
            return Self.hal(Self.resource(attachment, base: Self.base(request)))
        } catch let error as AttachmentError {
            throw AttachmentsAPIError(error)
        }
    }

    private func list(_ request: Request) async throws -> Response {
        _ = try await authorize(request, scope: Scope.attachmentsRead)
        let query = request.uri.queryParameters
        func number(_ name: String, default value: Int, _ range: ClosedRange<Int>) throws -> Int {
            guard let text = query[name[...]] else { return value }
            guard let number = QueryNumber.whole(text), range.contains(number) else {
                throw AttachmentsAPIError.badRequest("\(name) must be a whole number from \(range.lowerBound) to \(range.upperBound), not '\(text)'")
            }
            return number
        }
        let page = try number("page", default: 1, 1...Int.max)
        let perPage = try number("per_page", default: 50, 1...250)
        var state: AttachmentFile.State?
        if let text = query["state"] {
            guard let parsed = AttachmentFile.State(rawValue: String(text)) else {
                throw AttachmentsAPIError.badRequest("state must be uploading or published, not '\(text)'")
            }
            state = parsed
        }
        let types = query.getAll("types").flatMap { $0.split(separator: ",").map { String($0) } }
        let offset = page.multipliedReportingOverflow(by: perPage).overflow ? Int.max : (page - 1) * perPage
        let (attachments, total) = try await services.database.attachments(
            name: query["name"].map(String.init),
            types: types,
            state: state,
            limit: perPage,
            offset: offset
        )
        let base = Self.base(request)
        func link(_ page: Int) -> JSONValue { ["href": .string("\(Self.prefix)?page=\(page)&per_page=\(perPage)")] }
        var links: [String: JSONValue] = ["self": link(page)]
        if page > 1 { links["prev"] = link(page - 1) }
        if offset < total - perPage { links["next"] = link(page + 1) }
        return Self.hal([
            "total": .number(Double(total)), "page": .number(Double(page)), "per_page": .number(Double(perPage)),
            "count": .number(Double(attachments.count)),
            "_embedded": ["list": .array(attachments.map { Self.resource($0, base: base) })],
            "_links": .object(links),
        ])
    }

    private func show(_ request: Request, id: String) async throws -> Response {
        _ = try await authorize(request, scope: Scope.attachmentsRead)
        guard let attachment = try await services.database.attachment(id: id) else { throw AttachmentsAPIError(.notFound(id)) }
        return Self.hal(Self.resource(attachment, base: Self.base(request)))
    }

    private func delete(_ request: Request, id: String) async throws -> Response {
        _ = try await authorize(request, scope: Scope.attachmentsDelete)
        guard try await services.database.deleteAttachment(id: id) else { throw AttachmentsAPIError(.notFound(id)) }
        downloads.forget(attachment: id)
        return Response(status: .noContent)
    }

    private func downloadLink(_ request: Request, id: String) async throws -> Response {
        _ = try await authorize(request, scope: Scope.attachmentsDownload)
        guard let attachment = try await services.database.attachment(id: id) else { throw AttachmentsAPIError(.notFound(id)) }
        guard attachment.state == .published else {
            throw AttachmentsAPIError(
                .conflict,
                AttachmentsAPIError.Code.badRequest,
                "The attachment's file has not been uploaded yet: PUT it to its upload link first"
            )
        }
        let token = services.ids.token()
        let now = services.clock()
        downloads.add(token, attachment: id, until: now.addingTimeInterval(Self.downloadLinkLifetime), now: now)
        return Self.hal([
            "url": .string(Self.base(request) + "/downloads/" + token), "expire_time": .number(Self.downloadLinkLifetime),
        ])
    }

    /// The file, as a download: its own media type, `Content-Disposition: attachment`, never sniffed, so
    /// a browser saves an HTML file rather than rendering it.
    private func download(token: String) async throws -> Response {
        guard let id = downloads.attachment(for: token, now: services.clock()),
            let file = try await services.database.attachmentContent(id: id)
        else { throw AttachmentsAPIError(.notFound(token)) }
        return Self.download(file)
    }

    /// A file as a download: its media type, `Content-Disposition: attachment` with its name, `nosniff`.
    static func download(_ file: (name: String, type: String, data: Data)) -> Response {
        let name = file.name
        let filename = name.unicodeScalars.map { $0.isASCII && $0 != "\"" && $0 != "\\" && $0.value >= 0x20 ? String($0) : "_" }.joined()
        let encoded = name.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? filename
        var headers: HTTPFields = [
            .contentType: file.type,
            .contentDisposition: "attachment; filename=\"\(filename)\"; filename*=UTF-8''\(encoded)",
            .cacheControl: "no-store",
        ]
        headers[HTTPField.Name("X-Content-Type-Options")!] = "nosniff"
        return Response(status: .ok, headers: headers, body: ResponseBody(byteBuffer: ByteBuffer(bytes: file.data)))
    }

    // MARK: Helpers

    /// The client of the request's bearer token, if the token has `scope`.
    private func authorize(_ request: Request, scope: String) async throws -> OAuthClient {
        guard let header = request.headers[.authorization], let token = DigitalConnectController.bearerToken(header) else {
            throw AttachmentsAPIError.unauthorized("Send Authorization: Bearer <access_token>")
        }
        guard let grant = try await services.tokens.validate(token, now: services.clock()), let client = services.tokens.client(id: grant.clientID)
        else { throw AttachmentsAPIError.unauthorized("The access token is unknown or has expired") }
        guard grant.scopes.contains(scope) else {
            throw AttachmentsAPIError(.forbidden, AttachmentsAPIError.Code.forbidden, "The access token lacks the scope \(scope)")
        }
        return client
    }

    /// `type/subtype`, as `allowed_mime_types` lists them.
    static func isMediaType(_ text: String) -> Bool {
        let parts = text.split(separator: "/", omittingEmptySubsequences: false)
        return parts.count == 2 && parts.allSatisfy { !$0.isEmpty && !$0.contains(where: { $0.isWhitespace }) }
    }

    /// This API's base URL as the client reached it (its links point back at the same server).
    static func base(_ request: Request) -> String {
        "http://" + (request.head.authority ?? "127.0.0.1") + prefix
    }

    /// An attachment as Talkdesk's API shows it, with its HAL links.
    static func resource(_ attachment: AttachmentFile, base: String) -> JSONValue {
        var resource: [String: JSONValue] = [
            "id": .string(attachment.id), "name": .string(attachment.name), "state": .string(attachment.state.rawValue),
            "metadata": .object(attachment.metadata),
            "_links": [
                "self": ["href": .string("\(base)/\(attachment.id)")],
                "download_link": ["href": .string("\(base)/\(attachment.id)/download-link")],
            ],
        ]
        if let type = attachment.type { resource["type"] = .string(type) }
        if let size = attachment.size { resource["size"] = .number(Double(size)) }
        return .object(resource)
    }

    /// A 200 in `application/hal+json`, as Talkdesk answers this API.
    static func hal(_ body: JSONValue) -> Response {
        Response(
            status: .ok,
            headers: [.contentType: "application/hal+json"],
            body: ResponseBody(byteBuffer: ByteBuffer(bytes: JSONCoding.data(body)))
        )
    }
}

/// The download links given out, in memory: a link is a random token that serves one attachment's file
/// until it expires (links do not survive a restart; ask for another).
final class DownloadLinks: Sendable {
    private let links = Mutex<[String: (attachment: String, until: Date)]>([:])

    /// Keeps a new link, letting the expired ones go.
    func add(_ token: String, attachment: String, until: Date, now: Date) {
        links.withLock { links in
            links = links.filter { $0.value.until > now }
            links[token] = (attachment, until)
        }
    }

    func attachment(for token: String, now: Date) -> String? {
        links.withLock { links in
            guard let link = links[token], link.until > now else { return nil }
            return link.attachment
        }
    }

    func forget(attachment: String) {
        links.withLock { links in links = links.filter { $0.value.attachment != attachment } }
    }
}

/// An Attachments API error: `{"code", "message"}` with Talkdesk's codes.
struct AttachmentsAPIError: HTTPResponseError {
    enum Code {
        static let badRequest = "2320000"
        static let unauthorized = "2320001"
        static let forbidden = "2320002"
        static let nameTaken = "2320004"
        static let notFound = "2320009"
    }

    var status: HTTPResponse.Status
    var code: String
    var message: String

    init(_ status: HTTPResponse.Status, _ code: String, _ message: String) {
        self.status = status
        self.code = code
        self.message = message
    }

    init(_ error: AttachmentError) {
        switch error {
        case .notFound, .uploadNotFound: self.init(.notFound, Code.notFound, error.description)
        case .nameTaken: self.init(.conflict, Code.nameTaken, error.description)
        case .alreadyUploaded: self.init(.conflict, Code.badRequest, error.description)
        case .uploadExpired, .typeNotAllowed: self.init(.badRequest, Code.badRequest, error.description)
        }
    }

    static func badRequest(_ message: String) -> Self { Self(.badRequest, Code.badRequest, message) }
    static func unauthorized(_ message: String) -> Self { Self(.unauthorized, Code.unauthorized, message) }

    func response(from request: Request, context: some RequestContext) throws -> Response {
        var response = JSONResponse.make(status: status, body: ["code": code, "message": message])
        if status == .unauthorized { response.headers[.wwwAuthenticate] = "Bearer" }
        return response
    }
}

extension AttachmentsController {
    /// The Attachments API and its upload links: journalled, its errors as `{code, message}`.
    package static let surface = Surface(
        prefixes: ["/attachments"],
        journalled: true,
        errors: { failure in
            switch failure.status {
            case .notFound:
                AttachmentsAPIError(
                    .notFound,
                    AttachmentsAPIError.Code.notFound,
                    failure.message ?? "No Attachments API operation at \(failure.method) \(failure.path)"
                )
            case .internalServerError: AttachmentsAPIError(failure.status, "2320100", "Internal error while processing the request")
            default: AttachmentsAPIError(failure.status, AttachmentsAPIError.Code.badRequest, failure.message ?? failure.status.reasonPhrase)
            }
        }
    )
}

extension AttachmentsAPIError: SurfaceShapedError {}
