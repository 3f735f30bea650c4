import Foundation

/// The rules for what people type into the forms. Each check returns the
/// message to show beside the field, or nil when the value is fine.
enum FormValidation {
    static let maxNameLength = 200
    static let maxEmailLength = 254
    static let maxAffiliationLength = 200
    static let maxNoteLength = 2000
    static let minPasswordLength = 8
    /// bcrypt reads only the first 72 bytes; longer passwords would silently
    /// share a hash with their prefix.
    static let maxPasswordBytes = 72

    static func name(_ value: String) -> String? {
        if value.isEmpty { return "Please give your name." }
        if value.count > maxNameLength { return "Please keep the name under \(maxNameLength) characters." }
        if value.unicodeScalars.contains(where: { CharacterSet.controlCharacters.contains($0) }) {
            return "The name contains characters that cannot be used."
        }
        return nil
    }

    /// Plausible, not proven: one `@` with something on each side, a dot in the
    /// domain, no spaces or control characters. The invite email proves the rest.
    static func email(_ value: String) -> String? {
        if value.isEmpty { return "Please give your email address." }
        if value.count > maxEmailLength { return "That email address is too long." }
        let parts = value.split(separator: "@", omittingEmptySubsequences: false)
        guard parts.count == 2, !parts[0].isEmpty, parts[1].count >= 3, parts[1].contains("."),
              !parts[1].hasPrefix("."), !parts[1].hasSuffix("."),
              !value.unicodeScalars.contains(where: { CharacterSet.whitespacesAndNewlines.contains($0) || CharacterSet.controlCharacters.contains($0) })
        else { return "That does not look like an email address." }
        return nil
    }

    static func affiliation(_ value: String) -> String? {
        value.count > maxAffiliationLength ? "Please keep the affiliation under \(maxAffiliationLength) characters." : nil
    }

    static func note(_ value: String) -> String? {
        if value.isEmpty { return "Please say briefly how you would use the service." }
        if value.count > maxNoteLength { return "Please keep the note to \(maxNoteLength) characters (it has \(value.count))." }
        return nil
    }

    static func password(_ value: String, confirmation: String) -> String? {
        if value.count < minPasswordLength { return "Please choose a password of at least \(minPasswordLength) characters." }
        if value.utf8.count > maxPasswordBytes { return "Please choose a password of at most \(maxPasswordBytes) bytes." }
        if value != confirmation { return "The two passwords differ." }
        return nil
    }

    /// Email addresses are compared case-insensitively everywhere.
    static func normalizedEmail(_ value: String) -> String {
        value.trimmingCharacters(in: .whitespacesAndNewlines).lowercased()
    }

    /// A limit field: blank means no limit, else a whole number; nil when it is neither.
    static func limit(_ value: String) -> Int?? {
        let trimmed = value.trimmingCharacters(in: .whitespaces)
        if trimmed.isEmpty { return .some(nil) }
        guard let n = Int(trimmed), n >= 0 else { return nil }
        return .some(n)
    }

    /// A budget field: blank means no budget, else a positive whole number of
    /// tokens (commas and spaces between digits allowed); nil when it is neither.
    static func budget(_ value: String) -> Int?? {
        let digits = value.filter { $0 != "," && $0 != " " && $0 != "_" }
        if digits.isEmpty { return .some(nil) }
        guard let n = Int(digits), n > 0 else { return nil }
        return .some(n)
    }

    /// Allowed models, comma-separated; blank means every model.
    static func models(_ value: String) -> [String]? {
        let names = value.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
        return names.isEmpty ? nil : names
    }
}
