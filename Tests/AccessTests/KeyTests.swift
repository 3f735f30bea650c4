import Foundation
import Testing
@testable import Access

@Suite struct KeyTests {
    @Test(arguments: Backend.all)
    func createAuthenticateRevoke(_ backend: Backend) async throws {
        try await withStore(backend) { store, _ in
            let member = try await makeMember(store, limits: Limits(requestsPerMinute: 10))
            let issued = try await store.createKey(memberID: member.id, name: "laptop", expiresAt: nil,
                                                   limits: Limits(tokensPerDay: 1000), by: member.id)
            #expect(issued.secret.hasPrefix("bsk_\(issued.key.id)_"))
            #expect(issued.secret.count == APIKeyFormat.length)
            #expect(issued.key.last4 == String(issued.secret.suffix(4)))
            #expect(issued.key.lastUsedAt == nil)

            let auth = try #require(try await store.authenticate(key: issued.secret))
            #expect(auth.key.id == issued.key.id)
            #expect(auth.member.id == member.id)
            #expect(auth.limits == Limits(requestsPerMinute: 10, tokensPerDay: 1000))
            #expect(try await store.keys(memberID: member.id).first?.lastUsedAt != nil)

            await expectAccessError(.notFound("")) { try await store.revokeKey(id: issued.key.id, memberID: "someone-else", by: nil) }
            #expect(try await store.authenticate(key: issued.secret) != nil)
            try await store.revokeKey(id: issued.key.id, memberID: member.id, by: member.id)
            #expect(try await store.authenticate(key: issued.secret) == nil)
            #expect(try await store.allKeys().first?.revokedAt != nil)
            await expectAccessError(.notFound("")) { try await store.revokeKey(id: "nope", memberID: nil, by: nil) }
        }
    }

    @Test(arguments: Backend.all)
    func expiredKeysAndSuspendedMembersAreRefused(_ backend: Backend) async throws {
        try await withStore(backend) { store, _ in
            let member = try await makeMember(store)
            let expired = try await store.createKey(memberID: member.id, name: "old", expiresAt: Date().addingTimeInterval(-1),
                                                    limits: .none, by: nil)
            #expect(try await store.authenticate(key: expired.secret) == nil)

            let live = try await store.createKey(memberID: member.id, name: "live", expiresAt: Date().addingTimeInterval(3600),
                                                 limits: .none, by: nil)
            #expect(try await store.authenticate(key: live.secret) != nil)
            try await store.setStatus(memberID: member.id, status: .suspended, by: nil)
            #expect(try await store.authenticate(key: live.secret) == nil)
            try await store.setStatus(memberID: member.id, status: .active, by: nil)
            #expect(try await store.authenticate(key: live.secret) != nil)
            await expectAccessError(.notFound("")) { try await store.createKey(memberID: "nobody", name: "k", expiresAt: nil, limits: .none, by: nil) }
        }
    }

    @Test(arguments: Backend.all)
    func malformedKeysAndBadChecksumsFail(_ backend: Backend) async throws {
        try await withStore(backend) { store, _ in
            let member = try await makeMember(store)
            let issued = try await store.createKey(memberID: member.id, name: "k", expiresAt: nil, limits: .none, by: nil)
            var flipped = Array(issued.secret)
            flipped[flipped.count - 1] = flipped[flipped.count - 1] == "A" ? "B" : "A"
            var wrongSecret = Array(issued.secret)
            wrongSecret[14] = wrongSecret[14] == "A" ? "B" : "A"
            for key in ["", "bsk_", "sk-abc", String(issued.secret.dropLast()), issued.secret + "x", String(flipped),
                        String(wrongSecret), issued.secret.replacingOccurrences(of: "bsk_", with: "bsx_"), " " + issued.secret] {
                #expect(try await store.authenticate(key: key) == nil, "\(key)")
            }
            // Right shape and checksum but a secret that was never issued.
            let forged = APIKeyFormat(id: issued.key.id, secret: String(repeating: "a", count: 32)).text
            #expect(APIKeyFormat(parsing: forged) != nil)
            #expect(try await store.authenticate(key: forged) == nil)
        }
    }

    @Test func keyFormatRoundTripsAndChecksumCatchesTypos() {
        for _ in 0..<50 {
            let format = APIKeyFormat.make()
            #expect(APIKeyFormat(parsing: format.text) == format)
            #expect(format.text.count == 4 + 8 + 1 + 32 + 6)
        }
        // CRC-32 of "123456789" is the standard check value 0xCBF43926.
        #expect(CRC32.checksum(Array("123456789".utf8)) == 0xCBF4_3926)
        #expect(Base62.encode(61, width: 6) == "00000z")
        #expect(SecretToken.make().count == 32)
        #expect(SecretToken.make() != SecretToken.make())
    }
}
