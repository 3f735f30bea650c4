import Foundation
import Hummingbird
import JSONValue

/// `/v1/batches`, as OpenAI's: create from an uploaded file, get, list (with
/// `after` and `limit`), cancel. A batch belongs to the member whose key
/// created it, and its lines are billed to that key.
struct BatchesController {
    let store: any BatchStore
    let settings: BatchSettings
    let validator: BatchInputValidator
    let configuration: ServerConfiguration

    /// OpenAI's one completion window.
    static let completionWindow = "24h"

    func addRoutes(to group: RouterGroup<APIRequestContext>) {
        group.post("batches", use: create)
        group.get("batches", use: list)
        group.get("batches/:id", use: get)
        group.post("batches/:id/cancel", use: cancel)
    }

    @Sendable func create(request: Request, context: APIRequestContext) async throws -> Response {
        let body = try await request.jsonBody(limit: configuration.maxBodyBytes)
        let f = try FieldReader(body: body, fields: .batchCreate)
        guard let inputFileID = try f.string("input_file_id") else {
            throw APIError.invalid("`input_file_id` is required: the id of a file uploaded with purpose `batch`.", param: "input_file_id")
        }
        guard let endpoint = try f.string("endpoint") else {
            throw APIError.invalid("`endpoint` is required: one of \(BatchInputValidator.endpoints.joined(separator: ", ")).", param: "endpoint")
        }
        guard BatchInputValidator.endpoints.contains(endpoint) else {
            throw APIError.invalid("`endpoint` must be one of \(BatchInputValidator.endpoints.joined(separator: ", ")), got `\(endpoint)`.", param: "endpoint")
        }
        guard let window = try f.string("completion_window") else {
            throw APIError.invalid("`completion_window` is required: `24h`.", param: "completion_window")
        }
        guard window == Self.completionWindow else {
            throw APIError.invalid("`completion_window` must be `24h`, got `\(window)`.", param: "completion_window")
        }
        let metadata = try Self.metadata(f.value("metadata"))
        let principal = context.record.principal
        let owner = BatchOwner.of(principal)
        guard let file = try await store.file(id: inputFileID, owner: owner) else { throw FilesController.notFound(inputFileID) }
        guard file.purpose == "batch" else {
            throw APIError.invalid("The input file \(inputFileID) has purpose `\(file.purpose)`; a batch reads a file uploaded with purpose `batch`.", param: "input_file_id")
        }
        guard let content = try await store.fileContent(id: file.id, owner: owner) else { throw FilesController.notFound(inputFileID) }
        let (lines, errors) = validator.validate(content, endpoint: endpoint, principal: principal)
        let batch = try await store.createBatch(NewBatch(
            owner: owner, keyID: principal?.keyID, endpoint: endpoint, inputFileID: file.id, completionWindow: window,
            metadata: metadata, expiresAt: Date().addingTimeInterval(settings.windowSeconds), lines: lines, errors: errors))
        return jsonResponse(BatchJSON.batch(batch))
    }

    @Sendable func list(request: Request, context: APIRequestContext) async throws -> Response {
        let query = request.uri.queryParameters
        let limit = try Paging.limit(query["limit"].map(String.init), default: 20, most: 100)
        let batches = try await store.batches(owner: BatchOwner.of(context.record.principal), after: query["after"].map(String.init),
                                              limit: limit + 1)
        let page = Array(batches.prefix(limit))
        return jsonResponse(BatchJSON.list(page.map(BatchJSON.batch), ids: page.map(\.id), hasMore: batches.count > limit))
    }

    @Sendable func get(request: Request, context: APIRequestContext) async throws -> Response {
        let id = try context.parameters.require("id")
        guard let batch = try await store.batch(id: id, owner: BatchOwner.of(context.record.principal)) else { throw Self.notFound(id) }
        return jsonResponse(BatchJSON.batch(batch))
    }

    @Sendable func cancel(request: Request, context: APIRequestContext) async throws -> Response {
        let id = try context.parameters.require("id")
        guard let batch = try await store.cancelBatch(id: id, owner: BatchOwner.of(context.record.principal)) else { throw Self.notFound(id) }
        return jsonResponse(BatchJSON.batch(batch))
    }

    static func notFound(_ id: String) -> APIError {
        APIError(.notFound, "No such batch: \(id).", param: "batch_id")
    }

    /// OpenAI's metadata: at most 16 pairs of strings (keys up to 64
    /// characters, values up to 512), kept as JSON text.
    static func metadata(_ value: JSON?) throws -> String? {
        guard let value, value != .null else { return nil }
        guard case .object(let members) = value else {
            throw APIError.invalid("`metadata` must be an object of string values, got \(value.typeName).", param: "metadata")
        }
        guard members.count <= 16 else { throw APIError.invalid("`metadata` holds at most 16 pairs.", param: "metadata") }
        for (key, item) in members {
            guard case .string(let text) = item, key.count <= 64, text.count <= 512 else {
                throw APIError.invalid("`metadata` values must be strings (keys up to 64 characters, values up to 512): `\(key)` is not.", param: "metadata")
            }
        }
        return value.serialized
    }
}

extension RequestFields {
    static let batchCreate = RequestFields(place: "/v1/batches", fields: [
        ("input_file_id", .honoured), ("endpoint", .honoured), ("completion_window", .honoured), ("metadata", .honoured),
        ("output_expires_after", .unsupported(reason: "output files are kept until they are deleted.")),
    ])

    /// One line of a batch's input file.
    static let batchLine = RequestFields(place: "a batch input line", fields: [
        ("custom_id", .honoured), ("method", .honoured), ("url", .honoured), ("body", .honoured),
    ])
}
