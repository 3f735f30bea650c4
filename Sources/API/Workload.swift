import Foundation
import HTTPTypes

/// What a client says a request is, with `X-Workload`: recorded in its usage
/// row and shown in the usage breakdown, so a lab can tell people at a prompt
/// from evaluation runs. It changes no scheduling. Any other value is ignored
/// (a header is advice, not a field to validate).
public enum Workload: String, Sendable, CaseIterable {
    case interactive
    case batch

    public static let header = HTTPField.Name("X-Workload")!

    /// The request's workload, or nil when it names none we know.
    public static func of(_ headers: HTTPFields) -> Workload? {
        headers[header].flatMap { Workload(rawValue: $0.trimmingCharacters(in: .whitespaces).lowercased()) }
    }
}
