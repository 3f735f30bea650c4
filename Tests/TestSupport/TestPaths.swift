import Foundation
import XCTest

/// Where the tests find real files: the repository (found from this source
/// file), the reference data kept in it (`Tests/Data`), and the model the
/// set-up script fetched (`BASESERVE_MODEL` overrides it).
public enum TestPaths {
    public static let repositoryRoot: URL = {
        var url = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        while url.path != "/" {
            if FileManager.default.fileExists(atPath: url.appendingPathComponent("Package.swift").path) { return url }
            url.deleteLastPathComponent()
        }
        return URL(fileURLWithPath: FileManager.default.currentDirectoryPath)
    }()

    /// The golden references and tokenizer vectors, exactly as they were computed
    /// by independent implementations (`Tests/Data/*/README.md` says how).
    public static var data: URL { repositoryRoot.appendingPathComponent("Tests/Data") }

    public static var defaultModel: URL {
        if let path = ProcessInfo.processInfo.environment["BASESERVE_MODEL"] { return URL(fileURLWithPath: path) }
        return repositoryRoot.appendingPathComponent("models/SmolLM2-135M-Instruct.Q4_1.gguf")
    }

    public static var tinyLlama3: URL { data.appendingPathComponent("golden/tiny-llama3.gguf") }

    /// The path of a file the tests need, failing the test with what to do when it is missing.
    public static func require(_ url: URL, file: StaticString = #filePath, line: UInt = #line) throws -> String {
        guard FileManager.default.fileExists(atPath: url.path) else {
            XCTFail("\(url.path) is missing: run scripts/setup.sh (it fetches the model)", file: file, line: line)
            throw XCTSkip("missing \(url.path)")
        }
        return url.path
    }
}
