import API
import Foundation

/// Running batches across processes: lines are leased in small groups, a
/// lease that is not renewed runs out and its line returns to the pool, each
/// line's result is stored once, and each batch is finished once.
extension SQLAccessStore {
    public func claimBatchLines(worker: String, limit: Int, leaseSeconds: Double) async throws -> [ClaimedBatchLine] {
        guard limit > 0 else { return [] }
        let time = now()
        let dialect = database.dialect
        return try await transaction { connection in
            // PostgreSQL: lines another server is claiming this instant are
            // skipped, not waited for. SQLite: this transaction is the one writer.
            let lock = dialect == .postgres ? " FOR UPDATE OF l SKIP LOCKED" : ""
            let rows = try await connection.query(
                """
                SELECT l.id, l.batch_id, l.custom_id, l.line, l.body, b.endpoint, b.owner, b.key_id
                FROM batch_lines l JOIN batches b ON b.id = l.batch_id
                WHERE b.status = 'in_progress' AND b.expires_at > ? AND l.state <> 'done'
                  AND (l.lease_expires_at IS NULL OR l.lease_expires_at < ?)
                ORDER BY b.created_at, l.batch_id, l.line LIMIT ?\(lock)
                """,
                [.time(time), .time(time), .int(limit)])
            let lines = try rows.map { row in
                ClaimedBatchLine(id: try row.text("id"), batchID: try row.text("batch_id"), customID: try row.text("custom_id"),
                                 line: try row.int("line"), body: try row.text("body"), endpoint: try row.text("endpoint"),
                                 owner: try row.text("owner"), keyID: try row.optionalText("key_id"))
            }
            guard !lines.isEmpty else { return [] }
            let placeholders = Array(repeating: "?", count: lines.count).joined(separator: ", ")
            try await connection.query(
                "UPDATE batch_lines SET state = 'leased', lease_owner = ?, lease_expires_at = ? WHERE id IN (\(placeholders))",
                [.text(worker), .int(Self.expiry(time, leaseSeconds))] + lines.map { .text($0.id) })
            return lines
        }
    }

    public func renewBatchLeases(worker: String, lineIDs: [String], leaseSeconds: Double) async throws {
        guard !lineIDs.isEmpty else { return }
        let placeholders = Array(repeating: "?", count: lineIDs.count).joined(separator: ", ")
        try await query(
            "UPDATE batch_lines SET lease_expires_at = ? WHERE state = 'leased' AND lease_owner = ? AND id IN (\(placeholders))",
            [.int(Self.expiry(now(), leaseSeconds)), .text(worker)] + lineIDs.map { .text($0) })
    }

    public func releaseBatchLine(worker: String, lineID: String, delaySeconds: Double) async throws {
        try await query(
            "UPDATE batch_lines SET state = 'pending', lease_owner = NULL, lease_expires_at = ? WHERE id = ? AND state = 'leased' AND lease_owner = ?",
            [.int(Self.expiry(now(), delaySeconds)), .text(lineID), .text(worker)])
    }

    public func commitBatchResult(lineID: String, result: BatchLineResult) async throws -> Bool {
        let time = now()
        let share = database.dialect == .postgres ? " FOR SHARE OF b" : ""
        return try await transaction { connection in
            // The batch row is shared-locked: finishing a batch (which updates
            // it) waits for this result, or this sees the batch finished.
            guard let row = try await connection.first(
                "SELECT l.batch_id, l.custom_id, l.line, b.status FROM batch_lines l JOIN batches b ON b.id = l.batch_id WHERE l.id = ?\(share)",
                [.text(lineID)]) else { return false }
            guard let status = BatchStatus(rawValue: try row.text("status")), !status.isFinal else { return false }
            let stored = try await connection.first(
                """
                INSERT INTO batch_results (batch_id, custom_id, line, is_error, content, created_at) VALUES (?, ?, ?, ?, ?, ?)
                ON CONFLICT (batch_id, custom_id) DO NOTHING RETURNING custom_id
                """,
                [try row.value("batch_id"), try row.value("custom_id"), try row.value("line"), .bool(result.isError),
                 .text(result.line), .time(time)])
            try await connection.query("UPDATE batch_lines SET state = 'done', lease_owner = NULL, lease_expires_at = NULL WHERE id = ?",
                                       [.text(lineID)])
            return stored != nil
        }
    }

