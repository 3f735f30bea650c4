// swift-tools-version:6.1
// BaseServe: an OpenAI-compatible server for base language models, with its own
// CPU inference engine for Llama-family GGUF models.
import PackageDescription

// Numeric code is only usable optimised; these flags keep release builds fast and
// let the C kernels pick their SIMD path at run time.
let cKernelFlags: [CSetting] = [.unsafeFlags(["-O3", "-ffp-contract=fast"])]

let package = Package(
    name: "BaseServe",
    platforms: [.macOS(.v14)],
    products: [
        .executable(name: "baseserve", targets: ["BaseServe"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
    ],
    targets: [
        // Reading .gguf files: header, metadata, tensor table, memory-mapped data.
        .target(name: "GGUF"),
        // Byte-level BPE and SentencePiece tokenizers built from GGUF metadata.
        .target(name: "Tokenizer", dependencies: ["GGUF"]),
        // SIMD inner loops in C (dequantization, quantized dot products, GEMM glue).
        .target(
            name: "KernelsC",
            cSettings: cKernelFlags + [.unsafeFlags(["-I/usr/include/x86_64-linux-gnu/openblas-pthread"])],
            linkerSettings: [.linkedLibrary("openblas"), .linkedLibrary("m")]
        ),
        // CPU math for the model: matrix products over quantized weights, norms,
        // RoPE, softmax, log-softmax with rank and top-k; one thread pool.
        .target(name: "Kernels", dependencies: ["GGUF", "KernelsC"]),
        // The Llama-family forward pass.
        .target(name: "Model", dependencies: ["GGUF", "Kernels"]),
        // Scoring and generation on top of the model and tokenizer.
        .target(name: "Engine", dependencies: ["GGUF", "Tokenizer", "Kernels", "Model"]),
        .executableTarget(
            name: "BaseServe",
            dependencies: [
                "Engine",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),
        // Paths of the real files tests use, and the golden reference format.
        .target(name: "TestSupport", path: "Tests/TestSupport"),
        .testTarget(name: "GGUFTests", dependencies: ["GGUF"]),
        .testTarget(name: "TokenizerTests", dependencies: ["Tokenizer", "GGUF"]),
        .testTarget(name: "KernelsTests", dependencies: ["Kernels", "GGUF"], resources: [.copy("Fixtures")]),
        .testTarget(name: "ModelTests", dependencies: ["Model", "Kernels", "GGUF", "TestSupport"]),
        .testTarget(name: "EngineTests", dependencies: ["Engine", "Tokenizer", "Model", "Kernels", "GGUF", "TestSupport"]),
    ]
)
