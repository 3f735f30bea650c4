@testable import GGUF
import Tokenizer
import XCTest

/// Metadata that cannot make a tokenizer gives an error naming the problem.
final class TokenizerErrorTests: XCTestCase {
    private func metadata(_ values: [String: GGUFValue]) -> GGUFMetadata {
        GGUFMetadata(values: values, keys: Array(values.keys))
    }

    private func error(_ values: [String: GGUFValue], file: StaticString = #filePath, line: UInt = #line) -> TokenizerError? {
        do {
            _ = try Tokenizer(metadata: metadata(values))
            XCTFail("expected a TokenizerError", file: file, line: line)
            return nil
        } catch let e as TokenizerError {
            return e
        } catch {
            XCTFail("expected a TokenizerError, got \(error)", file: file, line: line)
            return nil
        }
    }

    private let byteTokens: GGUFValue = .array((0..<256).map { b in
        var s = ""
        s.unicodeScalars.append(Unicode.Scalar(b < 33 ? 256 + b : b)!)
        return .string(s)
    })

    func testMissingTokensIsAClearError() throws {
        let e = try XCTUnwrap(error(["tokenizer.ggml.model": .string("gpt2"), "tokenizer.ggml.merges": .array([])]))
        XCTAssertEqual(e.kind, .missingKey)
        XCTAssertTrue(e.description.contains("tokenizer.ggml.tokens"), e.description)
    }

    func testMissingModelIsAClearError() throws {
        let e = try XCTUnwrap(error(["tokenizer.ggml.tokens": .array([.string("a")])]))
        XCTAssertEqual(e.kind, .missingKey)
        XCTAssertTrue(e.description.contains("tokenizer.ggml.model"), e.description)
    }

    func testUnknownModelIsRejected() throws {
        let e = try XCTUnwrap(error(["tokenizer.ggml.model": .string("bert"), "tokenizer.ggml.tokens": .array([.string("a")])]))
        XCTAssertEqual(e.kind, .unsupportedModel)
        XCTAssertTrue(e.description.contains("bert"), e.description)
    }

    func testUnknownPreTokenizerIsRejected() throws {
        let e = try XCTUnwrap(error([
            "tokenizer.ggml.model": .string("gpt2"), "tokenizer.ggml.pre": .string("mystery"),
            "tokenizer.ggml.tokens": byteTokens, "tokenizer.ggml.merges": .array([]),
        ]))
        XCTAssertEqual(e.kind, .unsupportedPreTokenizer)
        XCTAssertTrue(e.description.contains("mystery"), e.description)
    }

    func testByteLevelWithoutMergesIsRejected() throws {
        let e = try XCTUnwrap(error(["tokenizer.ggml.model": .string("gpt2"), "tokenizer.ggml.tokens": byteTokens]))
        XCTAssertEqual(e.kind, .missingKey)
        XCTAssertTrue(e.description.contains("tokenizer.ggml.merges"), e.description)
    }

    func testTokenTypesOfTheWrongLengthAreRejected() throws {
        let e = try XCTUnwrap(error([
            "tokenizer.ggml.model": .string("gpt2"), "tokenizer.ggml.tokens": byteTokens,
            "tokenizer.ggml.merges": .array([]), "tokenizer.ggml.token_type": .array([.int32(1)]),
        ]))
        XCTAssertEqual(e.kind, .invalidValue)
        XCTAssertTrue(e.description.contains("tokenizer.ggml.token_type"), e.description)
    }

    func testOutOfRangeBOSIsRejected() throws {
        let e = try XCTUnwrap(error([
            "tokenizer.ggml.model": .string("gpt2"), "tokenizer.ggml.tokens": byteTokens,
            "tokenizer.ggml.merges": .array([]), "tokenizer.ggml.bos_token_id": .uint32(999),
        ]))
        XCTAssertEqual(e.kind, .invalidValue)
        XCTAssertTrue(e.description.contains("bos_token_id"), e.description)
    }

    func testMinimalByteLevelMetadataBuildsAWorkingTokenizer() throws {
        let merges: GGUFValue = .array([.string("h i")])
        var tokens = byteTokens.array!
        tokens.append(.string("hi"))
        let t = try Tokenizer(metadata: metadata([
            "tokenizer.ggml.model": .string("gpt2"), "tokenizer.ggml.tokens": .array(tokens), "tokenizer.ggml.merges": merges,
        ]))
        XCTAssertFalse(t.addsBOS, "byte-level BPE adds no BOS unless asked")
        XCTAssertEqual(t.encode("hi"), [256])
        XCTAssertEqual(t.decode(t.encode("hi there")), "hi there")
    }
}
