@testable import API
import Backends
import Engine
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import JSONValue
import Logging
import TestSupport
import XCTest

/// The real default model, loaded once for all API tests.
enum SharedModel {
    nonisolated(unsafe) private static var engine: Engine?
    /// Hashed once: every test's backend is over the same file.
    nonisolated(unsafe) private static var fingerprint: ModelFingerprint?
    private static let lock = NSLock()

    static func backend() throws -> LocalBackend {
        let path = try TestPaths.require(TestPaths.defaultModel)
        lock.lock()
        defer { lock.unlock() }
        if engine == nil { engine = try Engine(modelPath: path, threads: 2) }
        let backend = try LocalBackend(engine: engine!, name: "smollm2-135m-instruct", fingerprint: fingerprint)
        fingerprint = backend.descriptor.fingerprint
        return backend
    }
}

/// A response read back as JSON.
struct Reply {
    let status: HTTPResponse.Status
    let headers: HTTPFields
    let text: String
    var json: JSON { JSON.parse(Array(text.utf8)) ?? .null }
}

let testMetricsToken = "metrics-scrape-token"
let metricsAuthorization: HTTPFields = [.authorization: "Bearer \(testMetricsToken)"]

extension XCTestCase {
    /// Runs `body` against an in-process app over the real model.
    /// The in-process client has no address, so it reads /metrics with `metricsToken`.
    func withApp(keys: [String] = [], maxBodyBytes: Int = 1 << 20, maxLogprobs: Int = 20, metricsToken: String? = testMetricsToken,
                 maxScoreContinuations: Int = 64, maxFullVocabPositions: Int = 2048,
                 _ body: @escaping @Sendable (any TestClientProtocol) async throws -> Void) async throws {
        let backend = try SharedModel.backend()
        var logger = Logger(label: "test")
        logger.logLevel = .warning
        var configuration = ServerConfiguration(maxLogprobs: maxLogprobs, maxBodyBytes: maxBodyBytes, cancelOnDisconnect: false,
                                                metricsAccess: MetricsAccess(token: metricsToken),
                                                maxScoreContinuations: maxScoreContinuations)
        configuration.maxFullVocabPositions = maxFullVocabPositions
        let app = buildApplication(
            models: ModelRegistry([backend]), authenticator: keys.isEmpty ? nil : StaticAPIKeys(keys: keys),
            configuration: configuration, logger: logger)
        try await app.test(.router) { client in try await body(client) }
    }
}

extension TestClientProtocol {
    func post(_ uri: String, _ body: String, headers: HTTPFields = [:]) async throws -> Reply {
        var h = headers
        h[.contentType] = "application/json"
        return try await execute(uri: uri, method: .post, headers: h, body: ByteBuffer(string: body)) {
            Reply(status: $0.status, headers: $0.headers, text: String(buffer: $0.body))
        }
    }

    func post(_ uri: String, json: JSON, headers: HTTPFields = [:]) async throws -> Reply {
        try await post(uri, json.serialized, headers: headers)
    }

    func get(_ uri: String, headers: HTTPFields = [:]) async throws -> Reply {
        try await execute(uri: uri, method: .get, headers: headers) {
            Reply(status: $0.status, headers: $0.headers, text: String(buffer: $0.body))
        }
    }
}

extension JSON {
    var array: [JSON] { if case .array(let a) = self { return a } else { return [] } }
    var members: [(String, JSON)] { if case .object(let m) = self { return m } else { return [] } }
    var keys: [String] { members.map(\.0) }
    var double: Double? {
        switch self {
        case .double(let d): return d
        case .int(let i): return Double(i)
        default: return nil
        }
    }
    var intValue: Int? { if case .int(let i) = self { return i } else { return nil } }
    var stringValue: String? { if case .string(let s) = self { return s } else { return nil } }
    subscript(index: Int) -> JSON { array.indices.contains(index) ? array[index] : .null }
}

/// Parses a server-sent event stream into its `data:` payloads.
func sseEvents(_ text: String) -> [String] {
    text.components(separatedBy: "\n\n").compactMap { block in
        let line = block.trimmingCharacters(in: .whitespacesAndNewlines)
        guard line.hasPrefix("data: ") else { return nil }
        return String(line.dropFirst(6))
    }
}

let goldenTolerance = 1e-3
