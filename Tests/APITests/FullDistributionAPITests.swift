@testable import API
import Backends
import CZlib
import Engine
import Foundation
import Hummingbird
import HummingbirdTesting
import HTTPTypes
import JSONValue
import TestSupport
import XCTest

/// `prompt_logprobs: -1` on `/v1/completions`: which bodies are refused (each
/// a 400 naming its field), the cap, and the response in vLLM's entries, in
/// base64 float32 and gzipped, over the real model.
final class FullDistributionAPITests: XCTestCase {
    private func parameters(_ body: String) throws -> CompletionParameters {
        try CompletionParameters(body: try XCTUnwrap(JSON.parse(Array(body.utf8))), maxLogprobs: 20)
    }

    private func assertRefused(_ body: String, param: String, saying words: [String] = [],
                               file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertThrowsError(try parameters(body), body, file: file, line: line) { error in
            let e = error as? APIError
            XCTAssertEqual(e?.status, .badRequest, body, file: file, line: line)
            XCTAssertEqual(e?.param, param, body, file: file, line: line)
            for w in words { XCTAssertTrue(e?.message.contains(w) ?? false, "\(e?.message ?? "") lacks \(w)", file: file, line: line) }
        }
    }

    func testMalformedCombinationsAreRefusedNamingTheField() {
        let p = #""prompt": "The capital of France is""#
        assertRefused(#"{\#(p), "prompt_logprobs": -2}"#, param: "prompt_logprobs", saying: ["-1 (the whole vocabulary)"])
        assertRefused(#"{\#(p), "prompt_logprobs": "-1"}"#, param: "prompt_logprobs")
        assertRefused(#"{\#(p), "prompt_logprobs": -1.5}"#, param: "prompt_logprobs")
        assertRefused(#"{\#(p), "prompt_logprobs": -1, "stream": true}"#, param: "prompt_logprobs", saying: ["stream"])
        assertRefused(#"{\#(p), "prompt_logprobs_encoding": "base64_float32"}"#, param: "prompt_logprobs_encoding",
                      saying: ["prompt_logprobs: -1"])
        assertRefused(#"{\#(p), "prompt_logprobs": 5, "prompt_logprobs_encoding": "base64_float32"}"#, param: "prompt_logprobs_encoding")
        assertRefused(#"{\#(p), "echo": true, "logprobs": 2, "max_tokens": 0, "prompt_logprobs_encoding": "json"}"#,
                      param: "prompt_logprobs_encoding")
        assertRefused(#"{\#(p), "prompt_logprobs": -1, "prompt_logprobs_encoding": "base64"}"#, param: "prompt_logprobs_encoding",
                      saying: [#""json""#, #""base64_float32""#])
        assertRefused(#"{\#(p), "prompt_logprobs": -1, "prompt_logprobs_encoding": 1}"#, param: "prompt_logprobs_encoding")
        assertRefused(#"{\#(p), "prompt_logprobs": -1, "prompt_logprobs_encoding": ["base64_float32"]}"#, param: "prompt_logprobs_encoding")
        assertRefused(#"{\#(p), "prompt_logprobs": -1, "prompt_logprobs_temperature": 0}"#, param: "prompt_logprobs_temperature")
        assertRefused(#"{\#(p), "logprobs": -1}"#, param: "logprobs")
    }

    func testWholeVocabularyIsReadAsAnInstrument() throws {
        let full = try parameters(#"{"prompt": "a", "prompt_logprobs": -1, "prompt_logprobs_encoding": "base64_float32", "prompt_logprobs_temperature": 2}"#)
        XCTAssertTrue(full.fullPromptDistribution)
        XCTAssertNil(full.promptLogprobs, "not a top-k")
        XCTAssertEqual(full.request.promptLogprobs, 0, "the prompt is scored")
        XCTAssertEqual(full.request.promptLogprobsTemperature, 2)
        XCTAssertEqual(full.promptLogprobsEncoding, .base64Float32)
        XCTAssertEqual(full.instruments, ["prompt_logprobs"])
        // Echoed logprobs keep their top-k; null is the default encoding.
        let echoed = try parameters(#"{"prompt": "a", "prompt_logprobs": -1, "echo": true, "logprobs": 3, "prompt_logprobs_encoding": null}"#)
        XCTAssertEqual(echoed.request.promptLogprobs, 3)
        XCTAssertEqual(echoed.promptLogprobsEncoding, .json)
        XCTAssertFalse(try parameters(#"{"prompt": "a", "prompt_logprobs": 20}"#).fullPromptDistribution)

        // An upstream model cannot give it: a 400 naming the model and the field.
        let upstream = ModelDescriptor(name: "vllm-model", maxModelLength: 100, vocabularySize: 10, created: 0, kind: .upstream)
        XCTAssertThrowsError(try InstrumentGuard.check(full.instruments, model: upstream)) { error in
            let e = error as? APIError
            XCTAssertEqual(e?.param, "prompt_logprobs")
            XCTAssertTrue(e?.message.contains("vllm-model") ?? false)
        }
    }

    /// A batch answer is stored whole: a line asking for the whole vocabulary is refused when the file is checked.
    func testABatchLineCannotAskForTheWholeVocabulary() throws {
        let configuration = ServerConfiguration(cancelOnDisconnect: false)
        let models = ModelRegistry([try SharedModel.backend()])
        let queues = KeyQueues(defaultConcurrency: 8, maxWaiting: 8)
        let validator = BatchInputValidator(
            completions: CompletionsController(models: models, configuration: configuration, metrics: ServerMetrics(), queues: queues),
            score: ScoreController(models: models, configuration: configuration, metrics: ServerMetrics(), queues: queues),
            configuration: configuration)
        let line = #"{"custom_id": "a", "method": "POST", "url": "/v1/completions", "body": {"model": "smollm2-135m-instruct", "prompt": "Hi", "prompt_logprobs": -1}}"#
        let (lines, errors) = validator.validate(line + "\n", endpoint: "/v1/completions", principal: nil)
        XCTAssertTrue(lines.isEmpty)
        XCTAssertEqual(errors.map(\.code), ["invalid_request"])
        XCTAssertTrue(errors.first?.message.contains("prompt_logprobs: -1") ?? false, errors.first?.message ?? "")
    }

    func testAcceptEncodingIsReadWithItsQValues() {
        XCTAssertTrue(GzipMiddleware<APIRequestContext>.acceptsGzip(["gzip, deflate"]))
        XCTAssertTrue(GzipMiddleware<APIRequestContext>.acceptsGzip(["br;q=1.0, GZIP;q=0.5"]))
        XCTAssertTrue(GzipMiddleware<APIRequestContext>.acceptsGzip(["*"]))
        XCTAssertFalse(GzipMiddleware<APIRequestContext>.acceptsGzip([]))
        XCTAssertFalse(GzipMiddleware<APIRequestContext>.acceptsGzip(["identity"]))
        XCTAssertFalse(GzipMiddleware<APIRequestContext>.acceptsGzip(["gzip;q=0"]))
        XCTAssertFalse(GzipMiddleware<APIRequestContext>.acceptsGzip(["*;q=1, gzip;q=0"]))
    }

    func testGzipStreamRoundTripsPieceByPiece() throws {
        let gzip = GzipStream()
        var compressed = ByteBuffer()
        var original = ""
        for i in 0..<2000 {
            let piece = "{\"position\": \(i), \"text\": \"\(String(repeating: "x", count: i % 97))\"},"
            original += piece
            var out = gzip.compress(ByteBuffer(string: piece))
            compressed.writeBuffer(&out)
        }
        var rest = gzip.finish()
        compressed.writeBuffer(&rest)
        XCTAssertEqual(Array(compressed.readableBytesView.prefix(2)), [0x1F, 0x8B], "a gzip header")
        XCTAssertLessThan(compressed.readableBytes, original.utf8.count / 4)
        XCTAssertEqual(String(decoding: try gunzip(Array(compressed.readableBytesView)), as: UTF8.self), original)
    }

    func testTooManyPositionsAreRefusedBeforeAnyWork() async throws {
        try await withApp(maxFullVocabPositions: 9) { client in
            // 5 prompt tokens × 2 choices = 10 positions.
            let reply = try await client.post("/v1/completions",
                #"{"prompt": "The capital of France is", "prompt_logprobs": -1, "n": 2, "max_tokens": 1}"#)
            XCTAssertEqual(reply.status, .badRequest, reply.text)
            XCTAssertEqual(reply.json["error"]?["param"], "prompt_logprobs")
            let message = reply.json["error"]?["message"]?.stringValue ?? ""
            XCTAssertTrue(message.contains("--max-full-vocab-positions") && message.contains("10"), message)
            let one = try await client.post("/v1/completions",
                #"{"prompt": "The capital of France is", "prompt_logprobs": -1, "max_tokens": 1, "prompt_logprobs_encoding": "base64_float32"}"#)
            XCTAssertEqual(one.status, .ok, one.text)
        }
    }

    func testEveryEntryInVLLMsFormatMatchingTheTopKAndTheBase64Form() async throws {
        let backend = try SharedModel.backend()
        let vocab = backend.descriptor.vocabularySize
        try await withApp { client in
            let body = #""prompt": "The capital of France is", "max_tokens": 1, "temperature": 0"#
            let top = try await client.post("/v1/completions", #"{\#(body), "prompt_logprobs": 5}"#)
            let full = try await client.post("/v1/completions", #"{\#(body), "prompt_logprobs": -1}"#)
            let compact = try await client.post("/v1/completions",
                #"{\#(body), "prompt_logprobs": -1, "prompt_logprobs_encoding": "base64_float32"}"#)
            for r in [top, full, compact] { XCTAssertEqual(r.status, .ok, String(r.text.prefix(300))) }
            XCTAssertEqual(full.json["choices"]![0]["text"], top.json["choices"]![0]["text"])
            let topK = top.json["choices"]![0]["prompt_logprobs"]!.array
            let entries = full.json["choices"]![0]["prompt_logprobs"]!.array
            XCTAssertEqual(entries.count, 5)
            XCTAssertEqual(entries[0], .null)

            let c = compact.json["choices"]![0]["prompt_logprobs"]!
            XCTAssertEqual(c["shape"], .array([5, .int(vocab)]))
            XCTAssertEqual(c["dtype"], "float32")
            let data = try XCTUnwrap(Data(base64Encoded: c["data"]?.stringValue ?? ""))
            XCTAssertEqual(data.count, 5 * vocab * 4)
            let floats = data.withUnsafeBytes { raw in
                (0..<(data.count / 4)).map { Float(bitPattern: UInt32(littleEndian: raw.loadUnaligned(fromByteOffset: $0 * 4, as: UInt32.self))) }
            }
            XCTAssertTrue(floats[0..<vocab].allSatisfy(\.isNaN), "row 0: no prediction for the first token")

            let ids = [504, 3575, 282, 4649, 314]
            for i in 1..<5 {
                let members = entries[i].members
                XCTAssertEqual(members.count, vocab, "position \(i): every vocabulary entry")
                XCTAssertEqual(members.first?.0, String(ids[i]), "position \(i): the actual token first, as vLLM")
                XCTAssertEqual(Set(members.map(\.0)).count, vocab, "position \(i): each id once")
                // Every other entry from the most likely down, ranks 1 + strictly greater.
                let logprobs = members.dropFirst().map { $0.1["logprob"]?.double ?? .nan }
                XCTAssertEqual(logprobs, logprobs.sorted(by: >), "position \(i): descending")
                let ranks = members.map { $0.1["rank"]?.intValue ?? 0 }
                XCTAssertEqual(ranks.min(), 1)
                XCTAssertEqual(Array(ranks.dropFirst()), ranks.dropFirst().sorted(), "position \(i): ranks in order")
                // The top-k request's entries, exactly.
                for (id, entry) in topK[i].members {
                    let mine = try XCTUnwrap(entries[i][id], "position \(i) id \(id)")
                    XCTAssertEqual(mine, entry, "position \(i) id \(id)")
                }
                // The base64 row, value for value (JSON writes the float's exact double).
                let row = Array(floats[(i * vocab)..<((i + 1) * vocab)])
                for (id, entry) in members {
                    XCTAssertEqual(entry["logprob"]?.double, Double(row[Int(id)!]), "position \(i) id \(id)")
                }
                XCTAssertEqual(members.first?.1["rank"]?.intValue, 1 + row.filter { $0 > row[ids[i]] }.count)
            }
        }
    }

    func testGzipWhenTheClientAcceptsIt() async throws {
        try await withApp { client in
            let body = #"{"prompt": "The capital of France is", "max_tokens": 1, "prompt_logprobs": -1, "prompt_logprobs_encoding": "base64_float32"}"#
            let plain = try await client.post("/v1/completions", body)
            let gzipped = try await client.execute(uri: "/v1/completions", method: .post,
                                                   headers: [.contentType: "application/json", .acceptEncoding: "gzip"],
                                                   body: ByteBuffer(string: body)) { $0 }
            XCTAssertEqual(gzipped.status, .ok)
            XCTAssertEqual(gzipped.headers[.contentEncoding], "gzip")
            XCTAssertNil(plain.headers[.contentEncoding])
            let text = String(decoding: try gunzip(Array(gzipped.body.readableBytesView)), as: UTF8.self)
            let a = try XCTUnwrap(JSON.parse(Array(text.utf8)))
            XCTAssertEqual(a["choices"]?[0]["prompt_logprobs"], plain.json["choices"]?[0]["prompt_logprobs"])
            XCTAssertEqual(a["usage"], plain.json["usage"])
            // Small answers are left as they are.
            let small = try await client.execute(uri: "/v1/completions", method: .post,
                                                 headers: [.contentType: "application/json", .acceptEncoding: "gzip"],
                                                 body: ByteBuffer(string: #"{"prompt": "a", "max_tokens": 1}"#)) { $0 }
            XCTAssertNil(small.headers[.contentEncoding])
        }
    }
}

/// Inflates a gzip stream with zlib (windowBits 15 + 16: gzip's wrapper).
func gunzip(_ bytes: [UInt8]) throws -> [UInt8] {
    var stream = z_stream()
    guard inflateInit2_(&stream, 15 + 16, zlibVersion(), Int32(MemoryLayout<z_stream>.size)) == Z_OK else { throw CocoaError(.coderInvalidValue) }
    defer { inflateEnd(&stream) }
    var input = bytes
    var output: [UInt8] = []
    var chunk = [UInt8](repeating: 0, count: 1 << 16)
    var status = Z_OK
    try input.withUnsafeMutableBufferPointer { inp in
        stream.next_in = inp.baseAddress
        stream.avail_in = uInt(inp.count)
        repeat {
            let produced = chunk.withUnsafeMutableBufferPointer { out -> Int in
                stream.next_out = out.baseAddress
                stream.avail_out = uInt(out.count)
                status = inflate(&stream, Z_NO_FLUSH)
                return out.count - Int(stream.avail_out)
            }
            output += chunk[0..<produced]
            guard status == Z_OK || status == Z_STREAM_END else { throw CocoaError(.coderReadCorrupt) }
        } while status != Z_STREAM_END
    }
    return output
}
