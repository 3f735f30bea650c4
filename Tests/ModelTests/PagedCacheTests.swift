import GGUF
import Model
import TestSupport
import XCTest

/// The paged KV cache: blocks come from one pool and go back to it, shared
/// prefix blocks give the same numbers as computing the prefix again, and a
/// sequence never writes into a block another one still reads.
final class PagedCacheTests: XCTestCase {
    func testThePoolHandsOutAtMostItsCapacityAndReusesFreedBlocks() throws {
        let model = try LlamaModel(path: try TestPaths.require(TestPaths.tinyLlama3), threads: 1)
        let pool = KVBlockPool(config: model.config, blockSize: 4, capacity: 3)
        let blocks = (0..<3).compactMap { _ in pool.allocate() }
        XCTAssertEqual(blocks.count, 3)
        XCTAssertNil(pool.allocate(), "a full pool gives nothing")
        XCTAssertEqual(pool.freeBlocks, 0)
        pool.retain(blocks[1])
        pool.release(blocks[1])
        XCTAssertNil(pool.allocate(), "a block with holders left stays taken")
        pool.release(blocks[1])
        XCTAssertEqual(pool.allocate(), blocks[1])
        XCTAssertEqual(pool.blocksInUse, 3)
    }

    func testACacheGrowsByBlocksAndGivesThemBack() throws {
        let model = try LlamaModel(path: try TestPaths.require(TestPaths.tinyLlama3), threads: 1)
        let free = model.kvPool.freeBlocks
        let size = model.kvPool.blockSize
        do {
            let cache = model.makeCache(capacity: 3 * size)
            var hidden = [Float](repeating: 0, count: (size + 1) * model.config.hiddenSize)
            hidden.withUnsafeMutableBufferPointer {
                model.forward((0..<(size + 1)).map { $0 + 100 }, cache: cache, hidden: $0.baseAddress!)
            }
            XCTAssertEqual(cache.blocks.count, 2, "\(size + 1) positions take two blocks")
            XCTAssertEqual(model.kvPool.freeBlocks, free - 2)
            XCTAssertTrue(cache.reserve(positions: 3 * size))
            XCTAssertEqual(cache.blocks.count, 3)
        }
        XCTAssertEqual(model.kvPool.freeBlocks, free, "a released cache gives every block back")
    }

    /// A second sequence that adopts the first one's full prefix blocks computes
    /// its own suffix as if it had computed the prefix itself.
    func testAdoptedPrefixBlocksGiveTheSameSuffix() throws {
        let model = try LlamaModel(path: try TestPaths.require(TestPaths.defaultModel), threads: 2)
        let h = model.config.hiddenSize
        let size = model.kvPool.blockSize
        let prefix = (0..<(2 * size)).map { ($0 * 7919 + 13) % model.config.vocabularySize }
        let suffix = [1_000, 2_000, 3_000, 4_000, 5_000]
        let whole = prefix + suffix

        let first = model.makeCache(capacity: whole.count)
        var all = [Float](repeating: 0, count: whole.count * h)
        all.withUnsafeMutableBufferPointer { model.forward(whole, cache: first, hidden: $0.baseAddress!) }

        let second = model.makeCache(capacity: whole.count)
        second.adoptPrefix(Array(first.blocks.prefix(2)))
        XCTAssertEqual(second.count, prefix.count)
        XCTAssertEqual(model.kvPool.referenceCount(first.blocks[0]), 2)
        var tail = [Float](repeating: 0, count: suffix.count * h)
        tail.withUnsafeMutableBufferPointer { model.forward(suffix, cache: second, hidden: $0.baseAddress!) }
        var worst: Float = 0
        for (a, b) in zip(all[(prefix.count * h)...], tail) { worst = max(worst, abs(a - b)) }
        XCTAssertLessThan(worst, 2e-3)
    }

    /// A prefix that ends inside a block: the adopting cache copies that block
    /// when it makes room, and its results match computing everything itself.
    func testAPartlyUsedSharedBlockIsCopiedBeforeItIsWritten() throws {
        let model = try LlamaModel(path: try TestPaths.require(TestPaths.tinyLlama3), threads: 1)
        let h = model.config.hiddenSize
        let size = model.kvPool.blockSize
        let tokens = (0..<(size + 9)).map { ($0 * 7) % 500 + 20 }
        let owner = model.makeCache(capacity: tokens.count)
        var reference = [Float](repeating: 0, count: tokens.count * h)
        reference.withUnsafeMutableBufferPointer { model.forward(tokens, cache: owner, hidden: $0.baseAddress!) }

        let shared = size + 4
        let other = model.makeCache(capacity: tokens.count)
        other.adoptPrefix(owner.blocks, count: shared)
        XCTAssertEqual(other.count, shared)
        XCTAssertEqual(other.blocksNeeded(toHold: tokens.count), 1, "the partly used block is to be copied")
        XCTAssertTrue(other.reserve(positions: tokens.count))
        XCTAssertEqual(other.blocks[0], owner.blocks[0], "the full block stays shared")
        XCTAssertNotEqual(other.blocks[1], owner.blocks[1], "the partly used one became its own")
        XCTAssertEqual(model.kvPool.referenceCount(owner.blocks[1]), 1)
        var tail = [Float](repeating: 0, count: (tokens.count - shared) * h)
        tail.withUnsafeMutableBufferPointer { model.forward(Array(tokens[shared...]), cache: other, hidden: $0.baseAddress!) }
        for (a, b) in zip(reference[(shared * h)...], tail) { XCTAssertEqual(a, b, accuracy: 1e-4) }
    }

    /// Truncating into a shared block gives the sequence its own copy, so the
    /// other holder's keys and values stay as they were.
    func testTruncatingIntoASharedBlockCopiesIt() throws {
        let model = try LlamaModel(path: try TestPaths.require(TestPaths.tinyLlama3), threads: 1)
        let h = model.config.hiddenSize
        let size = model.kvPool.blockSize
        let tokens = (0..<(size + 3)).map { $0 + 200 }
        let owner = model.makeCache(capacity: tokens.count + 4)
        var reference = [Float](repeating: 0, count: tokens.count * h)
        reference.withUnsafeMutableBufferPointer { model.forward(tokens, cache: owner, hidden: $0.baseAddress!) }

        let other = model.makeCache(capacity: size + 8)
        other.adoptPrefix([owner.blocks[0]])
        other.truncate(to: size - 4)
        XCTAssertNotEqual(other.blocks[0], owner.blocks[0], "the shared block was copied before being written")
        var scratch = [Float](repeating: 0, count: 8 * h)
        scratch.withUnsafeMutableBufferPointer { model.forward([9, 9, 9, 9, 9, 9, 9, 9], cache: other, hidden: $0.baseAddress!) }

        // The owner re-evaluates its last tokens over its untouched first block.
        owner.truncate(to: size)
        var again = [Float](repeating: 0, count: 3 * h)
        again.withUnsafeMutableBufferPointer { model.forward(Array(tokens[size...]), cache: owner, hidden: $0.baseAddress!) }
        for (a, b) in zip(reference[(size * h)...], again) { XCTAssertEqual(a, b, accuracy: 1e-4) }
    }
}
