import Foundation
import KernelsC

/// The entropy, in nats, of the distribution softmax(`logits`) over the whole
/// vocabulary: H = log Σ exp(l) − Σ p·l, with the log-sum-exp and the sum in
/// Double (the same maximum shift and log-sum-exp as `scoreLogits`, so an
/// entropy and the logprobs beside it describe one distribution).
public func entropy(ofLogits logits: UnsafePointer<Float>, count n: Int) -> Float {
    guard n > 0 else { return 0 }
    let maxLogit = kc_max(logits, Int64(n))
    let shiftedLogSumExp = kc_log_sum_exp_shifted(logits, Int64(n), maxLogit)
    // With s = l − max: H = lse(s) − Σ p·s, p = exp(s − lse(s)); the shift keeps exp finite.
    var weighted = 0.0
    for i in 0..<n {
        let s = Double(logits[i] - maxLogit)
        weighted += exp(s - shiftedLogSumExp) * s
    }
    return Float(max(0, shiftedLogSumExp - weighted))
}
