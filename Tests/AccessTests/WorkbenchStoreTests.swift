import Foundation
import Testing
@testable import Access

/// The Workbench's storage on SQLite and PostgreSQL: documents are private to
/// their owner, survive reopening the store, comparisons keep their last 20
/// runs, feedback is listed and closed, and the Workbench key is made once.
@Suite struct WorkbenchStoreTests {
    @Test(arguments: Backend.all)
    func savedPromptsAreTheOwnersAndFollowThemAcrossReopening(_ backend: Backend) async throws {
        let fixture = StoreFixture(backend)
        defer { Task { try? await fixture.finish() } }
        var store = try await fixture.open()
        let ada = try await makeMember(store)
        let bob = try await makeMember(store, email: "bob@example.com")
        let body = #"{"prompt":"The capital of France is","settings":{"temperature":0,"max_tokens":8}}"#
        let saved = try await store.saveDocument(memberID: ada.id, kind: .prompt, id: nil, name: "  France  ", body: body)
        #expect(saved.name == "France" && saved.kind == .prompt && saved.body == body)

        try await fixture.close()
        store = try await fixture.open()
        let listed = try await store.documents(memberID: ada.id, kind: .prompt)
        #expect(listed.map(\.id) == [saved.id] && listed[0].body.isEmpty)
        #expect(try await store.document(memberID: ada.id, kind: .prompt, id: saved.id)?.body == body)
        // Another member, or another kind, sees nothing of it and changes nothing.
        #expect(try await store.documents(memberID: bob.id, kind: .prompt).isEmpty)
        #expect(try await store.documents(memberID: ada.id, kind: .loom).isEmpty)
        #expect(try await store.document(memberID: bob.id, kind: .prompt, id: saved.id) == nil)
        #expect(try await store.document(memberID: ada.id, kind: .loom, id: saved.id) == nil)
        await expectAccessError(.notFound("")) {
            try await store.saveDocument(memberID: bob.id, kind: .prompt, id: saved.id, name: "mine", body: "{}")
        }
        await expectAccessError(.notFound("")) { try await store.renameDocument(memberID: bob.id, kind: .prompt, id: saved.id, name: "x") }
        await expectAccessError(.notFound("")) { try await store.deleteDocument(memberID: bob.id, kind: .prompt, id: saved.id) }

        try await store.renameDocument(memberID: ada.id, kind: .prompt, id: saved.id, name: "Capitals")
        let updated = try await store.saveDocument(memberID: ada.id, kind: .prompt, id: saved.id, name: "Capitals", body: "{\"prompt\":\"x\"}")
        #expect(updated.id == saved.id)
        #expect(try await store.document(memberID: ada.id, kind: .prompt, id: saved.id)?.name == "Capitals")
        #expect(try await store.document(memberID: ada.id, kind: .prompt, id: saved.id)?.body == "{\"prompt\":\"x\"}")
        await expectAccessError(.invalid("")) { try await store.renameDocument(memberID: ada.id, kind: .prompt, id: saved.id, name: "  ") }
        await expectAccessError(.invalid("")) {
            try await store.saveDocument(memberID: ada.id, kind: .prompt, id: nil, name: String(repeating: "n", count: 201), body: "{}")
        }
        try await store.deleteDocument(memberID: ada.id, kind: .prompt, id: saved.id)
        #expect(try await store.documents(memberID: ada.id, kind: .prompt).isEmpty)
        try await fixture.finish()
    }

