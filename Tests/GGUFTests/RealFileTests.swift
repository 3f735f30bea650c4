import Foundation
import XCTest
@testable import GGUF

/// The real files BaseServe ships tests with. Expected values were read with the
/// `gguf` PyPI package's GGUFReader and are hard-coded here.
final class RealFileTests: XCTestCase {
    // MARK: tiny-llama3.gguf

    func testTinyLlama3Header() throws {
        let g = try TestFiles.open(TestFiles.tinyLlama3, what: "the golden file tiny-llama3.gguf")
        XCTAssertEqual(g.version, 3)
        XCTAssertEqual(g.fileSize, 21_336_448)
        XCTAssertEqual(g.alignment, 32)
        XCTAssertEqual(g.dataOffset, 7_820_000)
        XCTAssertEqual(g.tensors.count, 31)
        XCTAssertEqual(g.metadata.keys.count, 21)
        XCTAssertEqual(g.metadata.keys.first, "general.architecture")
        XCTAssertEqual(g.metadata.keys.last, "tokenizer.ggml.add_bos_token")
    }

    func testTinyLlama3Metadata() throws {
        let m = try TestFiles.open(TestFiles.tinyLlama3, what: "the golden file tiny-llama3.gguf").metadata
        XCTAssertEqual(m.string("general.architecture"), "llama")
        XCTAssertEqual(m.string("general.name"), "tiny-llama3-random")
        XCTAssertEqual(m.int("llama.block_count"), 3)
        XCTAssertEqual(m.int("llama.context_length"), 8192)
        XCTAssertEqual(m.int("llama.embedding_length"), 64)
        XCTAssertEqual(m.int("llama.feed_forward_length"), 256)
        XCTAssertEqual(m.int("llama.attention.head_count"), 4)
        XCTAssertEqual(m.int("llama.attention.head_count_kv"), 1)
        XCTAssertEqual(m.int("llama.rope.dimension_count"), 16)
        XCTAssertEqual(m.int("llama.vocab_size"), 128_256)
        XCTAssertEqual(m.float("llama.rope.freq_base"), 500_000)
        XCTAssertEqual(m["llama.attention.layer_norm_rms_epsilon"], .float32(1e-5))
        XCTAssertEqual(m["llama.block_count"], .uint32(3), "stored as uint32")
        XCTAssertEqual(m.string("tokenizer.ggml.model"), "gpt2")
        XCTAssertEqual(m.string("tokenizer.ggml.pre"), "llama-bpe")
        XCTAssertEqual(m.int("tokenizer.ggml.bos_token_id"), 128_000)
        XCTAssertEqual(m.int("tokenizer.ggml.eos_token_id"), 128_001)
        XCTAssertEqual(m.bool("tokenizer.ggml.add_bos_token"), true)

        let tokens = try XCTUnwrap(m.strings("tokenizer.ggml.tokens"))
        XCTAssertEqual(tokens.count, 128_256)
        XCTAssertEqual(Array(tokens.prefix(3)), ["!", "\"", "#"])
        XCTAssertEqual(tokens.last, "<|reserved_special_token_250|>")
        let types = try XCTUnwrap(m.ints("tokenizer.ggml.token_type"))
        XCTAssertEqual(types.count, 128_256)
        XCTAssertEqual(Array(types.prefix(3)), [1, 1, 1])
        let merges = try XCTUnwrap(m.strings("tokenizer.ggml.merges"))
        XCTAssertEqual(merges.count, 280_147)
        XCTAssertEqual(Array(merges.prefix(3)), ["Ġ Ġ", "Ġ ĠĠĠ", "ĠĠ ĠĠ"])
        XCTAssertEqual(merges.last, "éĶ ¦")
    }

