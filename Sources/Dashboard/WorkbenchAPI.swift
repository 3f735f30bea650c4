import Access
import API
import Foundation
import Hummingbird
import JSONValue

/// The Workbench's JSON endpoints under `/workbench/api/`: the member's saved
/// prompts, looms and comparisons (and a comparison's last runs), their keys
/// to bill, and feedback. Called by the page's script with the session and
/// its CSRF token (`WorkbenchSessions`); answers and errors are the API's JSON.
///
/// A document's `body` is the page's own JSON object, stored as sent and
/// returned as it was stored: the server checks its size and shape, not its fields.
struct WorkbenchAPI: Sendable {
    let sessions: WorkbenchSessions
    var store: any AccessStore { sessions.store }

    /// A loom's body with its logprobs, and the name and framing around it.
    static let maxRequestBytes = WorkbenchDocument.maxBodyBytes + 64 * 1024

    func addRoutes(to router: Router<APIRequestContext>) {
        for kind in WorkbenchDocumentKind.allCases {
            let list = RouterPath("/workbench/api/\(kind.collection)")
            let one = RouterPath("/workbench/api/\(kind.collection)/:id")
            router.get(list) { request, _ in
                let member = try await sessions.requireMember(request)
                let documents = try await stored { try await store.documents(memberID: member.id, kind: kind) }
                return jsonResponse(.object([("object", "list"), ("data", .array(documents.map { Self.json($0) }))]))
            }
            router.post(list) { request, _ in
                let member = try await sessions.requireMember(request)
                let (name, body) = try await Self.nameAndBody(request)
                let saved = try await stored {
                    try await store.saveDocument(memberID: member.id, kind: kind, id: nil, name: name, body: try Self.required(body))
                }
                return jsonResponse(Self.json(saved, body: body), status: .created)
            }
            router.get(one) { request, context in
                let member = try await sessions.requireMember(request)
                let id = context.parameters.get("id") ?? ""
                guard let document = try await stored({ try await store.document(memberID: member.id, kind: kind, id: id) }) else {
                    throw Self.notFound(kind)
                }
                return jsonResponse(Self.json(document, body: JSON.parse(Array(document.body.utf8))))
            }
            router.put(one) { request, context in
                let member = try await sessions.requireMember(request)
                let (name, body) = try await Self.nameAndBody(request)
                let saved = try await stored {
                    try await store.saveDocument(memberID: member.id, kind: kind, id: context.parameters.get("id"), name: name,
                                                 body: try Self.required(body))
                }
                return jsonResponse(Self.json(saved, body: body))
            }
            router.patch(one) { request, context in
                let member = try await sessions.requireMember(request)
                let (name, _) = try await Self.nameAndBody(request)
                let id = context.parameters.get("id") ?? ""
                try await stored { try await store.renameDocument(memberID: member.id, kind: kind, id: id, name: name) }
                return jsonResponse(.object([("id", .string(id)), ("name", .string(name.trimmingCharacters(in: .whitespacesAndNewlines)))]))
            }
            router.delete(one) { request, context in
                let member = try await sessions.requireMember(request)
                let id = context.parameters.get("id") ?? ""
                try await stored { try await store.deleteDocument(memberID: member.id, kind: kind, id: id) }
                return jsonResponse(.object([("id", .string(id)), ("deleted", true)]))
            }
        }
        router.get("/workbench/api/comparisons/:id/runs") { request, context in
            let member = try await sessions.requireMember(request)
            let id = context.parameters.get("id") ?? ""
            let runs = try await stored { try await store.comparisonRuns(memberID: member.id, comparisonID: id) }
            return jsonResponse(.object([("object", "list"), ("data", .array(runs.map(Self.json)))]))
        }
        router.post("/workbench/api/comparisons/:id/runs") { request, context in
            let member = try await sessions.requireMember(request)
            let fields = try await Self.object(request, allowed: ["body"])
            let body = try Self.required(fields["body"])
            let run = try await stored {
                try await store.addComparisonRun(memberID: member.id, comparisonID: context.parameters.get("id") ?? "",
                                                 body: body)
            }
            return jsonResponse(Self.json(run), status: .created)
        }
        router.get("/workbench/api/keys") { request, _ in
            let member = try await sessions.requireMember(request)
            let now = Date()
            let keys = try await stored { try await store.keys(memberID: member.id) }.filter { $0.isUsable(at: now) }
            return jsonResponse(.object([("object", "list"), ("data", .array(keys.map { key in
                .object([("id", .string(key.id)), ("name", .string(key.name)), ("prefix", .string(key.displayPrefix)),
                         ("paused", .bool(key.pausedAt != nil))])
            }))]))
        }
        router.post("/workbench/api/feedback") { request, _ in
            let member = try await sessions.requireMember(request)
            let fields = try await Self.object(request, allowed: ["category", "description", "page"])
            let categoryText = try Self.string(fields, "category")
            guard let category = FeedbackCategory(rawValue: categoryText) else {
                throw APIError.invalid("`category` must be one of \(FeedbackCategory.allCases.map(\.rawValue).joined(separator: ", ")), got \(categoryText).",
                                       param: "category")
            }
            let feedback = try await stored {
                try await store.submitFeedback(memberID: member.id, category: category,
                                               description: try Self.string(fields, "description"),
                                               page: (try? Self.string(fields, "page")) ?? "/workbench")
            }
            return jsonResponse(.object([("id", .string(feedback.id)), ("category", .string(category.rawValue))]), status: .created)
        }
    }

