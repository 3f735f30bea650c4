import Access
import API
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Logging
@testable import Dashboard
import XCTest

/// The Workbench's way into the API, in process over a real SQLite store: a
/// signed-in page's session works only with its CSRF token and from this
/// origin, bills a key of the member's (their Workbench key unless they pick
/// another), is tagged interactive, and the page's JSON endpoints check the
/// same and keep each member's documents to themselves. No model is loaded:
/// a request for an unknown model is enough to be authenticated and billed.
final class WorkbenchGateTests: XCTestCase {
    private static func withApp(_ site: TestSite, _ body: @escaping @Sendable (any TestClientProtocol) async throws -> Void) async throws {
        var logger = Logger(label: "workbench-test")
        logger.logLevel = .warning
        let configuration = site.configuration
        let app = buildApplication(
            models: ModelRegistry([]),
            authenticator: WorkbenchGate(keys: AccessGate(store: site.store, operatorKeys: ["operator-key"], logger: logger),
                                         store: site.store, configuration: configuration, logger: logger),
            configuration: ServerConfiguration(cancelOnDisconnect: false), logger: logger,
            addRoutes: { addDashboardRoutes(to: $0, store: site.store, mailer: nil, configuration: configuration, logger: logger) })
        do {
            try await app.test(.router) { client in try await body(client) }
        } catch {
            try? await site.close()
            throw error
        }
        try await site.close()
    }

    private static func headers(_ session: IssuedSession?, csrf: String? = nil, extra: [(String, String)] = []) -> HTTPFields {
        var fields = HTTPFields()
        fields[.contentType] = "application/json"
        if let session { fields[.cookie] = "baseserve_session=\(session.token)" }
        if let csrf { fields[HTTPField.Name("X-CSRF-Token")!] = csrf }
        for (name, value) in extra { fields[HTTPField.Name(name)!] = value }
        return fields
    }