    func testTinyLlama3Tensors() throws {
        let g = try TestFiles.open(TestFiles.tinyLlama3, what: "the golden file tiny-llama3.gguf")
        XCTAssertEqual(Set(g.tensors.map(\.type)),
                       [.f32, .f16, .bf16, .q8_0, .q4_0, .q4_1, .q5_0, .q5_1, .q4_K, .q5_K, .q6_K],
                       "one or more tensors of each of the eleven types")
        var counts: [GGMLType: Int] = [:]
        for t in g.tensors { counts[t.type, default: 0] += 1 }
        XCTAssertEqual(counts, [.f32: 9, .q8_0: 5, .f16: 3, .bf16: 3, .q4_0: 2, .q5_0: 2,
                                .q4_1: 2, .q5_1: 2, .q4_K: 1, .q6_K: 1, .q5_K: 1])

        // (name, type, dims, byte count, absolute file offset, first 8 data bytes in hex)
        let expected: [(String, GGMLType, [Int], Int, Int, String)] = [
            ("token_embd.weight", .q8_0, [64, 128_256], 8_721_408, 7_820_000, "b12541bfffd944d5"),
            ("output.weight", .q4_0, [64, 128_256], 4_617_216, 16_541_408, "762b86642b93a238"),
            ("output_norm.weight", .f32, [64], 256, 21_158_624, "c8e76f3f129c913f"),
            ("rope_freqs.weight", .f32, [8], 32, 21_158_880, "0000803f0000803f"),
            ("blk.0.attn_q.weight", .f16, [64, 64], 8192, 21_159_424, "0fa9142e40ae0321"),
            ("blk.0.attn_k.weight", .bf16, [64, 16], 2048, 21_167_616, "9f3c043e43bee1bc"),
            ("blk.0.attn_v.weight", .q5_0, [64, 16], 704, 21_169_664, "08a36231bf89027f"),
            ("blk.0.attn_output.weight", .q4_1, [64, 64], 2560, 21_170_368, "8a2853b58e8af5e8"),
            ("blk.0.ffn_gate.weight", .q5_1, [64, 256], 12_288, 21_172_928, "c52316b49a664806"),
            ("blk.0.ffn_down.weight", .q4_K, [256, 64], 9216, 21_202_624, "ea108e0e3f9097e3"),
            ("blk.1.ffn_down.weight", .q6_K, [256, 64], 13_440, 21_267_648, "3ad01c578df80fa0"),
            ("blk.2.ffn_down.weight", .q5_K, [256, 64], 11_264, 21_325_184, "ea0c8e0a22dc4cfd"),
        ]
        for (name, type, dims, bytes, offset, head) in expected {
            let t = try XCTUnwrap(g.tensor(named: name), name)
            XCTAssertEqual(t.type, type, name)
            XCTAssertEqual(t.dimensions, dims, name)
            XCTAssertEqual(t.byteCount, bytes, name)
            XCTAssertEqual(t.fileOffset, offset, name)
            XCTAssertEqual(hex(g.data(of: t).prefix(8)), head, name)
        }
        XCTAssertEqual(g.tensors.first?.name, "token_embd.weight")
        XCTAssertEqual(g.tensors.last?.name, "blk.2.ffn_down.weight")
        let last = try XCTUnwrap(g.tensors.last)
        XCTAssertEqual(last.fileOffset + last.byteCount, g.fileSize, "the last tensor ends the file")

        let emb = try XCTUnwrap(g.tensor(named: "token_embd.weight"))
        XCTAssertEqual(emb.rowLength, 64)
        XCTAssertEqual(emb.rowCount, 128_256)
        XCTAssertEqual(emb.rowBytes, 68)
        let rope = try XCTUnwrap(g.tensor(named: "rope_freqs.weight"))
        let ones = g.data(of: rope).prefix(8).withUnsafeBytes { Array($0.bindMemory(to: Float.self)) }
        XCTAssertEqual(ones, [1, 1])
    }

    func testTinyLlama3TensorsAreAlignedAndDisjoint() throws {
        let g = try TestFiles.open(TestFiles.tinyLlama3, what: "the golden file tiny-llama3.gguf")
        let sorted = g.tensors.sorted { $0.fileOffset < $1.fileOffset }
        var end = g.dataOffset
        for t in sorted {
            XCTAssertEqual((t.fileOffset - g.dataOffset) % g.alignment, 0, t.name)
            XCTAssertGreaterThanOrEqual(t.fileOffset, end, "\(t.name) overlaps the tensor before it")
            XCTAssertEqual(t.byteCount, t.rowCount * t.rowBytes, t.name)
            end = t.fileOffset + t.byteCount
        }
    }

    // MARK: SmolLM2-135M-Instruct.Q4_1.gguf (the default model)

