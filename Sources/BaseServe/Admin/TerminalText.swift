/// Text that strangers wrote (an access request's note, a name, an email) made
/// safe to print on an admin's terminal: control characters would otherwise
/// reach it raw — ESC starts sequences that clear the screen, retitle the
/// window, hide text or plant links (OSC 8), and line separators and bidi
/// overrides make printed text read differently from what is stored. Each such
/// character is shown as a visible `\u{…}` escape instead.
enum TerminalText {
    /// `text` with C0 controls, DEL, C1 controls, line/paragraph separators and
    /// bidi controls escaped; newlines too unless `keepingNewlines`.
    static func safe(_ text: String, keepingNewlines: Bool = false) -> String {
        var out = ""
        out.unicodeScalars.reserveCapacity(text.unicodeScalars.count)
        for scalar in text.unicodeScalars {
            if scalar == "\n" && keepingNewlines || !isUnsafe(scalar) {
                out.unicodeScalars.append(scalar)
            } else {
                out += "\\u{" + String(scalar.value, radix: 16, uppercase: true) + "}"
            }
        }
        return out
    }

    static func isUnsafe(_ scalar: Unicode.Scalar) -> Bool {
        switch scalar.value {
        case 0x00...0x1F, 0x7F...0x9F: return true  // C0, DEL, C1 (0x9B is a one-byte CSI)
        case 0x2028, 0x2029: return true  // line and paragraph separators
        case 0x061C, 0x200E, 0x200F, 0x202A...0x202E, 0x2066...0x2069: return true  // bidi marks, embeddings, overrides, isolates
        default: return false
        }
    }
}
