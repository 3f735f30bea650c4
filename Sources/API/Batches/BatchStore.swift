import Foundation

/// Where files and batches live: the access database, so that every server
/// sharing one PostgreSQL sees the same files, batches and lines. The API
/// knows nothing of SQL; the access store implements this.
///
/// `owner` is whoever a key acts for (`BatchOwner.id`): a member sees and
/// changes only their own files and batches; `nil` (the runner, admins) sees all.
public protocol BatchStore: Sendable {
    // MARK: Files

    /// Stores `content` (UTF-8 text, `lines` non-empty lines) in chunks.
    func createFile(owner: String, filename: String, purpose: String, content: String, lines: Int) async throws -> BatchFile
    func file(id: String, owner: String?) async throws -> BatchFile?
    /// Newest first; `after` is the id of the last file of the previous page.
    func files(owner: String, purpose: String?, after: String?, limit: Int) async throws -> [BatchFile]
    func fileContent(id: String, owner: String?) async throws -> String?
    /// False when there is no such file of `owner`'s.
    func deleteFile(id: String, owner: String) async throws -> Bool

    // MARK: Batches

    /// A batch and its lines in one transaction: `in_progress` with its lines,
    /// or `failed` with `errors` (and no lines) when validation found any.
    func createBatch(_ batch: NewBatch) async throws -> Batch
    func batch(id: String, owner: String?) async throws -> Batch?
    /// Newest first; `after` is the id of the last batch of the previous page.
    func batches(owner: String?, after: String?, limit: Int) async throws -> [Batch]
    /// Stops claiming the batch's lines (`cancelling`; `cancelled` once its
    /// running lines end). Nil when there is no such batch of `owner`'s.
    func cancelBatch(id: String, owner: String) async throws -> Batch?

    // MARK: Running lines

    /// Leases up to `limit` lines of running batches, unclaimed or with an
    /// expired lease, to `worker` for `leaseSeconds`. No line is leased to two
    /// workers at once (PostgreSQL: `FOR UPDATE SKIP LOCKED`; SQLite: its one writer).
    func claimBatchLines(worker: String, limit: Int, leaseSeconds: Double) async throws -> [ClaimedBatchLine]
    /// Extends `worker`'s leases on these lines (a running line keeps its lease).
    func renewBatchLeases(worker: String, lineIDs: [String], leaseSeconds: Double) async throws
    /// Gives a line back unrun, to be claimed again after `delaySeconds`.
    func releaseBatchLine(worker: String, lineID: String, delaySeconds: Double) async throws
    /// Stores a line's result. False when its custom_id already has one: a
    /// result is stored at most once, whoever ran the line.
    func commitBatchResult(lineID: String, result: BatchLineResult) async throws -> Bool
    /// Finishes every batch that is due, each exactly once however many servers
    /// try: all lines done (`completed`), cancelled with none running
    /// (`cancelled`), or past its expiry with none running (`expired`). Writes
    /// the output and error files. Returns the ids it finished.
    func finalizeDueBatches() async throws -> [String]
}

/// A stored file (OpenAI's `FileObject`).
public struct BatchFile: Sendable, Equatable {
    public var id: String
    public var owner: String
    public var purpose: String
    public var filename: String
    public var bytes: Int
    public var lines: Int
    public var createdAt: Date

    public init(id: String, owner: String, purpose: String, filename: String, bytes: Int, lines: Int, createdAt: Date) {
        self.id = id
        self.owner = owner
        self.purpose = purpose
        self.filename = filename
        self.bytes = bytes
        self.lines = lines
        self.createdAt = createdAt
    }
}

/// OpenAI's batch statuses.
public enum BatchStatus: String, Sendable, CaseIterable {
    case validating, failed
    case inProgress = "in_progress"
    case finalizing, completed, expired, cancelling, cancelled

    /// No more changes come: the batch has its files, or failed validation.
    public var isFinal: Bool { [.failed, .completed, .expired, .cancelled].contains(self) }
}

