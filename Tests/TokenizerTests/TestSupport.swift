import Foundation
import GGUF
import Tokenizer
import XCTest

/// Where the test data lives (`Tests/Data`) and loading it once per test run.
enum TestData {
    /// The folder holding Package.swift, found from this file's path.
    static let repoRoot: URL = {
        var url = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        while url.path != "/" {
            if FileManager.default.fileExists(atPath: url.appendingPathComponent("Package.swift").path) { return url }
            url = url.deletingLastPathComponent()
        }
        return URL(fileURLWithPath: #filePath).deletingLastPathComponent()
    }()

    static let data: URL = repoRoot.appendingPathComponent("Tests/Data")

    static let modelPath: String = {
        if let env = ProcessInfo.processInfo.environment["BASESERVE_MODEL"], !env.isEmpty { return env }
        return repoRoot.appendingPathComponent("models/SmolLM2-135M-Instruct.Q4_1.gguf").path
    }()

    /// The path if the file exists; otherwise fails the test with what to do.
    static func require(_ path: String, file: StaticString = #filePath, line: UInt = #line) throws -> String {
        guard FileManager.default.fileExists(atPath: path) else {
            XCTFail("missing test data \(path): the vectors and goldens live in Tests/Data; the model comes from scripts/setup.sh (or BASESERVE_MODEL)", file: file, line: line)
            throw XCTSkip("missing \(path)")
        }
        return path
    }

    nonisolated(unsafe) private static var cache: [String: Tokenizer] = [:]
    private static let lock = NSLock()

    /// A tokenizer for a GGUF file, parsed once and shared by the tests.
    static func tokenizer(at path: String, file: StaticString = #filePath, line: UInt = #line) throws -> Tokenizer {
        let path = try require(path, file: file, line: line)
        lock.lock()
        defer { lock.unlock() }
        if let t = cache[path] { return t }
        let t = try Tokenizer(gguf: GGUFFile(path: path))
        cache[path] = t
        return t
    }

    static func vocab(_ name: String, file: StaticString = #filePath, line: UInt = #line) throws -> Tokenizer {
        try tokenizer(at: data.appendingPathComponent("vectors/ggml-vocab-\(name).gguf").path, file: file, line: line)
    }

    static func smolLM2(file: StaticString = #filePath, line: UInt = #line) throws -> Tokenizer {
        try tokenizer(at: modelPath, file: file, line: line)
    }

    static func tinyLlama3(file: StaticString = #filePath, line: UInt = #line) throws -> Tokenizer {
        try tokenizer(at: data.appendingPathComponent("golden/tiny-llama3.gguf").path, file: file, line: line)
    }

    /// The cases of a vocabulary's .inp/.out pair: (input, expected ids without BOS).
    static func vectorCases(_ name: String, file: StaticString = #filePath, line: UInt = #line) throws -> [(String, [Int])] {
        let base = data.appendingPathComponent("vectors/ggml-vocab-\(name).gguf").path
        let inp = [UInt8](try Data(contentsOf: URL(fileURLWithPath: try require(base + ".inp", file: file, line: line))))
        let out = [UInt8](try Data(contentsOf: URL(fileURLWithPath: try require(base + ".out", file: file, line: line))))
        // Split on bytes: as Swift Characters, a case ending in "\r" would fuse with
        // the separator's "\n" and the separator would not be found.
        let separator = Array("\n__ggml_vocab_test__\n".utf8)
        var inputs: [String] = []
        var start = 0
        var i = 0
        while i + separator.count <= inp.count {
            if inp[i..<i + separator.count].elementsEqual(separator) {
                inputs.append(String(decoding: inp[start..<i], as: UTF8.self))
                i += separator.count
                start = i
            } else {
                i += 1
            }
        }
        var lines = out.split(separator: 0x0A, omittingEmptySubsequences: false)
        if out.last == 0x0A { lines.removeLast() }
        let expected = lines.map { line in
            String(decoding: line, as: UTF8.self).split(separator: " ").map { Int($0)! }
        }
        XCTAssertEqual(inputs.count, expected.count, "\(name): inputs and expected outputs differ in count", file: file, line: line)
        return Array(zip(inputs, expected))
    }

    struct Golden: Decodable {
        struct Case: Decodable {
            let prompt: String
            let token_ids: [Int]
            let tokens: [String]
        }
        let cases: [Case]
    }

    static func golden(_ name: String, file: StaticString = #filePath, line: UInt = #line) throws -> Golden {
        let path = try require(data.appendingPathComponent("golden/\(name).json").path, file: file, line: line)
        return try JSONDecoder().decode(Golden.self, from: Data(contentsOf: URL(fileURLWithPath: path)))
    }
}
