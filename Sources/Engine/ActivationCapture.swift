import Foundation

/// The residual stream of one job as it is computed, written out at once to one
/// temporary file per layer (little-endian float32, position after position), so
/// that memory stays bounded whatever the number of positions. `finish` hands
/// the files over as `CapturedActivations`, laid out [layers, positions, hidden].
final class ActivationCapture {
    let layers: [Int]
    let hiddenSize: Int
    private let files: [URL]
    private let handles: [FileHandle]
    private(set) var positions = 0
    /// Set once `finish` has handed the files over; until then they are this object's to remove.
    private var handedOver = false

    init(layers: [Int], hiddenSize: Int) throws {
        self.layers = layers
        self.hiddenSize = hiddenSize
        let directory = FileManager.default.temporaryDirectory
        let id = UUID().uuidString
        files = layers.map { directory.appendingPathComponent("baseserve-activations-\(id)-\($0).f32") }
        var opened: [FileHandle] = []
        for url in files {
            guard FileManager.default.createFile(atPath: url.path, contents: nil),
                  let handle = try? FileHandle(forWritingTo: url) else {
                for u in files { try? FileManager.default.removeItem(at: u) }
                throw CocoaError(.fileWriteUnknown)
            }
            opened.append(handle)
        }
        handles = opened
    }

    /// Appends `rows` positions of the residual stream after block `layer`
    /// (ignored when the layer is not captured). Positions arrive in order.
    func append(layer: Int, rows: UnsafePointer<Float>, count: Int) {
        guard let i = layers.firstIndex(of: layer) else { return }
        // The float32 values as they are in memory: little-endian on every platform BaseServe runs on.
        handles[i].write(Data(bytes: rows, count: count * hiddenSize * MemoryLayout<Float>.size))
        if i == 0 { positions += count }
    }

    func finish() -> CapturedActivations {
        for h in handles { try? h.close() }
        handedOver = true
        return CapturedActivations(layers: layers, positions: positions, hiddenSize: hiddenSize, files: files)
    }

    deinit {
        for h in handles { try? h.close() }
        // A job cancelled before it finished: nobody will read its files.
        if !handedOver { for url in files { try? FileManager.default.removeItem(at: url) } }
    }
}

/// A job's captured residual stream: `layers.count` files of `positions ×
/// hiddenSize` float32 each. The files are removed when the last reference goes.
public final class CapturedActivations: @unchecked Sendable, Equatable {
    public let layers: [Int]
    public let positions: Int
    public let hiddenSize: Int
    /// One file per layer, in `layers` order; read them in this order for [L, T, H].
    public let files: [URL]

    init(layers: [Int], positions: Int, hiddenSize: Int, files: [URL]) {
        self.layers = layers
        self.positions = positions
        self.hiddenSize = hiddenSize
        self.files = files
    }

    deinit {
        for url in files { try? FileManager.default.removeItem(at: url) }
    }

    public static func == (a: CapturedActivations, b: CapturedActivations) -> Bool { a === b }
}
