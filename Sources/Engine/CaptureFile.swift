#if canImport(Glibc)
import Glibc
#endif
import Foundation

/// Why an instrument's temporary file could not be created or written (a missing
/// or read-only temporary directory, a full disk). The job
/// still runs to its end; the request then fails with a 503 that names the file
/// and the system's reason, rather than answering without what was asked for.
struct CaptureFileError: Error, CustomStringConvertible {
    let description: String
}

/// One temporary file that an instrument fills as the engine computes (a layer's
/// residual stream, a prompt's whole distributions), so that memory stays bounded
/// whatever the number of positions. Created exclusively in the temporary
/// directory (`$TMPDIR`, else /tmp). A failed write is remembered rather than
/// thrown, so that the forward pass, shared with other jobs, goes on; Foundation's
/// `FileHandle.write(_:)` would instead stop the process on a full disk.
final class CaptureFile {
    let url: URL
    /// What the file holds, for messages: "activation", "distribution".
    private let kind: String
    private let handle: FileHandle
    /// The first write that failed.
    private(set) var failure: CaptureFileError?

    init(named name: String, kind: String) throws(CaptureFileError) {
        self.kind = kind
        url = FileManager.default.temporaryDirectory.appendingPathComponent(name)
        let fd = open(url.path, O_WRONLY | O_CREAT | O_EXCL, 0o600)
        guard fd >= 0 else {
            throw CaptureFileError(description: "cannot create the \(kind) file \(url.path): \(String(cString: strerror(errno)))")
        }
        handle = FileHandle(fileDescriptor: fd, closeOnDealloc: true)
    }

    /// Appends `count` bytes as they are in memory (float32 is little-endian on
    /// every platform BaseServe runs on), without copying them first.
    func write(_ bytes: UnsafeRawPointer, count: Int) {
        guard failure == nil, count > 0 else { return }
        do {
            try handle.write(contentsOf: Data(bytesNoCopy: UnsafeMutableRawPointer(mutating: bytes), count: count, deallocator: .none))
        } catch {
            failure = CaptureFileError(description: "cannot write the \(kind) file \(url.path): \(error.localizedDescription)")
        }
    }

    func close() { try? handle.close() }

    func remove() { try? FileManager.default.removeItem(at: url) }
}
