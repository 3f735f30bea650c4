import Backends
import Engine
import Foundation
import Hummingbird
import JSONValue

/// `prompt_logprobs: -1`: a choice's whole distribution at every prompt
/// position, streamed from the file the engine wrote, a few rows at a time.
extension InstrumentStreaming {
    /// The choice's `prompt_logprobs`, as `encoding` asks.
    mutating func promptLogprobs(_ d: CapturedDistributions, prompt: [Int], vocabularyTexts: [String],
                                 encoding: PromptLogprobsEncoding) -> JSON {
        switch encoding {
        case .json:
            return streamed { writer in
                try await Self.writeEntries(d, prompt: prompt, vocabularyTexts: vocabularyTexts, to: &writer)
            }
        case .base64Float32:
            return .object([
                ("shape", .array([.int(d.rows + 1), .int(d.vocabularySize)])),
                ("dtype", "float32"),
                ("data", streamed { writer in try await Self.writeBase64(d, to: &writer) }),
            ])
        }
    }

    /// The rows of `d` in order, `rowsAtOnce` at a time, as float32 logits.
    private static func forEachRows(of d: CapturedDistributions, rowsAtOnce: Int,
                                    _ body: (_ first: Int, _ logits: inout [Float]) async throws -> Void) async throws {
        let handle = try FileHandle(forReadingFrom: d.file)
        defer { try? handle.close() }
        var first = 0
        var values: [Float] = []
        while first < d.rows {
            let count = min(rowsAtOnce, d.rows - first)
            guard let bytes = try handle.read(upToCount: count * d.vocabularySize * 4), bytes.count == count * d.vocabularySize * 4 else {
                throw APIError(.internalError, "The prompt's distributions could not be read back.")
            }
            values = [Float](repeating: 0, count: count * d.vocabularySize)
            values.withUnsafeMutableBytes { _ = bytes.copyBytes(to: $0) }
            try await body(first, &values)
            first += count
        }
    }

    /// One `[T, V]` float32 array: row 0 NaN (the first token has no context),
    /// so row i is the distribution that predicted token i; then each row's logprobs.
    static func writeBase64(_ d: CapturedDistributions, to writer: inout any ResponseBodyWriter) async throws {
        var base64 = Base64Text()
        try await base64.start(&writer)
        try await base64.append([Float](repeating: .nan, count: d.vocabularySize).withUnsafeBytes { Data($0) }, to: &writer)
        try await forEachRows(of: d, rowsAtOnce: max(1, pieceBytes / (d.vocabularySize * 4))) { first, values in
            values.withUnsafeMutableBufferPointer { d.logprobs($0, first: first) }
            try await base64.append(values.withUnsafeBytes { Data($0) }, to: &writer)
        }
        try await base64.finish(&writer)
    }

    /// vLLM's entries for the whole vocabulary: `[null, {...}, ...]`, each
    /// position's actual token first (as vLLM puts it), then every other entry
    /// from the most likely down (equal logits: lower id first). A rank is 1 +
    /// the number of entries with a strictly greater logit, as for the top-k.
    /// One position's row, order and text are held at a time.
    static func writeEntries(_ d: CapturedDistributions, prompt: [Int], vocabularyTexts: [String],
                             to writer: inout any ResponseBodyWriter) async throws {
        let v = d.vocabularySize
        // Each entry's `,"decoded_token":"…"}` once, escaped as JSON.
        let tails = (0..<v).map { id in
            var s = ",\"decoded_token\":"
            JSON.writeString(id < vocabularyTexts.count ? vocabularyTexts[id] : "", into: &s)
            return s + "}"
        }
        var order = [Int32](repeating: 0, count: v)
        var rank = [Int32](repeating: 0, count: v)
        var text = "[null"
        try await forEachRows(of: d, rowsAtOnce: 1) { j, row in
            for i in 0..<v { order[i] = Int32(i) }
            row.withUnsafeBufferPointer { r in
                order.sort { r[Int($0)] > r[Int($1)] || (r[Int($0)] == r[Int($1)] && $0 < $1) }
                for (i, id) in order.enumerated() {
                    rank[Int(id)] = i > 0 && r[Int(id)] == r[Int(order[i - 1])] ? rank[Int(order[i - 1])] : Int32(i + 1)
                }
            }
            let actual = prompt[j + 1]
            func entry(_ id: Int) {
                text += "\"\(id)\":{\"logprob\":"
                JSON.logprob(d.logprob(logit: row[id], row: j)).write(into: &text)
                text += ",\"rank\":\(rank[id])"
                text += tails[id]
            }
            text += ",{"
            entry(actual)
            for id in order where Int(id) != actual {
                text += ","
                entry(Int(id))
            }
            text += "}"
            try await writer.write(ByteBuffer(string: text))
            text.removeAll(keepingCapacity: true)
        }
        try await writer.write(ByteBuffer(string: text + "]"))
    }
}
