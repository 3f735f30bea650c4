import Foundation
import JSONValue
import Logging
import ServiceLifecycle

/// Who a batch's lines run as: the key that created the batch, looked up
/// again for each line, so a key revoked or paused since stops its batch.
public protocol BatchPrincipals: Sendable {
    /// The key's principal (its limits, budgets and usage account), or nil
    /// when the key or its member can no longer make requests.
    func principal(keyID: String) async throws -> Principal?
}

/// Runs batch lines in every `serve` process: claims a few lines at a time
/// while fewer than `settings.concurrency` run, runs each through the API's own
/// routes, stores its result once, renews the leases of running lines, and
/// finishes batches that are due. Several processes on one database share the
/// work; one that dies loses only its leases.
public struct BatchRunner: Service {
    let store: any BatchStore
    let principals: (any BatchPrincipals)?
    let dispatcher: BatchLineDispatcher
    let settings: BatchSettings
    let logger: Logger
    /// This process's name on its leases.
    let worker: String
    private let running = RunningLines()

    public init(store: any BatchStore, principals: (any BatchPrincipals)?, dispatcher: BatchLineDispatcher,
                settings: BatchSettings, logger: Logger) {
        self.store = store
        self.principals = principals
        self.dispatcher = dispatcher
        self.settings = settings
        self.logger = logger
        worker = "\(ProcessInfo.processInfo.hostName)/\(ProcessInfo.processInfo.processIdentifier)/\(UUID().uuidString.prefix(8))"
    }

    public func run() async throws {
        await withTaskGroup(of: Void.self) { group in
            group.addTask { await renewLeases() }
            group.addTask { await finalizeDueBatches() }
            var inFlight = 0
            while !Task.isShuttingDownGracefully && !Task.isCancelled {
                var claimed: [ClaimedBatchLine] = []
                do {
                    claimed = try await store.claimBatchLines(worker: worker, limit: settings.concurrency - inFlight,
                                                              leaseSeconds: settings.leaseSeconds)
                } catch {
                    logger.error("batch: claiming lines failed: \(error)")
                }
                for line in claimed {
                    inFlight += 1
                    running.insert(line.id)
                    group.addTask {
                        await run(line)
                        running.remove(line.id)
                    }
                }
                if inFlight >= settings.concurrency || (claimed.isEmpty && inFlight > 0) {
                    // Claim again as soon as a line ends.
                    await group.next()
                    inFlight -= 1
                } else if claimed.isEmpty {
                    try? await cancelWhenGracefulShutdown { try await Task.sleep(for: .milliseconds(500)) }
                }
            }
            // Shutting down: lines already running finish (their results are stored); nothing new is claimed.
        }
    }

    /// Runs one line and stores its result; a line refused only for now (a
    /// per-minute limit, a full queue, a server draining) goes back to the pool.
    private func run(_ line: ClaimedBatchLine) async {
        var principal: Principal?
        if let keyID = line.keyID {
            do {
                principal = try await principals?.principal(keyID: keyID)
            } catch {
                logger.error("batch \(line.batchID): the key's state could not be read: \(error)")
                try? await store.releaseBatchLine(worker: worker, lineID: line.id, delaySeconds: 5)
                return
            }
            if principal == nil {
                let error = APIError(.invalidAPIKey, "The API key that created this batch can no longer be used (revoked, expired, paused, or its member suspended).")
                await commit(line, status: Int(error.status.code), requestID: RequestID.generate(), body: error.json)
                return
            }
        } else if line.owner != BatchOwner.anonymous {
            principal = Principal(name: "batch")
        }
        let answer = await dispatcher.dispatch(endpoint: line.endpoint, body: line.body, principal: principal)
        if let delay = Self.retryDelay(answer) {
            try? await store.releaseBatchLine(worker: worker, lineID: line.id, delaySeconds: delay)
            return
        }
        await commit(line, status: answer.status, requestID: answer.requestID, body: answer.body)
    }

    private func commit(_ line: ClaimedBatchLine, status: Int, requestID: String, body: JSON) async {
        let result = BatchLineResult(isError: !(200..<300).contains(status),
                                     line: BatchOutputLine.answered(customID: line.customID, statusCode: status, requestID: requestID, body: body))
        do {
            _ = try await store.commitBatchResult(lineID: line.id, result: result)
        } catch {
            // The lease runs out and another run stores it.
            logger.error("batch \(line.batchID): the result of \(line.customID) could not be stored: \(error)")
        }
    }

    /// Seconds to wait before the line runs again, when its refusal is
    /// temporary; nil when its answer is its result.
    static func retryDelay(_ answer: BatchLineDispatcher.Answer) -> Double? {
        guard case .object(let members) = answer.body,
              case .object(let error)? = members.first(where: { $0.0 == "error" })?.1,
              case .string(let code)? = error.first(where: { $0.0 == "code" })?.1 else { return nil }
        switch code {
        case APIErrorCode.rateLimitExceeded.rawValue, APIErrorCode.queueFull.rawValue: return 1
        case APIErrorCode.serverDraining.rawValue, APIErrorCode.serviceUnavailable.rawValue: return 5
        default: return nil
        }
    }

    private func renewLeases() async {
        while !Task.isShuttingDownGracefully && !Task.isCancelled {
            try? await cancelWhenGracefulShutdown { try await Task.sleep(for: .seconds(settings.leaseSeconds / 3)) }
            do {
                try await store.renewBatchLeases(worker: worker, lineIDs: running.ids, leaseSeconds: settings.leaseSeconds)
            } catch {
                logger.error("batch: renewing leases failed: \(error)")
            }
        }
    }

    private func finalizeDueBatches() async {
        while !Task.isShuttingDownGracefully && !Task.isCancelled {
            do {
                for id in try await store.finalizeDueBatches() { logger.info("batch \(id) finished") }
            } catch {
                logger.error("batch: finishing batches failed: \(error)")
            }
            try? await cancelWhenGracefulShutdown { try await Task.sleep(for: .seconds(1)) }
        }
    }
}

/// The lines this process runs now, for renewing their leases.
private final class RunningLines: @unchecked Sendable {
    private let lock = NSLock()
    private var set: Set<String> = []

    func insert(_ id: String) { _ = lock.withLock { set.insert(id) } }
    func remove(_ id: String) { _ = lock.withLock { set.remove(id) } }
    var ids: [String] { lock.withLock { Array(set) } }
}

/// Who owns files and batches: a member (their id), every operator key
/// together, or nobody in particular on a server without keys.
enum BatchOwner {
    static let operators = "operator"
    static let anonymous = "anonymous"

    static func of(_ principal: Principal?) -> String {
        guard let principal else { return anonymous }
        return principal.memberID ?? operators
    }
}