    @Test(arguments: Backend.all)
    func loomsKeepTheirWholeTreeAndLargeBodies(_ backend: Backend) async throws {
        try await withStore(backend) { store, _ in
            let ada = try await makeMember(store)
            // A loom with logprobs: tens of thousands of numbers, quotes and non-ASCII text.
            let tokens = (0..<3000).map { #"{"id":\#($0),"text":"é \"\#($0)\"","logprob":-\#(Double($0) / 7)}"# }.joined(separator: ",")
            let body = #"{"nodes":[{"id":"root","parent":null,"text":"Once","tokens":[\#(tokens)]}]}"#
            let loom = try await store.saveDocument(memberID: ada.id, kind: .loom, id: nil, name: "Stories", body: body)
            #expect(try await store.document(memberID: ada.id, kind: .loom, id: loom.id)?.body == body)
            let huge = String(repeating: "x", count: WorkbenchDocument.maxBodyBytes + 1)
            await expectAccessError(.invalid("")) {
                try await store.saveDocument(memberID: ada.id, kind: .loom, id: nil, name: "too big", body: huge)
            }
        }
    }

    @Test(arguments: Backend.all)
    func comparisonsKeepTheirLastTwentyRuns(_ backend: Backend) async throws {
        let clock = TestClock(Date())
        try await withStore(backend, now: { clock.now }) { store, _ in
            let ada = try await makeMember(store)
            let bob = try await makeMember(store, email: "bob@example.com")
            let comparison = try await store.saveDocument(memberID: ada.id, kind: .comparison, id: nil, name: "Temps", body: "{}")
            for i in 0..<23 {
                clock.set(clock.now.addingTimeInterval(1))
                _ = try await store.addComparisonRun(memberID: ada.id, comparisonID: comparison.id, body: "{\"run\":\(i)}")
            }
            let runs = try await store.comparisonRuns(memberID: ada.id, comparisonID: comparison.id)
            #expect(runs.count == ComparisonRun.kept)
            #expect(runs.first?.body == "{\"run\":22}" && runs.last?.body == "{\"run\":3}")
            #expect(try await store.comparisonRuns(memberID: bob.id, comparisonID: comparison.id).isEmpty)
            await expectAccessError(.notFound("")) {
                try await store.addComparisonRun(memberID: bob.id, comparisonID: comparison.id, body: "{}")
            }
            // A prompt is not a comparison.
            let prompt = try await store.saveDocument(memberID: ada.id, kind: .prompt, id: nil, name: "p", body: "{}")
            await expectAccessError(.notFound("")) {
                try await store.addComparisonRun(memberID: ada.id, comparisonID: prompt.id, body: "{}")
            }
            try await store.deleteDocument(memberID: ada.id, kind: .comparison, id: comparison.id)
            #expect(try await store.comparisonRuns(memberID: ada.id, comparisonID: comparison.id).isEmpty)
        }
    }

    @Test(arguments: Backend.all)
    func feedbackIsListedForAdminsAndClosedOnceWithAnAuditEntry(_ backend: Backend) async throws {
        let clock = TestClock(Date())
        try await withStore(backend, now: { clock.now }) { store, _ in
            let admin = try await makeMember(store, email: "root@example.com", isAdmin: true)
            let ada = try await makeMember(store)
            let bug = try await store.submitFeedback(memberID: ada.id, category: .bug, description: " Stop did nothing ", page: "/workbench")
            clock.set(clock.now.addingTimeInterval(1))
            let idea = try await store.submitFeedback(memberID: ada.id, category: .feature, description: "<b>Dark mode</b>",
                                                      page: "https://elsewhere.example/phish")
            #expect(bug.description == "Stop did nothing" && bug.page == "/workbench" && bug.memberEmail == "ada@example.com")
            #expect(idea.page == "/", "only a path on this site is kept")
            await expectAccessError(.invalid("")) {
                try await store.submitFeedback(memberID: ada.id, category: .question, description: "   ", page: "/")
            }
            #expect(try await store.feedback(includeClosed: false).map(\.id) == [idea.id, bug.id])

            try await store.closeFeedback(id: bug.id, by: admin.id)
            try await store.closeFeedback(id: bug.id, by: admin.id)
            #expect(try await store.feedback(includeClosed: false).map(\.id) == [idea.id])
            let all = try await store.feedback(includeClosed: true)
            #expect(all.count == 2 && all.first { $0.id == bug.id }?.closedAt != nil)
            let closes = try await store.auditLog(limit: 50).filter { $0.action == "feedback.close" }
            #expect(closes.count == 1 && closes[0].target == bug.id && closes[0].actorID == admin.id)
            await expectAccessError(.notFound("")) { try await store.closeFeedback(id: "nope", by: admin.id) }
        }
    }

    @Test(arguments: Backend.all)
    func theWorkbenchKeyIsMadeOnceAndOnlyOwnUsableKeysBill(_ backend: Backend) async throws {
        try await withStore(backend) { store, _ in
            let ada = try await makeMember(store)
            let bob = try await makeMember(store, email: "bob@example.com")
            let first = try #require(try await store.workbenchKey(memberID: ada.id, keyID: nil))
            let again = try #require(try await store.workbenchKey(memberID: ada.id, keyID: nil))
            #expect(first.key.id == again.key.id && first.key.name == WorkbenchKey.name && first.member.id == ada.id)
            #expect(try await store.keys(memberID: ada.id).count == 1)

            let own = try await store.createKey(memberID: ada.id, name: "eval", expiresAt: nil, limits: .none, by: nil)
            #expect(try await store.workbenchKey(memberID: ada.id, keyID: own.key.id)?.key.id == own.key.id)
            // Someone else's key, an unknown one, a revoked one: none bills.
            #expect(try await store.workbenchKey(memberID: bob.id, keyID: own.key.id) == nil)
            #expect(try await store.workbenchKey(memberID: ada.id, keyID: "unknown") == nil)
            try await store.setKeyPaused(id: own.key.id, memberID: ada.id, paused: true, by: ada.id)
            #expect(try await store.workbenchKey(memberID: ada.id, keyID: own.key.id)?.key.pausedAt != nil)
            try await store.revokeKey(id: own.key.id, memberID: ada.id, by: ada.id)
            #expect(try await store.workbenchKey(memberID: ada.id, keyID: own.key.id) == nil)
            // A revoked Workbench key is replaced by a new one.
            try await store.revokeKey(id: first.key.id, memberID: ada.id, by: ada.id)
            let replaced = try #require(try await store.workbenchKey(memberID: ada.id, keyID: nil))
            #expect(replaced.key.id != first.key.id)
            try await store.setStatus(memberID: ada.id, status: .suspended, by: nil)
            #expect(try await store.workbenchKey(memberID: ada.id, keyID: nil) == nil)
        }
    }
}
