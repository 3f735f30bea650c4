/// Keys and values of every layer for the positions a sequence has seen so far.
///
/// Per layer, keys and values are `capacity × kvDimension` fp32 rows, so the
/// attention over the cache is a plain strided matrix product.
public final class KVCache: @unchecked Sendable {
    public let capacity: Int
    public let layerCount: Int
    public let kvDimension: Int
    /// Positions filled so far; the next token evaluated sits at this position.
    public internal(set) var count: Int = 0
    let keys: UnsafeMutablePointer<Float>
    let values: UnsafeMutablePointer<Float>

    public init(config: LlamaConfig, capacity: Int) {
        precondition(capacity > 0)
        self.capacity = capacity
        layerCount = config.layerCount
        kvDimension = config.kvDimension
        let size = layerCount * capacity * kvDimension
        keys = .allocate(capacity: size)
        values = .allocate(capacity: size)
    }

    deinit {
        keys.deallocate()
        values.deallocate()
    }

    /// Bytes held by the cache.
    public var byteCount: Int { 2 * layerCount * capacity * kvDimension * MemoryLayout<Float>.size }

    /// Forgets positions from `newCount` on, so a sequence can be re-evaluated from there.
    public func truncate(to newCount: Int) {
        precondition(newCount >= 0 && newCount <= count)
        count = newCount
    }

    func keys(layer: Int) -> UnsafeMutablePointer<Float> { keys + layer * capacity * kvDimension }
    func values(layer: Int) -> UnsafeMutablePointer<Float> { values + layer * capacity * kvDimension }
}
