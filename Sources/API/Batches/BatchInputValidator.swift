import Foundation
import JSONValue

/// Checks a batch's input file line by line, with the very parsing its
/// endpoint uses (`CompletionParameters` for `/v1/completions`, the score
/// route's own reader for `/v1/score`, the same model and key checks), so a
/// line that would be a 400 when sent alone fails the whole batch before any
/// of it runs, as OpenAI fails a malformed file.
struct BatchInputValidator {
    let completions: CompletionsController
    let score: ScoreController
    let configuration: ServerConfiguration

    static let endpoints = ["/v1/completions", "/v1/score"]
    /// Errors reported at most; the count of the rest is given in the last.
    static let maxErrors = 100

    func validate(_ content: String, endpoint: String, principal: Principal?) -> (lines: [BatchLineInput], errors: [BatchError]) {
        var lines: [BatchLineInput] = []
        var errors: [BatchError] = []
        var seen: Set<String> = []
        var more = 0
        func fail(_ error: BatchError) {
            if errors.count < Self.maxErrors { errors.append(error) } else { more += 1 }
        }
        for (index, raw) in content.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let text = raw.hasSuffix("\r") ? raw.dropLast() : raw
            guard !text.trimmingCharacters(in: .whitespaces).isEmpty else { continue }
            let number = index + 1
            do {
                let line = try check(String(text), endpoint: endpoint, principal: principal)
                guard seen.insert(line.customID).inserted else {
                    fail(BatchError(code: "duplicate_custom_id", message: "The custom_id `\(line.customID)` is used by an earlier line: each line needs its own.",
                                    param: "custom_id", line: number))
                    continue
                }
                lines.append(line)
            } catch {
                let apiError = APIError(error)
                fail(BatchError(code: apiError.code.rawValue, message: apiError.message, param: apiError.param, line: number))
            }
        }
        if more > 0 {
            errors.append(BatchError(code: "too_many_errors", message: "\(more) more lines have errors."))
        }
        return errors.isEmpty ? (lines, []) : ([], errors)
    }

    private func check(_ text: String, endpoint: String, principal: Principal?) throws -> BatchLineInput {
        let json: JSON
        do throws(JSONReader.Failure) {
            json = try JSONReader.read(Array(text.utf8))
        } catch {
            throw APIError.invalid("The line is not valid JSON: \(error.message)", param: nil)
        }
        guard case .object = json else { throw APIError.invalid("Each line must be a JSON object {custom_id, method, url, body}.", param: nil) }
        let f = try FieldReader(body: json, fields: .batchLine)
        guard let customID = try f.string("custom_id"), !customID.isEmpty else {
            throw APIError.invalid("`custom_id` is required: a string naming the request in the output.", param: "custom_id")
        }
        guard let method = try f.string("method"), method == "POST" else {
            throw APIError.invalid("`method` must be `POST`.", param: "method")
        }
        guard let url = try f.string("url"), url == endpoint else {
            throw APIError.invalid("`url` must be the batch's endpoint, `\(endpoint)`.", param: "url")
        }
        guard let body = f.value("body"), case .object = body else {
            throw APIError.invalid("`body` must be the request's JSON object.", param: "body")
        }
        if endpoint == "/v1/score" {
            _ = try score.parse(body: body, principal: principal)
        } else {
            let parameters = try CompletionParameters(body: body, maxLogprobs: configuration.maxLogprobs)
            _ = try completions.models.resolve(parameters.model, principal: principal)
            guard !parameters.stream else {
                throw APIError.invalid("`stream` cannot be set in a batch: each line's answer is stored whole.", param: "body.stream")
            }
            // The whole vocabulary at every position is megabytes per position: it is
            // streamed to a client from a file, never held whole as a batch answer is.
            guard !parameters.fullPromptDistribution else {
                throw APIError.invalid(
                    "`prompt_logprobs: -1` cannot be used in a batch: each line's answer is stored whole, and the whole vocabulary at every position is megabytes per position; ask /v1/completions directly, or for a top-k.",
                    param: "body.prompt_logprobs")
            }
        }
        return BatchLineInput(customID: customID, body: body.serialized)
    }
}