    private static let completion = ByteBuffer(string: #"{"model": "nope", "prompt": "Hi", "max_tokens": 1}"#)

    func testASessionNeedsItsCSRFTokenAndThisOriginAndBillsTheWorkbenchKeyAsInteractive() async throws {
        let site = try await TestSite.open()
        let ada = try await site.makeMember("ada@example.org", password: "ada-password")
        let session = try await site.store.createSession(memberID: ada.id, lifetime: 3600)
        let csrf = session.session.csrfToken
        let store = site.store
        try await Self.withApp(site) { client in
            func status(_ fields: HTTPFields) async throws -> (HTTPResponse.Status, String) {
                try await client.execute(uri: "/v1/completions", method: .post, headers: fields, body: Self.completion) {
                    ($0.status, String(buffer: $0.body))
                }
            }
            let (none, noneBody) = try await status(Self.headers(nil))
            XCTAssertEqual(none, .unauthorized)
            XCTAssertTrue(noneBody.contains("Missing API key"), noneBody)
            let (missing, missingBody) = try await status(Self.headers(session))
            XCTAssertEqual(missing, .unauthorized)
            XCTAssertTrue(missingBody.contains("X-CSRF-Token") && missingBody.contains("invalid_api_key"), missingBody)
            let (wrong, _) = try await status(Self.headers(session, csrf: "not-the-token"))
            XCTAssertEqual(wrong, .unauthorized)
            let (crossSite, _) = try await status(Self.headers(session, csrf: csrf, extra: [("Origin", "https://evil.example")]))
            XCTAssertEqual(crossSite, .unauthorized)
            let (fetchCrossSite, _) = try await status(Self.headers(session, csrf: csrf, extra: [("Sec-Fetch-Site", "cross-site")]))
            XCTAssertEqual(fetchCrossSite, .unauthorized)
            let noKeys = try await store.keys(memberID: ada.id)
            XCTAssertTrue(noKeys.isEmpty, "no key is made for a refused request")

            // Accepted: authenticated and billed (the model does not exist, so nothing runs).
            let (accepted, acceptedBody) = try await status(Self.headers(session, csrf: csrf, extra: [("Origin", TestSite.publicURL),
                                                                                             ("X-Workload", "batch")]))
            XCTAssertEqual(accepted, .notFound, acceptedBody)
            XCTAssertTrue(acceptedBody.contains("model_not_found"), acceptedBody)
            let keys = try await store.keys(memberID: ada.id)
            XCTAssertEqual(keys.map(\.name), [WorkbenchKey.name])
            let usage = try await store.usageEntries(memberID: ada.id, from: .distantPast, to: .distantFuture, limit: nil)
            XCTAssertEqual(usage.count, 1)
            XCTAssertEqual(usage.first?.keyID, keys.first?.id)
            XCTAssertEqual(usage.first?.workload, "interactive", "a person at a page, whatever the header said")

            // A bearer key works as before beside the sessions.
            let (operatorKey, _) = try await status(Self.headers(nil, extra: [("Authorization", "Bearer operator-key")]))
            XCTAssertEqual(operatorKey, .notFound)
            let models = try await client.execute(uri: "/v1/models", method: .get, headers: Self.headers(session, csrf: csrf)) { $0.status }
            XCTAssertEqual(models, .ok)
        }
    }

    func testThePickedKeyMustBeTheMembersOwnAndUsable() async throws {
        let site = try await TestSite.open()
        let ada = try await site.makeMember("ada@example.org", password: "ada-password")
        let bob = try await site.makeMember("bob@example.org", password: "bob-password")
        let session = try await site.store.createSession(memberID: ada.id, lifetime: 3600)
        let csrf = session.session.csrfToken
        let own = try await site.store.createKey(memberID: ada.id, name: "eval", expiresAt: nil, limits: .none, by: nil)
        let others = try await site.store.createKey(memberID: bob.id, name: "bob's", expiresAt: nil, limits: .none, by: nil)
        let store = site.store
        try await Self.withApp(site) { client in
            func call(_ key: String) async throws -> (HTTPResponse.Status, String) {
                try await client.execute(uri: "/v1/completions", method: .post,
                                         headers: Self.headers(session, csrf: csrf, extra: [("X-Workbench-Key", key)]),
                                         body: Self.completion) { ($0.status, String(buffer: $0.body)) }
            }
            let (ownStatus, _) = try await call(own.key.id)
            XCTAssertEqual(ownStatus, .notFound)
            let usage = try await store.usageEntries(memberID: ada.id, from: .distantPast, to: .distantFuture, limit: nil)
            XCTAssertEqual(usage.map(\.keyID), [own.key.id])
            let (foreign, foreignBody) = try await call(others.key.id)
            XCTAssertEqual(foreign, .unauthorized)
            XCTAssertTrue(foreignBody.contains("not one of your usable keys"), foreignBody)
            try await store.setKeyPaused(id: own.key.id, memberID: ada.id, paused: true, by: ada.id)
            let (paused, pausedBody) = try await call(own.key.id)
            XCTAssertEqual(paused, .unauthorized)
            XCTAssertTrue(pausedBody.contains("key_paused"), pausedBody)
            let bobsUsage = try await store.usageEntries(memberID: bob.id, from: .distantPast, to: .distantFuture, limit: nil)
            XCTAssertTrue(bobsUsage.isEmpty)
        }
    }

    func testTheJSONEndpointsKeepEachMembersDocumentsPrivate() async throws {
        let site = try await TestSite.open()
        let ada = try await site.makeMember("ada@example.org", password: "ada-password")
        let bob = try await site.makeMember("bob@example.org", password: "bob-password")
        let adaSession = try await site.store.createSession(memberID: ada.id, lifetime: 3600)
        let bobSession = try await site.store.createSession(memberID: bob.id, lifetime: 3600)
        try await Self.withApp(site) { client in
            let ada = Self.headers(adaSession, csrf: adaSession.session.csrfToken)
            let bob = Self.headers(bobSession, csrf: bobSession.session.csrfToken)
            let body = ByteBuffer(string: #"{"name": "Capitals", "body": {"prompt": "The capital of <b>France</b> is", "settings": {"temperature": 0}}}"#)
            let unprotected = try await client.execute(uri: "/workbench/api/prompts", method: .post, headers: Self.headers(adaSession),
                                                       body: body) { $0.status }
            XCTAssertEqual(unprotected, .unauthorized)
            let created = try await client.execute(uri: "/workbench/api/prompts", method: .post, headers: ada, body: body) {
                ($0.status, String(buffer: $0.body))
            }
            XCTAssertEqual(created.0, .created, created.1)
            let id = try XCTUnwrap(created.1.firstMatch(of: /"id":"([^"]+)"/)?.1).description
            let read = try await client.execute(uri: "/workbench/api/prompts/\(id)", method: .get, headers: ada) { String(buffer: $0.body) }
            XCTAssertTrue(read.contains(#""body":{"prompt":"The capital of <b>France</b> is","settings":{"temperature":0}}"#), read)
            for (method, uri) in [(HTTPRequest.Method.get, "/workbench/api/prompts/\(id)"), (.delete, "/workbench/api/prompts/\(id)"),
                                  (.put, "/workbench/api/prompts/\(id)")] {
                let answer = try await client.execute(uri: uri, method: method, headers: bob, body: body) { ($0.status, String(buffer: $0.body)) }
                XCTAssertEqual(answer.0, .notFound, "\(method) \(uri)")
                XCTAssertTrue(answer.1.contains("not_found"), answer.1)
            }
            let bobsList = try await client.execute(uri: "/workbench/api/prompts", method: .get, headers: bob) { String(buffer: $0.body) }
            XCTAssertEqual(bobsList, #"{"object":"list","data":[]}"#)
            let notObject = try await client.execute(uri: "/workbench/api/looms", method: .post, headers: ada,
                                                     body: ByteBuffer(string: #"{"name": "x", "body": "text"}"#)) { ($0.status, String(buffer: $0.body)) }
            XCTAssertEqual(notObject.0, .badRequest)
            XCTAssertTrue(notObject.1.contains(#""param":"body""#), notObject.1)
            let feedback = try await client.execute(uri: "/workbench/api/feedback", method: .post, headers: ada,
                                                    body: ByteBuffer(string: #"{"category": "praise", "description": "x"}"#)) { ($0.status, String(buffer: $0.body)) }
            XCTAssertEqual(feedback.0, .badRequest)
            XCTAssertTrue(feedback.1.contains("bug, feature, question"), feedback.1)
        }
    }
}
