import Foundation
import JSONValue

/// OpenAI's JSON shapes for files, batches and the lines of their output and
/// error files (`openai.types.FileObject`, `Batch`, the batch output line).
public enum BatchJSON {
    static func file(_ file: BatchFile) -> JSON {
        .object([
            ("id", .string(file.id)), ("object", "file"), ("bytes", .int(file.bytes)),
            ("created_at", seconds(file.createdAt)), ("expires_at", .null), ("filename", .string(file.filename)),
            ("purpose", .string(file.purpose)), ("status", "processed"), ("status_details", .null),
        ])
    }

    static func batch(_ batch: Batch) -> JSON {
        let errors: JSON = batch.errors.map { list in
            .object([("object", "list"), ("data", .array(list.map { error in
                .object([("code", .string(error.code)), ("message", .string(error.message)),
                         ("param", error.param.json), ("line", error.line.json)])
            }))])
        } ?? .null
        let metadata = batch.metadata.flatMap { JSON.parse(Array($0.utf8)) } ?? .null
        return .object([
            ("id", .string(batch.id)), ("object", "batch"), ("endpoint", .string(batch.endpoint)), ("errors", errors),
            ("input_file_id", .string(batch.inputFileID)), ("completion_window", .string(batch.completionWindow)),
            ("status", .string(batch.status.rawValue)), ("output_file_id", batch.outputFileID.json),
            ("error_file_id", batch.errorFileID.json), ("created_at", seconds(batch.createdAt)),
            ("in_progress_at", seconds(batch.inProgressAt)), ("expires_at", seconds(batch.expiresAt)),
            ("finalizing_at", seconds(batch.finalizingAt)), ("completed_at", seconds(batch.completedAt)),
            ("failed_at", seconds(batch.failedAt)), ("expired_at", seconds(batch.expiredAt)),
            ("cancelling_at", seconds(batch.cancellingAt)), ("cancelled_at", seconds(batch.cancelledAt)),
            ("request_counts", .object([("total", .int(batch.requestCounts.total)),
                                        ("completed", .int(batch.requestCounts.completed)),
                                        ("failed", .int(batch.requestCounts.failed))])),
            ("metadata", metadata),
        ])
    }

    /// A cursor page, as OpenAI lists files and batches.
    static func list(_ data: [JSON], ids: [String], hasMore: Bool) -> JSON {
        .object([("object", "list"), ("data", .array(data)), ("first_id", ids.first.json), ("last_id", ids.last.json),
                 ("has_more", .bool(hasMore))])
    }

    static func seconds(_ date: Date) -> JSON { .int(Int(date.timeIntervalSince1970)) }
    static func seconds(_ date: Date?) -> JSON { date.map { seconds($0) } ?? .null }
}

/// One line of a batch's output or error file:
/// `{"id", "custom_id", "response": {"status_code", "request_id", "body"}, "error"}`.
public enum BatchOutputLine {
    /// A line's answer, whatever its status (2xx go to the output file, others to the error file).
    static func answered(customID: String, statusCode: Int, requestID: String, body: JSON) -> String {
        JSON.object([
            ("id", .string(lineID())), ("custom_id", .string(customID)),
            ("response", .object([("status_code", .int(statusCode)), ("request_id", .string(requestID)), ("body", body)])),
            ("error", .null),
        ]).serialized
    }

    /// A line that never ran (the batch expired or was cancelled first): no
    /// response, an error with `code` (`batch_expired`, `batch_cancelled`).
    public static func notRun(customID: String, code: String, message: String) -> String {
        JSON.object([
            ("id", .string(lineID())), ("custom_id", .string(customID)), ("response", .null),
            ("error", .object([("code", .string(code)), ("message", .string(message))])),
        ]).serialized
    }

    static func lineID() -> String {
        "batch_req_" + UUID().uuidString.replacingOccurrences(of: "-", with: "").lowercased()
    }
}
