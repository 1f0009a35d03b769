import ArgumentParser
import Foundation
import TDMockServer
import TDMockServices

struct CA: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "ca",
        abstract: "Print where tdmock's local CA certificate is (making the CA if there is none yet).",
        discussion: """
            serve --tls-port signs its certificate with this CA. Point your functions at the file with the \
            variables their libraries read: AWS_CA_BUNDLE (boto3, the AWS CLI), REQUESTS_CA_BUNDLE (requests), \
            NODE_EXTRA_CA_CERTS (Node), SSL_CERT_FILE (OpenSSL). It reads the same settings as serve, so it \
            finds the CA serve uses: beside the inbox's file, or --ca-dir.

              $ tdmock ca
              $ export AWS_CA_BUNDLE=$(tdmock ca)
              $ tdmock ca --pem > tdmock-ca.pem
            """
    )

    @Flag(help: "Print the certificate itself (PEM), not its path.") var pem = false
    @Argument(parsing: .allUnrecognized, help: "serve's settings that say where the CA is: --ca-dir, --db, --in-memory, --config.")
    var options: [String] = []

    func run() async throws {
        let configuration = try Serve.configuration(options)
        let ca: LocalCA
        do {
            ca = try LocalCA.load(directory: configuration.caDirectory)
        } catch {
            throw CLIError("\(error)")
        }
        if pem {
            print(try String(contentsOfFile: ca.certificatePath, encoding: .utf8), terminator: "")
        } else {
            print(ca.certificatePath)
        }
    }
}
