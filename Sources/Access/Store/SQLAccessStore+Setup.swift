import Foundation

extension SQLAccessStore {
    public func createSetupToken(lifetime: TimeInterval) async throws -> String {
        guard lifetime.isFinite else { throw AccessError.invalid("A setup token needs a finite lifetime.") }
        let time = now()
        let token = SecretToken.make()
        try await query("INSERT INTO setup_tokens (id, token_hash, created_at, expires_at) VALUES (?, ?, ?, ?)",
                        [.text(Self.newID()), .text(SecretToken.digest(token)), .time(time), .int(Self.expiry(time, lifetime))])
        return token
    }

    public func claimSetupToken(_ token: String, email: String, name: String, passwordHash: String) async throws -> Member {
        let email = try Self.validEmail(email)
        let name = try Self.required(name, "A name")
        let time = now()
        let tokenHash = SecretToken.digest(token)
        return try await transaction { connection in
            // Once there is an admin, setup links are dead whatever their state.
            if try await connection.first("SELECT id FROM members WHERE is_admin = 1 LIMIT 1") != nil {
                throw AccessError.inviteUnusable(.used)
            }
            let claimed = try await connection.first(
                "UPDATE setup_tokens SET used_at = ? WHERE token_hash = ? AND used_at IS NULL AND expires_at > ? RETURNING id",
                [.time(time), .text(tokenHash), .time(time)])
            guard let claimed else {
                guard let row = try await connection.first("SELECT used_at FROM setup_tokens WHERE token_hash = ?", [.text(tokenHash)]) else {
                    throw AccessError.notFound("No such setup link.")
                }
                throw AccessError.inviteUnusable(try row.optionalInt64("used_at") != nil ? .used : .expired)
            }
            let member = try await Self.insertMember(connection, email: email, name: name, passwordHash: passwordHash,
                                                     isAdmin: true, time: time)
            try await Self.writeAudit(connection, time: time, action: "member.create", target: member.email,
                                      detail: "first admin \(member.id), setup token \(try claimed.text("id"))", by: nil)
            return member
        }
    }
}
