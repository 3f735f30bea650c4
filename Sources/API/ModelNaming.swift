import Foundation

/// How `--model` values name models.
public enum ModelNaming {
    /// `NAME=PATH`, or a bare path named after its file.
    public static func nameAndPath(_ spec: String) -> (name: String, path: String) {
        if let eq = spec.firstIndex(of: "="), !spec[..<eq].contains("/"), eq != spec.startIndex {
            return (String(spec[..<eq]), String(spec[spec.index(after: eq)...]))
        }
        return (defaultName(forPath: spec), spec)
    }

    /// The file name without `.gguf` and without a trailing quantization tag
    /// (`.Q4_1`, `-q8_0`, `.F16`, `-IQ4_XS`...), lowercased:
    /// `SmolLM2-135M-Instruct.Q4_1.gguf` -> `smollm2-135m-instruct`.
    public static func defaultName(forPath path: String) -> String {
        var name = URL(fileURLWithPath: path).lastPathComponent
        if name.lowercased().hasSuffix(".gguf") { name.removeLast(5) }
        if let range = name.range(of: #"[.\-_](i?q\d\w*|f16|f32|bf16)$"#, options: [.regularExpression, .caseInsensitive]) {
            name.removeSubrange(range)
        }
        return name.lowercased()
    }
}