    // MARK: Reading requests

    /// The body as a JSON object with only `allowed` fields (a typo is a 400, as in the API).
    static func object(_ request: Request, allowed: Set<String>) async throws -> JSON {
        let body = try await request.jsonBody(limit: maxRequestBytes)
        guard case .object(let members) = body else {
            throw APIError.invalid("The request body must be a JSON object, got \(body.typeName).", param: nil)
        }
        if let unknown = members.first(where: { !allowed.contains($0.0) }) {
            throw APIError(.unknownParameter, "Unknown parameter `\(unknown.0)`; this endpoint reads \(allowed.sorted().joined(separator: ", ")).",
                           param: unknown.0)
        }
        return body
    }

    static func string(_ fields: JSON, _ name: String) throws -> String {
        guard let value = fields[name], value != .null else { throw APIError.invalid("`\(name)` is required.", param: name) }
        guard let text = value.stringValue else {
            throw APIError.invalid("`\(name)` must be a string, got \(value.typeName).", param: name)
        }
        return text
    }

    /// `name` (required) and `body` (a JSON object, when given).
    static func nameAndBody(_ request: Request) async throws -> (String, JSON?) {
        let fields = try await object(request, allowed: ["name", "body"])
        let body = fields["body"].flatMap { $0 == .null ? nil : $0 }
        if let body {
            guard case .object = body else {
                throw APIError.invalid("`body` must be a JSON object, got \(body.typeName).", param: "body")
            }
        }
        return (try string(fields, "name"), body)
    }

    static func required(_ body: JSON?) throws -> String {
        guard let body, case .object = body else { throw APIError.invalid("`body` is required: a JSON object.", param: "body") }
        return body.serialized
    }

    // MARK: Answers

    static func json(_ document: WorkbenchDocument, body: JSON? = nil) -> JSON {
        var members: [(String, JSON)] = [
            ("id", .string(document.id)), ("object", .string(document.kind.rawValue)), ("name", .string(document.name)),
            ("created_at", .int(Int(document.createdAt.timeIntervalSince1970))),
            ("updated_at", .int(Int(document.updatedAt.timeIntervalSince1970))),
        ]
        if let body { members.append(("body", body)) }
        return .object(members)
    }

    static func json(_ run: ComparisonRun) -> JSON {
        .object([("id", .string(run.id)), ("created_at", .int(Int(run.createdAt.timeIntervalSince1970))),
                 ("body", JSON.parse(Array(run.body.utf8)) ?? .null)])
    }

    static func notFound(_ kind: WorkbenchDocumentKind) -> APIError {
        APIError(.notFound, "You have no saved \(kind.rawValue) with that id.")
    }

    /// The store's refusals as the API's errors; a failing database is a 503.
    func stored<T>(_ work: () async throws -> T) async throws -> T {
        do {
            return try await work()
        } catch let error as APIError {
            throw error
        } catch AccessError.notFound(let reason) {
            throw APIError(.notFound, reason)
        } catch AccessError.invalid(let reason) {
            throw APIError.invalid(reason, param: nil)
        } catch {
            sessions.logger.error("Workbench store call failed: \(error)")
            throw APIError(.serviceUnavailable, "The access database is unavailable; try again shortly.")
        }
    }
}
