import Access
import API
import Foundation
import Hummingbird

/// This month's usage: a member's own (`/dashboard/usage`), and everyone's for
/// admins (`/admin/usage`), with tokens per day stacked by model and by key,
/// running totals against each budget set, usage by workload, the latest
/// requests, and the month's rows as CSV.
struct UsagePages: Sendable {
    let site: DashboardSite
    /// Requests listed on the page; the CSV has all of the month's.
    static let recentLimit = 100

    func addRoutes(to router: Router<APIRequestContext>) {
        router.get("/dashboard/usage") { request, _ in
            await site.handle(request) { visitor in
                if let r = site.requireMember(visitor) { return r }
                guard let member = visitor.member else { return site.redirect(visitor, to: "/signin") }
                return try await page(visitor, memberID: member.id)
            }
        }
        router.get("/dashboard/usage.csv") { request, _ in
            await site.handle(request) { visitor in
                if let r = site.requireMember(visitor) { return r }
                guard let member = visitor.member else { return site.redirect(visitor, to: "/signin") }
                return try await csv(memberID: member.id)
            }
        }
        router.get("/admin/usage") { request, _ in
            await site.handle(request) { visitor in
                if let r = site.requireAdmin(visitor) { return r }
                return try await page(visitor, memberID: nil)
            }
        }
        router.get("/admin/usage.csv") { request, _ in
            await site.handle(request) { visitor in
                if let r = site.requireAdmin(visitor) { return r }
                return try await csv(memberID: nil)
            }
        }
    }

    /// One member's page, or (memberID nil) everyone's.
    private func page(_ visitor: Visitor, memberID: String?) async throws -> Response {
        let store = site.store
        let now = site.configuration.now()
        let period = UsagePeriod.month(containing: now)
        let today = period.days[period.days.count - 1]
        let breakdown = try await store.usageBreakdown(memberID: memberID, period: period)
        let keys: [APIKey]
        if let memberID { keys = try await store.keys(memberID: memberID) } else { keys = try await store.allKeys() }
        var members: [Member] = []
        if memberID == nil { members = try await store.members() }
        let budgets = try await store.tokenBudgets(memberID: memberID)
        let workloads = try await store.workloadTotals(memberID: memberID, period: period)
        let recent = try await store.usageEntries(memberID: memberID, from: period.start, to: period.end, limit: Self.recentLimit)

        let keysByID = Dictionary(keys.map { ($0.id, $0) }, uniquingKeysWith: { a, _ in a })
        let emails = Dictionary(members.map { ($0.id, $0.email) }, uniquingKeysWith: { a, _ in a })
        func memberLabel(_ id: String) -> String { emails[id] ?? id }
        // Across members, names repeat ("laptop"): the admin's view adds whose key it is.
        func keyLabel(_ id: String?) -> String {
            guard let id else { return "no key" }
            guard let key = keysByID[id] else { return id }
            return memberID == nil ? "\(key.name) (\(id), \(memberLabel(key.memberID)))" : "\(key.name) (\(id))"
        }

        let byModel = UsageChart(days: period.days, breakdown: breakdown) { $0.model ?? "no model" }
        let byKey = UsageChart(days: period.days, breakdown: breakdown) { keyLabel($0.keyID) }

        // Running totals against every budget that is set.
        var bars: [[String: Any]] = []
        let resetsMonthly = "resets \(Self.nextMonth(after: period)) 00:00 UTC"
        let tomorrow = DisplayFormat.day(Date(timeIntervalSince1970: period.end.timeIntervalSince1970))
        for (id, budget) in budgets.memberMonthly.sorted(by: { memberLabel($0.key) < memberLabel($1.key) }) {
            let used = breakdown.filter { $0.memberID == id }.reduce(0) { $0 + $1.tokens }
            let label = memberID == nil ? "\(memberLabel(id)): account, this month" : "Your account, this month"
            bars.append(Self.bar(label: label, used: used, budget: budget, resets: resetsMonthly))
        }
        for (id, budget) in budgets.keyMonthly.sorted(by: { keyLabel($0.key) < keyLabel($1.key) }) {
            let used = breakdown.filter { $0.keyID == id }.reduce(0) { $0 + $1.tokens }
            bars.append(Self.bar(label: "Key \(keyLabel(id)), this month", used: used, budget: budget, resets: resetsMonthly))
        }
        for (id, budget) in budgets.keyDaily.sorted(by: { keyLabel($0.key) < keyLabel($1.key) }) {
            let used = breakdown.filter { $0.keyID == id && $0.day == today }.reduce(0) { $0 + $1.tokens }
            bars.append(Self.bar(label: "Key \(keyLabel(id)), today", used: used, budget: budget, resets: "resets \(tomorrow) 00:00 UTC"))
        }

        let totalTokens = breakdown.reduce(0) { $0 + $1.tokens }
        let totalRequests = breakdown.reduce(0) { $0 + $1.requests }
        var data: [String: Any] = [
            "isAdminView": memberID == nil,
            "month": period.month,
            "totalTokens": DisplayFormat.count(totalTokens),
            "totalRequests": DisplayFormat.count(totalRequests),
            "byModel": byModel.viewData.merging(["chartTitle": "Tokens per day by model, \(period.month)"]) { $1 },
            "byKey": byKey.viewData.merging(["chartTitle": "Tokens per day by key, \(period.month)"]) { $1 },
            "modelRows": Self.totals(breakdown) { $0.model ?? "no model" },
            "keyRows": Self.totals(breakdown) { keyLabel($0.keyID) },
            "budgets": bars,
            "hasBudgets": !bars.isEmpty,
            "workloads": workloads.map { w in
                ["name": w.workload ?? "not given", "requests": DisplayFormat.count(w.requests), "tokens": DisplayFormat.count(w.tokens)]
            },
            "recent": recent.map { e -> [String: Any] in
                [
                    "time": DisplayFormat.time(e.time), "member": e.memberEmail ?? e.memberID,
                    "key": e.keyName ?? e.keyID ?? "—", "keyPrefix": e.keyPrefix ?? "",
                    "model": e.model ?? "—", "route": e.route,
                    "tokens": DisplayFormat.count(e.tokens),
                    "tokenDetail": "\(DisplayFormat.count(e.promptTokens)) prompt + \(DisplayFormat.count(e.completionTokens)) completion",
                    "latency": "\(DisplayFormat.count(e.latencyMilliseconds)) ms",
                    "status": String(e.status), "statusClass": e.status < 400 ? "active" : "revoked",
                    "requestID": e.requestID ?? "—",
                    "queue": e.queueMilliseconds.map { "\(DisplayFormat.count($0)) ms" } ?? "—",
                    "workload": e.workload ?? "—",
                ]
            },
            "recentLimit": String(Self.recentLimit),
            "csvHref": memberID == nil ? "/admin/usage.csv" : "/dashboard/usage.csv",
        ]
        if memberID == nil {
            data["memberRows"] = Self.totals(breakdown) { memberLabel($0.memberID) }
        }
        return site.page("usage", visitor, data: data)
    }

