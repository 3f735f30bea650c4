import Foundation
import Logging
import Testing
@testable import Access

@Suite struct OpenerTests {
    @Test func unknownURLsAreInvalid() async {
        await expectAccessError(.invalid("")) {
            try await SQLAccessStore.open(databaseURL: "mysql://x@y/z", dataDirectory: "/tmp", logger: Logger(label: "t"))
        }
        #expect(throws: AccessError.self) { try PostgresLocation(url: "postgres://host/db") }
        #expect(throws: AccessError.self) { try PostgresLocation(url: "postgres://u@h/db?schema=bad;name") }
        let location = try? PostgresLocation(url: "postgresql://u:p%40ss@db.example:6543/app?sslmode=disable&schema=s1")
        #expect(location?.host == "db.example" && location?.port == 6543 && location?.password == "p@ss")
        #expect(location?.database == "app" && location?.tlsMode == .disable && location?.schema == "s1")
    }

    @Test func unreachablePostgresSaysWhere() async {
        do {
            _ = try await SQLAccessStore.open(databaseURL: "postgres://u:p@127.0.0.1:1/db?sslmode=disable", dataDirectory: "/tmp",
                                              logger: Logger(label: "t"))
            Issue.record("expected a connection failure")
        } catch let error as AccessError {
            guard case .database(let message) = error else {
                Issue.record("expected .database, got \(error)")
                return
            }
            #expect(message.contains("cannot connect to PostgreSQL at 127.0.0.1:1"))
        } catch {
            Issue.record("expected AccessError, got \(error)")
        }
    }

    @Test func placeholdersAreNumberedOutsideQuotes() {
        #expect(PostgresDatabase.numberedPlaceholders("SELECT ? , '?' , \"a?\" , ?") == "SELECT $1 , '?' , \"a?\" , $2")
    }
}
