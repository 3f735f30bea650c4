import GGUF

/// A weight matrix as GGUF stores it: `rows` rows of `columns` elements, each row
/// `columns / type.blockSize` blocks of `type`, rows contiguous. `data` usually points
/// into the memory-mapped model file and must outlive every use of the matrix.
public struct WeightMatrix: @unchecked Sendable {
    public let type: GGMLType
    public let rows: Int
    public let columns: Int
    public let data: UnsafeRawPointer

    public init(type: GGMLType, rows: Int, columns: Int, data: UnsafeRawPointer) {
        precondition(rows >= 0 && columns >= 0, "negative matrix shape")
        precondition(columns % type.blockSize == 0, "row length \(columns) is not a whole number of \(type) blocks")
        self.type = type
        self.rows = rows
        self.columns = columns
        self.data = data
    }

    /// Bytes of one stored row.
    public var rowBytes: Int { columns / type.blockSize * type.blockBytes }
}
