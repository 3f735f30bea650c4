import Crypto
import Foundation
import GGUF

/// Which exact model file a local model is: its SHA-256 and its quantization,
/// reported by `/v1/models` so that a result can be tied to the weights that
/// made it. Computed once when the model is loaded, never on a request.
public struct ModelFingerprint: Sendable, Equatable {
    /// Lowercase hex SHA-256 of the whole GGUF file, as `sha256sum` prints it.
    public var sha256: String
    /// The quantization holding most of the weights (`Q4_1`, `Q8_0`, `F16`…).
    public var quantization: String

    public init(sha256: String, quantization: String) {
        self.sha256 = sha256
        self.quantization = quantization
    }

    /// Reads the file once, in 4 MiB pieces (the model is memory-mapped
    /// already; reading it again through the page cache costs no extra memory).
    public init(file: GGUFFile) throws {
        guard let handle = FileHandle(forReadingAtPath: file.path) else {
            throw BackendError.failed("cannot open \(file.path) to compute its SHA-256")
        }
        defer { try? handle.close() }
        var hasher = SHA256()
        while let piece = try handle.read(upToCount: 4 << 20), !piece.isEmpty {
            hasher.update(data: piece)
        }
        sha256 = hasher.finalize().map { String(format: "%02x", $0) }.joined()
        quantization = Self.quantization(of: file.tensors)
    }

    /// A response's `system_fingerprint`: what computed it (`engine`, as
    /// `Engine.numericsIdentity`) and on which weights, e.g.
    /// `engine1-avx512-sha256:9f86d0…` (the whole digest).
    public func systemFingerprint(engine: String) -> String { "\(engine)-sha256:\(sha256)" }

    /// The type of the most weight elements among matrices. Files mix types
    /// (norms stay F32, embeddings are often kept wider), so a file named
    /// `…Q4_1.gguf` is "Q4_1" because most of its matrix elements are.
    static func quantization(of tensors: [GGUFTensorInfo]) -> String {
        var elements: [GGMLType: Int] = [:]
        for tensor in tensors where tensor.dimensions.count >= 2 {
            elements[tensor.type, default: 0] += tensor.elementCount
        }
        let most = elements.max { a, b in a.value != b.value ? a.value < b.value : a.key.rawValue > b.key.rawValue }
        return most?.key.description ?? "unknown"
    }
}
