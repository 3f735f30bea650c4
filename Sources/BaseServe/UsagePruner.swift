import Access
import Foundation
import Logging
import ServiceLifecycle

/// Deletes per-request usage rows past their retention once an hour (the daily
/// totals stay), so the usage table does not grow without bound.
struct UsagePruner: Service {
    let store: any AccessStore
    let retentionDays: Int
    let logger: Logger

    func run() async throws {
        while !Task.isShuttingDownGracefully && !Task.isCancelled {
            do {
                let removed = try await store.pruneUsage(before: Date().addingTimeInterval(-Double(retentionDays) * 86400))
                if removed > 0 { logger.info("usage: removed \(removed) request rows older than \(retentionDays) days") }
            } catch {
                logger.error("usage pruning failed: \(error)")
            }
            try? await cancelWhenGracefulShutdown { try await Task.sleep(for: .seconds(3600)) }
        }
    }
}
