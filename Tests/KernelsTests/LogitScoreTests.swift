import Foundation
import XCTest
@testable import Kernels

final class LogitScoreTests: XCTestCase {
    /// Naive reference: full sort, Double log-sum-exp.
    func reference(_ x: [Float], target: Int?, topK: Int) -> (Double, Int, [(Int, Double)]) {
        let mx = Double(x.max()!)
        let lse = mx + Foundation.log(x.reduce(0.0) { $0 + Foundation.exp(Double($1) - mx) })
        let order = x.indices.sorted { x[$0] > x[$1] || (x[$0] == x[$1] && $0 < $1) }
        let top = order.prefix(topK).map { ($0, Double(x[$0]) - lse) }
        guard let target else { return (0, 0, top) }
        return (Double(x[target]) - lse, 1 + x.filter { $0 > x[target] }.count, top)
    }

    func assertMatches(_ x: [Float], target: Int?, topK: Int, file: StaticString = #filePath, line: UInt = #line) {
        let score = scoreLogits(x, vocabularySize: x.count, target: target, topK: topK)
        let (lp, rank, top) = reference(x, target: target, topK: topK)
        XCTAssertEqual(Double(score.logprob), lp, accuracy: 1e-5, file: file, line: line)
        XCTAssertEqual(score.rank, rank, file: file, line: line)
        XCTAssertEqual(score.top.map(\.id), top.map(\.0), file: file, line: line)
        for (got, want) in zip(score.top, top) {
            XCTAssertEqual(Double(got.logprob), want.1, accuracy: 1e-5, file: file, line: line)
        }
    }

    func testFullVocabularyRandom() {
        let x = randomFloats(49152, seed: 77, range: -15...25)
        assertMatches(x, target: 123, topK: 5)
        assertMatches(x, target: 49151, topK: 20)
        let best = x.indices.max { x[$0] < x[$1] }!
        let s = scoreLogits(x, vocabularySize: x.count, target: best, topK: 1)
        XCTAssertEqual(s.rank, 1)
        XCTAssertEqual(s.top.first?.id, best)
    }

    func testTiesRankStrictlyGreaterAndLowerIdFirst() {
        let x: [Float] = [1, 3, 2, 3, 3, 0, 2]
        let s = scoreLogits(x, vocabularySize: x.count, target: 4, topK: 5)
        XCTAssertEqual(s.rank, 1)  // nothing strictly greater than 3
        XCTAssertEqual(s.top.map(\.id), [1, 3, 4, 2, 6])
        XCTAssertEqual(scoreLogits(x, vocabularySize: x.count, target: 6, topK: 0).rank, 4)
        assertMatches(x, target: 2, topK: 7)
    }

    func testTargetOutsideTopKAndNoTarget() {
        let x = randomFloats(1000, seed: 3)
        let worst = x.indices.min { x[$0] < x[$1] }!
        assertMatches(x, target: worst, topK: 3)
        XCTAssertEqual(scoreLogits(x, vocabularySize: 1000, target: worst, topK: 3).rank, 1000)
        let none = scoreLogits(x, vocabularySize: 1000, target: nil, topK: 2)
        XCTAssertEqual(none.logprob, 0)
        XCTAssertEqual(none.rank, 0)
        XCTAssertEqual(none.top.count, 2)
    }

    func testTopKLargerThanVocabulary() {
        let x: [Float] = [0.5, -1, 2]
        let s = scoreLogits(x, vocabularySize: 3, target: 1, topK: 10)
        XCTAssertEqual(s.top.map(\.id), [2, 0, 1])
        let sum = s.top.reduce(0.0) { $0 + Foundation.exp(Double($1.logprob)) }
        XCTAssertEqual(sum, 1, accuracy: 1e-6)
    }

    func testManyEqualLogits() {
        let x = [Float](repeating: 0.25, count: 4096)
        let s = scoreLogits(x, vocabularySize: x.count, target: 4000, topK: 4)
        XCTAssertEqual(s.top.map(\.id), [0, 1, 2, 3])
        XCTAssertEqual(s.rank, 1)
        XCTAssertEqual(Double(s.logprob), -Foundation.log(4096.0), accuracy: 1e-6)
    }

    func testPortablePaths() {
        withEachReducedSIMD {
            testFullVocabularyRandom()
            testTiesRankStrictlyGreaterAndLowerIdFirst()
            testTargetOutsideTopKAndNoTarget()
            testManyEqualLogits()
        }
    }

    func testTiesAcrossVectorChunks() {
        // Equal maxima far apart, and a top-k whose boundary falls inside a tie.
        var x = randomFloats(49152, seed: 8, range: -5...5)
        for i in [40000, 7, 20000, 33] { x[i] = 9 }
        for i in [100, 49151, 5] { x[i] = 8 }
        assertMatches(x, target: 49151, topK: 6)
        assertMatches(x, target: 20000, topK: 4)
    }
}
