import Foundation

/// Feedback sent from any signed-in page, read and closed by admins.
extension SQLAccessStore {
    public func submitFeedback(memberID: String, category: FeedbackCategory, description: String,
                               page: String) async throws -> Feedback {
        let description = try Self.required(description.trimmingCharacters(in: .whitespacesAndNewlines), "A description")
        guard description.count <= Feedback.maxDescriptionLength else {
            throw AccessError.invalid("A description may be at most \(Feedback.maxDescriptionLength) characters.")
        }
        // Only a path on this site is kept: the page it came from, never a link elsewhere.
        let page = page.hasPrefix("/") && !page.hasPrefix("//") ? String(page.prefix(500)) : "/"
        let time = now()
        let id = Self.newID()
        return try await transaction { connection in
            guard let owner = try await connection.first("SELECT email FROM members WHERE id = ?", [.text(memberID)]) else {
                throw AccessError.notFound("No such member.")
            }
            try await connection.query(
                "INSERT INTO feedback (id, member_id, category, description, page, created_at) VALUES (?, ?, ?, ?, ?, ?)",
                [.text(id), .text(memberID), .text(category.rawValue), .text(description), .text(page), .time(time)])
            return Feedback(id: id, memberID: memberID, memberEmail: try owner.text("email"), category: category,
                            description: description, page: page, createdAt: Date(unixMilliseconds: time.unixMilliseconds),
                            closedAt: nil)
        }
    }

    public func feedback(includeClosed: Bool) async throws -> [Feedback] {
        let open = includeClosed ? "" : "WHERE f.closed_at IS NULL "
        return try await query(
            "SELECT f.id, f.member_id, m.email, f.category, f.description, f.page, f.created_at, f.closed_at FROM feedback f JOIN members m ON m.id = f.member_id \(open)ORDER BY f.created_at DESC, f.id").map {
            guard let category = FeedbackCategory(rawValue: try $0.text("category")) else {
                throw SQLDatabaseError.decoding("unknown feedback category")
            }
            return Feedback(id: try $0.text("id"), memberID: try $0.text("member_id"), memberEmail: try $0.text("email"),
                            category: category, description: try $0.text("description"), page: try $0.text("page"),
                            createdAt: try $0.time("created_at"), closedAt: try $0.optionalTime("closed_at"))
        }
    }

    public func closeFeedback(id: String, by: String?) async throws {
        let time = now()
        try await transaction { connection in
            guard let row = try await connection.first("SELECT closed_at FROM feedback WHERE id = ?", [.text(id)]) else {
                throw AccessError.notFound("No such feedback.")
            }
            guard try row.optionalTime("closed_at") == nil else { return }
            try await connection.query("UPDATE feedback SET closed_at = ?, closed_by = ? WHERE id = ?",
                                       [.time(time), .optional(by), .text(id)])
            try await Self.writeAudit(connection, time: time, action: "feedback.close", target: id, detail: nil, by: by)
        }
    }
}
