#if canImport(Glibc)
import Glibc
#endif
import Foundation

/// Why a job's residual stream could not be captured: its temporary files could
/// not be created or written (a missing or read-only temporary directory, a full disk).
struct ActivationCaptureError: Error, CustomStringConvertible {
    let description: String
}

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
    /// The first write that failed; `finish` reports it instead of handing over incomplete files.
    private var writeFailure: ActivationCaptureError?

    /// Creates the files in the temporary directory (`$TMPDIR`, else /tmp); throws,
    /// naming the file and the system's reason, when one cannot be created.
    init(layers: [Int], hiddenSize: Int) throws(ActivationCaptureError) {
        self.layers = layers
        self.hiddenSize = hiddenSize
        let directory = FileManager.default.temporaryDirectory
        let id = UUID().uuidString
        files = layers.map { directory.appendingPathComponent("baseserve-activations-\(id)-\($0).f32") }
        var opened: [FileHandle] = []
        for url in files {
            let fd = open(url.path, O_WRONLY | O_CREAT | O_EXCL, 0o600)
            guard fd >= 0 else {
                let reason = String(cString: strerror(errno))
                for u in files.prefix(opened.count) { try? FileManager.default.removeItem(at: u) }
                throw ActivationCaptureError(description: "cannot create the activation file \(url.path): \(reason)")
            }
            opened.append(FileHandle(fileDescriptor: fd, closeOnDealloc: true))
        }
        handles = opened
    }

    /// Appends `rows` positions of the residual stream after block `layer`
    /// (ignored when the layer is not captured). Positions arrive in order.
    func append(layer: Int, rows: UnsafePointer<Float>, count: Int) {
        guard writeFailure == nil, let i = layers.firstIndex(of: layer) else { return }
        // The float32 values as they are in memory: little-endian on every platform BaseServe runs on.
        do {
            try handles[i].write(contentsOf: Data(bytes: rows, count: count * hiddenSize * MemoryLayout<Float>.size))
        } catch {
            writeFailure = ActivationCaptureError(description: "cannot write the activation file \(files[i].path): \(error.localizedDescription)")
        }
        if i == 0 { positions += count }
    }

    /// Hands the files over, or throws the write that failed (the files are then removed).
    func finish() throws(ActivationCaptureError) -> CapturedActivations {
        for h in handles { try? h.close() }
        if let writeFailure { throw writeFailure }
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
