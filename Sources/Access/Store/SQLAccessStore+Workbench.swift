import Foundation

/// The Workbench's documents (saved prompts, looms, comparisons), the runs
/// kept per comparison, and the key its requests bill. Every statement names
/// the owner, so a member can never read or change another's document.
extension SQLAccessStore {
    static let documentColumns = "id, kind, name, created_at, updated_at"

    public func saveDocument(memberID: String, kind: WorkbenchDocumentKind, id: String?, name: String,
                             body: String) async throws -> WorkbenchDocument {
        let name = try Self.documentName(name)
        guard body.utf8.count <= WorkbenchDocument.maxBodyBytes else {
            throw AccessError.invalid("A saved \(kind.rawValue) may be at most \(WorkbenchDocument.maxBodyBytes / (1 << 20)) MiB.")
        }
        let time = now()
        let row: SQLRow?
        if let id {
            row = try await query(
                "UPDATE workbench_documents SET name = ?, body = ?, updated_at = ? WHERE id = ? AND member_id = ? AND kind = ? RETURNING \(Self.documentColumns)",
                [.text(name), .text(body), .time(time), .text(id), .text(memberID), .text(kind.rawValue)]).first
        } else {
            row = try await query(
                "INSERT INTO workbench_documents (id, member_id, kind, name, body, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?) RETURNING \(Self.documentColumns)",
                [.text(Self.newID()), .text(memberID), .text(kind.rawValue), .text(name), .text(body), .time(time), .time(time)]).first
        }
        guard let row else { throw AccessError.notFound("You have no saved \(kind.rawValue) with that id.") }
        var document = try Self.document(row)
        document.body = body
        return document
    }

    public func documents(memberID: String, kind: WorkbenchDocumentKind) async throws -> [WorkbenchDocument] {
        try await query(
            "SELECT \(Self.documentColumns) FROM workbench_documents WHERE member_id = ? AND kind = ? ORDER BY updated_at DESC, id",
            [.text(memberID), .text(kind.rawValue)]).map(Self.document)
    }

    public func document(memberID: String, kind: WorkbenchDocumentKind, id: String) async throws -> WorkbenchDocument? {
        guard let row = try await query(
            "SELECT \(Self.documentColumns), body FROM workbench_documents WHERE id = ? AND member_id = ? AND kind = ?",
            [.text(id), .text(memberID), .text(kind.rawValue)]).first else { return nil }
        var document = try Self.document(row)
        document.body = try row.text("body")
        return document
    }

    public func renameDocument(memberID: String, kind: WorkbenchDocumentKind, id: String, name: String) async throws {
        let name = try Self.documentName(name)
        let renamed = try await query(
            "UPDATE workbench_documents SET name = ?, updated_at = ? WHERE id = ? AND member_id = ? AND kind = ? RETURNING id",
            [.text(name), .time(now()), .text(id), .text(memberID), .text(kind.rawValue)])
        guard !renamed.isEmpty else { throw AccessError.notFound("You have no saved \(kind.rawValue) with that id.") }
    }

    public func deleteDocument(memberID: String, kind: WorkbenchDocumentKind, id: String) async throws {
        try await transaction { connection in
            guard try await connection.first("SELECT id FROM workbench_documents WHERE id = ? AND member_id = ? AND kind = ?",
                                             [.text(id), .text(memberID), .text(kind.rawValue)]) != nil else {
                throw AccessError.notFound("You have no saved \(kind.rawValue) with that id.")
            }
            // Explicitly, rather than trusting every database to cascade.
            try await connection.query("DELETE FROM comparison_runs WHERE document_id = ?", [.text(id)])
            try await connection.query("DELETE FROM workbench_documents WHERE id = ?", [.text(id)])
        }
    }

