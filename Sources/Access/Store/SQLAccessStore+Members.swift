import Foundation

extension SQLAccessStore {
    public func createMember(email: String, name: String, passwordHash: String, isAdmin: Bool, by: String?) async throws -> Member {
        let email = try Self.validEmail(email)
        let name = try Self.required(name, "A name")
        let time = now()
        return try await transaction { connection in
            let member = try await Self.insertMember(connection, email: email, name: name, passwordHash: passwordHash,
                                                     isAdmin: isAdmin, time: time)
            try await Self.writeAudit(connection, time: time, action: "member.create", target: member.email,
                                      detail: isAdmin ? "admin \(member.id)" : "member \(member.id)", by: by)
            return member
        }
    }

    public func member(id: String) async throws -> Member? {
        try await query("SELECT \(Self.memberColumns) FROM members WHERE id = ?", [.text(id)]).first.map(Self.member)
    }

    public func member(email: String) async throws -> Member? {
        try await query("SELECT \(Self.memberColumns) FROM members WHERE email = ?", [.text(Self.normalizedEmail(email))])
            .first.map(Self.member)
    }

    public func members() async throws -> [Member] {
        try await query("SELECT \(Self.memberColumns) FROM members ORDER BY created_at, id").map(Self.member)
    }

    public func hasAdmin() async throws -> Bool {
        try await query("SELECT id FROM members WHERE is_admin = 1 LIMIT 1").isEmpty == false
    }

    public func passwordHash(memberID: String) async throws -> String? {
        try await query("SELECT password_hash FROM members WHERE id = ?", [.text(memberID)]).first?.text("password_hash")
    }

    public func setStatus(memberID: String, status: MemberStatus, by: String?) async throws {
        let time = now()
        try await transaction { connection in
            let updated = try await connection.first("UPDATE members SET status = ? WHERE id = ? RETURNING email",
                                                     [.text(status.rawValue), .text(memberID)])
            guard let updated else { throw AccessError.notFound("No such member.") }
            let action = status == .suspended ? "member.suspend" : "member.activate"
            try await Self.writeAudit(connection, time: time, action: action, target: memberID,
                                      detail: try updated.text("email"), by: by)
        }
    }

    public func setLimits(memberID: String, limits: Limits, by: String?) async throws {
        let time = now()
        let binds = try Self.limitBinds(limits)
        try await transaction { connection in
            let updated = try await connection.first(
                "UPDATE members SET requests_per_minute = ?, tokens_per_minute = ?, tokens_per_day = ?, allowed_models = ? WHERE id = ? RETURNING id",
                binds + [.text(memberID)])
            guard updated != nil else { throw AccessError.notFound("No such member.") }
            try await Self.writeAudit(connection, time: time, action: "member.limits", target: memberID,
                                      detail: Self.describe(limits), by: by)
        }
    }

    /// Inserts a member; a taken email is `.conflict` (the unique index decides,
    /// so two concurrent sign-ups cannot both get one address).
    static func insertMember(_ connection: any SQLConnection, email: String, name: String, passwordHash: String,
                             isAdmin: Bool, time: Date) async throws -> Member {
        guard !passwordHash.isEmpty else { throw AccessError.invalid("A password hash is required.") }
        do {
            let row = try await connection.first(
                "INSERT INTO members (id, email, name, password_hash, is_admin, status, created_at) VALUES (?, ?, ?, ?, ?, 'active', ?) RETURNING \(memberColumns)",
                [.text(newID()), .text(email), .text(name), .text(passwordHash), .bool(isAdmin), .time(time)])
            guard let row else { throw SQLDatabaseError.decoding("INSERT … RETURNING gave no row") }
            return try member(row)
        } catch SQLDatabaseError.uniqueViolation {
            throw AccessError.conflict("An account with this email already exists.")
        }
    }
}
