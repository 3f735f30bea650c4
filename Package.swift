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
        .package(url: "https://github.com/hummingbird-project/hummingbird", from: "2.28.1"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-metrics", from: "2.13.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus", from: "2.4.1"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle", from: "2.13.0"),
        .package(url: "https://github.com/vapor/sqlite-nio", from: "1.13.2"),
        .package(url: "https://github.com/vapor/postgres-nio", from: "1.33.2"),
        .package(url: "https://github.com/hummingbird-project/hummingbird-auth", from: "2.5.0"),
        .package(url: "https://github.com/hummingbird-project/swift-mustache", from: "2.1.1"),
        .package(url: "https://github.com/swift-server/async-http-client", from: "1.37.0"),
        .package(url: "https://github.com/apple/swift-nio", from: "2.101.2"),
        .package(url: "https://github.com/apple/swift-nio-ssl", from: "2.37.6"),
        .package(url: "https://github.com/apple/swift-crypto", "3.12.3"..<"5.0.0"),
        .package(url: "https://github.com/LebJe/TOMLKit", from: "0.6.0"),
        .package(url: "https://github.com/JohnSundell/Ink", from: "0.6.0"),
    ],
    targets: [
        // Reading .gguf files: header, metadata, tensor table, memory-mapped data.
        .target(name: "GGUF"),
        // Byte-level BPE and SentencePiece tokenizers built from GGUF metadata.
        .target(name: "Tokenizer", dependencies: ["GGUF"]),
        // SIMD inner loops in C (dequantization, quantized dot products, GEMM glue).
        .target(
            name: "KernelsC",
            cSettings: cKernelFlags,
            // The platform's BLAS (KernelsC/kc_blas.h): OpenBLAS on Linux, Accelerate on macOS.
            linkerSettings: [
                .linkedLibrary("openblas", .when(platforms: [.linux])),
                .linkedFramework("Accelerate", .when(platforms: [.macOS])),
                .linkedLibrary("m", .when(platforms: [.linux])),
            ]
        ),
        // CPU math for the model: matrix products over quantized weights, norms,
        // RoPE, softmax, log-softmax with rank and top-k; one thread pool.
        .target(name: "Kernels", dependencies: ["GGUF", "KernelsC"]),
        // The Llama-family forward pass.
        .target(name: "Model", dependencies: ["GGUF", "Kernels"]),
        // Scoring and generation on top of the model and tokenizer.
        .target(name: "Engine", dependencies: ["GGUF", "Tokenizer", "Kernels", "Model"]),
        // zlib, from the system (Debian's zlib1g-dev): gzip for responses to clients that accept it.
        .systemLibrary(name: "CZlib", pkgConfig: "zlib", providers: [.apt(["zlib1g-dev"])]),
        // One JSON value type, its writer and a strict reader: request bodies and
        // responses in the API, and what the upstream backends send and read back.
        .target(name: "JSONValue", dependencies: [.product(name: "NIOCore", package: "swift-nio")]),
        // One protocol for "something that completes": the local engine, and
        // upstream OpenAI-compatible servers (vLLM, llama.cpp) reached over HTTP.
        .target(
            name: "Backends",
            dependencies: [
                "Engine", "Tokenizer", "JSONValue", "GGUF",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                // `serve --config FILE`: the TOML file of models.
                .product(name: "TOMLKit", package: "TOMLKit"),
                // The SHA-256 of a local model's GGUF file, which `/v1/models` reports.
                .product(name: "Crypto", package: "swift-crypto"),
            ]
        ),
        // The OpenAI-compatible HTTP API: wire types, validation, routes, SSE, errors.
        .target(
            name: "API",
            dependencies: [
                "Backends", "JSONValue", "CZlib",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                // SHA-256 digests of keys and tokens, constant-time comparison.
                .product(name: "Crypto", package: "swift-crypto"),
            ]
        ),
        // Who may use the API: access requests, invites, members, sessions, API
        // keys, limits, usage and the audit log, in SQLite or PostgreSQL.
        .target(
            name: "Access",
            dependencies: [
                "API",
                .product(name: "SQLiteNIO", package: "sqlite-nio"),
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "HummingbirdBcrypt", package: "hummingbird-auth"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "Logging", package: "swift-log"),
                // The SMTP client: NIO for the connection, swift-nio-ssl for smtps:// and STARTTLS.
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
            ]
        ),
        // The web pages over Access: request access, invites, sign-in, keys, admin,
        // and the user guide (/docs, /llms.txt). Templates, the stylesheet and the
        // guide's Markdown are Swift string constants, so the binary carries them
        // wherever it is copied (no resource bundle beside it).
        .target(
            name: "Dashboard",
            dependencies: [
                "Access", "API",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "Mustache", package: "swift-mustache"),
                .product(name: "Logging", package: "swift-log"),
                // The user guide's Markdown to HTML.
                .product(name: "Ink", package: "Ink"),
            ]
        ),
        .executableTarget(
            name: "BaseServe",
            dependencies: [
                "GGUF",
                "Kernels",
                "Engine",
                "Backends",
                "JSONValue",
                "API",
                "Access",
                "Dashboard",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ]
        ),
        // Paths of the real files tests use, and the golden reference format.
        .target(name: "TestSupport", path: "Tests/TestSupport"),
        .testTarget(name: "GGUFTests", dependencies: ["GGUF"]),
        .testTarget(name: "TokenizerTests", dependencies: ["Tokenizer", "GGUF"]),
        .testTarget(name: "KernelsTests", dependencies: ["Kernels", "GGUF"], resources: [.copy("Fixtures")]),
        .testTarget(name: "ModelTests", dependencies: ["Model", "Kernels", "GGUF", "TestSupport"]),
        .testTarget(name: "EngineTests", dependencies: ["Engine", "Tokenizer", "Model", "Kernels", "GGUF", "TestSupport"]),
        .testTarget(name: "BackendsTests", dependencies: ["Backends", "Engine", "JSONValue", "TestSupport"]),
        .testTarget(name: "DashboardTests", dependencies: ["Dashboard", "Access", "API", .product(name: "HummingbirdTesting", package: "hummingbird")]),
        .testTarget(
            name: "AccessGateTests",
            dependencies: [
                "Access", "API", "Backends", "Engine", "TestSupport",
                .product(name: "HummingbirdTesting", package: "hummingbird"),
            ]
        ),
        .testTarget(
            name: "APITests",
            dependencies: [
                "API", "Backends", "Engine", "JSONValue", "TestSupport", "CZlib",
                .product(name: "HummingbirdTesting", package: "hummingbird"),
            ]
        ),
        // The same store suite against SQLite always, and PostgreSQL when
        // BASESERVE_TEST_POSTGRES_URL is set.
        .testTarget(name: "AccessTests", dependencies: ["Access", "API"]),
    ]
)
