/// One entry of the tensor table. `dimensions[0]` is the row length (ggml's ne0),
/// so a weight matrix for `y = W x` has dimensions `[in, out]` and `out` rows.
public struct GGUFTensorInfo: Sendable, Equatable {
    public let name: String
    public let dimensions: [Int]
    public let type: GGMLType
    /// Byte offset of the tensor's data from the start of the file.
    public let fileOffset: Int
    public let elementCount: Int
    public let byteCount: Int

    /// Elements in one row.
    public var rowLength: Int { dimensions.first ?? 1 }
    /// Number of rows (all dimensions after the first, multiplied).
    public var rowCount: Int { dimensions.count <= 1 ? 1 : elementCount / rowLength }
    /// Bytes in one row.
    public var rowBytes: Int { rowLength / type.blockSize * type.blockBytes }
}
