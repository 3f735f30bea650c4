import Foundation

extension SQLAccessStore {
    public func createInvite(email: String, lifetime: TimeInterval, by: String?) async throws -> IssuedInvite {
        let email = try Self.validEmail(email)
        let time = now()
        let token = SecretToken.make()
        let invite = try await transaction { connection in
            let invite = try await Self.insertInvite(connection, email: email, tokenHash: SecretToken.digest(token),
                                                     requestID: nil, by: by, time: time, lifetime: lifetime)
            try await Self.writeAudit(connection, time: time, action: "invite.create", target: email,
                                      detail: "invite \(invite.id)", by: by)
            return invite
        }
        return IssuedInvite(invite: invite, token: token)
    }

    public func invite(token: String) async throws -> Invite? {
        try await query("SELECT \(Self.inviteColumns) FROM invites WHERE token_hash = ?", [.text(SecretToken.digest(token))])
            .first.map(Self.invite)
    }

    public func invites() async throws -> [Invite] {
        try await query("SELECT \(Self.inviteColumns) FROM invites ORDER BY created_at DESC, id").map(Self.invite)
    }

    public func revokeInvite(id: String, by: String?) async throws {
        let time = now()
        try await transaction { connection in
            let revoked = try await connection.first(
                "UPDATE invites SET revoked_at = ? WHERE id = ? AND used_at IS NULL AND revoked_at IS NULL RETURNING email",
                [.time(time), .text(id)])
            guard let revoked else {
                guard let existing = try await connection.first("SELECT used_at FROM invites WHERE id = ?", [.text(id)]) else {
                    throw AccessError.notFound("No such invite.")
                }
                if try existing.optionalInt64("used_at") != nil {
                    throw AccessError.conflict("This invite was already used.")
                }
                return  // already revoked: nothing to do
            }
            try await Self.writeAudit(connection, time: time, action: "invite.revoke", target: id,
                                      detail: try revoked.text("email"), by: by)
        }
    }

    public func claimInvite(token: String, name: String, passwordHash: String) async throws -> Member {
        let name = try Self.required(name, "A name")
        let time = now()
        let tokenHash = SecretToken.digest(token)
        return try await transaction { connection in
            // The one atomic step: of any number of concurrent claims, exactly
            // one sees the invite open and marks it used.
            let claimed = try await connection.first(
                "UPDATE invites SET used_at = ? WHERE token_hash = ? AND used_at IS NULL AND revoked_at IS NULL AND expires_at > ? RETURNING id, email",
                [.time(time), .text(tokenHash), .time(time)])
            guard let claimed else {
                guard let row = try await connection.first("SELECT \(Self.inviteColumns) FROM invites WHERE token_hash = ?", [.text(tokenHash)]) else {
                    throw AccessError.notFound("No such invite.")
                }
                let state = try Self.invite(row).state(at: time)
                throw AccessError.inviteUnusable(state == .open ? .used : state)
            }
            let inviteID = try claimed.text("id")
            let member = try await Self.insertMember(connection, email: try claimed.text("email"), name: name,
                                                     passwordHash: passwordHash, isAdmin: false, time: time)
            try await connection.query("UPDATE invites SET member_id = ? WHERE id = ?", [.text(member.id), .text(inviteID)])
            try await Self.writeAudit(connection, time: time, action: "invite.claim", target: inviteID,
                                      detail: member.email, by: member.id)
            return member
        }
    }

    static func insertInvite(_ connection: any SQLConnection, email: String, tokenHash: String, requestID: String?,
                             by: String?, time: Date, lifetime: TimeInterval) async throws -> Invite {
        guard lifetime.isFinite else { throw AccessError.invalid("An invite needs a finite lifetime.") }
        let row = try await connection.first(
            "INSERT INTO invites (id, email, token_hash, request_id, created_by, created_at, expires_at) VALUES (?, ?, ?, ?, ?, ?, ?) RETURNING \(inviteColumns)",
            [.text(newID()), .text(email), .text(tokenHash), .optional(requestID), .optional(by), .time(time),
             .int(expiry(time, lifetime))])
        guard let row else { throw SQLDatabaseError.decoding("INSERT … RETURNING gave no row") }
        return try invite(row)
    }
}
