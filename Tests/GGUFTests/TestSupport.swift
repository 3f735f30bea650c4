import Foundation
import XCTest
@testable import GGUF

/// A per-test scratch directory, removed when the test ends.
final class TempDir {
    let url: URL
    private var counter = 0

    init() throws {
        url = FileManager.default.temporaryDirectory
            .appendingPathComponent("baseserve-gguf-tests-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    }

    deinit { try? FileManager.default.removeItem(at: url) }

    /// Writes `bytes` to a new file and returns its path.
    func write(_ bytes: [UInt8], name: String? = nil) throws -> String {
        counter += 1
        let path = url.appendingPathComponent(name ?? "file\(counter).gguf").path
        try Data(bytes).write(to: URL(fileURLWithPath: path))
        return path
    }
}

/// Base class: every test gets a scratch directory.
class GGUFTestCase: XCTestCase {
    var temp: TempDir!

    override func setUpWithError() throws { temp = try TempDir() }
    override func tearDown() { temp = nil }

    /// Writes the bytes and opens them as a GGUF file.
    func parse(_ bytes: [UInt8]) throws -> GGUFFile {
        try GGUFFile(path: try temp.write(bytes))
    }

    func parse(_ builder: GGUFBuilder) throws -> GGUFFile { try parse(builder.build().bytes) }

    /// Opening these bytes must throw a GGUFError; returns it (nil, and a test
    /// failure, otherwise).
    @discardableResult
    func parseError(_ bytes: [UInt8], file: StaticString = #filePath, line: UInt = #line) -> GGUFError? {
        let path: String
        do { path = try temp.write(bytes) } catch {
            XCTFail("cannot write temp file: \(error)", file: file, line: line)
            return nil
        }
        return openError(path, file: file, line: line)
    }

    @discardableResult
    func parseError(_ builder: GGUFBuilder, file: StaticString = #filePath, line: UInt = #line) -> GGUFError? {
        parseError(builder.build().bytes, file: file, line: line)
    }

    /// Opening `path` must throw a GGUFError; returns it.
    func openError(_ path: String, file: StaticString = #filePath, line: UInt = #line) -> GGUFError? {
        do {
            let g = try GGUFFile(path: path)
            XCTFail("expected a GGUFError, but the file parsed (\(g.tensors.count) tensors)", file: file, line: line)
            return nil
        } catch let e as GGUFError {
            return e
        } catch {
            XCTFail("expected a GGUFError, got \(type(of: error)): \(error)", file: file, line: line)
            return nil
        }
    }

    /// Asserts the error's description mentions every one of `parts`.
    func assertMentions(_ error: GGUFError?, _ parts: [String], file: StaticString = #filePath, line: UInt = #line) {
        guard let error else { return }
        let text = error.description
        for p in parts {
            XCTAssertTrue(text.contains(p), "description \"\(text)\" should mention \"\(p)\"", file: file, line: line)
        }
    }
}

struct MissingTestFile: Error, CustomStringConvertible {
    let message: String
    var description: String { message }
}

/// Where the real model files live.
enum TestFiles {
    /// The repository root: the nearest folder above this source file that holds Package.swift.
    static let repoRoot: URL = {
        var dir = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        while dir.path != "/" {
            if FileManager.default.fileExists(atPath: dir.appendingPathComponent("Package.swift").path) { return dir }
            dir = dir.deletingLastPathComponent()
        }
        fatalError("no Package.swift above \(#filePath)")
    }()

    /// The reference data kept in the repository.
    static var data: URL { repoRoot.appendingPathComponent("Tests/Data") }

    static var tinyLlama3: String { data.appendingPathComponent("golden/tiny-llama3.gguf").path }

    /// The default model, or `BASESERVE_MODEL`.
    static var defaultModel: String {
        if let s = ProcessInfo.processInfo.environment["BASESERVE_MODEL"], !s.isEmpty { return s }
        return repoRoot.appendingPathComponent("models/SmolLM2-135M-Instruct.Q4_1.gguf").path
    }

    /// Opens a required file; a missing file fails the test with what to do about it.
    static func open(_ path: String, what: String, file: StaticString = #filePath, line: UInt = #line) throws -> GGUFFile {
        guard FileManager.default.fileExists(atPath: path) else {
            let message = "\(what) is missing at \(path); scripts/setup.sh fetches the model "
                + "(or point BASESERVE_MODEL at it), and Tests/Data holds the reference files"
            // Thrown, not skipped: a test that cannot find its file fails.
            throw MissingTestFile(message: message)
        }
        return try GGUFFile(path: path)
    }
}
