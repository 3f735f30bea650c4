import Foundation
import Testing
@testable import Access

@Suite struct MigrationTests {
    @Test(arguments: Backend.all)
    func reopeningKeepsDataAndAppliesEachMigrationOnce(_ backend: Backend) async throws {
        let fixture = StoreFixture(backend)
        do {
            let store = try await fixture.open()
            let member = try await makeMember(store)
            let key = try await store.createKey(memberID: member.id, name: "laptop", expiresAt: nil, limits: .none, by: nil)
            try await fixture.close()

            let reopened = try await fixture.open()
            #expect(try await reopened.member(email: "ada@example.com")?.id == member.id)
            #expect(try await reopened.authenticate(key: key.secret)?.member.id == member.id)
            let versions = try await reopened.database.query("SELECT version FROM schema_migrations ORDER BY version")
            #expect(try versions.map { try $0.int("version") } == Migrations.all.map(\.version))
            try await fixture.close()

            // A third open over an up-to-date schema is a no-op too.
            let again = try await fixture.open()
            #expect(try await again.members().count == 1)
        } catch {
            try? await fixture.finish()
            throw error
        }
        try await fixture.finish()
    }

    @Test func sqliteUsesWALAndForeignKeys() async throws {
        try await withStore(.sqlite) { store, fixture in
            let mode = try await store.database.query("PRAGMA journal_mode").first?.text("journal_mode")
            #expect(mode == "wal")
            let foreignKeys = try await store.database.query("PRAGMA foreign_keys").first?.int("foreign_keys")
            #expect(foreignKeys == 1)
            #expect(FileManager.default.fileExists(atPath: fixture.directory + "/access.sqlite"))
        }
    }
}
