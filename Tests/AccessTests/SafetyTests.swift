import Foundation
import Testing
@testable import Access

@Suite struct SafetyTests {
    static let hostile = "Robert'); DROP TABLE members;-- <script>alert(\"x\")</script> ? $1 %s \\ ☃"

    @Test(arguments: Backend.all)
    func metacharactersAndHTMLAreStoredVerbatim(_ backend: Backend) async throws {
        try await withStore(backend) { store, _ in
            let text = Self.hostile
            let email = "o'brien+<b>?@example.com"
            let request = try await store.submitRequest(name: text, email: email, affiliation: text, note: text)
            #expect(request.name == text && request.affiliation == text && request.note == text)
            #expect(request.email == email)
            let (approved, _) = try await store.approveRequest(id: request.id, note: text, inviteLifetime: 60, by: nil)
            #expect(approved.reviewNote == text)

            let member = try await store.createMember(email: "x'y@example.com", name: text, passwordHash: testPasswordHash(),
                                                      isAdmin: false, by: nil)
            #expect(try await store.member(id: member.id)?.name == text)
            #expect(try await store.member(email: "x'y@example.com")?.id == member.id)
            let limits = Limits(allowedModels: [text, "llama"])
            try await store.setLimits(memberID: member.id, limits: limits, by: nil)
            #expect(try await store.member(id: member.id)?.limits == limits)

            let key = try await store.createKey(memberID: member.id, name: text, expiresAt: nil, limits: .none, by: nil)
            #expect(try await store.keys(memberID: member.id).first?.name == text)
            try await store.record(UsageRecord(memberID: member.id, keyID: key.key.id, model: text, route: text, promptTokens: 1,
                                               completionTokens: 1, status: 200, latencyMilliseconds: 1, time: Date(), user: text))
            let model = try await store.database.query("SELECT model, end_user FROM usage").first
            #expect(try model?.text("model") == text)
            #expect(try model?.text("end_user") == text)
            try await store.audit(action: "note", target: text, detail: text, by: nil)
            let entry = try #require(try await store.auditLog(limit: 1).first)
            #expect(entry.target == text && entry.detail == text)

            // Every table is still there.
            #expect(try await store.members().count == 1)
        }
    }

    @Test(arguments: Backend.all)
    func secretsNeverReachTheDatabaseInTheClear(_ backend: Backend) async throws {
        try await withStore(backend) { store, _ in
            let member = try await makeMember(store)
            let key = try await store.createKey(memberID: member.id, name: "k", expiresAt: nil, limits: .none, by: nil)
            let invite = try await store.createInvite(email: "new@example.com", lifetime: 60, by: nil)
            let session = try await store.createSession(memberID: member.id, lifetime: 60)
            let setup = try await store.createSetupToken(lifetime: 60)
            let secretPart = try #require(APIKeyFormat(parsing: key.secret)).secret
            let secrets = [key.secret, secretPart, invite.token, session.token, setup]

            let tables = ["members", "access_requests", "invites", "setup_tokens", "sessions", "sign_in_attempts", "api_keys",
                          "usage", "usage_daily", "rate_windows", "audit_log"]
            var scanned = 0
            for table in tables {
                for row in try await store.database.query("SELECT * FROM \(table)") {
                    for case .text(let value) in row.values {
                        scanned += 1
                        for secret in secrets { #expect(!value.contains(secret), "\(table) holds a secret in the clear") }
                    }
                }
            }
            #expect(scanned > 10)
            let stored = try await store.database.query("SELECT secret_hash FROM api_keys").first?.text("secret_hash")
            #expect(stored == SecretToken.digest(secretPart))
            #expect(stored?.count == 64 && stored == stored?.lowercased())
        }
    }
}
