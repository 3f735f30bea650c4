import HummingbirdBcrypt

/// Passwords are stored as bcrypt hashes (slow on purpose: unlike key secrets
/// they are guessable). Cost 12 in production; tests pass a lower cost.
public enum PasswordHasher {
    public static let defaultCost: UInt8 = 12
    public static let minimumLength = 8

    public static func hash(_ password: String, cost: UInt8 = defaultCost) -> String {
        Bcrypt.hash(password, cost: cost)
    }

    public static func verify(_ password: String, hash: String) -> Bool {
        Bcrypt.verify(password, hash: hash)
    }

    /// Throws `AccessError.invalid` for a password too short to be one.
    public static func validatePassword(_ password: String) throws {
        guard password.count >= minimumLength else {
            throw AccessError.invalid("A password needs at least \(minimumLength) characters.")
        }
    }
}
