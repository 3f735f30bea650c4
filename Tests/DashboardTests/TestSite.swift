import Access
import API
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Logging
import NIOCore
@testable import Dashboard
import XCTest

/// A clock the store and the pages share, moved by hand, so no test depends on
/// how fast the machine is.
final class TestClock: @unchecked Sendable {
    private let lock = NSLock()
    private var current = Date(timeIntervalSince1970: 1_767_000_000)
    var now: Date { lock.withLock { current } }
    func advance(_ seconds: TimeInterval) { lock.withLock { current += seconds } }
}

/// The dashboard over a real SQLite store in a fresh temporary directory,
/// with bcrypt at cost 4 and no sign-in pause.
struct TestSite {
    static let publicURL = "http://127.0.0.1:8000"
    static let adminEmail = "admin@example.org"
    static let adminPassword = "admin-password-1"

    let store: SQLAccessStore
    let clock: TestClock
    let directory: URL
    let mailer: RecordingMailer?

    static func open(mailer: RecordingMailer? = nil) async throws -> TestSite {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("baseserve-dashboard-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let clock = TestClock()
        let store = try await SQLAccessStore.open(databaseURL: nil, dataDirectory: directory.path, logger: Logger(label: "test"),
                                                  now: { clock.now })
        return TestSite(store: store, clock: clock, directory: directory, mailer: mailer)
    }

    var configuration: DashboardConfiguration {
        var c = DashboardConfiguration(publicURL: Self.publicURL, secureCookies: false, requestFormLimitPerHour: 3, bcryptCost: 4)
        c.failedSignInDelay = .zero
        let clock = self.clock
        c.now = { clock.now }
        return c
    }

    /// Runs `body` with a browser against the dashboard, in process, then closes the store.
    func run(configuration: DashboardConfiguration? = nil, _ body: @escaping @Sendable (Browser) async throws -> Void) async throws {
        let router = Router(context: APIRequestContext.self)
        addDashboardRoutes(to: router, store: store, mailer: mailer, configuration: configuration ?? self.configuration,
                           logger: Logger(label: "dashboard-test"))
        let app = Application(router: router)
        do {
            try await app.test(.router) { client in try await body(Browser(client: client)) }
        } catch {
            try? await close()
            throw error
        }
        try await close()
    }

    func close() async throws {
        try await store.close()
        try? FileManager.default.removeItem(at: directory)
    }

    @discardableResult
    func makeAdmin() async throws -> Member {
        try await store.createMember(email: Self.adminEmail, name: "Ada Admin", passwordHash: PasswordHasher.hash(Self.adminPassword, cost: 4),
                                     isAdmin: true, by: nil)
    }

    @discardableResult
    func makeMember(_ email: String, password: String) async throws -> Member {
        try await store.createMember(email: email, name: "Member \(email)", passwordHash: PasswordHasher.hash(password, cost: 4),
                                     isAdmin: false, by: nil)
    }
}

/// Records the invites it was asked to send; fails when told to.
final class RecordingMailer: InviteMailer, @unchecked Sendable {
    private let lock = NSLock()
    private var _sent: [(email: String, link: String)] = []
    let fails: Bool
    init(fails: Bool = false) { self.fails = fails }
    var sent: [(email: String, link: String)] { lock.withLock { _sent } }

    struct Refused: Error {}

    func sendInvite(to email: String, link: String, expiresInDays: Int) async throws {
        if fails { throw Refused() }
        lock.withLock { _sent.append((email, link)) }
    }
}

/// One page as the browser got it.
struct Page {
    var status: HTTPResponse.Status
    var headers: HTTPFields
    var html: String

    var location: String? { headers[.location] }
    var setCookies: [String] { headers[values: .setCookie] }

    /// The value of the first hidden `csrf` field.
    var csrf: String? { hiddenField("csrf") }

    func hiddenField(_ name: String) -> String? {
        guard let range = html.range(of: "name=\"\(name)\" value=\"") else { return nil }
        let rest = html[range.upperBound...]
        return rest.firstIndex(of: "\"").map { String(rest[..<$0]) }
    }

    /// Every match of `pattern`'s first capture group.
    func captures(_ pattern: String) -> [String] {
        let regex = try! NSRegularExpression(pattern: pattern)
        let ns = html as NSString
        return regex.matches(in: html, range: NSRange(location: 0, length: ns.length)).map { ns.substring(with: $0.range(at: 1)) }
    }
}

/// A browser: keeps cookies, sends forms url-encoded with the right headers.
final class Browser: @unchecked Sendable {
    let client: any TestClientProtocol
    var cookies: [String: String] = [:]

    init(client: any TestClientProtocol) { self.client = client }

    func get(_ path: String, headers: HTTPFields = [:]) async throws -> Page {
        try await send(path, method: .get, headers: headers, body: nil)
    }

    /// A form POST as a browser sends it from this site's own page.
    func post(_ path: String, _ fields: [(String, String)], headers: HTTPFields = [:], sameOrigin: Bool = true) async throws -> Page {
        var h = headers
        h[.contentType] = "application/x-www-form-urlencoded"
        if sameOrigin, h[.origin] == nil { h[.origin] = TestSite.publicURL }
        return try await send(path, method: .post, headers: h, body: Self.encode(fields))
    }

    func send(_ path: String, method: HTTPRequest.Method, headers: HTTPFields, body: String?) async throws -> Page {
        var h = headers
        if !cookies.isEmpty, h[.cookie] == nil {
            h[.cookie] = cookies.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: "; ")
        }
        let response = try await client.execute(uri: path, method: method, headers: h, body: body.map { ByteBuffer(string: $0) })
        for cookie in response.headers[values: .setCookie] {
            let pair = cookie.split(separator: ";")[0]
            guard let eq = pair.firstIndex(of: "=") else { continue }
            let name = String(pair[..<eq]), value = String(pair[pair.index(after: eq)...])
            if value.isEmpty || cookie.contains("Max-Age=0") { cookies[name] = nil } else { cookies[name] = value }
        }
        return Page(status: response.status, headers: response.headers, html: String(buffer: response.body))
    }

    static func encode(_ fields: [(String, String)]) -> String {
        let allowed = CharacterSet(charactersIn: "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-._*")
        return fields.map { name, value in
            let v = value.addingPercentEncoding(withAllowedCharacters: allowed)!.replacingOccurrences(of: "%20", with: "+")
            return "\(name)=\(v)"
        }.joined(separator: "&")
    }

    /// Signs in through the page; the session cookie is kept.
    @discardableResult
    func signIn(_ email: String, _ password: String) async throws -> Page {
        let form = try await get("/signin")
        return try await post("/signin", [("csrf", form.csrf ?? ""), ("email", email), ("password", password)])
    }

    /// The session's CSRF token, from the sign-out form in the nav bar.
    func sessionCSRF() async throws -> String {
        let page = try await get("/dashboard")
        return page.csrf ?? ""
    }
}
