@testable import API
import Backends
import XCTest

/// What a request is billed: its worst case before any work, and the tokens
/// counted from its events as they come, whether or not a final usage arrives.
final class BillingCountTests: XCTestCase {
    private func token(_ id: Int) -> ScoredToken {
        ScoredToken(token: TokenLogprob(id: id, text: "t", logprob: -1), rank: 1, top: [])
    }

    private func prompt(_ choice: Int, _ ids: [Int]) -> CompletionEvent {
        .prompt(choice: choice, tokenIds: ids, tokenTexts: ids.map { _ in "t" }, text: "p", logprobs: nil)
    }

    func testTokensAreCountedAsTheyComeWithoutAFinalUsage() {
        // Two choices of one prompt, cut short before any usage: the prompt is billed once.
        var meter = CompletionTokenMeter(choicesPerPrompt: 2)
        for event in [prompt(0, [1, 2, 3]), prompt(1, [1, 2, 3]), .delta(choice: 0, text: "a", tokens: [token(4)]),
                      .delta(choice: 1, text: "b", tokens: [token(5)]), .delta(choice: 0, text: "", tokens: [token(6)])] {
            meter.count(event)
        }
        XCTAssertEqual(meter.prompt, 3)
        XCTAssertEqual(meter.completion, 3)
        // A text-only flush adds no token when tokens were seen.
        meter.count(.delta(choice: 0, text: "rest", tokens: [], finishing: true))
        XCTAssertEqual(meter.completion, 3)
    }

    func testTheBackendsUsageCountsWhenItSaysMore() {
        var meter = CompletionTokenMeter(choicesPerPrompt: 1)
        meter.count(.prompt(choice: 0, tokenIds: [], tokenTexts: [], text: "p", logprobs: nil))
        meter.count(.delta(choice: 0, text: "a", tokens: [token(1)]))
        meter.count(.usage(CompletionUsage(promptTokens: 7, completionTokens: 5)))
        XCTAssertEqual(meter.prompt, 7)
        XCTAssertEqual(meter.completion, 5)
    }

    func testAStreamWithoutTokenIdsIsBilledAtLeastOneTokenPerChunk() {
        var meter = CompletionTokenMeter(choicesPerPrompt: 1)
        for text in ["Once", " upon", " a"] { meter.count(.delta(choice: 0, text: text, tokens: [])) }
        XCTAssertEqual(meter.completion, 3)
    }

    func testWorstCaseOfACompletion() {
        var request = CompletionRequest(prompts: [.text("héllo"), .tokens([1, 2, 3])])
        request.n = 2
        request.maxTokens = 10
        // "héllo" is 6 UTF-8 bytes, plus 2 special tokens; token ids are exact; 10 for each of 2 choices of each prompt.
        XCTAssertEqual(WorstCaseTokens.completion(request, maxModelLength: 100), (6 + 2) + 3 + 4 * 10)
        request.addSpecialTokens = false
        request.truncatePromptTokens = 2
        XCTAssertEqual(WorstCaseTokens.completion(request, maxModelLength: 100), 2 + 2 + 4 * 10)
        // max_tokens null: the rest of the context, never more than the context.
        request.maxTokens = nil
        request.truncatePromptTokens = nil
        XCTAssertEqual(WorstCaseTokens.completion(request, maxModelLength: 5), 5 + 3 + 4 * 5)
    }

    func testWorstCaseOfScoringCountsEveryContinuation() {
        var request = ScoreRequest(items: [.init(context: .text("Hello"), continuation: .text(" world")),
                                           .init(context: .text("Hello"), continuation: .tokens([9]))])
        request.addSpecialTokens = true
        XCTAssertEqual(WorstCaseTokens.score(request, maxModelLength: 100), (5 + 2 + 6) + (5 + 2 + 1))
    }

    func testACancelledRequestIsAClientClosedRequestNotAServerError() {
        let error = APIError(CancellationError())
        XCTAssertEqual(error.status.code, 499)
        XCTAssertEqual(error.type, "client_closed_request")
    }
}
