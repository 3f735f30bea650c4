import Kernels

extension Engine {
    /// The version of the engine's numerics: raised whenever a change to the
    /// forward pass, the kernels' summation order or the log-softmax can alter
    /// any number a request gets back. With the model file's SHA-256 it makes a
    /// response's `system_fingerprint`: two responses whose fingerprints differ
    /// were not computed the same way.
    public static let numericsVersion = 1

    /// What decides this process's numbers besides the model file: the engine's
    /// numerics version and the SIMD level the kernels run at (the AVX-512, AVX2
    /// and portable kernels add in different orders), e.g. `engine1-avx512`.
    public static var numericsIdentity: String { "engine\(numericsVersion)-\(SIMDLimit.inUse.name)" }
}