/// One problem found while validating an input file (OpenAI's `errors.data`).
public struct BatchError: Sendable, Equatable, Codable {
    public var code: String
    public var message: String
    public var param: String?
    /// The input file's line, from 1.
    public var line: Int?

    public init(code: String, message: String, param: String? = nil, line: Int? = nil) {
        self.code = code
        self.message = message
        self.param = param
        self.line = line
    }
}

public struct BatchRequestCounts: Sendable, Equatable {
    public var total: Int
    public var completed: Int
    public var failed: Int

    public init(total: Int, completed: Int, failed: Int) {
        self.total = total
        self.completed = completed
        self.failed = failed
    }
}

/// A batch as stored (OpenAI's `Batch`).
public struct Batch: Sendable, Equatable {
    public var id: String
    public var owner: String
    /// The key that created it: its lines are billed to it.
    public var keyID: String?
    public var endpoint: String
    public var inputFileID: String
    public var completionWindow: String
    public var status: BatchStatus
    public var outputFileID: String?
    public var errorFileID: String?
    public var errors: [BatchError]?
    /// The client's metadata object, as JSON text.
    public var metadata: String?
    public var requestCounts: BatchRequestCounts
    public var createdAt: Date
    public var inProgressAt: Date?
    public var expiresAt: Date?
    public var finalizingAt: Date?
    public var completedAt: Date?
    public var failedAt: Date?
    public var expiredAt: Date?
    public var cancellingAt: Date?
    public var cancelledAt: Date?

    public init(id: String, owner: String, keyID: String?, endpoint: String, inputFileID: String, completionWindow: String,
                status: BatchStatus, requestCounts: BatchRequestCounts, createdAt: Date) {
        self.id = id
        self.owner = owner
        self.keyID = keyID
        self.endpoint = endpoint
        self.inputFileID = inputFileID
        self.completionWindow = completionWindow
        self.status = status
        self.requestCounts = requestCounts
        self.createdAt = createdAt
    }
}

/// What `createBatch` stores.
public struct NewBatch: Sendable {
    public var owner: String
    public var keyID: String?
    public var endpoint: String
    public var inputFileID: String
    public var completionWindow: String
    public var metadata: String?
    public var expiresAt: Date
    /// The validated lines, in file order; empty when `errors` is not.
    public var lines: [BatchLineInput]
    /// What validation found; non-empty: the batch is created `failed`.
    public var errors: [BatchError]

    public init(owner: String, keyID: String?, endpoint: String, inputFileID: String, completionWindow: String,
                metadata: String?, expiresAt: Date, lines: [BatchLineInput], errors: [BatchError]) {
        self.owner = owner
        self.keyID = keyID
        self.endpoint = endpoint
        self.inputFileID = inputFileID
        self.completionWindow = completionWindow
        self.metadata = metadata
        self.expiresAt = expiresAt
        self.lines = lines
        self.errors = errors
    }
}

/// One request of an input file.
public struct BatchLineInput: Sendable, Equatable {
    public var customID: String
    /// The request body, as JSON text.
    public var body: String

    public init(customID: String, body: String) {
        self.customID = customID
        self.body = body
    }
}

/// A line leased to a worker, with what running it needs.
public struct ClaimedBatchLine: Sendable, Equatable {
    public var id: String
    public var batchID: String
    public var customID: String
    /// The input file's line, from 1.
    public var line: Int
    public var body: String
    public var endpoint: String
    public var owner: String
    public var keyID: String?

    public init(id: String, batchID: String, customID: String, line: Int, body: String, endpoint: String, owner: String, keyID: String?) {
        self.id = id
        self.batchID = batchID
        self.customID = customID
        self.line = line
        self.body = body
        self.endpoint = endpoint
        self.owner = owner
        self.keyID = keyID
    }
}

/// A line's result: one line of the output file (a 2xx answer) or of the error file.
public struct BatchLineResult: Sendable, Equatable {
    public var isError: Bool
    /// The whole output line, JSON text without the newline.
    public var line: String

    public init(isError: Bool, line: String) {
        self.isError = isError
        self.line = line
    }
}
