import Access
import API
import Foundation
import Hummingbird

/// Batches on the web: a member's own (`/dashboard/batches`: status, a
/// progress bar, counts, the output and error files to download, cancel) and
/// everyone's for admins (`/admin/batches`). A member downloads and cancels
/// only their own: every lookup carries the owner.
struct BatchPages: Sendable {
    let site: DashboardSite
    static let listed = 100

    func addRoutes(to router: Router<APIRequestContext>) {
        router.get("/dashboard/batches") { request, _ in
            await site.handle(request) { visitor in
                if let r = site.requireMember(visitor) { return r }
                guard let member = visitor.member else { return site.redirect(visitor, to: "/signin") }
                return try await page(visitor, owner: member.id)
            }
        }
        router.get("/admin/batches") { request, _ in
            await site.handle(request) { visitor in
                if let r = site.requireAdmin(visitor) { return r }
                return try await page(visitor, owner: nil)
            }
        }
        router.get("/dashboard/batches/files/:id") { request, context in
            await site.handle(request) { visitor in
                if let r = site.requireMember(visitor) { return r }
                guard let member = visitor.member else { return site.redirect(visitor, to: "/signin") }
                // Admins download any batch's files; members their own.
                return try await download(context.parameters.get("id") ?? "", owner: visitor.isAdmin ? nil : member.id, visitor)
            }
        }
        router.post("/dashboard/batches/:id/cancel") { request, context in
            await site.handle(request) { visitor in
                if let r = site.requireMember(visitor) { return r }
                guard let member = visitor.member else { return site.redirect(visitor, to: "/signin") }
                switch await site.readForm(request, visitor, protection: .session) {
                case .failure(let refusal): return refusal
                case .success:
                    guard let store = site.store as? any BatchStore,
                          try await store.cancelBatch(id: context.parameters.get("id") ?? "", owner: member.id) != nil else {
                        return notFound(visitor)
                    }
                    return site.redirect(visitor, to: "/dashboard/batches")
                }
            }
        }
    }

    private func page(_ visitor: Visitor, owner: String?) async throws -> Response {
        guard let store = site.store as? any BatchStore else { return notFound(visitor) }
        let batches = try await store.batches(owner: owner, after: nil, limit: Self.listed)
        var emails: [String: String] = [:]
        if owner == nil { for m in try await site.store.members() { emails[m.id] = m.email } }
        let rows: [[String: Any]] = batches.map { b in
            let counts = b.requestCounts
            let finished = counts.completed + counts.failed
            let percent = counts.total > 0 ? finished * 100 / counts.total : 100
            var row: [String: Any] = [
                "id": b.id, "status": b.status.rawValue, "endpoint": b.endpoint, "created": DisplayFormat.time(b.createdAt),
                "owner": emails[b.owner] ?? b.owner, "total": counts.total, "completed": counts.completed, "failed": counts.failed,
                "percent": percent, "width": percent, "cls": counts.failed > 0 ? "near" : "ok",
                "canCancel": owner != nil && (b.status == .inProgress || b.status == .validating),
                "errors": (b.errors ?? []).prefix(5).map { ["line": $0.line.map(String.init) ?? "", "code": $0.code, "message": $0.message] },
            ]
            if let id = b.outputFileID { row["output"] = ["href": "/dashboard/batches/files/\(id)"] }
            if let id = b.errorFileID { row["errorFile"] = ["href": "/dashboard/batches/files/\(id)"] }
            return row
        }
        return site.page("batches", visitor, data: ["batches": rows, "hasBatches": !rows.isEmpty, "isAdminView": owner == nil,
                                                    "listed": Self.listed])
    }

    private func download(_ id: String, owner: String?, _ visitor: Visitor) async throws -> Response {
        guard let store = site.store as? any BatchStore, let file = try await store.file(id: id, owner: owner),
              let text = try await store.fileContent(id: id, owner: owner) else { return notFound(visitor) }
        var headers = HTTPFields()
        headers[.contentType] = "application/jsonl; charset=utf-8"
        headers[.contentDisposition] = "attachment; filename=\"\(file.filename.filter { $0.isLetter || $0.isNumber || "._-".contains($0) })\""
        return Response(status: .ok, headers: headers, body: .init(byteBuffer: ByteBuffer(string: text)))
    }

    private func notFound(_ visitor: Visitor) -> Response {
        site.message(visitor, status: .notFound, title: "Not found", text: "There is no such batch or file of yours.")
    }
}
