import GGUF

/// Why a GGUF file cannot be used as a model. Each names what is missing or wrong.
public enum ModelError: Error, Equatable, CustomStringConvertible {
    case unsupportedArchitecture(String)
    case missingMetadata(String)
    case invalidMetadata(key: String, reason: String)
    case missingTensor(String)
    case wrongShape(tensor: String, expected: [Int], found: [Int])
    case unsupportedTensorType(tensor: String, type: GGMLType)

    public var description: String {
        switch self {
        case .unsupportedArchitecture(let a):
            return "model architecture \"\(a)\" is not supported (BaseServe's engine runs the Llama family: \(LlamaConfig.supportedArchitectures.joined(separator: ", ")))"
        case .missingMetadata(let key):
            return "the model file has no \"\(key)\" metadata"
        case .invalidMetadata(let key, let reason):
            return "the model's \"\(key)\" is invalid: \(reason)"
        case .missingTensor(let name):
            return "the model file has no tensor \"\(name)\""
        case .wrongShape(let name, let expected, let found):
            return "tensor \"\(name)\" has shape \(found), expected \(expected)"
        case .unsupportedTensorType(let name, let type):
            return "tensor \"\(name)\" is stored as \(type), which the engine cannot compute with"
        }
    }
}
