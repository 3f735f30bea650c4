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
    private let file: CaptureFile
    private var logSumExps: [Double] = []
    /// Set once `finish` has handed the file over; until then it is this object's to remove.
    private var handedOver = false

    /// Creates the file; throws, naming it and the system's reason, when it cannot be created.
    init(vocabularySize: Int) throws(CaptureFileError) {
        self.vocabularySize = vocabularySize
        file = try CaptureFile(named: "baseserve-distributions-\(UUID().uuidString).f32", kind: "distribution")
    }

    /// Appends rows of logits with their log-sum-exps; rows arrive in prompt order. The
    /// logits are written from their buffer itself: a chunk is 128 rows × the vocabulary
    /// (25 MB on SmolLM2), not worth a copy.
    func append(logits: UnsafePointer<Float>, logSumExps: ArraySlice<Double>) {
        guard !logSumExps.isEmpty else { return }
        file.write(logits, count: logSumExps.count * vocabularySize * MemoryLayout<Float>.size)
        self.logSumExps += logSumExps
    }

    /// Hands the file over, or throws the first write that failed (the file is then removed).
    func finish() throws(CaptureFileError) -> CapturedDistributions {
        file.close()
        if let failure = file.failure { throw failure }
        handedOver = true
        return CapturedDistributions(vocabularySize: vocabularySize, file: file.url, logSumExps: logSumExps)
    }

    deinit {
        file.close()
        // A job cancelled (or failed) before it finished: nobody will read its file.
        if !handedOver { file.remove() }
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
