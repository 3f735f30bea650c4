/// A minimal JSON writer that keeps keys in the order they are written: the API
/// promises `prompt_logprobs` members in rank order, which a dictionary-based
/// encoder cannot keep.
public struct JSONWriter {
    public private(set) var output = ""

    public init() {}

    public mutating func raw(_ s: String) { output += s }

    public mutating func string(_ s: String) {
        output += "\""
        for scalar in s.unicodeScalars {
            switch scalar {
            case "\"": output += "\\\""
            case "\\": output += "\\\\"
            case "\n": output += "\\n"
            case "\r": output += "\\r"
            case "\t": output += "\\t"
            case _ where scalar.value < 0x20:
                let hex = String(scalar.value, radix: 16)
                output += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
            default: output.unicodeScalars.append(scalar)
            }
        }
        output += "\""
    }

    /// A logprob as JSON: `-inf` (impossible tokens) is written -9999.0, as vLLM does.
    public mutating func logprob(_ x: Float) {
        output += x.isFinite ? "\(x)" : (x < 0 ? "-9999.0" : "9999.0")
    }

    public mutating func int(_ x: Int) { output += String(x) }
}

extension JSONWriter {
    /// One `prompt_logprobs` entry in the API's shape: the top-k in rank order,
    /// then the actual token when it ranks below them; `null` for position 0.
    public mutating func promptLogprobsEntry(_ score: PositionScore?, topK: Int, decode: (Int) -> String) {
        guard let score else { raw("null"); return }
        raw("{")
        var first = true
        func member(_ id: Int, _ logprob: Float, _ rank: Int) {
            if !first { raw(",") }
            first = false
            string(String(id))
            raw(":{\"logprob\":")
            self.logprob(logprob)
            raw(",\"rank\":")
            int(rank)
            raw(",\"decoded_token\":")
            string(decode(id))
            raw("}")
        }
        // Ranks of the top-k follow the same strictly-greater rule as the actual token's.
        var rank = 1
        for (i, t) in score.top.prefix(topK).enumerated() {
            if i > 0, t.logprob < score.top[i - 1].logprob { rank = i + 1 }
            member(t.id, t.logprob, t.id == score.tokenId ? score.rank : rank)
        }
        if !score.top.prefix(topK).contains(where: { $0.id == score.tokenId }) {
            member(score.tokenId, score.logprob, score.rank)
        }
        raw("}")
    }
}
