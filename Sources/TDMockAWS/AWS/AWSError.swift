import Foundation
import HTTPTypes
import Hummingbird
import TDMockHTTP

/// An error of an AWS surface tdmock plays (the Lambda Invoke API, the API Gateway Management API, Lex V2's
/// runtime API), in AWS's REST-JSON shape: the error's name in `x-amzn-ErrorType` and a JSON body with its
/// `message`, from which AWS's SDKs raise the named exception (boto3's `GoneException`,
/// `ResourceNotFoundException`, …).
struct AWSError: Error, SurfaceShapedError {
    let status: HTTPResponse.Status
    let type: String
    let message: String
    /// Lambda's errors also say whose fault it was: `User` or `Service`.
    var fault: String?
    /// Whether the body names the error too (`__type`), as JSON-protocol services' errors do.
    var typeInBody = false

    init(_ status: HTTPResponse.Status, _ type: String, _ message: String, fault: String? = nil, typeInBody: Bool = false) {
        self.status = status
        self.type = type
        self.message = message
        self.fault = fault
        self.typeInBody = typeInBody
    }

    static let errorType = HTTPField.Name("x-amzn-ErrorType")!

    static let requestID = HTTPField.Name("x-amzn-RequestId")!
    /// The operation a JSON-protocol AWS service is asked for (`DynamoDB_20120810.GetItem`).
    static let target = HTTPField.Name("X-Amz-Target")!

    func response(from request: Request, context: some RequestContext) throws -> Response { response }

    /// The answer, as AWS writes it.
    var response: Response {
        var body = ["message": message]
        if let fault { body["Type"] = fault }
        if typeInBody { body["__type"] = type }
        var response = JSONResponse.make(status: status, body: body)
        response.headers[.contentType] = "application/json"
        response.headers[Self.errorType] = type
        response.headers[Self.requestID] = UUID().uuidString.lowercased()
        return response
    }
}