    /// The month's rows as a CSV download.
    private func csv(memberID: String?) async throws -> Response {
        let period = UsagePeriod.month(containing: site.configuration.now())
        let entries = try await site.store.usageEntries(memberID: memberID, from: period.start, to: period.end, limit: nil)
        var headers = PageRenderer.pageHeaders()
        headers[.contentType] = "text/csv; charset=utf-8"
        headers[.contentDisposition] = "attachment; filename=\"baseserve-usage-\(period.month).csv\""
        return Response(status: .ok, headers: headers, body: .init(byteBuffer: ByteBuffer(string: UsageCSV.render(entries))))
    }

    /// Requests and tokens per group, the most tokens first.
    static func totals(_ rows: [UsageBreakdown], by group: (UsageBreakdown) -> String) -> [[String: String]] {
        var sums: [String: (requests: Int, prompt: Int, completion: Int)] = [:]
        for row in rows {
            var s = sums[group(row)] ?? (0, 0, 0)
            s.requests += row.requests
            s.prompt += row.promptTokens
            s.completion += row.completionTokens
            sums[group(row)] = s
        }
        return sums.sorted { ($0.value.prompt + $0.value.completion, $1.key) > ($1.value.prompt + $1.value.completion, $0.key) }
            .map { entry in
                let s = entry.value
                return ["name": entry.key, "requests": DisplayFormat.count(s.requests), "prompt": DisplayFormat.count(s.prompt),
                        "completion": DisplayFormat.count(s.completion), "tokens": DisplayFormat.count(s.prompt + s.completion)]
            }
    }

    /// A budget bar: how much of it is used, drawn as a share of 100 units of
    /// an SVG (the pages allow no inline styles), amber past 80 %, red when spent.
    static func bar(label: String, used: Int, budget: Int, resets: String) -> [String: Any] {
        let fraction = budget > 0 ? Double(used) / Double(budget) : 1
        let cls = fraction >= 1 ? "over" : (fraction >= 0.8 ? "near" : "ok")
        return [
            "label": label, "used": DisplayFormat.count(used), "budget": DisplayFormat.count(budget),
            "percent": String(Int((fraction * 100).rounded(.down))) + " %",
            "width": String(format: "%.1f", min(1, fraction) * 100), "cls": cls, "resets": resets,
        ]
    }

    /// The first day of the next month, `yyyy-MM-dd`.
    static func nextMonth(after period: UsagePeriod) -> String {
        let parts = period.month.split(separator: "-").compactMap { Int($0) }
        guard parts.count == 2 else { return period.month }
        let (year, month) = parts[1] == 12 ? (parts[0] + 1, 1) : (parts[0], parts[1] + 1)
        return String(format: "%04d-%02d-01", year, month)
    }
}
