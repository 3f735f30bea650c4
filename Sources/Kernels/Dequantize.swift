import GGUF
import KernelsC

/// Decoding of GGUF weight encodings to fp32, exactly as the formats define the values.
public enum Dequantize {
    /// Types the kernels can decode and multiply; the model loader checks this first.
    public static func isSupported(_ type: GGMLType) -> Bool {
        kc_type_supported(Int32(type.rawValue)) != 0
    }

    /// Decodes `count` elements (a whole number of blocks) starting at `src` into `dst`.
    public static func row(_ type: GGMLType, from src: UnsafeRawPointer, to dst: UnsafeMutablePointer<Float>, count: Int) {
        precondition(isSupported(type), "unsupported weight type \(type)")
        precondition(count >= 0 && count % type.blockSize == 0, "\(count) elements is not a whole number of \(type) blocks")
        kc_dequantize_row(Int32(type.rawValue), src, dst, Int64(count))
    }
}
