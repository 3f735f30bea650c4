import Foundation
import Kernels

/// The whole next-token distribution at every scored prompt position, written
/// to a temporary file as each chunk of logits is formed, so that memory stays
/// bounded whatever the prompt's length. The file holds each position's
/// logits (float32, at the prompt's temperature) and memory its log-sum-exp:
/// from the two, every logprob and every rank comes out exactly as the top-k
/// path gives them (a rank counts strictly greater logits, which float32
/// logprobs alone cannot tell apart where two round to the same value).
/// Row j is the distribution for prompt token j + 1 (what position j
/// predicts). `finish` hands the file over as `CapturedDistributions`.
final class DistributionCapture {
    let vocabularySize: Int
    private let file: URL
    private let handle: FileHandle
    private var logSumExps: [Double] = []
    /// Set once `finish` has handed the file over; until then it is this object's to remove.
    private var handedOver = false

    init(vocabularySize: Int) throws {
        self.vocabularySize = vocabularySize
        file = FileManager.default.temporaryDirectory
            .appendingPathComponent("baseserve-distributions-\(UUID().uuidString).f32")
        guard FileManager.default.createFile(atPath: file.path, contents: nil),
              let handle = try? FileHandle(forWritingTo: file) else {
            try? FileManager.default.removeItem(at: file)
            throw CocoaError(.fileWriteUnknown)
        }
        self.handle = handle
    }

    /// Appends rows of logits with their log-sum-exps; rows arrive in prompt order.
    func append(logits: UnsafePointer<Float>, logSumExps: ArraySlice<Double>) {
        guard !logSumExps.isEmpty else { return }
        // The float32 values as they are in memory (little-endian on every platform BaseServe
        // runs on), written from the logits buffer itself: a chunk is 128 rows × the vocabulary
        // (25 MB on SmolLM2), not worth a copy.
        let bytes = UnsafeMutableRawPointer(mutating: logits)
        handle.write(Data(bytesNoCopy: bytes, count: logSumExps.count * vocabularySize * MemoryLayout<Float>.size, deallocator: .none))
        self.logSumExps += logSumExps
    }

    func finish() -> CapturedDistributions {
        try? handle.close()
        handedOver = true
        return CapturedDistributions(vocabularySize: vocabularySize, file: file, logSumExps: logSumExps)
    }

    deinit {
        try? handle.close()
        // A job cancelled before it finished: nobody will read its file.
        if !handedOver { try? FileManager.default.removeItem(at: file) }
    }
}

/// A job's whole prompt distributions: `rows × vocabularySize` float32 logits
/// in one file and each row's log-sum-exp; row j is for prompt token j + 1
/// (the first token has no distribution). The file is removed when the last
/// reference goes (once the response is sent).
public final class CapturedDistributions: @unchecked Sendable, Equatable {
    public let vocabularySize: Int
    public let file: URL
    public let logSumExps: [Double]
    public var rows: Int { logSumExps.count }

    init(vocabularySize: Int, file: URL, logSumExps: [Double]) {
        self.vocabularySize = vocabularySize
        self.file = file
        self.logSumExps = logSumExps
    }

    deinit {
        try? FileManager.default.removeItem(at: file)
    }

    /// Row `row`'s logprob of the entry with logit `logit`: bit for bit the top-k path's.
    public func logprob(logit: Float, row: Int) -> Float {
        Kernels.logprob(ofLogit: logit, logSumExp: logSumExps[row])
    }

    /// Turns `count` rows of logits, the first being row `first`, into logprobs in place.
    public func logprobs(_ values: UnsafeMutableBufferPointer<Float>, first: Int) {
        for r in 0..<(values.count / vocabularySize) {
            let lse = logSumExps[first + r]
            for i in (r * vocabularySize)..<((r + 1) * vocabularySize) {
                values[i] = Kernels.logprob(ofLogit: values[i], logSumExp: lse)
            }
        }
    }

    public static func == (a: CapturedDistributions, b: CapturedDistributions) -> Bool { a === b }
}
