import Access
import API
@testable import Dashboard
import XCTest

final class FormDataTests: XCTestCase {
    private func parse(_ s: String) throws -> FormData { try FormData(parsing: Array(s.utf8)) }

    func testDecodesPlusPercentAndRepeatedKeys() throws {
        let form = try parse("a=1+2%2B3&b=%C3%A9t%C3%A9&a=second&empty=&flag&&c=x%3Dy")
        XCTAssertEqual(form["a"], "1 2+3")
        XCTAssertEqual(form.all("a"), ["1 2+3", "second"])
        XCTAssertNil(form.single("a"))
        XCTAssertEqual(form["b"], "été")
        XCTAssertEqual(form["empty"], "")
        XCTAssertEqual(form["flag"], "")
        XCTAssertEqual(form["c"], "x=y")
        XCTAssertNil(form["missing"])
    }

    func testRefusesBrokenEscapesAndInvalidUTF8() {
        XCTAssertThrowsError(try parse("a=%"))
        XCTAssertThrowsError(try parse("a=%4"))
        XCTAssertThrowsError(try parse("a=%G1"))
        XCTAssertThrowsError(try parse("a=%FF%FE"))
    }

    func testConstantTimeComparison() {
        XCTAssertTrue(Secrets.constantTimeEqual("abc", "abc"))
        XCTAssertFalse(Secrets.constantTimeEqual("abc", "abd"))
        XCTAssertFalse(Secrets.constantTimeEqual("abc", "abcd"))
        let token = SecretToken.make()
        XCTAssertTrue(SecretToken.isWellFormed(token))
        XCTAssertNotEqual(token, SecretToken.make())
    }

    func testEmailPlausibility() {
        XCTAssertNil(FormValidation.email("a@b.co"))
        for bad in ["", "a", "a@b", "@b.co", "a@.co", "a b@c.co", "a@b@c.co"] {
            XCTAssertNotNil(FormValidation.email(bad), bad)
        }
    }

    func testChartAxisRoundsUp() {
        XCTAssertEqual(UsageChart.niceCeiling(0), 1)
        XCTAssertEqual(UsageChart.niceCeiling(3), 5)
        XCTAssertEqual(UsageChart.niceCeiling(1234), 2000)
        XCTAssertEqual(UsageChart.niceCeiling(5000), 5000)
    }
}
