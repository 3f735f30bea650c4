import Foundation

/// Members' and keys' own numbers of requests that may run at once
/// (`members.max_concurrency`, `api_keys.max_concurrency`): the API's queue
/// lets a key run its own number, else its member's, else the server's
/// `--key-concurrency`.
extension SQLAccessStore {
    /// The most that may be set: far beyond what one CPU server runs at once.
    public static let maxConcurrencySetting = 10_000

    public func setMemberConcurrency(memberID: String, maxConcurrency: Int?, by: String?) async throws {
        try Self.checkConcurrency(maxConcurrency)
        let time = now()
        try await transaction { connection in
            let updated = try await connection.first("UPDATE members SET max_concurrency = ? WHERE id = ? RETURNING id",
                                                     [.optional(maxConcurrency), .text(memberID)])
            guard updated != nil else { throw AccessError.notFound("No such member.") }
            try await Self.writeAudit(connection, time: time, action: "member.concurrency", target: memberID,
                                      detail: Self.describeConcurrency(maxConcurrency), by: by)
        }
    }

    public func setKeyConcurrency(id: String, maxConcurrency: Int?, by: String?) async throws {
        try Self.checkConcurrency(maxConcurrency)
        let time = now()
        try await transaction { connection in
            let updated = try await connection.first("UPDATE api_keys SET max_concurrency = ? WHERE id = ? RETURNING id",
                                                     [.optional(maxConcurrency), .text(id)])
            guard updated != nil else { throw AccessError.notFound("No such key.") }
            try await Self.writeAudit(connection, time: time, action: "key.concurrency", target: id,
                                      detail: Self.describeConcurrency(maxConcurrency), by: by)
        }
    }

    public func concurrencyOverrides() async throws -> ConcurrencyOverrides {
        var overrides = ConcurrencyOverrides()
        for row in try await query("SELECT id, max_concurrency FROM members WHERE max_concurrency IS NOT NULL") {
            overrides.members[try row.text("id")] = try row.int("max_concurrency")
        }
        for row in try await query("SELECT id, max_concurrency FROM api_keys WHERE max_concurrency IS NOT NULL") {
            overrides.keys[try row.text("id")] = try row.int("max_concurrency")
        }
        return overrides
    }

    private static func checkConcurrency(_ value: Int?) throws {
        if let value, !(1...maxConcurrencySetting).contains(value) {
            throw AccessError.invalid("Concurrent requests must be between 1 and \(maxConcurrencySetting) (or none, for the server's default).")
        }
    }

    private static func describeConcurrency(_ value: Int?) -> String {
        value.map { "\($0) at once" } ?? "server default"
    }
}