    func testDefaultModelHeaderAndMetadata() throws {
        let g = try TestFiles.open(TestFiles.defaultModel, what: "the default model SmolLM2-135M-Instruct.Q4_1.gguf")
        XCTAssertEqual(g.version, 3)
        XCTAssertEqual(g.fileSize, 98_362_432)
        XCTAssertEqual(g.dataOffset, 1_785_664)
        XCTAssertEqual(g.alignment, 32)
        XCTAssertEqual(g.metadata.keys.count, 33)
        let m = g.metadata
        XCTAssertEqual(m.string("general.architecture"), "llama")
        XCTAssertEqual(m.string("general.name"), "Smollm2 135M 8k Lc100K Mix1 Ep2")
        XCTAssertEqual(m.strings("general.languages"), ["en"])
        XCTAssertEqual(m.int("llama.block_count"), 30)
        XCTAssertEqual(m.int("llama.embedding_length"), 576)
        XCTAssertEqual(m.int("llama.feed_forward_length"), 1536)
        XCTAssertEqual(m.int("llama.attention.head_count"), 9)
        XCTAssertEqual(m.int("llama.attention.head_count_kv"), 3)
        XCTAssertEqual(m.int("llama.vocab_size"), 49_152)
        XCTAssertEqual(m.int("llama.rope.dimension_count"), 64)
        XCTAssertEqual(m.float("llama.rope.freq_base"), 100_000)
        XCTAssertEqual(m.int("general.file_type"), 3)
        XCTAssertEqual(m.int("general.quantization_version"), 2)
        XCTAssertEqual(m.bool("tokenizer.ggml.add_bos_token"), false)
        XCTAssertEqual(m.bool("tokenizer.ggml.add_space_prefix"), false)
        XCTAssertEqual(m.string("tokenizer.ggml.pre"), "smollm")
        XCTAssertEqual(m.int("tokenizer.ggml.bos_token_id"), 1)
        XCTAssertEqual(m.int("tokenizer.ggml.eos_token_id"), 2)
        XCTAssertEqual(m.int("tokenizer.ggml.padding_token_id"), 2)
        XCTAssertEqual(m.int("tokenizer.ggml.unknown_token_id"), 0)
        XCTAssertTrue(m.string("tokenizer.chat_template")?.hasPrefix("{% for message in messages %}") ?? false)

        let tokens = try XCTUnwrap(m.strings("tokenizer.ggml.tokens"))
        XCTAssertEqual(tokens.count, 49_152)
        XCTAssertEqual(Array(tokens.prefix(3)), ["<|endoftext|>", "<|im_start|>", "<|im_end|>"])
        XCTAssertEqual(tokens.last, "ectable")
        let merges = try XCTUnwrap(m.strings("tokenizer.ggml.merges"))
        XCTAssertEqual(merges.count, 48_900)
        XCTAssertEqual(Array(merges.prefix(3)), ["Ġ t", "Ġ a", "i n"])
        XCTAssertEqual(merges.last, "ect able")
        XCTAssertEqual(m.ints("tokenizer.ggml.token_type")?.prefix(3).map { $0 }, [3, 3, 3])
    }

    func testDefaultModelTensors() throws {
        let g = try TestFiles.open(TestFiles.defaultModel, what: "the default model SmolLM2-135M-Instruct.Q4_1.gguf")
        XCTAssertEqual(g.tensors.count, 272)
        var counts: [GGMLType: Int] = [:]
        for t in g.tensors { counts[t.type, default: 0] += 1 }
        XCTAssertEqual(counts, [.q4_1: 210, .f32: 61, .q8_0: 1])

        let emb = try XCTUnwrap(g.tensor(named: "token_embd.weight"))
        XCTAssertEqual(emb.type, .q8_0)
        XCTAssertEqual(emb.dimensions, [576, 49_152])
        XCTAssertEqual(emb.elementCount, 28_311_552)
        XCTAssertEqual(emb.byteCount, 30_081_024)
        XCTAssertEqual(emb.fileOffset, 1_785_664)
        XCTAssertEqual(emb.rowBytes, 612)

        let down = try XCTUnwrap(g.tensor(named: "blk.0.ffn_down.weight"))
        XCTAssertEqual(down.type, .q4_1)
        XCTAssertEqual(down.dimensions, [1536, 576])
        XCTAssertEqual(down.rowLength, 1536)
        XCTAssertEqual(down.rowCount, 576)
        XCTAssertEqual(down.rowBytes, 960)
        XCTAssertEqual(down.byteCount, 552_960)
        XCTAssertEqual(down.fileOffset, 31_868_992)

        let v = try XCTUnwrap(g.tensor(named: "blk.9.attn_v.weight"))
        XCTAssertEqual(v.dimensions, [576, 192])
        XCTAssertEqual(v.byteCount, 69_120)
        XCTAssertEqual(v.fileOffset, 98_291_008)

        let norm = try XCTUnwrap(g.tensor(named: "output_norm.weight"))
        XCTAssertEqual(norm.type, .f32)
        XCTAssertEqual(norm.dimensions, [576])
        XCTAssertEqual(norm.fileOffset, 98_360_128)
        XCTAssertEqual(norm.fileOffset + norm.byteCount, g.fileSize)
        XCTAssertNil(g.tensor(named: "output.weight"), "SmolLM2 ties its output to the embedding")

        for layer in 0..<30 {
            for suffix in ["attn_q", "attn_k", "attn_v", "attn_output", "ffn_gate", "ffn_up", "ffn_down"] {
                XCTAssertEqual(g.tensor(named: "blk.\(layer).\(suffix).weight")?.type, .q4_1, "blk.\(layer).\(suffix)")
            }
            XCTAssertEqual(g.tensor(named: "blk.\(layer).attn_norm.weight")?.type, .f32)
            XCTAssertEqual(g.tensor(named: "blk.\(layer).ffn_norm.weight")?.type, .f32)
        }
    }
}

func hex<S: Sequence>(_ bytes: S) -> String where S.Element == UInt8 {
    bytes.map { String(format: "%02x", $0) }.joined()
}
