import API
@testable import Dashboard
import Foundation
import XCTest

/// The user guide: the Markdown in docs/guide is what the binary serves, its
/// error table is the API's, and /docs and /llms.txt serve it to anyone.
final class GuideTests: XCTestCase {
    private static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()

    func testEmbeddedChaptersAreExactlyTheMarkdownInDocsGuide() throws {
        let folder = Self.root.appendingPathComponent("docs/guide")
        let files = try FileManager.default.contentsOfDirectory(atPath: folder.path).filter { $0.hasSuffix(".md") }.sorted()
        XCTAssertFalse(files.isEmpty)
        XCTAssertEqual(UserGuide.chapters.map(\.file), files, "run scripts/embed-guide.py")
        for chapter in UserGuide.chapters where files.contains(chapter.file) {
            let text = try String(contentsOf: folder.appendingPathComponent(chapter.file), encoding: .utf8)
            XCTAssertEqual(chapter.markdown, text, "\(chapter.file) changed: run scripts/embed-guide.py")
        }
    }

    func testErrorTableListsEveryErrorCodeWithItsStatus() throws {
        // Rows of the form "| `code` | 429 | meaning |".
        let row = try NSRegularExpression(pattern: #"^\| `([a-z_]+)` \| (\d{3}) \|"#, options: .anchorsMatchLines)
        let markdown = UserGuide.shared.markdown
        let ns = markdown as NSString
        var listed: [String: Int] = [:]
        for match in row.matches(in: markdown, range: NSRange(location: 0, length: ns.length)) {
            let code = ns.substring(with: match.range(at: 1))
            XCTAssertNil(listed[code], "\(code) is listed twice")
            listed[code] = Int(ns.substring(with: match.range(at: 2)))
        }
        let expected = Dictionary(uniqueKeysWithValues: APIErrorCode.allCases.map { ($0.rawValue, $0.status.code) })
        XCTAssertEqual(listed, expected, """
            missing: \(Set(expected.keys).subtracting(listed.keys).sorted()), \
            not error codes: \(Set(listed.keys).subtracting(expected.keys).sorted())
            """)
    }

    func testHeadingsGetUniqueAnchorsAndATableOfContents() {
        let guide = UserGuide(chapters: [
            .init(file: "a.md", markdown: "## Budgets & queueing\n\nText.\n\n### `best_of`\n\n#### Detail\n\n## Budgets & queueing\n"),
        ])
        XCTAssertEqual(guide.headings, [
            .init(level: 2, text: "Budgets & queueing", anchor: "budgets-queueing"),
            .init(level: 3, text: "best_of", anchor: "best_of"),
            .init(level: 2, text: "Budgets & queueing", anchor: "budgets-queueing-2"),
        ])
        XCTAssertTrue(guide.html.contains(#"<h2 id="budgets-queueing">"#), guide.html)
        XCTAssertTrue(guide.html.contains(##"<h3 id="best_of"><code>best_of</code> <a class="anchor" href="#best_of""##), guide.html)
        XCTAssertTrue(guide.html.contains(#"<h4 id="detail">"#), guide.html)
        XCTAssertTrue(guide.html.contains(#"<h2 id="budgets-queueing-2">"#), guide.html)
    }

    func testWrappedLinesStartingWithInlineCodeStayInTheirParagraph() {
        let guide = UserGuide(chapters: [
            .init(file: "a.md", markdown: """
                Send the key on every
                `/tokenize` request.

                - **Keys** may have a budget,
                  `--monthly N` by default.
                - Second item.

                ```sh
                echo one
                `echo` two
                ```

                | a | b |
                |---|---|
                | `x` | 1 |
                """),
        ])
        XCTAssertTrue(guide.html.contains("<p>Send the key on every <code>/tokenize</code> request.</p>"), guide.html)
        XCTAssertTrue(guide.html.contains("<li><strong>Keys</strong> may have a budget, <code>--monthly N</code> by default.</li>"), guide.html)
        XCTAssertTrue(guide.html.contains("<li>Second item.</li>"), guide.html)
        XCTAssertTrue(guide.html.contains("echo one\n`echo` two"), guide.html)
        XCTAssertTrue(guide.html.contains("<td><code>x</code></td>"), guide.html)
    }

    func testDocsIsServedInTheSiteLayoutToStrangersAndMembers() async throws {
        let site = try await TestSite.open()
        try await site.makeMember("m@example.org", password: "member-password")
        try await site.run { stranger in
            let page = try await stranger.get("/docs")
            XCTAssertEqual(page.status, .ok)
            XCTAssertEqual(page.headers[.contentType], "text/html; charset=utf-8")
            XCTAssertTrue(page.html.contains(#"<link rel="stylesheet" href="/static/style.css">"#))
            XCTAssertTrue(page.html.contains(#"<a href="/signin">Sign in</a>"#))
            XCTAssertTrue(page.html.contains("<h1>BaseServe user guide</h1>"))
            // Every heading of the contents links to an anchor on the page.
            XCTAssertFalse(UserGuide.shared.headings.isEmpty)
            for heading in UserGuide.shared.headings {
                XCTAssertTrue(page.html.contains(##"<a href="#\##(heading.anchor)">"##), heading.anchor)
                XCTAssertTrue(page.html.contains(##"id="\##(heading.anchor)""##), heading.anchor)
            }
            XCTAssertTrue(page.html.contains("<code>budget_exceeded</code>"))

            let member = Browser(client: stranger.client)
            try await member.signIn("m@example.org", "member-password")
            let signedIn = try await member.get("/docs")
            XCTAssertEqual(signedIn.status, .ok)
            XCTAssertTrue(signedIn.html.contains("Sign out"))
            XCTAssertTrue(signedIn.html.contains("<h1>BaseServe user guide</h1>"))
        }
    }

    func testLlmsTxtIsTheWholeGuideAsMarkdown() async throws {
        let site = try await TestSite.open()
        try await site.run { client in
            let page = try await client.get("/llms.txt")
            XCTAssertEqual(page.status, .ok)
            XCTAssertEqual(page.headers[.contentType], "text/plain; charset=utf-8")
            XCTAssertTrue(page.html.hasPrefix("# BaseServe user guide\n\n> "))
            for chapter in UserGuide.chapters {
                XCTAssertTrue(page.html.contains(chapter.markdown), chapter.file)
            }
        }
    }
}
