import Backends
import Engine
import Foundation
import HTTPTypes
import Hummingbird
import JSONValue

/// Writes a response that holds captured activations without ever holding them
/// in memory: the engine wrote them to files as it computed them, and here each
/// `data` field is streamed from those files as base64, piece by piece, where
/// the rest of the JSON leaves a placeholder for it.
struct ActivationStreaming {
    /// The placeholders put in the JSON, and the activations each stands for.
    private(set) var placeholders: [(marker: ByteBuffer, activations: CapturedActivations)] = []

    /// Bytes read from the files at a time: a multiple of 3, so each piece is
    /// whole base64 quanta.
    static let pieceBytes = 3 << 20

    /// `activations.residual_stream` of a choice, its `data` to be streamed.
    mutating func json(_ a: CapturedActivations) -> JSON {
        // A NUL cannot appear in serialized JSON text, so the placeholder cannot collide with content.
        let marker = ByteBuffer(string: "\u{0}activations-\(placeholders.count)-\(UUID().uuidString)")
        placeholders.append((marker, a))
        return .object([("residual_stream", .object([
            ("layers", .array(a.layers.map { .int($0) })),
            ("shape", .array([.int(a.layers.count), .int(a.positions), .int(a.hiddenSize)])),
            ("dtype", "float32"),
            ("data", .written(marker)),
        ]))])
    }

    func response(_ json: JSON) -> Response {
        guard !placeholders.isEmpty else { return jsonResponse(json) }
        let pieces = json.serializedPieces
        let placeholders = self.placeholders
        var headers = HTTPFields()
        headers[.contentType] = "application/json"
        return Response(status: .ok, headers: headers, body: ResponseBody { writer in
            for piece in pieces {
                if let a = placeholders.first(where: { $0.marker == piece })?.activations {
                    try await writer.write(ByteBuffer(string: "\""))
                    try await Self.writeBase64(of: a.files, to: &writer)
                    try await writer.write(ByteBuffer(string: "\""))
                } else {
                    try await writer.write(piece)
                }
            }
            try await writer.finish(nil)
        })
    }

    /// The files one after another, as one base64 text.
    private static func writeBase64(of files: [URL], to writer: inout some ResponseBodyWriter) async throws {
        var carry = Data()
        for url in files {
            let handle = try FileHandle(forReadingFrom: url)
            defer { try? handle.close() }
            while let piece = try handle.read(upToCount: pieceBytes), !piece.isEmpty {
                carry.append(piece)
                let whole = carry.count / 3 * 3
                guard whole > 0 else { continue }
                try await writer.write(ByteBuffer(string: carry.prefix(whole).base64EncodedString()))
                carry = Data(carry.dropFirst(whole))
            }
        }
        if !carry.isEmpty { try await writer.write(ByteBuffer(string: carry.base64EncodedString())) }
    }
}
