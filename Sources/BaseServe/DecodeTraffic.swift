import GGUF

/// The weight bytes one generated token reads: every matrix once, except the token
/// embedding, of which a lookup reads one row, unless it doubles as the output matrix
/// (tied embeddings, as in SmolLM2), which every token multiplies in full. Decode
/// tokens/s times this, against the machine's memory bandwidth (bench/membw.c), says
/// how close generation runs to the memory limit.
func decodeWeightBytes(modelPath: String) throws -> Int {
    let file = try GGUFFile(path: modelPath)
    let tied = file.tensor(named: "output.weight") == nil
    return file.tensors.reduce(0) { total, tensor in
        if tensor.name == "token_embd.weight" && !tied { return total + tensor.rowBytes }
        return total + tensor.byteCount
    }
}
