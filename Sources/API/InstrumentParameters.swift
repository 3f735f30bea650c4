import Backends
import Engine
import Foundation
import JSONValue

/// The research instruments of a `/v1/completions` (or `/v1/score`) body, read
/// before the model is known; `resolve` checks them against the model's shape.
/// See README, "Research instruments".
struct InstrumentParameters {
    /// `output_residual_stream`: true (every layer) or a list of layer indices.
    var captureAll = false
    var captureLayers: [Int] = []
    var steering: [(vector: [Float], layers: [Int], scale: Float, positions: [Range<Int>]?)] = []
    var lensLayers: [Int] = []
    var lensTopK = 0
    /// The instrument fields present, by name, for `InstrumentGuard`.
    var fields: [String] = []

    /// At most this many steering vectors per request.
    static let maxSteeringVectors = 8
    static let steeringParam = "apply_steering_vectors"

    init(_ f: FieldReader, maxLogprobs: Int) throws {
        if let v = f.value("output_residual_stream") {
            switch v {
            case .bool(let all): captureAll = all
            case .array: captureLayers = try f.intList("output_residual_stream") ?? []
            default: throw f.typeError("output_residual_stream", "true or a list of layer indices", v)
            }
            if captureAll || !captureLayers.isEmpty { fields.append("output_residual_stream") }
        }
        if let v = f.value(Self.steeringParam) {
            guard case .array(let entries) = v else { throw f.typeError(Self.steeringParam, "a list of steering vectors", v) }
            guard entries.count <= Self.maxSteeringVectors else {
                throw APIError.invalid("`\(Self.steeringParam)` holds \(entries.count) vectors; at most \(Self.maxSteeringVectors) are allowed.",
                                       param: Self.steeringParam)
            }
            steering = try entries.map(Self.steeringVector)
            if !steering.isEmpty { fields.append(Self.steeringParam) }
        }
        if let v = f.value("logit_lens") {
            guard case .object = v else { throw f.typeError("logit_lens", "an object {layers, top_k}", v) }
            let lens = try FieldReader(body: v, fields: .logitLens)
            lensLayers = try lens.intList("layers") ?? []
            guard !lensLayers.isEmpty else {
                throw APIError.invalid("`logit_lens.layers` must list at least one layer index.", param: "logit_lens")
            }
            lensTopK = try lens.int("top_k", in: 0...maxLogprobs, rangeText: "between 0 and \(maxLogprobs) (the server's --max-logprobs)") ?? 5
            fields.append("logit_lens")
        }
    }

    var isEmpty: Bool { fields.isEmpty }

    /// One entry of `apply_steering_vectors`.
    private static func steeringVector(_ entry: JSON) throws -> (vector: [Float], layers: [Int], scale: Float, positions: [Range<Int>]?) {
        let param = steeringParam
        guard case .object = entry else {
            throw APIError.invalid("Each of `\(param)` must be an object {vector, layer_indices, scale, positions}.", param: param)
        }
        let e = try FieldReader(body: entry, fields: .steeringVector)
        let vector: [Float]
        switch e.value("vector") {
        case .string(let base64)?:
            guard let data = Data(base64Encoded: base64), data.count % 4 == 0, !data.isEmpty else {
                throw APIError.invalid("`vector` of `\(param)` must be base64 of little-endian float32 values.", param: param)
            }
            vector = data.withUnsafeBytes { raw in
                (0..<(data.count / 4)).map { Float(bitPattern: UInt32(littleEndian: raw.loadUnaligned(fromByteOffset: $0 * 4, as: UInt32.self))) }
            }
        case .array(let items)?:
            vector = try items.map { item in
                switch item {
                case .int(let i): return Float(i)
                case .double(let d): return Float(d)
                default: throw APIError.invalid("`vector` of `\(param)` must be a list of numbers (or base64 float32).", param: param)
                }
            }
        default:
            throw APIError.invalid("Each of `\(param)` needs a `vector`: a list of numbers, or base64 of float32.", param: param)
        }
        guard vector.allSatisfy(\.isFinite) else {
            throw APIError.invalid("`vector` of `\(param)` must hold finite numbers.", param: param)
        }
        guard let layers = try? e.intList("layer_indices"), !layers.isEmpty else {
            throw APIError.invalid("Each of `\(param)` needs `layer_indices`: a non-empty list of layer indices.", param: param)
        }
        guard let scale = try? e.number("scale"), scale.isFinite else {
            throw APIError.invalid("Each of `\(param)` needs a finite number `scale`.", param: param)
        }
        var positions: [Range<Int>]?
        if let list = e.value("positions") {
            guard case .array(let items) = list else {
                throw APIError.invalid("`positions` of `\(param)` must be a list of positions or of [start, end) spans.", param: param)
            }
            positions = try items.map { item in
                switch item {
                case .int(let p) where p >= 0: return p..<(p + 1)
                case .array(let pair):
                    guard pair.count == 2, case .int(let a) = pair[0], case .int(let b) = pair[1], a >= 0, a <= b else {
                        throw APIError.invalid("A span in `positions` of `\(param)` must be [start, end) with 0 <= start <= end.", param: param)
                    }
                    return a..<b
                default:
                    throw APIError.invalid("`positions` of `\(param)` must hold positions (integers >= 0) or [start, end) spans.", param: param)
                }
            }
        }
        return (vector, layers, Float(scale), positions)
    }

    /// The instruments for `model`, with every layer and vector checked against
    /// its shape. A vector with scale 0 is dropped: the request then runs
    /// exactly as it would without it, bit for bit.
    func resolve(model: ModelDescriptor) throws -> Instruments {
        var instruments = Instruments()
        guard !isEmpty, let layerCount = model.layerCount, let hidden = model.hiddenSize else { return instruments }
        func check(_ layers: [Int], _ param: String) throws {
            if let bad = layers.first(where: { !(0..<layerCount).contains($0) }) {
                throw APIError.invalid("Layer \(bad) in `\(param)` does not exist: model `\(model.name)` has layers 0 to \(layerCount - 1).",
                                       param: param)
            }
            guard Set(layers).count == layers.count else {
                throw APIError.invalid("`\(param)` lists a layer twice.", param: param)
            }
        }
        try check(captureLayers, "output_residual_stream")
        try check(lensLayers, "logit_lens")
        instruments.captureLayers = captureAll ? Array(0..<layerCount) : captureLayers
        instruments.lensLayers = lensLayers
        instruments.lensTopK = lensTopK
        for s in steering {
            try check(s.layers, Self.steeringParam)
            guard s.vector.count == hidden else {
                throw APIError.invalid("A steering `vector` has \(s.vector.count) values; model `\(model.name)` has hidden size \(hidden).",
                                       param: Self.steeringParam)
            }
            if s.scale != 0 {
                instruments.steering.append(SteeringVector(vector: s.vector, layers: s.layers, scale: s.scale, positions: s.positions))
            }
        }
        return instruments
    }
}
