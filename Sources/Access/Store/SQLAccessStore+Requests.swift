import Foundation

extension SQLAccessStore {
    public func submitRequest(name: String, email: String, affiliation: String?, note: String) async throws -> AccessRequest {
        let email = try Self.validEmail(email)
        let name = try Self.required(name, "A name")
        let time = now()
        return try await transaction { connection in
            // Merge into the pending request for this email, if there is one.
            // The partial unique index makes a concurrent second insert fail
            // rather than add a duplicate.
            let merged = try await connection.first(
                "UPDATE access_requests SET name = ?, affiliation = ?, note = ? WHERE email = ? AND status = 'pending' RETURNING \(Self.requestColumns)",
                [.text(name), .optional(affiliation), .text(note), .text(email)])
            if let merged { return try Self.request(merged) }
            let row = try await connection.first(
                "INSERT INTO access_requests (id, name, email, affiliation, note, status, created_at) VALUES (?, ?, ?, ?, ?, 'pending', ?) RETURNING \(Self.requestColumns)",
                [.text(Self.newID()), .text(name), .text(email), .optional(affiliation), .text(note), .time(time)])
            guard let row else { throw SQLDatabaseError.decoding("INSERT … RETURNING gave no row") }
            return try Self.request(row)
        }
    }

    public func requests(status: AccessRequestStatus?) async throws -> [AccessRequest] {
        let rows: [SQLRow]
        if let status {
            rows = try await query("SELECT \(Self.requestColumns) FROM access_requests WHERE status = ? ORDER BY created_at DESC, id",
                                   [.text(status.rawValue)])
        } else {
            rows = try await query("SELECT \(Self.requestColumns) FROM access_requests ORDER BY created_at DESC, id")
        }
        return try rows.map(Self.request)
    }

    public func request(id: String) async throws -> AccessRequest? {
        try await query("SELECT \(Self.requestColumns) FROM access_requests WHERE id = ?", [.text(id)]).first.map(Self.request)
    }

    public func approveRequest(id: String, note: String?, inviteLifetime: TimeInterval, by: String?) async throws -> (AccessRequest, IssuedInvite) {
        let time = now()
        let token = SecretToken.make()
        let result: RequestAndInvite = try await transaction { connection in
            let request = try await Self.review(connection, id: id, status: .approved, note: note, by: by, time: time)
            let invite = try await Self.insertInvite(connection, email: request.email, tokenHash: SecretToken.digest(token),
                                                     requestID: request.id, by: by, time: time, lifetime: inviteLifetime)
            try await Self.writeAudit(connection, time: time, action: "request.approve", target: request.id,
                                      detail: "invite \(invite.id) for \(request.email)", by: by)
            return RequestAndInvite(request: request, invite: invite)
        }
        return (result.request, IssuedInvite(invite: result.invite, token: token))
    }

    public func denyRequest(id: String, note: String?, by: String?) async throws -> AccessRequest {
        let time = now()
        return try await transaction { connection in
            let request = try await Self.review(connection, id: id, status: .denied, note: note, by: by, time: time)
            try await Self.writeAudit(connection, time: time, action: "request.deny", target: request.id,
                                      detail: note, by: by)
            return request
        }
    }

    /// Moves a pending request to `status`, in one conditional UPDATE so two
    /// admins reviewing at once cannot both succeed.
    private static func review(_ connection: any SQLConnection, id: String, status: AccessRequestStatus, note: String?,
                               by: String?, time: Date) async throws -> AccessRequest {
        let row = try await connection.first(
            "UPDATE access_requests SET status = ?, review_note = ?, reviewed_by = ?, reviewed_at = ? WHERE id = ? AND status = 'pending' RETURNING \(requestColumns)",
            [.text(status.rawValue), .optional(note), .optional(by), .time(time), .text(id)])
        if let row { return try request(row) }
        guard let existing = try await connection.first("SELECT status FROM access_requests WHERE id = ?", [.text(id)]) else {
            throw AccessError.notFound("No such access request.")
        }
        throw AccessError.conflict("This request was already \(try existing.text("status")).")
    }
}

private struct RequestAndInvite: Sendable {
    var request: AccessRequest
    var invite: Invite
}
