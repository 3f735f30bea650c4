import Foundation

extension SQLAccessStore {
    public func failedSignIns(email: String, since: Date) async throws -> Int {
        let row = try await query("SELECT COUNT(*) AS failures FROM sign_in_attempts WHERE email = ? AND succeeded = 0 AND time >= ?",
                                  [.text(Self.normalizedEmail(email)), .time(since)]).first
        return try row?.int("failures") ?? 0
    }

    public func beginSignIn(email: String, since: Date, maxFailures: Int) async throws -> String? {
        let email = Self.normalizedEmail(email)
        let id = Self.newID()
        let time = now()
        let dialect = database.dialect
        return try await transaction { connection in
            // Counting and recording must be one step, or attempts arriving
            // together all count the same rows. SQLite's BEGIN IMMEDIATE already
            // runs one writer at a time; PostgreSQL takes a lock per email.
            if dialect == .postgres {
                try await connection.query("SELECT pg_advisory_xact_lock(7242002, hashtext(?))", [.text(email)])
            }
            let row = try await connection.first(
                "SELECT COUNT(*) AS failures FROM sign_in_attempts WHERE email = ? AND succeeded = 0 AND time >= ?",
                [.text(email), .time(since)])
            guard try (row?.int("failures") ?? 0) < maxFailures else { return nil }
            // Counted as a failure until it proves otherwise.
            try await connection.query("INSERT INTO sign_in_attempts (id, email, succeeded, time) VALUES (?, ?, ?, ?)",
                                       [.text(id), .text(email), .bool(false), .time(time)])
            return id
        }
    }

    public func signInSucceeded(attemptID: String) async throws {
        try await query("UPDATE sign_in_attempts SET succeeded = ? WHERE id = ?", [.bool(true), .text(attemptID)])
    }

    public func createSession(memberID: String, lifetime: TimeInterval) async throws -> IssuedSession {
        guard lifetime.isFinite else { throw AccessError.invalid("A session needs a finite lifetime.") }
        let time = now()
        let token = SecretToken.make()
        let session = Session(memberID: memberID, csrfToken: SecretToken.make(), createdAt: Date(unixMilliseconds: time.unixMilliseconds),
                              expiresAt: Date(unixMilliseconds: Self.expiry(time, lifetime)))
        try await transaction { connection in
            guard try await connection.first("SELECT id FROM members WHERE id = ?", [.text(memberID)]) != nil else {
                throw AccessError.notFound("No such member.")
            }
            try await connection.query(
                "INSERT INTO sessions (token_hash, member_id, csrf_token, created_at, expires_at) VALUES (?, ?, ?, ?, ?)",
                [.text(SecretToken.digest(token)), .text(memberID), .text(session.csrfToken), .time(session.createdAt),
                 .time(session.expiresAt)])
            // Expired sessions are dead weight; clear them now and then.
            try await connection.query("DELETE FROM sessions WHERE expires_at <= ?", [.time(time)])
        }
        return IssuedSession(session: session, token: token)
    }

    public func session(token: String) async throws -> (Session, Member)? {
        let time = now()
        guard let row = try await query(
            "SELECT member_id, csrf_token, created_at, expires_at FROM sessions WHERE token_hash = ? AND expires_at > ?",
            [.text(SecretToken.digest(token)), .time(time)]).first else { return nil }
        let session = Session(memberID: try row.text("member_id"), csrfToken: try row.text("csrf_token"),
                              createdAt: try row.time("created_at"), expiresAt: try row.time("expires_at"))
        guard let owner = try await member(id: session.memberID), owner.status == .active else { return nil }
        return (session, owner)
    }

    public func deleteSession(token: String) async throws {
        try await query("DELETE FROM sessions WHERE token_hash = ?", [.text(SecretToken.digest(token))])
    }
}
