/// UTC days as the usage roll-up and the day windows count them: day number
/// `floor(ms / 86_400_000)` since 1970-01-01, written `yyyy-MM-dd`.
/// Pure arithmetic (Hinnant's civil-from-days), so no calendar or time zone
/// setting of the machine can move a day boundary.
enum UTCDay {
    static let milliseconds: Int64 = 86_400_000

    static func number(ms: Int64) -> Int64 {
        ms >= 0 ? ms / milliseconds : (ms - milliseconds + 1) / milliseconds
    }

    static func string(day: Int64) -> String {
        let (y, m, d) = civil(day: day)
        func pad(_ v: Int64, _ width: Int) -> String {
            let s = String(v)
            return String(repeating: "0", count: max(0, width - s.count)) + s
        }
        return "\(pad(y, 4))-\(pad(m, 2))-\(pad(d, 2))"
    }

    /// Year, month (1…12) and day (1…31) of a day number.
    static func civil(day: Int64) -> (year: Int64, month: Int64, day: Int64) {
        let z = day + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let doe = z - era * 146_097
        let yoe = (doe - doe / 1460 + doe / 36524 - doe / 146_096) / 365
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
        let mp = (5 * doy + 2) / 153
        let d = doy - (153 * mp + 2) / 5 + 1
        let m = mp < 10 ? mp + 3 : mp - 9
        let y = yoe + era * 400 + (m <= 2 ? 1 : 0)
        return (y, m, d)
    }

    /// The day number of a calendar date (Hinnant's days-from-civil).
    static func number(year: Int64, month: Int64, day: Int64) -> Int64 {
        let y = month <= 2 ? year - 1 : year
        let era = (y >= 0 ? y : y - 399) / 400
        let yoe = y - era * 400
        let doy = (153 * (month > 2 ? month - 3 : month + 9) + 2) / 5 + day - 1
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy
        return era * 146_097 + doe - 719_468
    }

    static func string(ms: Int64) -> String { string(day: number(ms: ms)) }
}

/// UTC calendar months as the monthly budgets count them: month number
/// `year * 12 + (month - 1)`, so consecutive months are consecutive numbers
/// and a window key orders like time.
enum UTCMonth {
    static func number(ms: Int64) -> Int64 {
        let (year, month, _) = UTCDay.civil(day: UTCDay.number(ms: ms))
        return year * 12 + month - 1
    }

    /// The first millisecond of a month.
    static func start(month: Int64) -> Int64 {
        let year = month >= 0 ? month / 12 : (month - 11) / 12
        return UTCDay.number(year: year, month: month - year * 12 + 1, day: 1) * UTCDay.milliseconds
    }
}
