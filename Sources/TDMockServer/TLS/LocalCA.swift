import Crypto
import Foundation
public import NIOSSL
import SwiftASN1
import X509

/// tdmock's own certificate authority (docs/your-functions.md): made once, kept in `--ca-dir` as
/// `tdmock-ca.pem` (what clients trust) and `tdmock-ca-key.pem` (readable by its owner only); each `serve
/// --tls-port` signs with it a fresh certificate for `localhost`, `127.0.0.1` and `::1` (and the listening
/// host when it is a name or address of its own), so a function that trusts the CA trusts every run.
public struct LocalCA: Sendable {
    public static let certificateFile = "tdmock-ca.pem"
    public static let keyFile = "tdmock-ca-key.pem"

    let certificate: Certificate
    let key: P256.Signing.PrivateKey
    /// Where the CA's certificate is: what `AWS_CA_BUNDLE` and the like name.
    public let certificatePath: String

    /// Why the CA cannot be had: its folder or files, and what went wrong.
    public struct Failure: Error, CustomStringConvertible {
        public var description: String
    }

    /// The CA kept in `directory`, made there first if it has none.
    public static func load(directory: String) throws(Failure) -> LocalCA {
        let folder = URL(fileURLWithPath: directory)
        let certificateURL = folder.appendingPathComponent(certificateFile)
        let keyURL = folder.appendingPathComponent(keyFile)
        let manager = FileManager.default
        if manager.fileExists(atPath: certificateURL.path), manager.fileExists(atPath: keyURL.path) {
            do {
                let certificate = try Certificate(pemEncoded: String(contentsOf: certificateURL, encoding: .utf8))
                let key = try P256.Signing.PrivateKey(pemRepresentation: String(contentsOf: keyURL, encoding: .utf8))
                guard certificate.publicKey == Certificate.PublicKey(key.publicKey) else {
                    throw Failure(description: "\(keyURL.path) is not the key of \(certificateURL.path): remove both to make a new CA")
                }
                return LocalCA(certificate: certificate, key: key, certificatePath: certificateURL.path)
            } catch let failure as Failure {
                throw failure
            } catch {
                throw Failure(
                    description: "cannot read the CA in \(directory): \(error) (remove \(certificateFile) and \(keyFile) to make a new one)"
                )
            }
        }
        do {
            try manager.createDirectory(at: folder, withIntermediateDirectories: true)
            let key = P256.Signing.PrivateKey()
            let name = try DistinguishedName {
                OrganizationName("tdmock")
                CommonName("tdmock local CA")
            }
            let now = Date()
            let certificate = try Certificate(
                version: .v3,
                serialNumber: Certificate.SerialNumber(),
                publicKey: .init(key.publicKey),
                notValidBefore: now.addingTimeInterval(-3600),
                notValidAfter: now.addingTimeInterval(10 * 365 * 86_400),
                issuer: name,
                subject: name,
                signatureAlgorithm: .ecdsaWithSHA256,
                extensions: try Certificate.Extensions {
                    Critical(BasicConstraints.isCertificateAuthority(maxPathLength: 0))
                    Critical(KeyUsage(digitalSignature: true, keyCertSign: true, cRLSign: true))
                    SubjectKeyIdentifier(keyIdentifier: keyIdentifier(key.publicKey))
                },
                issuerPrivateKey: .init(key)
            )
            // The key first, readable by its owner only; the certificate written last says the pair is whole.
            try write(key.pemRepresentation, to: keyURL, permissions: 0o600)
            try write(try certificate.serializeAsPEM().pemString + "\n", to: certificateURL, permissions: 0o644)
            return LocalCA(certificate: certificate, key: key, certificatePath: certificateURL.path)
        } catch {
            throw Failure(description: "cannot make the CA in \(directory): \(Self.describe(error)) (--ca-dir chooses another folder)")
        }
    }

