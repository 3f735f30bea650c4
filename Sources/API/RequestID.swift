import Foundation
import HTTPTypes

/// The id that names one request in its `X-Request-Id` header, the log line
/// and the usage row, so a member reporting a problem and an operator reading
/// the log talk about the same request.
///
/// vLLM answers with the `X-Request-Id` a client sent (and uses it as the
/// request's id), else a random hex UUID; BaseServe does the same, so a client
/// can tie its own ids to the server's records. A client's value is taken only
/// when it is short and printable: at most `maxLength` visible ASCII
/// characters, no spaces or controls, since it is written into log lines, the
/// database, CSV files and pages. Anything else is replaced by a fresh id (not
/// refused: the header is a convenience and must never fail a request). A
/// client's id is not checked for uniqueness: two requests may share one.
public enum RequestID {
    public static let header = HTTPField.Name("X-Request-Id")!
    public static let maxLength = 128

    /// The client's id when acceptable, else a new one.
    public static func forRequest(_ headers: HTTPFields) -> String {
        if let sent = headers[header], isAcceptable(sent) { return sent }
        return generate()
    }

    public static func isAcceptable(_ value: String) -> Bool {
        let bytes = value.utf8
        return !bytes.isEmpty && bytes.count <= maxLength && bytes.allSatisfy { (0x21...0x7E).contains($0) }
    }

    /// 32 lowercase hex digits from 122 random bits, like vLLM's `uuid4().hex`.
    public static func generate() -> String {
        UUID().uuidString.replacingOccurrences(of: "-", with: "").lowercased()
    }
}
