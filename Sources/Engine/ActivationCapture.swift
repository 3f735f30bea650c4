import Foundation

/// The residual stream of one job as it is computed, written out at once to one
/// temporary file per layer (little-endian float32, position after position), so
/// that memory stays bounded whatever the number of positions. `finish` hands
/// the files over as `CapturedActivations`, laid out [layers, positions, hidden].
final class ActivationCapture {
    let layers: [Int]
    let hiddenSize: Int
    private let files: [CaptureFile]
    private(set) var positions = 0
    /// Set once `finish` has handed the files over; until then they are this object's to remove.
    private var handedOver = false

    /// Creates the files; throws, naming the file and the system's reason, when one cannot be created.
    init(layers: [Int], hiddenSize: Int) throws(CaptureFileError) {
        self.layers = layers
        self.hiddenSize = hiddenSize
        let id = UUID().uuidString
        var files: [CaptureFile] = []
        do {
            for layer in layers {
                files.append(try CaptureFile(named: "baseserve-activations-\(id)-\(layer).f32", kind: "activation"))
            }
        } catch {
            for f in files { f.close(); f.remove() }
            throw error
        }
        self.files = files
    }

    /// Appends `rows` positions of the residual stream after block `layer`
    /// (ignored when the layer is not captured). Positions arrive in order.
    func append(layer: Int, rows: UnsafePointer<Float>, count: Int) {
        guard let i = layers.firstIndex(of: layer) else { return }
        files[i].write(rows, count: count * hiddenSize * MemoryLayout<Float>.size)
        if i == 0 { positions += count }
    }

    /// Hands the files over, or throws the first write that failed (the files are then removed).
    func finish() throws(CaptureFileError) -> CapturedActivations {
        for f in files { f.close() }
        if let failure = files.lazy.compactMap(\.failure).first { throw failure }
        handedOver = true
        return CapturedActivations(layers: layers, positions: positions, hiddenSize: hiddenSize, files: files.map(\.url))
    }

    deinit {
        for f in files { f.close() }
        // A job cancelled (or failed) before it finished: nobody will read its files.
        if !handedOver { for f in files { f.remove() } }
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
