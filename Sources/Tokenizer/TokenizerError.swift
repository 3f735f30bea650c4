/// Why a tokenizer could not be built from a model's metadata. The message names
/// the metadata key involved so a user can tell a damaged file from an
/// unsupported tokenizer.
public struct TokenizerError: Error, CustomStringConvertible, Equatable, Sendable {
    public enum Kind: Sendable, Equatable {
        case missingKey
        case invalidValue
        case unsupportedModel
        case unsupportedPreTokenizer
    }

    public let kind: Kind
    public let message: String

    public init(_ kind: Kind, _ message: String) {
        self.kind = kind
        self.message = message
    }

    public var description: String { "tokenizer: \(message)" }

    static func missing(_ key: String, _ why: String) -> TokenizerError {
        TokenizerError(.missingKey, "metadata key \"\(key)\" is missing; \(why)")
    }

    static func invalid(_ key: String, _ why: String) -> TokenizerError {
        TokenizerError(.invalidValue, "metadata key \"\(key)\" is invalid: \(why)")
    }
}
