import Access
import Foundation

/// Tokens per day as a bar chart, laid out here so the page can draw it as
/// inline SVG: no script, no image request, and it scales with the page
/// (`viewBox`). Each bar carries a `<title>`, which browsers show on hover and
/// screen readers read out. A chart with series (models, keys) stacks each
/// day's bar by series, one colour each, with a legend.
struct UsageChart {
    static let width = 640.0
    static let height = 220.0
    /// Room for the y-axis labels on the left and the dates underneath.
    static let left = 48.0, right = 8.0, top = 10.0, bottom = 28.0
    /// Colours in the stylesheet (`.s0`…`.s7`); more series than this share the last, "other".
    static let maxSeries = 8

    let days: [DailyUsage]
    /// The stacked series' names, bottom first; empty for a plain chart.
    let seriesNames: [String]
    /// Per day (in `days` order), the tokens of each series.
    let stacks: [[Int]]

    init(days: [DailyUsage]) {
        self.days = days
        seriesNames = []
        stacks = []
    }

    /// Tokens per day of `days`, stacked by the series `seriesOf` names for
    /// each roll-up row: the busiest series first, the rest as "other".
    init(days: [String], breakdown: [UsageBreakdown], seriesOf: (UsageBreakdown) -> String) {
        var totals: [String: Int] = [:]
        for row in breakdown { totals[seriesOf(row), default: 0] += row.tokens }
        var names = totals.sorted { $0.value != $1.value ? $0.value > $1.value : $0.key < $1.key }.map(\.key)
        if names.count > Self.maxSeries {
            names = Array(names.prefix(Self.maxSeries - 1)) + ["other"]
        }
        let index = Dictionary(uniqueKeysWithValues: names.enumerated().map { ($0.element, $0.offset) })
        var perDay: [String: DailyUsage] = [:]
        var stacksByDay: [String: [Int]] = [:]
        for row in breakdown {
            var total = perDay[row.day] ?? DailyUsage(day: row.day, requests: 0, promptTokens: 0, completionTokens: 0)
            total.requests += row.requests
            total.promptTokens += row.promptTokens
            total.completionTokens += row.completionTokens
            perDay[row.day] = total
            let series = index[seriesOf(row)] ?? names.count - 1
            stacksByDay[row.day, default: Array(repeating: 0, count: names.count)][series] += row.tokens
        }
        self.days = days.map { perDay[$0] ?? DailyUsage(day: $0, requests: 0, promptTokens: 0, completionTokens: 0) }
        seriesNames = names
        stacks = days.map { stacksByDay[$0] ?? Array(repeating: 0, count: names.count) }
    }

    var totalRequests: Int { days.reduce(0) { $0 + $1.requests } }
    var totalTokens: Int { days.reduce(0) { $0 + $1.promptTokens + $1.completionTokens } }

    /// The largest value the y axis shows: a round number at or above the busiest day.
    var axisMax: Int {
        let peak = days.map { $0.promptTokens + $0.completionTokens }.max() ?? 0
        return Self.niceCeiling(peak)
    }

    /// 1, 2 or 5 times a power of ten, the smallest at or above `n` (1 for 0).
    static func niceCeiling(_ n: Int) -> Int {
        guard n > 1 else { return 1 }
        var step = 1
        while true {
            for m in [1, 2, 5] where m * step >= n { return m * step }
            step *= 10
        }
    }

    /// What the template draws.
    var viewData: [String: Any] {
        let plotWidth = Self.width - Self.left - Self.right
        let plotHeight = Self.height - Self.top - Self.bottom
        let baseline = Self.top + plotHeight
        let maxValue = Double(axisMax)
        let slot = plotWidth / Double(max(days.count, 1))
        let barWidth = max(1, slot * 0.75)

        var bars: [[String: String]] = []
        for (i, day) in days.enumerated() {
            let tokens = day.promptTokens + day.completionTokens
            let x = Self.num(Self.left + Double(i) * slot + (slot - barWidth) / 2)
            let dayTitle = "\(day.day): \(DisplayFormat.count(tokens)) tokens (\(DisplayFormat.count(day.promptTokens)) prompt, "
                + "\(DisplayFormat.count(day.completionTokens)) completion), \(DisplayFormat.count(day.requests)) requests"
            guard !seriesNames.isEmpty else {
                let h = Double(tokens) / maxValue * plotHeight
                // A day with some use gets at least a sliver, so it is not mistaken for none.
                let shown = tokens > 0 ? max(h, 1.5) : 0
                bars.append(["x": x, "y": Self.num(baseline - shown), "w": Self.num(barWidth), "h": Self.num(shown),
                             "title": dayTitle, "cls": "bar"])
                continue
            }
            // Segments bottom up, each at least a sliver when it has tokens.
            var y = baseline
            for (series, value) in stacks[i].enumerated() where value > 0 {
                let h = max(Double(value) / maxValue * plotHeight, 1.5)
                y -= h
                bars.append(["x": x, "y": Self.num(y), "w": Self.num(barWidth), "h": Self.num(h), "cls": "s\(series)",
                             "title": "\(day.day), \(seriesNames[series]): \(DisplayFormat.count(value)) tokens"])
            }
        }

        // Grid lines and labels at 0, half and the top of the axis.
        let gridLines: [[String: String]] = [0.0, 0.5, 1.0].map { fraction in
            let y = baseline - fraction * plotHeight
            return ["y": Self.num(y), "labelY": Self.num(y + 4), "label": DisplayFormat.short(Int(fraction * maxValue))]
        }

        // Dates under the first, middle and last bars; more would collide on a phone.
        var xLabels: [[String: String]] = []
        if !days.isEmpty {
            for i in Set([0, days.count / 2, days.count - 1]).sorted() {
                let anchor = i == 0 ? "start" : (i == days.count - 1 ? "end" : "middle")
                let x = i == 0 ? Self.left : (i == days.count - 1 ? Self.width - Self.right : Self.left + (Double(i) + 0.5) * slot)
                xLabels.append(["x": Self.num(x), "y": Self.num(Self.height - 8), "anchor": anchor, "label": String(days[i].day.suffix(5))])
            }
        }

        return [
            "width": Self.num(Self.width), "height": Self.num(Self.height),
            "left": Self.num(Self.left), "right": Self.num(Self.width - Self.right),
            "labelX": Self.num(Self.left - 6), "baseline": Self.num(baseline), "top": Self.num(Self.top),
            "bars": bars, "gridLines": gridLines, "xLabels": xLabels,
            "legend": seriesNames.enumerated().map { ["name": $0.element, "cls": "s\($0.offset)"] },
            "hasUsage": totalTokens > 0 || totalRequests > 0,
            "totalRequests": DisplayFormat.count(totalRequests), "totalTokens": DisplayFormat.count(totalTokens),
        ]
    }

    private static func num(_ x: Double) -> String {
        String(format: "%.1f", x)
    }
}
