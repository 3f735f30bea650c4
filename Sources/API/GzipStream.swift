import Foundation
import CZlib
import HTTPTypes
import Hummingbird
import NIOCore

/// One gzip stream (RFC 1952: zlib's deflate with a gzip header and trailer),
/// fed piece by piece: each piece is compressed as it comes and what zlib has
/// ready is handed back, so a response of any length is compressed in the
/// memory of zlib's window and one output buffer.
final class GzipStream {
    private let stream: UnsafeMutablePointer<z_stream>
    /// Output gathered per call to deflate.
    private static let outputBytes = 64 << 10

    /// Level 1 (zlib's fastest): these responses are large and the server's
    /// cores run the model; level 6 shrinks float data only a few percent more.
    init(level: Int32 = Z_BEST_SPEED) {
        stream = .allocate(capacity: 1)
        stream.initialize(to: z_stream())
        // windowBits 15 + 16: the whole 32 KiB window, in a gzip wrapper rather than zlib's.
        let status = deflateInit2_(stream, level, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY,
                                   zlibVersion(), Int32(MemoryLayout<z_stream>.size))
        precondition(status == Z_OK, "zlib's deflateInit2 failed (\(status))")
    }

    deinit {
        deflateEnd(stream)
        stream.deinitialize(count: 1)
        stream.deallocate()
    }

    /// Compresses `input`; returns the compressed bytes ready so far (often none).
    func compress(_ input: ByteBuffer) -> ByteBuffer { deflate(input, flush: Z_NO_FLUSH) }

    /// Ends the stream: the rest of the compressed bytes and the gzip trailer.
    func finish() -> ByteBuffer { deflate(ByteBuffer(), flush: Z_FINISH) }

    private func deflate(_ input: ByteBuffer, flush: Int32) -> ByteBuffer {
        var out = ByteBuffer()
        input.withUnsafeReadableBytes { raw in
            stream.pointee.next_in = UnsafeMutablePointer(mutating: raw.bindMemory(to: Bytef.self).baseAddress)
            stream.pointee.avail_in = uInt(raw.count)
            var status = Z_OK
            repeat {
                _ = out.writeWithUnsafeMutableBytes(minimumWritableBytes: Self.outputBytes) { dst in
                    stream.pointee.next_out = dst.bindMemory(to: Bytef.self).baseAddress
                    stream.pointee.avail_out = uInt(dst.count)
                    status = CZlib.deflate(stream, flush)
                    return dst.count - Int(stream.pointee.avail_out)
                }
                // A full output buffer may leave more to come; finishing goes on to the trailer.
            } while stream.pointee.avail_out == 0 || (flush == Z_FINISH && status == Z_OK)
            stream.pointee.next_in = nil
            stream.pointee.avail_in = 0
        }
        return out
    }
}

/// A response body writer that gzips what is written through it.
struct GzipBodyWriter<Parent: ResponseBodyWriter>: ResponseBodyWriter {
    var parent: Parent
    let gzip = GzipStream()

    mutating func write(_ buffer: ByteBuffer) async throws {
        let compressed = gzip.compress(buffer)
        if compressed.readableBytes > 0 { try await parent.write(compressed) }
    }

    consuming func finish(_ trailingHeaders: HTTPFields?) async throws {
        try await parent.write(gzip.finish())
        try await parent.finish(trailingHeaders)
    }
}

extension ResponseBodyWriter {
    /// This writer, with everything written through it gzipped.
    consuming func gzipped() -> some ResponseBodyWriter { GzipBodyWriter(parent: self) }
}

/// Gathers a body known in full, gzipped, into one buffer.
private struct GzipCollector: ResponseBodyWriter {
    final class Output { var bytes = ByteBuffer() }
    let output: Output
    let gzip = GzipStream()

    mutating func write(_ buffer: ByteBuffer) async throws {
        var compressed = gzip.compress(buffer)
        output.bytes.writeBuffer(&compressed)
    }

    consuming func finish(_ trailingHeaders: HTTPFields?) async throws {
        var rest = gzip.finish()
        output.bytes.writeBuffer(&rest)
    }
}

/// Sends JSON responses gzipped (`Content-Encoding: gzip`) to clients that
/// accept it: those streamed out of the instruments' files (whole prompt
/// distributions, activations), compressed as they stream, and those known
/// in full from `minimumBytes` on, compressed in full so that they keep a
/// Content-Length (the request log records a known body's usage before it
/// is written). Smaller answers are not worth the CPU; event streams are
/// never compressed, so each event leaves as soon as it is made.
struct GzipMiddleware<Context: RequestContext>: RouterMiddleware {
    static var minimumBytes: Int { 64 << 10 }

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        var response = try await next(request, context)
        guard Self.acceptsGzip(request.headers[values: .acceptEncoding]),
              response.headers[.contentEncoding] == nil,
              let type = response.headers[.contentType]?.split(separator: ";").first?.trimmingCharacters(in: .whitespaces).lowercased(),
              type == "application/json" else { return response }
        let body = response.body
        if let length = body.contentLength {
            guard length >= Self.minimumBytes else { return response }
            let output = GzipCollector.Output()
            try await body.write(GzipCollector(output: output))
            response.body = ResponseBody(byteBuffer: output.bytes)
        } else {
            response.body = ResponseBody { writer in try await body.write(writer.gzipped()) }
        }
        response.headers[.contentLength] = nil
        response.headers[.contentEncoding] = "gzip"
        response.headers.append(HTTPField(name: .vary, value: "Accept-Encoding"))
        return response
    }

    /// Whether an Accept-Encoding header list admits gzip: `gzip` (or
    /// `x-gzip`), or `*`, with a q-value above 0.
    static func acceptsGzip(_ values: [String]) -> Bool {
        var gzip: Double?, any: Double?
        for coding in values.flatMap({ $0.split(separator: ",") }) {
            let parts = coding.split(separator: ";").map { $0.trimmingCharacters(in: .whitespaces).lowercased() }
            guard let name = parts.first, !name.isEmpty else { continue }
            var q = 1.0
            for p in parts.dropFirst() where p.hasPrefix("q=") { q = Double(p.dropFirst(2)) ?? 0 }
            switch name {
            case "gzip", "x-gzip": gzip = max(gzip ?? 0, q)
            case "*": any = q
            default: break
            }
        }
        return (gzip ?? any ?? 0) > 0
    }
}
