import KernelsC

/// out = x / sqrt(mean(x²) + epsilon) * weight; the sum of squares is accumulated in Double.
public func rmsNorm(_ x: UnsafePointer<Float>, weight: UnsafePointer<Float>, count: Int, epsilon: Float, output: UnsafeMutablePointer<Float>) {
    kc_rms_norm(x, weight, Int64(count), epsilon, output)
}

/// gate[i] = silu(gate[i]) * up[i], the SwiGLU feed-forward activation.
public func siluMultiply(gate: UnsafeMutablePointer<Float>, up: UnsafePointer<Float>, count: Int) {
    kc_silu_mul(gate, up, Int64(count))
}

/// Numerically stable softmax of an attention row; masked entries may be -infinity.
/// A row with every entry masked becomes uniform rather than NaN.
public func softmaxInPlace(_ x: UnsafeMutablePointer<Float>, count: Int) {
    kc_softmax(x, Int64(count))
}
