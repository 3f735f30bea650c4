import GGUF
import Model
import TestSupport
import XCTest

final class LlamaConfigTests: XCTestCase {
    func testReadsSmolLM2Hyperparameters() throws {
        let file = try GGUFFile(path: try TestPaths.require(TestPaths.defaultModel))
        let c = try LlamaConfig(metadata: file.metadata)
        XCTAssertEqual(c.layerCount, 30)
        XCTAssertEqual(c.hiddenSize, 576)
        XCTAssertEqual(c.intermediateSize, 1536)
        XCTAssertEqual(c.headCount, 9)
        XCTAssertEqual(c.kvHeadCount, 3)
        XCTAssertEqual(c.headDimension, 64)
        XCTAssertEqual(c.ropeDimension, 64)
        XCTAssertEqual(c.ropeFrequencyBase, 100_000)
        XCTAssertEqual(c.vocabularySize, 49152)
        XCTAssertEqual(c.contextLength, 8192)
    }

    func testReadsTinyLlama3GroupedQueryAttention() throws {
        let file = try GGUFFile(path: try TestPaths.require(TestPaths.tinyLlama3))
        let c = try LlamaConfig(metadata: file.metadata)
        XCTAssertEqual(c.headCount, 4)
        XCTAssertEqual(c.kvHeadCount, 1)
        XCTAssertEqual(c.headDimension, 16)
        XCTAssertEqual(c.vocabularySize, 128_256)
        XCTAssertEqual(c.ropeFrequencyBase, 500_000)
    }

    func testRejectsVocabularyOnlyFileWithClearError() throws {
        // A tokenizer test vector has metadata for a tokenizer but no model.
        let path = TestPaths.data.appendingPathComponent("vectors/ggml-vocab-gpt-2.gguf")
        let file = try GGUFFile(path: try TestPaths.require(path))
        XCTAssertThrowsError(try LlamaModel(file: file, threads: 1)) { error in
            let text = String(describing: error)
            XCTAssertTrue(text.contains("not supported") || text.contains("no \""), text)
        }
    }
}
