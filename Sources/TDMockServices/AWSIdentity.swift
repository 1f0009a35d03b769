/// The account and region in the ARNs tdmock writes (LocalStack's and moto's default account).
package enum AWSIdentity {
    package static let account = "000000000000"
    package static let region = "us-east-1"
}