    /// A server certificate for these names and addresses, signed by the CA, with its key: PEM texts.
    public func serverCertificate(hosts: [String]) throws -> (certificate: String, key: String) {
        let key = P256.Signing.PrivateKey()
        var names: [GeneralName] = []
        for host in Set(hosts + ["localhost", "127.0.0.1", "::1"]).sorted() {
            if let address = Self.addressBytes(host) {
                names.append(.ipAddress(ASN1OctetString(contentBytes: ArraySlice(address))))
            } else {
                names.append(.dnsName(host))
            }
        }
        let now = Date()
        let certificate = try Certificate(
            version: .v3,
            serialNumber: Certificate.SerialNumber(),
            publicKey: .init(key.publicKey),
            notValidBefore: now.addingTimeInterval(-3600),
            // Under the 398 days that browsers accept of a server certificate.
            notValidAfter: now.addingTimeInterval(397 * 86_400),
            issuer: certificate.subject,
            subject: try DistinguishedName { CommonName("localhost") },
            signatureAlgorithm: .ecdsaWithSHA256,
            extensions: try Certificate.Extensions {
                Critical(BasicConstraints.notCertificateAuthority)
                Critical(KeyUsage(digitalSignature: true))
                try ExtendedKeyUsage([.serverAuth])
                SubjectAlternativeNames(names)
                SubjectKeyIdentifier(keyIdentifier: Self.keyIdentifier(key.publicKey))
                AuthorityKeyIdentifier(keyIdentifier: Self.keyIdentifier(self.key.publicKey))
            },
            issuerPrivateKey: .init(self.key)
        )
        return (try certificate.serializeAsPEM().pemString, key.pemRepresentation)
    }

    /// The TLS configuration of a listener answering for `hosts`.
    public func serverConfiguration(hosts: [String]) throws(Failure) -> TLSConfiguration {
        do {
            let (certificate, key) = try serverCertificate(hosts: hosts)
            let chain = try NIOSSLCertificate.fromPEMBytes(Array(certificate.utf8))
            return TLSConfiguration.makeServerConfiguration(
                certificateChain: chain.map { .certificate($0) },
                privateKey: .privateKey(try NIOSSLPrivateKey(bytes: Array(key.utf8), format: .pem))
            )
        } catch {
            throw Failure(
                description:
                    "cannot sign a server certificate with the CA in \(URL(fileURLWithPath: certificatePath).deletingLastPathComponent().path): \(error)"
            )
        }
    }

    /// A file error in one line: the system's words for its POSIX cause when it has one.
    static func describe(_ error: any Error) -> String {
        let error = error as NSError
        if let underlying = error.userInfo[NSUnderlyingErrorKey] as? NSError, underlying.domain == NSPOSIXErrorDomain {
            return String(cString: strerror(Int32(underlying.code)))
        }
        return error.domain == NSPOSIXErrorDomain ? String(cString: strerror(Int32(error.code))) : "\(error.localizedDescription)"
    }

    /// RFC 5280's method 1: the SHA-1 of the public key's bits.
    static func keyIdentifier(_ key: P256.Signing.PublicKey) -> ArraySlice<UInt8> {
        ArraySlice(Insecure.SHA1.hash(data: key.x963Representation))
    }

    /// An IPv4 or IPv6 address's bytes; nil for a name.
    static func addressBytes(_ host: String) -> [UInt8]? {
        var v4 = in_addr()
        if inet_pton(AF_INET, host, &v4) == 1 { return withUnsafeBytes(of: &v4) { Array($0) } }
        var v6 = in6_addr()
        if inet_pton(AF_INET6, host, &v6) == 1 { return withUnsafeBytes(of: &v6) { Array($0) } }
        return nil
    }

    private static func write(_ text: String, to url: URL, permissions: Int) throws {
        let temporary = url.deletingLastPathComponent().appendingPathComponent(".\(url.lastPathComponent).\(getpid())")
        guard FileManager.default.createFile(atPath: temporary.path, contents: Data(text.utf8), attributes: [.posixPermissions: permissions]) else {
            throw Failure(description: "cannot write \(temporary.path)")
        }
        // rename(2) replaces atomically: two servers making the CA at once leave one whole pair.
        guard rename(temporary.path, url.path) == 0 else { throw Failure(description: "cannot write \(url.path): errno \(errno)") }
    }
}
