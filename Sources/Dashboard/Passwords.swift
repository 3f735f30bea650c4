import Access
import Dispatch

/// bcrypt through the store's `PasswordHasher`, run on a Dispatch queue: a hash
/// takes a quarter of a second at cost 12, too long to hold one of the few
/// threads that run every request's async code.
enum Passwords {
    static func hash(_ password: String, cost: Int) async -> String {
        let cost = UInt8(clamping: cost)
        return await offload { PasswordHasher.hash(password, cost: cost) }
    }

    static func verify(_ password: String, hash: String) async -> Bool {
        await offload { PasswordHasher.verify(password, hash: hash) }
    }

    private static func offload<T: Sendable>(_ work: @escaping @Sendable () -> T) async -> T {
        await withCheckedContinuation { continuation in
            DispatchQueue.global(qos: .userInitiated).async { continuation.resume(returning: work()) }
        }
    }
}
