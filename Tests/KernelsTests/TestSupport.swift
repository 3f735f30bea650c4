import Foundation
import GGUF
@testable import Kernels

/// Deterministic generator so failures reproduce.
struct SplitMix64: RandomNumberGenerator {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476C_E1E4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

/// The 11 weight types the kernels support.
let supportedTypes: [GGMLType] = [.f32, .f16, .bf16, .q8_0, .q4_0, .q4_1, .q5_0, .q5_1, .q4_K, .q5_K, .q6_K]

/// Byte offsets of the fp16 scale fields in one block (random bytes there could be inf/NaN).
func scaleOffsets(_ type: GGMLType) -> [Int] {
    switch type {
    case .q4_0, .q5_0, .q8_0: return [0]
    case .q4_1, .q5_1, .q4_K, .q5_K: return [0, 2]
    case .q6_K: return [208]
    default: return []
    }
}

/// A finite fp16 bit pattern with magnitude in roughly [2^(lo-15), 2^(hi-14)).
func randomHalfBits(_ rng: inout SplitMix64, exponents: ClosedRange<UInt16>) -> UInt16 {
    let sign = UInt16.random(in: 0...1, using: &rng) << 15
    let exp = UInt16.random(in: exponents, using: &rng) << 10
    return sign | exp | UInt16.random(in: 0...0x3FF, using: &rng)
}

/// Random but well-formed bytes for a `rows`×`columns` matrix of `type`.
func randomMatrixBytes(_ type: GGMLType, rows: Int, columns: Int, seed: UInt64) -> [UInt8] {
    var rng = SplitMix64(seed: seed)
    let count = rows * columns / type.blockSize * type.blockBytes
    var bytes = (0..<count).map { _ in UInt8.random(in: 0...255, using: &rng) }
    func put16(_ v: UInt16, at i: Int) { bytes[i] = UInt8(v & 0xFF); bytes[i + 1] = UInt8(v >> 8) }
    switch type {
    case .f32:
        for i in 0..<(rows * columns) {
            let v = Float.random(in: -1...1, using: &rng).bitPattern
            for b in 0..<4 { bytes[4 * i + b] = UInt8((v >> (8 * UInt32(b))) & 0xFF) }
        }
    case .f16:
        for i in 0..<(rows * columns) { put16(randomHalfBits(&rng, exponents: 10...15), at: 2 * i) }
    case .bf16:
        for i in 0..<(rows * columns) { put16(UInt16(Float.random(in: -1...1, using: &rng).bitPattern >> 16), at: 2 * i) }
    default:
        for block in 0..<(count / type.blockBytes) {
            for off in scaleOffsets(type) {
                put16(randomHalfBits(&rng, exponents: 6...13), at: block * type.blockBytes + off)
            }
        }
    }
    return bytes
}

func randomFloats(_ n: Int, seed: UInt64, range: ClosedRange<Float> = -1...1) -> [Float] {
    var rng = SplitMix64(seed: seed)
    return (0..<n).map { _ in Float.random(in: range, using: &rng) }
}

/// Reads a fixture written by make_fixtures.py.
func fixture(_ name: String) throws -> Data {
    guard let url = Bundle.module.url(forResource: name, withExtension: nil, subdirectory: "Fixtures") else {
        throw CocoaError(.fileNoSuchFile, userInfo: [NSFilePathErrorKey: name])
    }
    return try Data(contentsOf: url)
}

/// Runs `body` with the kernels capped at the portable paths, then at AVX2 (each only as far
/// as this CPU allows), so one machine checks every dispatch level.
func withEachReducedSIMD(_ body: () throws -> Void) rethrows {
    defer { limitSIMD(.avx512) }
    for level in [SIMDLimit.portable, .avx2] {
        limitSIMD(level)
        try body()
    }
}
