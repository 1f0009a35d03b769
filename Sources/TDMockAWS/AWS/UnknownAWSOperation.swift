import HTTPTypes
import Hummingbird
package import TDMockHTTP

/// A request an AWS SDK signed (`Authorization: AWS4-HMAC-SHA256 …`) to a path no surface of tdmock
/// serves: an operation of a service, or a service, that tdmock does not play. It is answered in AWS's
/// REST-JSON error shape, `UnknownOperationException` in `x-amzn-ErrorType` (and `__type`, which the
/// SDKs of JSON-protocol services read), so the SDK raises an error that names the operation it called
/// (boto3: "An error occurred (UnknownOperationException) when calling the ListFunctions operation")
/// instead of a bare 404. The request journal keeps these requests: `tdmock requests` shows what the
/// SDK asked for.
package enum UnknownAWSOperation {
    package static let surface = Surface(
        prefixes: [],
        recognizes: { headers in headers[.authorization]?.hasPrefix("AWS4-HMAC-SHA256") == true || headers[AWSError.target] != nil },
        journalled: true,
        errors: { failure in
            switch failure.status {
            case .notFound, .methodNotAllowed:
                AWSError(
                    failure.status == .methodNotAllowed ? .methodNotAllowed : .notFound,
                    "UnknownOperationException",
                    "tdmock does not serve \(failure.method) \(failure.path): docs/aws.md lists the AWS operations it plays",
                    typeInBody: true
                )
            case .internalServerError: AWSError(failure.status, "InternalFailure", "tdmock failed to handle the request", typeInBody: true)
            default: AWSError(failure.status, "ValidationException", failure.message ?? failure.status.reasonPhrase, typeInBody: true)
            }
        }
    )
}