    public func finalizeDueBatches() async throws -> [String] {
        let time = now()
        // Running lines hold live leases; a batch being stopped waits for them.
        let noneRunning = "NOT EXISTS (SELECT 1 FROM batch_lines l WHERE l.batch_id = b.id AND l.state = 'leased' AND l.lease_expires_at >= ?)"
        let due = try await query(
            """
            SELECT id, status FROM batches b WHERE
               (status IN ('in_progress', 'finalizing') AND NOT EXISTS (SELECT 1 FROM batch_lines l WHERE l.batch_id = b.id AND l.state <> 'done'))
            OR (status = 'cancelling' AND \(noneRunning))
            OR (status = 'in_progress' AND expires_at <= ? AND \(noneRunning))
            """,
            [.time(time), .time(time), .time(time)])
        var finished: [String] = []
        for row in due {
            let id = try row.text("id")
            if try await finalize(batchID: id, from: try row.text("status"), at: time) { finished.append(id) }
        }
        return finished
    }

    /// Finishes one batch in one transaction: whoever moves it out of `from`
    /// first writes its files; anyone else finds it moved and does nothing.
    private func finalize(batchID: String, from status: String, at time: Date) async throws -> Bool {
        try await transaction { connection in
            guard let row = try await connection.first(
                "UPDATE batches SET status = 'finalizing', finalizing_at = COALESCE(finalizing_at, ?) WHERE id = ? AND status = ? RETURNING owner",
                [.time(time), .text(batchID), .text(status)]) else { return false }
            let owner = try row.text("owner")
            let unrun = try await connection.query("SELECT id, custom_id, line FROM batch_lines WHERE batch_id = ? AND state <> 'done'",
                                                   [.text(batchID)])
            let final: BatchStatus
            if status == BatchStatus.cancelling.rawValue {
                final = .cancelled
            } else if !unrun.isEmpty {
                final = .expired
            } else {
                final = .completed
            }
            // Lines never run are answered in the error file, as OpenAI does for an expired batch.
            let (code, message) = final == .cancelled
                ? ("batch_cancelled", "The batch was cancelled before this request ran.")
                : ("batch_expired", "This request could not be executed before the completion window expired.")
            for line in unrun {
                try await connection.query(
                    """
                    INSERT INTO batch_results (batch_id, custom_id, line, is_error, content, created_at) VALUES (?, ?, ?, 1, ?, ?)
                    ON CONFLICT (batch_id, custom_id) DO NOTHING
                    """,
                    [.text(batchID), try line.value("custom_id"), try line.value("line"),
                     .text(BatchOutputLine.notRun(customID: try line.text("custom_id"), code: code, message: message)), .time(time)])
            }
            try await connection.query("UPDATE batch_lines SET state = 'done', lease_owner = NULL, lease_expires_at = NULL WHERE batch_id = ? AND state <> 'done'",
                                       [.text(batchID)])
            let outputFile = try await Self.resultFile(connection, batchID: batchID, owner: owner, errors: false, at: time)
            let errorFile = try await Self.resultFile(connection, batchID: batchID, owner: owner, errors: true, at: time)
            let column = final == .completed ? "completed_at" : final == .cancelled ? "cancelled_at" : "expired_at"
            try await connection.query(
                "UPDATE batches SET status = ?, output_file_id = ?, error_file_id = ?, \(column) = ? WHERE id = ?",
                [.text(final.rawValue), .optional(outputFile), .optional(errorFile), .time(time), .text(batchID)])
            return true
        }
    }

    /// The output (or error) file of a batch's results, in input order; nil when it would be empty, as OpenAI leaves it.
    private static func resultFile(_ connection: any SQLConnection, batchID: String, owner: String, errors: Bool,
                                   at time: Date) async throws -> String? {
        let rows = try await connection.query("SELECT content FROM batch_results WHERE batch_id = ? AND is_error = ? ORDER BY line",
                                              [.text(batchID), .bool(errors)])
        guard !rows.isEmpty else { return nil }
        var content = ""
        for row in rows {
            content += try row.text("content")
            content += "\n"
        }
        let file = BatchFile(id: "file-" + newID(), owner: owner, purpose: errors ? "batch_error" : "batch_output",
                             filename: "\(batchID)_\(errors ? "error" : "output").jsonl", bytes: content.utf8.count,
                             lines: rows.count, createdAt: Date(unixMilliseconds: time.unixMilliseconds))
        try await insertFile(connection, file, content: content)
        return file.id
    }
}
