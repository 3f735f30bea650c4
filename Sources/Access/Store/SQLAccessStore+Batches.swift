import API
import Foundation

/// Batches: created with their lines in one transaction, read with their
/// request counts (from the results, so they can never disagree), cancelled.
extension SQLAccessStore: BatchStore {
    /// Lines inserted per statement: a few hundred binds, far below either driver's limit.
    static let linesPerInsert = 100

    public func createBatch(_ new: NewBatch) async throws -> Batch {
        let time = now()
        let id = "batch_" + Self.newID()
        let failed = !new.errors.isEmpty
        let errors = failed ? try Self.encodeErrors(new.errors) : nil
        try await transaction { connection in
            try await connection.query(
                """
                INSERT INTO batches (id, owner, key_id, endpoint, input_file_id, completion_window, status, errors, metadata,
                                     total, created_at, in_progress_at, expires_at, failed_at)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                """,
                [.text(id), .text(new.owner), .optional(new.keyID), .text(new.endpoint), .text(new.inputFileID),
                 .text(new.completionWindow), .text((failed ? BatchStatus.failed : .inProgress).rawValue), .optional(errors),
                 .optional(new.metadata), .int(failed ? 0 : new.lines.count), .time(time),
                 failed ? .null : .time(time), .time(new.expiresAt), failed ? .time(time) : .null])
            guard !failed else { return }
            var number = 0
            for group in stride(from: 0, to: new.lines.count, by: Self.linesPerInsert) {
                let lines = new.lines[group..<min(group + Self.linesPerInsert, new.lines.count)]
                var binds: [SQLValue] = []
                for line in lines {
                    number += 1
                    binds += [.text(Self.newID()), .text(id), .int(number), .text(line.customID), .text(line.body)]
                }
                let rows = Array(repeating: "(?, ?, ?, ?, ?, 'pending')", count: lines.count).joined(separator: ", ")
                try await connection.query("INSERT INTO batch_lines (id, batch_id, line, custom_id, body, state) VALUES \(rows)", binds)
            }
        }
        guard let batch = try await batch(id: id, owner: nil) else { throw AccessError.database("The new batch could not be read back.") }
        return batch
    }

    public func batch(id: String, owner: String?) async throws -> Batch? {
        var sql = "SELECT \(Self.batchColumns) FROM batches b WHERE id = ?"
        var binds: [SQLValue] = [.text(id)]
        if let owner {
            sql += " AND owner = ?"
            binds.append(.text(owner))
        }
        return try await query(sql, binds).first.map(Self.batch)
    }

    public func batches(owner: String?, after: String?, limit: Int) async throws -> [Batch] {
        var conditions: [String] = []
        var binds: [SQLValue] = []
        if let owner {
            conditions.append("owner = ?")
            binds.append(.text(owner))
        }
        if let after {
            guard let cursor = try await query("SELECT created_at FROM batches WHERE id = ?", [.text(after)]).first else { return [] }
            let time = try cursor.int64("created_at")
            conditions.append("(created_at < ? OR (created_at = ? AND id < ?))")
            binds += [.int(time), .int(time), .text(after)]
        }
        let filter = conditions.isEmpty ? "" : " WHERE " + conditions.joined(separator: " AND ")
        binds.append(.int(limit))
        return try await query("SELECT \(Self.batchColumns) FROM batches b\(filter) ORDER BY created_at DESC, id DESC LIMIT ?", binds)
            .map(Self.batch)
    }

    public func cancelBatch(id: String, owner: String) async throws -> Batch? {
        guard try await batch(id: id, owner: owner) != nil else { return nil }
        // Only a running batch can be cancelled; cancelling a finished one changes nothing (as OpenAI answers it).
        try await query("UPDATE batches SET status = 'cancelling', cancelling_at = ? WHERE id = ? AND status IN ('validating', 'in_progress')",
                        [.time(now()), .text(id)])
        return try await batch(id: id, owner: owner)
    }

    // MARK: Rows

    /// The batch's columns and its counts, for `FROM batches b`.
    static let batchColumns = """
        id, owner, key_id, endpoint, input_file_id, completion_window, status, output_file_id, error_file_id, errors, metadata, total,
        created_at, in_progress_at, expires_at, finalizing_at, completed_at, failed_at, expired_at, cancelling_at, cancelled_at,
        (SELECT COUNT(*) FROM batch_results r WHERE r.batch_id = b.id AND r.is_error = 0) AS completed_count,
        (SELECT COUNT(*) FROM batch_results r WHERE r.batch_id = b.id AND r.is_error = 1) AS failed_count
        """

    static func batch(_ row: SQLRow) throws -> Batch {
        guard let status = BatchStatus(rawValue: try row.text("status")) else { throw SQLDatabaseError.decoding("unknown batch status") }
        var batch = Batch(id: try row.text("id"), owner: try row.text("owner"), keyID: try row.optionalText("key_id"),
                          endpoint: try row.text("endpoint"), inputFileID: try row.text("input_file_id"),
                          completionWindow: try row.text("completion_window"), status: status,
                          requestCounts: BatchRequestCounts(total: try row.int("total"), completed: try row.int("completed_count"),
                                                            failed: try row.int("failed_count")),
                          createdAt: try row.time("created_at"))
        batch.outputFileID = try row.optionalText("output_file_id")
        batch.errorFileID = try row.optionalText("error_file_id")
        batch.errors = try decodeErrors(try row.optionalText("errors"))
        batch.metadata = try row.optionalText("metadata")
        batch.inProgressAt = try row.optionalTime("in_progress_at")
        batch.expiresAt = try row.optionalTime("expires_at")
        batch.finalizingAt = try row.optionalTime("finalizing_at")
        batch.completedAt = try row.optionalTime("completed_at")
        batch.failedAt = try row.optionalTime("failed_at")
        batch.expiredAt = try row.optionalTime("expired_at")
        batch.cancellingAt = try row.optionalTime("cancelling_at")
        batch.cancelledAt = try row.optionalTime("cancelled_at")
        return batch
    }

    static func encodeErrors(_ errors: [BatchError]) throws -> String {
        String(decoding: try JSONEncoder().encode(errors), as: UTF8.self)
    }

    static func decodeErrors(_ text: String?) throws -> [BatchError]? {
        guard let text else { return nil }
        do {
            return try JSONDecoder().decode([BatchError].self, from: Data(text.utf8))
        } catch {
            throw SQLDatabaseError.decoding("batches.errors is not a JSON list of errors")
        }
    }
}