    public func addComparisonRun(memberID: String, comparisonID: String, body: String) async throws -> ComparisonRun {
        guard body.utf8.count <= WorkbenchDocument.maxBodyBytes else {
            throw AccessError.invalid("A comparison run may be at most \(WorkbenchDocument.maxBodyBytes / (1 << 20)) MiB.")
        }
        let run = ComparisonRun(id: Self.newID(), createdAt: Date(unixMilliseconds: now().unixMilliseconds), body: body)
        try await transaction { connection in
            guard try await connection.first("SELECT id FROM workbench_documents WHERE id = ? AND member_id = ? AND kind = ?",
                                             [.text(comparisonID), .text(memberID), .text(WorkbenchDocumentKind.comparison.rawValue)]) != nil else {
                throw AccessError.notFound("You have no saved comparison with that id.")
            }
            try await connection.query("INSERT INTO comparison_runs (id, document_id, created_at, body) VALUES (?, ?, ?, ?)",
                                       [.text(run.id), .text(comparisonID), .time(run.createdAt), .text(body)])
            // Only the newest runs stay: the oldest go as new ones come.
            try await connection.query(
                "DELETE FROM comparison_runs WHERE document_id = ? AND id NOT IN (SELECT id FROM comparison_runs WHERE document_id = ? ORDER BY created_at DESC, id DESC LIMIT ?)",
                [.text(comparisonID), .text(comparisonID), .int(ComparisonRun.kept)])
        }
        return run
    }

    public func comparisonRuns(memberID: String, comparisonID: String) async throws -> [ComparisonRun] {
        try await query(
            "SELECT r.id, r.created_at, r.body FROM comparison_runs r JOIN workbench_documents d ON d.id = r.document_id WHERE r.document_id = ? AND d.member_id = ? ORDER BY r.created_at DESC, r.id DESC",
            [.text(comparisonID), .text(memberID)]).map {
            ComparisonRun(id: try $0.text("id"), createdAt: try $0.time("created_at"), body: try $0.text("body"))
        }
    }

    public func workbenchKey(memberID: String, keyID: String?) async throws -> KeyAuthentication? {
        let time = now()
        guard let owner = try await member(id: memberID), owner.status == .active else { return nil }
        var key: APIKey?
        if let keyID {
            key = try await query("SELECT \(Self.keyColumns) FROM api_keys WHERE id = ? AND member_id = ?",
                                  [.text(keyID), .text(memberID)]).first.map(Self.key)
        } else {
            // The oldest, so that two first requests racing to make one agree on it afterwards.
            key = try await query(
                "SELECT \(Self.keyColumns) FROM api_keys WHERE member_id = ? AND name = ? AND revoked_at IS NULL AND (expires_at IS NULL OR expires_at > ?) ORDER BY created_at, id",
                [.text(memberID), .text(WorkbenchKey.name), .time(time)]).first.map(Self.key)
            if key == nil {
                key = try await createKey(memberID: memberID, name: WorkbenchKey.name, expiresAt: nil, limits: .none,
                                          budgets: .none, by: memberID).key
            }
        }
        guard var key, key.isUsable(at: time) else { return nil }
        if key.pausedAt == nil {
            try await query("UPDATE api_keys SET last_used_at = ? WHERE id = ? AND (last_used_at IS NULL OR last_used_at < ?)",
                            [.time(time), .text(key.id), .time(time)])
            key.lastUsedAt = Date(unixMilliseconds: time.unixMilliseconds)
        }
        return KeyAuthentication(key: key, member: owner, limits: key.limits.overriding(owner.limits),
                                 accountMonthlyBudget: owner.monthlyTokenBudget ?? defaultMonthlyTokenBudget,
                                 maxConcurrency: key.maxConcurrency ?? owner.maxConcurrency)
    }

    static func documentName(_ name: String) throws -> String {
        let name = try required(name.trimmingCharacters(in: .whitespacesAndNewlines), "A name")
        guard name.count <= WorkbenchDocument.maxNameLength, !name.contains(where: \.isNewline) else {
            throw AccessError.invalid("A name is one line of at most \(WorkbenchDocument.maxNameLength) characters.")
        }
        return name
    }

    static func document(_ row: SQLRow) throws -> WorkbenchDocument {
        guard let kind = WorkbenchDocumentKind(rawValue: try row.text("kind")) else {
            throw SQLDatabaseError.decoding("unknown workbench document kind")
        }
        return WorkbenchDocument(id: try row.text("id"), kind: kind, name: try row.text("name"), body: "",
                                 createdAt: try row.time("created_at"), updatedAt: try row.time("updated_at"))
    }
}
