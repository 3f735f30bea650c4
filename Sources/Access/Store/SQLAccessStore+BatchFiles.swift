import API
import Foundation

/// The Batch API's files: rows in `batch_files`, their text in
/// `batch_file_chunks` (pieces of about a megabyte, cut after a newline), so a
/// file is in the access database every server reads, whatever its size.
extension SQLAccessStore {
    /// A chunk's target size: far below any driver's limit on one value, large
    /// enough that a 200 MB file is a few hundred rows.
    static let batchChunkBytes = 1 << 20

    public func createFile(owner: String, filename: String, purpose: String, content: String, lines: Int) async throws -> BatchFile {
        let file = BatchFile(id: "file-" + Self.newID(), owner: owner, purpose: purpose, filename: filename,
                             bytes: content.utf8.count, lines: lines, createdAt: Date(unixMilliseconds: now().unixMilliseconds))
        try await transaction { connection in
            try await Self.insertFile(connection, file, content: content)
        }
        return file
    }

    public func file(id: String, owner: String?) async throws -> BatchFile? {
        var sql = "SELECT \(Self.fileColumns) FROM batch_files WHERE id = ?"
        var binds: [SQLValue] = [.text(id)]
        if let owner {
            sql += " AND owner = ?"
            binds.append(.text(owner))
        }
        return try await query(sql, binds).first.map(Self.batchFile)
    }

    public func files(owner: String, purpose: String?, after: String?, limit: Int) async throws -> [BatchFile] {
        var sql = "SELECT \(Self.fileColumns) FROM batch_files WHERE owner = ?"
        var binds: [SQLValue] = [.text(owner)]
        if let purpose {
            sql += " AND purpose = ?"
            binds.append(.text(purpose))
        }
        if let after {
            // Keyset paging: the page after that file in (created_at, id) order, newest first.
            guard let cursor = try await query("SELECT created_at FROM batch_files WHERE id = ? AND owner = ?",
                                               [.text(after), .text(owner)]).first else { return [] }
            let time = try cursor.int64("created_at")
            sql += " AND (created_at < ? OR (created_at = ? AND id < ?))"
            binds += [.int(time), .int(time), .text(after)]
        }
        sql += " ORDER BY created_at DESC, id DESC LIMIT ?"
        binds.append(.int(limit))
        return try await query(sql, binds).map(Self.batchFile)
    }

    public func fileContent(id: String, owner: String?) async throws -> String? {
        guard try await file(id: id, owner: owner) != nil else { return nil }
        let chunks = try await query("SELECT content FROM batch_file_chunks WHERE file_id = ? ORDER BY seq", [.text(id)])
        return try chunks.map { try $0.text("content") }.joined()
    }

    public func deleteFile(id: String, owner: String) async throws -> Bool {
        try await transaction { connection in
            guard try await connection.first("DELETE FROM batch_files WHERE id = ? AND owner = ? RETURNING id",
                                              [.text(id), .text(owner)]) != nil else { return false }
            try await connection.query("DELETE FROM batch_file_chunks WHERE file_id = ?", [.text(id)])
            return true
        }
    }

    // MARK: Shared with batches

    static let fileColumns = "id, owner, purpose, filename, bytes, lines, created_at"

    static func batchFile(_ row: SQLRow) throws -> BatchFile {
        BatchFile(id: try row.text("id"), owner: try row.text("owner"), purpose: try row.text("purpose"),
                  filename: try row.text("filename"), bytes: try row.int("bytes"), lines: try row.int("lines"),
                  createdAt: try row.time("created_at"))
    }

    /// The file's row and its chunks, inside the caller's transaction.
    static func insertFile(_ connection: any SQLConnection, _ file: BatchFile, content: String) async throws {
        try await connection.query(
            "INSERT INTO batch_files (\(fileColumns)) VALUES (?, ?, ?, ?, ?, ?, ?)",
            [.text(file.id), .text(file.owner), .text(file.purpose), .text(file.filename), .int(file.bytes),
             .int(file.lines), .time(file.createdAt)])
        for (seq, chunk) in chunks(of: content).enumerated() {
            try await connection.query("INSERT INTO batch_file_chunks (file_id, seq, content) VALUES (?, ?, ?)",
                                       [.text(file.id), .int(seq), .text(chunk)])
        }
    }

    /// `content` in pieces of about `batchChunkBytes`, each cut after a
    /// newline (so never inside a character); a longer line is one piece.
    static func chunks(of content: String) -> [String] {
        var pieces: [String] = []
        var utf8 = content.utf8[...]
        while !utf8.isEmpty {
            var end = utf8.index(utf8.startIndex, offsetBy: batchChunkBytes, limitedBy: utf8.endIndex) ?? utf8.endIndex
            if end != utf8.endIndex {
                // Back to just after the last newline in range, or on to the next one.
                if let newline = utf8[utf8.startIndex..<end].lastIndex(of: UInt8(ascii: "\n")) {
                    end = utf8.index(after: newline)
                } else if let newline = utf8[end...].firstIndex(of: UInt8(ascii: "\n")) {
                    end = utf8.index(after: newline)
                } else {
                    end = utf8.endIndex
                }
            }
            pieces.append(String(Substring(utf8[utf8.startIndex..<end])))
            utf8 = utf8[end...]
        }
        return pieces
    }
}
