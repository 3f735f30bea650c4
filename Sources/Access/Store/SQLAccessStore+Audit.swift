import Foundation

extension SQLAccessStore {
    public func audit(action: String, target: String, detail: String?, by: String?) async throws {
        let time = now()
        try await transaction { connection in
            try await Self.writeAudit(connection, time: time, action: action, target: target, detail: detail, by: by)
        }
    }

    public func auditLog(limit: Int) async throws -> [AuditEntry] {
        try await query("SELECT time, actor_id, actor_email, action, target, detail FROM audit_log ORDER BY time DESC, id DESC LIMIT ?",
                        [.int(max(0, limit))]).map {
            AuditEntry(time: try $0.time("time"), actorID: try $0.optionalText("actor_id"),
                       actorEmail: try $0.optionalText("actor_email"), action: try $0.text("action"),
                       target: try $0.text("target"), detail: try $0.optionalText("detail"))
        }
    }

    /// Writes one audit row inside the caller's transaction, so the action and
    /// its record commit (or vanish) together. The actor's email is copied in:
    /// the log stays readable if the member is later renamed or removed.
    static func writeAudit(_ connection: any SQLConnection, time: Date, action: String, target: String,
                           detail: String?, by actorID: String?) async throws {
        var actorEmail: String?
        if let actorID {
            actorEmail = try await connection.first("SELECT email FROM members WHERE id = ?", [.text(actorID)])?.text("email")
        }
        try await connection.query(
            "INSERT INTO audit_log (id, time, actor_id, actor_email, action, target, detail) VALUES (?, ?, ?, ?, ?, ?, ?)",
            [.text(newID()), .time(time), .optional(actorID), .optional(actorEmail), .text(action), .text(target), .optional(detail)])
    }
}
