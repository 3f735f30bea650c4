import Foundation

/// What the Workbench keeps for a member on the server, so it follows them to
/// another browser: saved prompts, looms and comparisons (with their last
/// runs), feedback sent from any page, and the key the page's requests bill.
///
/// Documents are private to their owner: every statement carries the member,
/// and another member's id is answered as if it did not exist (`.notFound`).
public protocol WorkbenchStore: Sendable {
    /// A new document (`id` nil) or a new name and body for one of the member's own.
    func saveDocument(memberID: String, kind: WorkbenchDocumentKind, id: String?, name: String,
                      body: String) async throws -> WorkbenchDocument
    /// The member's documents of one kind, most recently changed first, without their bodies.
    func documents(memberID: String, kind: WorkbenchDocumentKind) async throws -> [WorkbenchDocument]
    /// One of the member's documents with its body; nil when it is not theirs or does not exist.
    func document(memberID: String, kind: WorkbenchDocumentKind, id: String) async throws -> WorkbenchDocument?
    func renameDocument(memberID: String, kind: WorkbenchDocumentKind, id: String, name: String) async throws
    /// Deletes a document (a comparison's runs with it).
    func deleteDocument(memberID: String, kind: WorkbenchDocumentKind, id: String) async throws

    /// Keeps one run of a comparison; only the newest `ComparisonRun.kept` stay.
    func addComparisonRun(memberID: String, comparisonID: String, body: String) async throws -> ComparisonRun
    /// A comparison's kept runs, newest first.
    func comparisonRuns(memberID: String, comparisonID: String) async throws -> [ComparisonRun]

    func submitFeedback(memberID: String, category: FeedbackCategory, description: String, page: String) async throws -> Feedback
    /// Feedback, newest first: open only, or all.
    func feedback(includeClosed: Bool) async throws -> [Feedback]
    /// Closes an open item (audited); closing a closed one changes nothing.
    func closeFeedback(id: String, by: String?) async throws

    /// The key a member's Workbench requests bill: `keyID` when it is one of
    /// their own keys and usable, else (`keyID` nil) the key named
    /// `WorkbenchKey.name`, made for them on first use. nil for a key that is
    /// not theirs, revoked or expired, or a suspended member. A paused key is
    /// returned with `key.pausedAt` set, as `authenticate(key:)` does.
    func workbenchKey(memberID: String, keyID: String?) async throws -> KeyAuthentication?
}

public enum WorkbenchDocumentKind: String, Sendable, CaseIterable {
    case prompt, loom, comparison

    /// The path segment under `/workbench/api/`.
    public var collection: String { rawValue + "s" }
}

public struct WorkbenchDocument: Sendable, Equatable {
    public var id: String
    public var kind: WorkbenchDocumentKind
    public var name: String
    /// The page's JSON, as it sent it; empty in listings.
    public var body: String
    public var createdAt: Date
    public var updatedAt: Date

    /// Names are shown in lists: one line, not a page.
    public static let maxNameLength = 200
    /// A loom with its logprobs is the largest document; a few MiB is plenty.
    public static let maxBodyBytes = 4 << 20

    public init(id: String, kind: WorkbenchDocumentKind, name: String, body: String, createdAt: Date, updatedAt: Date) {
        self.id = id
        self.kind = kind
        self.name = name
        self.body = body
        self.createdAt = createdAt
        self.updatedAt = updatedAt
    }
}

public struct ComparisonRun: Sendable, Equatable {
    public var id: String
    public var createdAt: Date
    public var body: String
    /// Runs kept per comparison: older ones are dropped as new ones arrive.
    public static let kept = 20

    public init(id: String, createdAt: Date, body: String) {
        self.id = id
        self.createdAt = createdAt
        self.body = body
    }
}

public enum FeedbackCategory: String, Sendable, CaseIterable {
    case bug, feature, question
}

public struct Feedback: Sendable, Equatable {
    public var id: String
    public var memberID: String
    /// The sender's email at the time it is read (feedback outlives renames).
    public var memberEmail: String
    public var category: FeedbackCategory
    public var description: String
    /// The path of the page it was sent from.
    public var page: String
    public var createdAt: Date
    public var closedAt: Date?

    public static let maxDescriptionLength = 5000

    public init(id: String, memberID: String, memberEmail: String, category: FeedbackCategory, description: String,
                page: String, createdAt: Date, closedAt: Date?) {
        self.id = id
        self.memberID = memberID
        self.memberEmail = memberEmail
        self.category = category
        self.description = description
        self.page = page
        self.createdAt = createdAt
        self.closedAt = closedAt
    }
}

public enum WorkbenchKey {
    /// The name of the key made for a member whose Workbench picked none. Its
    /// secret is never shown: it is used only through the member's session.
    public static let name = "Workbench"
}
