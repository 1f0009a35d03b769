import Foundation
public import Hummingbird
public import TDMockCore
import TDMockHTTP
import TDMockServices

/// A field of a request that was refused, and why.
public struct FieldError: Codable, Sendable, Hashable {
    public var name: String
    public var description: String

    public init(name: String, description: String) {
        self.name = name
        self.description = description
    }
}

/// A Digital Connect error answer: `{"code", "message", "description", "fields"}`.
///
/// The codes are those of Talkdesk's OpenAPI document where it gives one (`3016000`, `3016001`,
/// `3016003`, `3016004`, `3016005`, `3016009`, `3016011`, `3016012`, `3016100`, `3004041`); the others
/// are tdmock's choice, listed in docs/talkdesk.md, and stable.
public struct DigitalConnectError: Error, HTTPResponseError, Sendable, Hashable {
    public struct Body: Codable, Sendable, Hashable {
        public var code: String
        public var message: String
        public var description: String?
        public var fields: [FieldError]?
    }

    public var status: HTTPResponse.Status
    public var body: Body
    public var headers: HTTPFields = [:]

    public init(status: HTTPResponse.Status, code: String, message: String, description: String? = nil, fields: [FieldError]? = nil) {
        self.status = status
        self.body = Body(code: code, message: message, description: description, fields: fields)
    }

    public func response(from request: Request, context: some RequestContext) throws -> Response {
        var response = JSONResponse.make(status: status, body: body)
        response.headers.append(contentsOf: headers)
        return response
    }

    public enum Code {
        public static let invalidRequest = "3016000"
        public static let unauthorized = "3016001"
        public static let forbidden = "3016003"
        public static let conversationNotFound = "3016004"
        /// An unknown touchpoint: 404.
        public static let touchpointNotFound = "3004041"
        /// A touchpoint configured `active: false`: 400.
        public static let touchpointInactive = "3016005"
        public static let notFound = "3016006"
        public static let methodNotAllowed = "3016007"
        public static let idempotencyConflict = "3016009"
        /// The conversation has ended: 410, on Send a Message and on End a Conversation.
        public static let conversationEnded = "3016011"
        /// Every attachment of a message failed: 400.
        public static let attachmentsFailed = "3016012"
        public static let payloadTooLarge = "3016013"
        public static let tooManyRequests = "3016029"
        public static let internalError = "3016100"
    }

    public static func invalidBody(_ description: String, fields: [FieldError]? = nil) -> DigitalConnectError {
        DigitalConnectError(status: .badRequest, code: Code.invalidRequest, message: "Invalid request body", description: description, fields: fields)
    }

    public static func unauthorized(_ description: String) -> DigitalConnectError {
        var error = DigitalConnectError(status: .unauthorized, code: Code.unauthorized, message: "Unauthorized", description: description)
        error.headers[.wwwAuthenticate] = "Bearer"
        return error
    }

    public static func forbidden(_ description: String) -> DigitalConnectError {
        DigitalConnectError(status: .forbidden, code: Code.forbidden, message: "Forbidden", description: description)
    }

    public static let payloadTooLarge = DigitalConnectError(
        status: .contentTooLarge,
        code: Code.payloadTooLarge,
        message: "Payload too large",
        description: "The request body is larger than \(BodyLimit.bytes) bytes"
    )

    public static func touchpointNotFound(_ id: String) -> DigitalConnectError {
        DigitalConnectError(
            status: .notFound,
            code: Code.touchpointNotFound,
            message: "Touchpoint not found",
            description: "No touchpoint has the id '\(id)'"
        )
    }

    public static func touchpointInactive(_ id: String) -> DigitalConnectError {
        DigitalConnectError(
            status: .badRequest,
            code: Code.touchpointInactive,
            message: "Touchpoint is not active",
            description: "The touchpoint '\(id)' is not active"
        )
    }

    /// The Digital Connect answer to an inbox failure.
    public init(_ error: InboxError) {
        switch error {
        case .conversationNotFound(let id):
            self.init(
                status: .notFound,
                code: Code.conversationNotFound,
                message: "Conversation not found",
                description: "No conversation has the id '\(id)'"
            )
        case .conversationEnded(let id):
            self.init(
                status: .gone,
                code: Code.conversationEnded,
                message: "Conversation has ended",
                description: "Conversation '\(id)' has already ended"
            )
        case .touchpointNotAllowed(let id):
            self.init(
                status: .forbidden,
                code: Code.forbidden,
                message: "Forbidden",
                description: "This client's credentials do not cover touchpoint '\(id)'"
            )
        case .idempotencyKeyReused(let key):
            self.init(
                status: .conflict,
                code: Code.idempotencyConflict,
                message: "Idempotency key reused",
                description: "The x-idempotency-key '\(key)' was already used with a different request"
            )
        case .assignedToAnother, .deliveryNotFound, .deliveryNotFailed, .questionNotFound, .questionClosed, .contactNotFound, .contactEnded,
            .contactBusy:
            // Agent-side failures; the Digital Connect surface never meets them.
            self.init(status: .conflict, code: Code.invalidRequest, message: "Conflict", description: error.description)
        }
    }
}

extension DigitalConnectError: SurfaceShapedError {
    /// What Digital Connect answers for a request it has no operation for, a method its path does not
    /// take, a body too large, or a failure.
    static func unrouted(_ failure: Surface.Failure) -> DigitalConnectError {
        switch failure.status {
        case .notFound:
            DigitalConnectError(
                status: .notFound,
                code: Code.notFound,
                message: "Not found",
                description: "No Digital Connect operation at \(failure.method) \(failure.path)"
            )
        case .methodNotAllowed:
            DigitalConnectError(
                status: .methodNotAllowed,
                code: Code.methodNotAllowed,
                message: "Method not allowed",
                description: "\(failure.method) is not allowed on \(failure.path)"
            )
        case .contentTooLarge:
            .payloadTooLarge
        case .internalServerError:
            DigitalConnectError(
                status: .internalServerError,
                code: Code.internalError,
                message: "Internal error",
                description: "tdmock failed to handle the request; its log says why"
            )
        default:
            DigitalConnectError(status: failure.status, code: Code.invalidRequest, message: failure.message ?? failure.status.reasonPhrase)
        }
    }
}
