import Foundation
import PostgresNIO

/// Where the PostgreSQL database is, read from a URL:
/// `postgres://user:password@host:port/database?sslmode=…&schema=…`.
///
/// `sslmode` follows libpq: `disable`; `prefer` (the default: TLS when the
/// server offers it) and `require` encrypt without checking the certificate;
/// `verify-full` also checks it against the system's roots and the host name.
/// `schema` puts the tables in their own schema (created if missing), which
/// the tests use to keep runs apart.
public struct PostgresLocation: Sendable, Equatable {
    public enum TLSMode: String, Sendable {
        case disable, prefer, require
        case verifyFull = "verify-full"
    }

    public var host: String
    public var port: Int
    public var username: String
    public var password: String?
    public var database: String?
    public var tlsMode: TLSMode
    public var schema: String?

    public init(url: String) throws {
        guard let components = URLComponents(string: url),
              let scheme = components.scheme?.lowercased(), scheme == "postgres" || scheme == "postgresql" else {
            throw AccessError.invalid("not a PostgreSQL URL (expected postgres://user:password@host:port/database)")
        }
        guard let host = components.host, !host.isEmpty else {
            throw AccessError.invalid("the PostgreSQL URL has no host")
        }
        guard let username = components.user, !username.isEmpty else {
            throw AccessError.invalid("the PostgreSQL URL has no user name")
        }
        self.host = host
        self.port = components.port ?? 5432
        self.username = username  // URLComponents has already decoded %xx
        self.password = components.password
        let path = components.path.hasPrefix("/") ? String(components.path.dropFirst()) : components.path
        self.database = path.isEmpty ? nil : path
        self.tlsMode = .prefer
        self.schema = nil
        for item in components.queryItems ?? [] {
            switch item.name {
            case "sslmode":
                guard let mode = item.value.flatMap(TLSMode.init(rawValue:)) else {
                    throw AccessError.invalid("sslmode must be disable, prefer, require or verify-full")
                }
                tlsMode = mode
            case "schema":
                guard let name = item.value, Self.isPlainIdentifier(name) else {
                    throw AccessError.invalid("schema must be letters, digits and underscores, starting with a letter")
                }
                schema = name
            default:
                throw AccessError.invalid("unknown PostgreSQL URL option \(item.name)")
            }
        }
    }

    static func isPlainIdentifier(_ name: String) -> Bool {
        guard let first = name.unicodeScalars.first, name.count <= 63,
              CharacterSet.lowercaseLetters.contains(first) || CharacterSet.uppercaseLetters.contains(first) else { return false }
        return name.unicodeScalars.allSatisfy { $0.isASCII && (CharacterSet.alphanumerics.contains($0) || $0 == "_") }
    }

    private var tlsConfiguration: TLSConfiguration {
        var configuration = TLSConfiguration.makeClientConfiguration()
        if tlsMode != .verifyFull { configuration.certificateVerification = .none }
        return configuration
    }

    func clientTLS() throws -> PostgresClient.Configuration.TLS {
        switch tlsMode {
        case .disable: return .disable
        case .prefer: return .prefer(tlsConfiguration)
        case .require, .verifyFull: return .require(tlsConfiguration)
        }
    }

    func connectionTLS() throws -> PostgresConnection.Configuration.TLS {
        switch tlsMode {
        case .disable: return .disable
        case .prefer: return .prefer(try NIOSSLContext(configuration: tlsConfiguration))
        case .require, .verifyFull: return .require(try NIOSSLContext(configuration: tlsConfiguration))
        }
    }
}
