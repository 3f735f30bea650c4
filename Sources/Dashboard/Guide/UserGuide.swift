import Foundation
import Ink

/// The user guide, from the Markdown chapters in `docs/guide/` (compiled into
/// the binary as `UserGuide.chapters`): as HTML with anchored headings and a
/// table of contents for `/docs`, and as one Markdown text for `/llms.txt`.
/// Rendered once, at first use; requests only copy the result.
struct UserGuide: Sendable {
    /// One Markdown file of `docs/guide/`, by its file name.
    struct Chapter: Sendable {
        let file: String
        let markdown: String
    }

    /// A heading of the guide, for the table of contents.
    struct Heading: Sendable, Equatable {
        let level: Int
        let text: String
        let anchor: String
    }

    static let title = "BaseServe user guide"
    static let summary = """
        BaseServe serves base (non-chat) language models behind an OpenAI-compatible API with vLLM's \
        semantics: completions with logprobs, prompt_logprobs, exact scoring at /v1/score, and the \
        server's own tokenizer at /tokenize. Every request needs an API key.
        """

    /// The chapters' HTML, one after another, every heading with an `id`.
    let html: String
    /// Every `##` and `###` heading in order.
    let headings: [Heading]
    /// `/llms.txt`: a title, a one-paragraph summary, then every chapter's Markdown.
    let markdown: String

    static let shared = UserGuide(chapters: chapters)

    init(chapters: [Chapter]) {
        let anchors = HeadingAnchors()
        var parser = MarkdownParser()
        parser.addModifier(Modifier(target: .headings) { anchors.anchor($0.html, markdown: $0.markdown) })
        html = chapters.map { parser.html(from: Self.joiningWrappedLines($0.markdown)) }.joined(separator: "\n")
        headings = anchors.headings
        markdown = "# \(Self.title)\n\n> \(Self.summary)\n\n" + chapters.map(\.markdown).joined(separator: "\n")
    }
}

extension UserGuide {
    /// The Markdown with each paragraph and list item on one line. Ink starts a
    /// new paragraph at a line that begins with inline code, so hard-wrapped
    /// text ("…at\n`/tokenize`") would break apart; GitHub and `/llms.txt`
    /// readers see the file as written.
    static func joiningWrappedLines(_ markdown: String) -> String {
        var lines: [String] = []
        var inFence = false
        var previousContinues = false
        for line in markdown.split(separator: "\n", omittingEmptySubsequences: false).map(String.init) {
            let trimmed = line.trimmingCharacters(in: .whitespaces)
            if trimmed.hasPrefix("```") {
                inFence.toggle()
                lines.append(line)
                previousContinues = false
                continue
            }
            if inFence || trimmed.isEmpty {
                lines.append(line)
                previousContinues = false
                continue
            }
            if previousContinues, !startsBlock(trimmed), let last = lines.popLast() {
                lines.append(last + " " + trimmed)
            } else {
                lines.append(line)
            }
            // Headings and table rows are one line each; text after them is a new block.
            previousContinues = !(trimmed.hasPrefix("#") || trimmed.hasPrefix("|"))
        }
        return lines.joined(separator: "\n")
    }

    /// Whether a line begins a block of its own: a heading, table row, quote or list item.
    private static func startsBlock(_ line: String) -> Bool {
        if line.hasPrefix("#") || line.hasPrefix("|") || line.hasPrefix(">") || line.hasPrefix("- ") || line.hasPrefix("* ") {
            return true
        }
        let digits = line.prefix { $0.isNumber }
        return !digits.isEmpty && line.dropFirst(digits.count).hasPrefix(". ")
    }
}

/// Gives each heading Ink renders an `id` made from its text (GitHub's way:
/// lowercase, punctuation dropped, spaces as hyphens; repeats numbered) and a
/// `#` link to itself, and remembers it for the table of contents.
private final class HeadingAnchors {
    private(set) var headings: [UserGuide.Heading] = []
    private var used: Set<String> = []

    func anchor(_ html: String, markdown: Substring) -> String {
        let level = markdown.prefix { $0 == "#" }.count
        let text = markdown.drop { $0 == "#" }.trimmingCharacters(in: .whitespaces).replacingOccurrences(of: "`", with: "")
        var anchor = Self.slug(text)
        if used.contains(anchor) {
            var n = 2
            while used.contains("\(anchor)-\(n)") { n += 1 }
            anchor = "\(anchor)-\(n)"
        }
        used.insert(anchor)
        if level >= 2 && level <= 3 { headings.append(.init(level: level, text: text, anchor: anchor)) }
        let open = "<h\(level)>", close = "</h\(level)>"
        guard html.hasPrefix(open), html.hasSuffix(close) else { return html }
        let inner = html.dropFirst(open.count).dropLast(close.count)
        return "<h\(level) id=\"\(anchor)\">\(inner) <a class=\"anchor\" href=\"#\(anchor)\" aria-label=\"Link to this section\">#</a>\(close)"
    }

    static func slug(_ text: String) -> String {
        var slug = ""
        for c in text.lowercased() {
            if c.isLetter || c.isNumber || c == "_" {
                slug.append(c)
            } else if c == " " || c == "-" {
                if !slug.hasSuffix("-") { slug.append("-") }
            }
        }
        return slug.trimmingCharacters(in: CharacterSet(charactersIn: "-"))
    }
}
