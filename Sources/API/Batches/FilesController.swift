import Foundation
import Hummingbird
import JSONValue

/// `/v1/files`, as OpenAI's: upload (multipart `file` and `purpose=batch`),
/// list, get, content, delete. A file belongs to the member whose key uploaded
/// it; anyone else gets 404, as if it did not exist.
struct FilesController {
    let store: any BatchStore
    let settings: BatchSettings

    /// Room for the multipart envelope around the file itself.
    static let envelopeBytes = 64 << 10

    func addRoutes(to group: RouterGroup<APIRequestContext>) {
        group.post("files", use: upload)
        group.get("files", use: list)
        group.get("files/:id", use: get)
        group.get("files/:id/content", use: content)
        group.delete("files/:id", use: delete)
    }

    @Sendable func upload(request: Request, context: APIRequestContext) async throws -> Response {
        guard let boundary = MultipartForm.boundary(contentType: request.headers[.contentType] ?? "") else {
            throw APIError(.unsupportedMediaType, "Upload a file as multipart/form-data with the parts `file` and `purpose`.")
        }
        let limit = settings.maxFileBytes + Self.envelopeBytes
        let buffer: ByteBuffer
        do {
            buffer = try await request.body.collect(upTo: limit)
        } catch let error as any HTTPResponseError where error.status == .contentTooLarge {
            throw tooLarge()
        }
        let form = try MultipartForm(body: Array(buffer.readableBytesView), boundary: boundary)
        guard let purposePart = form.part("purpose") else {
            throw APIError.invalid("The `purpose` part is required: send purpose=batch.", param: "purpose")
        }
        let purpose = String(decoding: purposePart.content, as: UTF8.self)
        guard purpose == "batch" else {
            throw APIError.invalid("`purpose` must be `batch`: this server stores files for the Batch API only, got `\(purpose)`.", param: "purpose")
        }
        guard let filePart = form.part("file") else {
            throw APIError.invalid("The `file` part is required: the JSONL file of requests.", param: "file")
        }
        guard filePart.content.count <= settings.maxFileBytes else { throw tooLarge() }
        guard let text = String(validating: filePart.content, as: UTF8.self) else {
            throw APIError.invalid("The file is not UTF-8 text: a batch file is JSONL, one JSON request per line.", param: "file")
        }
        let lines = text.split(separator: "\n", omittingEmptySubsequences: true)
            .filter { !$0.trimmingCharacters(in: .whitespaces).isEmpty }.count
        guard lines > 0 else { throw APIError.invalid("The file holds no requests: a batch file is JSONL, one JSON request per line.", param: "file") }
        guard lines <= settings.maxFileLines else {
            throw APIError.invalid("The file holds \(lines) requests; this server takes at most \(settings.maxFileLines) per file (--max-batch-file-lines): split it.", param: "file")
        }
        let file = try await store.createFile(owner: BatchOwner.of(context.record.principal), filename: filePart.filename ?? "file.jsonl",
                                              purpose: purpose, content: text, lines: lines)
        return jsonResponse(BatchJSON.file(file))
    }

    @Sendable func list(request: Request, context: APIRequestContext) async throws -> Response {
        let query = request.uri.queryParameters
        let limit = try Paging.limit(query["limit"].map(String.init), default: 10_000, most: 10_000)
        let purpose = query["purpose"].map(String.init)
        let files = try await store.files(owner: BatchOwner.of(context.record.principal), purpose: purpose,
                                          after: query["after"].map(String.init), limit: limit + 1)
        let page = Array(files.prefix(limit))
        return jsonResponse(BatchJSON.list(page.map(BatchJSON.file), ids: page.map(\.id), hasMore: files.count > limit))
    }

    @Sendable func get(request: Request, context: APIRequestContext) async throws -> Response {
        jsonResponse(BatchJSON.file(try await owned(context)))
    }

    @Sendable func content(request: Request, context: APIRequestContext) async throws -> Response {
        let file = try await owned(context)
        guard let text = try await store.fileContent(id: file.id, owner: file.owner) else { throw Self.notFound(file.id) }
        var headers = HTTPFields()
        headers[.contentType] = "application/octet-stream"
        headers[.contentDisposition] = "attachment; filename=\"\(file.filename.replacingOccurrences(of: "\"", with: ""))\""
        return Response(status: .ok, headers: headers, body: .init(byteBuffer: ByteBuffer(string: text)))
    }

    @Sendable func delete(request: Request, context: APIRequestContext) async throws -> Response {
        let id = try context.parameters.require("id")
        guard try await store.deleteFile(id: id, owner: BatchOwner.of(context.record.principal)) else { throw Self.notFound(id) }
        return jsonResponse(.object([("id", .string(id)), ("object", "file"), ("deleted", true)]))
    }

    private func owned(_ context: APIRequestContext) async throws -> BatchFile {
        let id = try context.parameters.require("id")
        guard let file = try await store.file(id: id, owner: BatchOwner.of(context.record.principal)) else { throw Self.notFound(id) }
        return file
    }

    static func notFound(_ id: String) -> APIError {
        APIError(.notFound, "No such file: \(id).", param: "file_id")
    }

    private func tooLarge() -> APIError {
        APIError(.payloadTooLarge, "The file is larger than this server's limit of \(settings.maxFileBytes) bytes (--max-batch-file-bytes): split it.")
    }
}

/// `limit` query parameters of the list routes.
enum Paging {
    static func limit(_ text: String?, default fallback: Int, most: Int) throws -> Int {
        guard let text else { return fallback }
        guard let value = Int(text), (1...most).contains(value) else {
            throw APIError.invalid("`limit` must be an integer between 1 and \(most), got `\(text)`.", param: "limit")
        }
        return value
    }
}
