extension Templates {
    /// A stacked tokens-per-day chart; the including template sets `chartTitle`.
    static let usageChart = #"""
    <svg class="chart" viewBox="0 0 {{width}} {{height}}" role="img">
    <title>{{chartTitle}}</title>
    {{#gridLines}}<line class="grid-line" x1="{{left}}" y1="{{y}}" x2="{{right}}" y2="{{y}}"/><text x="{{labelX}}" y="{{labelY}}" text-anchor="end">{{label}}</text>
    {{/gridLines}}
    <line class="axis" x1="{{left}}" y1="{{baseline}}" x2="{{right}}" y2="{{baseline}}"/>
    {{#bars}}<rect class="{{cls}}" x="{{x}}" y="{{y}}" width="{{w}}" height="{{h}}"><title>{{title}}</title></rect>
    {{/bars}}
    {{#xLabels}}<text x="{{x}}" y="{{y}}" text-anchor="{{anchor}}">{{label}}</text>
    {{/xLabels}}
    </svg>
    <ul class="legend">{{#legend}}<li><span class="swatch {{cls}}"></span>{{name}}</li>{{/legend}}</ul>
    {{^hasUsage}}<p class="muted">No requests this month yet.</p>{{/hasUsage}}
    """#

    /// This month's usage: a member's own, or (`isAdminView`) everyone's.
    static let usage = #"""
    {{<layout}}
    {{$title}}Usage{{/title}}
    {{$main}}
    <h1>{{#isAdminView}}Usage of all members{{/isAdminView}}{{^isAdminView}}Your usage{{/isAdminView}}, {{month}}</h1>
    <p class="muted">UTC calendar month so far: {{totalRequests}} requests, {{totalTokens}} tokens (prompt and completion).
    <a class="download" href="{{csvHref}}" download>Download this month as CSV</a></p>

    <h2>Budgets</h2>
    <div class="card">
    {{#budgets}}
    <div class="budget">
    <div class="budget-head"><span>{{label}}</span><span class="muted">{{used}} of {{budget}} tokens ({{percent}}), {{resets}}</span></div>
    <svg class="budget-bar" viewBox="0 0 100 4" preserveAspectRatio="none" role="img"><title>{{label}}: {{used}} of {{budget}} tokens</title><rect class="track" x="0" y="0" width="100" height="4"/><rect class="fill {{cls}}" x="0" y="0" width="{{width}}" height="4"/></svg>
    </div>
    {{/budgets}}
    {{^hasBudgets}}<p class="muted">No token budget is set{{^isAdminView}} on your account or your keys{{/isAdminView}}.</p>{{/hasBudgets}}
    </div>

    <h2>Tokens per day by model</h2>
    <div class="card">
    {{#byModel}}{{> usageChart}}{{/byModel}}
    <div class="table-wrap"><table>
    <thead><tr><th>Model</th><th>Requests</th><th>Prompt tokens</th><th>Completion tokens</th><th>Tokens</th></tr></thead>
    <tbody>{{#modelRows}}<tr><td>{{name}}</td><td>{{requests}}</td><td>{{prompt}}</td><td>{{completion}}</td><td>{{tokens}}</td></tr>{{/modelRows}}</tbody>
    </table></div>
    </div>

    <h2>Tokens per day by key</h2>
    <div class="card">
    {{#byKey}}{{> usageChart}}{{/byKey}}
    <div class="table-wrap"><table>
    <thead><tr><th>Key</th><th>Requests</th><th>Prompt tokens</th><th>Completion tokens</th><th>Tokens</th></tr></thead>
    <tbody>{{#keyRows}}<tr><td>{{name}}</td><td>{{requests}}</td><td>{{prompt}}</td><td>{{completion}}</td><td>{{tokens}}</td></tr>{{/keyRows}}</tbody>
    </table></div>
    </div>

    {{#isAdminView}}
    <h2>By member</h2>
    <div class="card"><div class="table-wrap"><table>
    <thead><tr><th>Member</th><th>Requests</th><th>Prompt tokens</th><th>Completion tokens</th><th>Tokens</th></tr></thead>
    <tbody>{{#memberRows}}<tr><td>{{name}}</td><td>{{requests}}</td><td>{{prompt}}</td><td>{{completion}}</td><td>{{tokens}}</td></tr>{{/memberRows}}</tbody>
    </table></div></div>
    {{/isAdminView}}

    <h2>By workload</h2>
    <div class="card">
    <p class="muted">As clients tagged their requests with <code>X-Workload: interactive</code> or <code>batch</code>.</p>
    <div class="table-wrap"><table>
    <thead><tr><th>Workload</th><th>Requests</th><th>Tokens</th></tr></thead>
    <tbody>{{#workloads}}<tr><td>{{name}}</td><td>{{requests}}</td><td>{{tokens}}</td></tr>{{/workloads}}</tbody>
    </table></div>
    {{^workloads}}<p class="muted">No requests this month yet.</p>{{/workloads}}
    </div>

    <h2>Recent requests</h2>
    <div class="card">
    <p class="muted">The latest {{recentLimit}} this month; the CSV has them all.</p>
    <div class="table-wrap"><table class="requests">
    <thead><tr><th>Time</th>{{#isAdminView}}<th>Member</th>{{/isAdminView}}<th>Key</th><th>Model</th><th>Route</th><th>Tokens</th><th>Latency</th><th>Status</th><th>Request id</th><th>Queued</th><th>Workload</th></tr></thead>
    <tbody>
    {{#recent}}<tr><td class="nowrap">{{time}}</td>{{#isAdminView}}<td>{{member}}</td>{{/isAdminView}}<td title="{{keyPrefix}}">{{key}}</td><td>{{model}}</td><td class="nowrap"><code>{{route}}</code></td><td title="{{tokenDetail}}">{{tokens}}</td><td class="nowrap">{{latency}}</td><td><span class="badge {{statusClass}}">{{status}}</span></td><td><code class="request-id">{{requestID}}</code></td><td class="nowrap">{{queue}}</td><td>{{workload}}</td></tr>
    {{/recent}}
    </tbody></table></div>
    {{^recent}}<p class="muted">No requests this month yet.</p>{{/recent}}
    </div>
    {{/main}}
    {{/layout}}
    """#
}
