import Backends
import Engine
import Foundation
import HTTPTypes
import Hummingbird
import JSONValue

/// Writes a response that holds what the instruments wrote to files (captured
/// activations, whole prompt distributions) without ever holding it in memory:
/// the engine wrote the files as it computed them, and here each such value is
/// streamed from its file, piece by piece, where the rest of the JSON leaves a
/// placeholder for it.
struct InstrumentStreaming {
    /// Writes one JSON value in place of a placeholder.
    typealias ValueWriter = @Sendable (inout any ResponseBodyWriter) async throws -> Void

    /// The placeholders put in the JSON, and what writes the value each stands for.
    private(set) var placeholders: [(marker: ByteBuffer, write: ValueWriter)] = []

    /// Bytes read from the files at a time: a multiple of 3, so each piece is
    /// whole base64 quanta.
    static let pieceBytes = 3 << 20

    /// A JSON value that `write` produces as the response is sent.
    mutating func streamed(_ write: @escaping ValueWriter) -> JSON {
        // A NUL cannot appear in serialized JSON text, so the placeholder cannot collide with content.
        let marker = ByteBuffer(string: "\u{0}instrument-\(placeholders.count)-\(UUID().uuidString)")
        placeholders.append((marker, write))
        return .written(marker)
    }

    /// `activations.residual_stream` of a choice, its `data` to be streamed.
    mutating func json(_ a: CapturedActivations) -> JSON {
        .object([("residual_stream", .object([
            ("layers", .array(a.layers.map { .int($0) })),
            ("shape", .array([.int(a.layers.count), .int(a.positions), .int(a.hiddenSize)])),
            ("dtype", "float32"),
            ("data", streamed { writer in try await Self.writeBase64(of: a.files, to: &writer) }),
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
                if let write = placeholders.first(where: { $0.marker == piece })?.write {
                    try await write(&writer)
                } else {
                    try await writer.write(piece)
                }
            }
            try await writer.finish(nil)
        })
    }

    /// The files one after another, as one quoted base64 string.
    static func writeBase64(of files: [URL], to writer: inout any ResponseBodyWriter) async throws {
        var base64 = Base64Text()
        try await base64.start(&writer)
        for url in files {
            let handle = try FileHandle(forReadingFrom: url)
            defer { try? handle.close() }
            while let piece = try handle.read(upToCount: pieceBytes), !piece.isEmpty {
                try await base64.append(piece, to: &writer)
            }
        }
        try await base64.finish(&writer)
    }
}

/// One quoted base64 string written piece by piece: bytes that do not yet make
/// whole 3-byte quanta wait for the next piece.
struct Base64Text {
    private var carry = Data()

    func start(_ writer: inout any ResponseBodyWriter) async throws {
        try await writer.write(ByteBuffer(string: "\""))
    }

    mutating func append(_ bytes: Data, to writer: inout any ResponseBodyWriter) async throws {
        carry.append(bytes)
        let whole = carry.count / 3 * 3
        guard whole > 0 else { return }
        try await writer.write(ByteBuffer(string: carry.prefix(whole).base64EncodedString()))
        carry = Data(carry.dropFirst(whole))
    }

    mutating func finish(_ writer: inout any ResponseBodyWriter) async throws {
        if !carry.isEmpty { try await writer.write(ByteBuffer(string: carry.base64EncodedString())) }
        carry = Data()
        try await writer.write(ByteBuffer(string: "\""))
    }
}
