import Foundation
import HTTPTypes
package import Hummingbird
import Synchronization
import TDMockCore
package import TDMockHTTP
package import TDMockServices

/// API Gateway's REST API (docs/aws.md) at `/apigw/rest/{stage}{path}`: each configured route hands the
/// request to its function as the Lambda proxy integration's event (payload format 1.0) and answers what
/// the function returns, with API Gateway's own answers for a missing key, no route, a failed function
/// and a time-out.
package struct RESTAPIController {
    static let prefix = APIGatewayConfiguration.RESTAPI.pathPrefix
    let services: AppServices
    let functions: FunctionInvoker

    package init(services: AppServices, functions: FunctionInvoker) {
        self.services = services
        self.functions = functions
    }

    private var api: APIGatewayConfiguration.RESTAPI { services.configuration.apiGateway.rest }

    package func addRoutes(to router: Router<some RequestContext>) {
        for method in [HTTPRequest.Method.get, .post, .put, .patch, .delete, .head, .options] {
            router.on(RouterPath(Self.prefix + "/**"), method: method) { request, context in
                try await handle(request, sourceIP: ServeRequestContext.sourceIP(context))
            }
        }
    }

    static let apiKey = HTTPField.Name("x-api-key")!
    /// API Gateway's limit on a REST API request's payload.
    static let maximumPayloadBytes = 10 * 1024 * 1024

    private func handle(_ request: Request, sourceIP: String) async throws -> Response {
        let received = services.clock()
        let full = request.uri.path
        let rest = full.dropFirst(Self.prefix.count).split(separator: "/", omittingEmptySubsequences: false).dropFirst()
        guard let stage = rest.first, stage == api.stage else { return Self.answer(.forbidden, "Missing Authentication Token") }
        let segments = Array(rest.dropFirst().filter { !$0.isEmpty })
        let method = request.method.rawValue
        var matched: (route: RESTRoute, parameters: [String: String])?
        for route in api.routes where route.method == method || route.method == "ANY" {
            if let parameters = route.match(segments) {
                matched = (route, parameters)
                break
            }
        }
        guard let (route, parameters) = matched else { return Self.answer(.forbidden, "Missing Authentication Token") }
        let key = request.headers[Self.apiKey]
        if route.apiKeyRequired {
            guard let key, api.apiKeys.contains(where: { constantTimeEquals($0, key) }) else { return Self.answer(.forbidden, "Forbidden") }
        }
        var request = request
        let body: Data
        do {
            body = try await request.collectBody(upTo: Self.maximumPayloadBytes, orThrow: HTTPError(.contentTooLarge))
        } catch {
            return Self.answer(.contentTooLarge, "Request Too Long")
        }
        let requestID = UUID().uuidString.lowercased()
        let event = Self.event(
            request,
            route: route,
            stage: String(stage),
            path: "/" + segments.joined(separator: "/"),
            parameters: parameters,
            body: body,
            apiKey: key,
            requestID: requestID,
            time: received,
            sourceIP: sourceIP
        )
        let result = await functions.invoke(
            route.function,
            event: JSONCoding.data(event),
            caller: .apiGatewayREST,
            timeout: api.timeout,
            limitName: "apigateway.rest.timeout"
        )
        if result.timedOut {
            return Self.answer(.gatewayTimeout, "Endpoint request timed out", requestID: requestID)
        }
        guard result.problem == nil, let answer = result.answer, let response = Self.response(answer, requestID: requestID) else {
            return Self.answer(.badGateway, "Internal server error", requestID: requestID)
        }
        return response
    }

    /// The `x-amzn-ErrorType` API Gateway sends with its own 403s.
    static let errorTypes = ["Forbidden": "ForbiddenException", "Missing Authentication Token": "MissingAuthenticationTokenException"]

    /// API Gateway's own answer: `{"message": "…"}`.
    static func answer(_ status: HTTPResponse.Status, _ message: String, requestID: String = UUID().uuidString.lowercased()) -> Response {
        var response = JSONResponse.make(status: status, body: ["message": message])
        response.headers[.contentType] = "application/json"
        response.headers[AWSError.requestID] = requestID
        response.headers[AWSError.errorType] = errorTypes[message]
        return response
    }

    /// A proxy event's single-valued map (the last value of each name) and multi-valued one, from
    /// name-value pairs (headers, query parameters) in the order they came.
    static func valueMaps(_ pairs: [(String, String)]) -> (single: [String: JSONValue], multiple: [String: JSONValue]) {
        var single: [String: JSONValue] = [:]
        var multiple: [String: [JSONValue]] = [:]
        for (name, value) in pairs {
            single[name] = .string(value)
            multiple[name, default: []].append(.string(value))
        }
        return (single, multiple.mapValues(JSONValue.array))
    }

    /// The function's answer as the HTTP answer, or nil when it is not the proxy integration's shape
    /// (`statusCode` a whole number, `headers` strings, `multiValueHeaders` lists of strings, `body` a string).
    static func response(_ answer: JSONValue, requestID: String) -> Response? {
        guard let object = answer.objectValue, let code = object["statusCode"]?.numberValue, code == code.rounded(), (100...599).contains(code)
        else { return nil }
        var headers = HTTPFields()
        if let value = object["headers"], !value.isNull {
            guard let map = value.objectValue else { return nil }
            for (name, item) in map {
                guard let field = HTTPField.Name(name), let text = scalarText(item) else { return nil }
                headers[field] = text
            }
        }
        if let value = object["multiValueHeaders"], !value.isNull {
            guard let map = value.objectValue else { return nil }
            for (name, item) in map {
                guard let field = HTTPField.Name(name), let list = item.arrayValue else { return nil }
                for element in list {
                    guard let text = scalarText(element) else { return nil }
                    headers.append(HTTPField(name: field, value: text))
                }
            }
        }
        var bytes = Data()
        if let value = object["body"], !value.isNull {
            guard let text = value.stringValue else { return nil }
            if object["isBase64Encoded"] == .bool(true) {
                guard let decoded = Data(base64Encoded: text) else { return nil }
                bytes = decoded
            } else {
                bytes = Data(text.utf8)
            }
        }
        if headers[.contentType] == nil { headers[.contentType] = "application/json" }
        headers[AWSError.requestID] = requestID
        return Response(status: .init(code: Int(code)), headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: bytes)))
    }

    private static func scalarText(_ value: JSONValue) -> String? {
        switch value {
        case .string(let text): text
        case .number(let number): number == number.rounded() && abs(number) < 1e15 ? String(Int(number)) : String(number)
        case .bool(let flag): String(flag)
        default: nil
        }
    }

    /// The Lambda proxy integration's event, payload format 1.0.
    static func event(
        _ request: Request,
        route: RESTRoute,
        stage: String,
        path: String,
        parameters: [String: String],
        body: Data,
        apiKey: String?,
        requestID: String,
        time: Date,
        sourceIP: String = "127.0.0.1"
    ) -> JSONValue {
        let host = request.head.authority ?? "127.0.0.1"
        let headers = valueMaps(
            (request.head.authority.map { [("Host", $0)] } ?? []) + request.headers.map { ($0.name.canonicalName, $0.value) }
        )
        let query = valueMaps(
            request.uri.queryParameters.map { name, value in
                (String(name).removingPercentEncoding ?? String(name), String(value).removingPercentEncoding ?? String(value))
            }
        )
        let text = String(data: body, encoding: .utf8)
        let base64 = !body.isEmpty && text == nil
        let userAgent = request.headers[.userAgent].map(JSONValue.string) ?? .null
        return [
            "resource": .string(route.path),
            "path": .string(path),
            "httpMethod": .string(request.method.rawValue),
            "headers": headers.single.isEmpty ? .null : .object(headers.single),
            "multiValueHeaders": headers.multiple.isEmpty ? .null : .object(headers.multiple),
            "queryStringParameters": query.single.isEmpty ? .null : .object(query.single),
            "multiValueQueryStringParameters": query.multiple.isEmpty ? .null : .object(query.multiple),
            "pathParameters": parameters.isEmpty ? .null : .object(parameters.mapValues(JSONValue.string)),
            "stageVariables": .null,
            "requestContext": [
                "resourceId": "tdmock",
                "resourcePath": .string(route.path),
                "httpMethod": .string(request.method.rawValue),
                "extendedRequestId": .string(requestID),
                "requestTime": .string(APIGatewayTime.requestTime(time)),
                "path": .string("/" + stage + path),
                "accountId": .string(AWSIdentity.account),
                "protocol": "HTTP/1.1",
                "stage": .string(stage),
                "domainPrefix": .string(APIGatewayTime.apiID),
                "requestTimeEpoch": .number((time.timeIntervalSince1970 * 1000).rounded()),
                "requestId": .string(requestID),
                "identity": [
                    "sourceIp": .string(sourceIP), "userAgent": userAgent, "apiKey": apiKey.map(JSONValue.string) ?? .null,
                    "accessKey": .null, "accountId": .null, "caller": .null, "user": .null, "userArn": .null,
                    "cognitoIdentityPoolId": .null, "cognitoIdentityId": .null, "cognitoAuthenticationType": .null,
                    "cognitoAuthenticationProvider": .null, "apiKeyId": .null,
                ],
                "domainName": .string(host),
                "apiId": .string(APIGatewayTime.apiID),
            ],
            "body": base64 ? .string(body.base64EncodedString()) : body.isEmpty ? .null : .string(text ?? ""),
            "isBase64Encoded": .bool(base64),
        ]
    }
}

/// API Gateway's ids and times as its events write them.
enum APIGatewayTime {
    /// The API id tdmock's APIs carry (ten lower-case letters and digits, as API Gateway's are).
    static let apiID = "tdmockapi1"

    /// `05/Dec/2026:22:46:33 +0000`.
    static func requestTime(_ date: Date) -> String {
        formatter.withLock { $0.string(from: date) }
    }

    private static let formatter = Mutex<DateFormatter>(
        {
            let formatter = DateFormatter()
            formatter.locale = Locale(identifier: "en_US_POSIX")
            formatter.timeZone = TimeZone(identifier: "UTC")
            formatter.dateFormat = "dd/MMM/yyyy:HH:mm:ss Z"
            return formatter
        }()
    )
}

extension RESTAPIController {
    /// The REST API: journalled; it answers every path under its prefix itself, as API Gateway does.
    package static let surface = Surface(prefixes: [prefix], journalled: true)
}
