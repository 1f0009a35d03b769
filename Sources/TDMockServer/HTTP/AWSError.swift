import Foundation
import HTTPTypes
import Hummingbird

/// An error of an AWS surface tdmock plays (the Lambda Invoke API, the API Gateway Management API, Lex V2's
/// runtime API), in AWS's REST-JSON shape: the error's name in `x-amzn-ErrorType` and a JSON body with its
/// `message`, from which AWS's SDKs raise the named exception (boto3's `GoneException`,
/// `ResourceNotFoundException`, …).
struct AWSError: Error, HTTPResponseError, BodyRefusal {
    let status: HTTPResponse.Status
    let type: String
    let message: String
    /// Lambda's errors also say whose fault it was: `User` or `Service`.
    var fault: String?

    init(_ status: HTTPResponse.Status, _ type: String, _ message: String, fault: String? = nil) {
        self.status = status
        self.type = type
        self.message = message
        self.fault = fault
    }

    static let errorType = HTTPField.Name("x-amzn-ErrorType")!

    /// A body the AWS operation cannot read: `ValidationException`, as Lex and the Management API name it.
    static func refusingBody(_ status: HTTPResponse.Status, _ message: String) -> Self { Self(status, "ValidationException", message) }
    static let requestID = HTTPField.Name("x-amzn-RequestId")!

    func response(from request: Request, context: some RequestContext) throws -> Response { response }

    /// The answer, as AWS writes it.
    var response: Response {
        var body = ["message": message]
        if let fault { body["Type"] = fault }
        var response = JSONResponse.make(status: status, body: body)
        response.headers[.contentType] = "application/json"
        response.headers[Self.errorType] = type
        response.headers[Self.requestID] = UUID().uuidString.lowercased()
        return response
    }
}
