extension Templates {
    /// A member's keys, limits and usage.
    static let dashboard = #"""
    {{<layout}}
    {{$title}}Your dashboard{{/title}}
    {{$main}}
    <h1>Your API keys</h1>
    {{#flash}}<div class="notice good">{{flash}}</div>{{/flash}}
    <div class="card">
    {{#hasKeys}}
    <div class="table-wrap"><table class="keys">
    <thead><tr><th>Name</th><th>Key</th><th>This month</th><th>Today</th><th>Status</th><th></th></tr></thead>
    <tbody>
    {{/hasKeys}}
    {{#keys}}
    <tr class="{{status}}" id="key-{{id}}">
    <td>{{#usable}}<a href="/dashboard/keys/{{id}}">{{name}}</a>{{/usable}}{{^usable}}{{name}}{{/usable}}<span class="sub">last used {{lastUsed}}; expires {{expires}}</span></td>
    <td><code class="key-prefix">{{prefix}}</code></td>
    <td class="use">{{month}}</td>
    <td class="use">{{day}}</td>
    <td><span class="badge {{status}}">{{status}}</span></td>
    <td class="key-actions">{{#usable}}<a href="/dashboard/keys/{{id}}">Manage</a>{{#paused}}<form class="inline" method="post" action="/dashboard/keys/{{id}}/resume"><input type="hidden" name="csrf" value="{{sessionCSRF}}"><button type="submit" class="secondary">Resume</button></form>{{/paused}}{{^paused}}<form class="inline" method="post" action="/dashboard/keys/{{id}}/pause"><input type="hidden" name="csrf" value="{{sessionCSRF}}"><button type="submit" class="secondary">Pause</button></form>{{/paused}}<form class="inline" method="post" action="/dashboard/keys/{{id}}/revoke"><input type="hidden" name="csrf" value="{{sessionCSRF}}"><button type="submit" class="danger">Revoke</button></form>{{/usable}}</td>
    </tr>
    {{/keys}}
    {{#hasKeys}}
    </tbody></table></div>
    <p class="muted">Tokens are prompt plus completion (reserved tokens of running requests included), per UTC month and day; “of” shows the key’s own budget. A paused key is refused (401 <code>key_paused</code>) until you resume it.</p>
    {{/hasKeys}}
    {{^keys}}<p class="muted">No keys yet. Create one below, then send it as <code>Authorization: Bearer &lt;key&gt;</code>.</p>{{/keys}}
    </div>

    <h2>Your monthly budget</h2>
    <div class="card" id="account-budget">
    {{#budget}}
    {{#hasBudget}}
    <div>{{used}} of {{size}} tokens used this month{{#isDefault}} (the server’s default budget){{/isDefault}}; {{left}} left.</div>
    <meter class="budget" min="0" max="{{sizeValue}}" high="{{high}}" value="{{usedValue}}">{{used}} of {{size}}</meter>
    <div class="muted">All your keys together. It resets at {{resets}}; an admin can change it.</div>
    {{/hasBudget}}
    {{^hasBudget}}<div>{{used}} tokens used this month. Your account has no monthly budget.</div>{{/hasBudget}}
    {{/budget}}
    </div>

    <div class="card narrow">
    <h2>Create a key</h2>
    {{#keyError}}<div class="notice bad">{{keyError}}</div>{{/keyError}}
    <form method="post" action="/dashboard/keys" class="budget-form">
    <input type="hidden" name="csrf" value="{{sessionCSRF}}">
    <label for="key-name">Name <span class="hint">(what it is for, e.g. “laptop”)</span></label>
    <input type="text" id="key-name" name="name" maxlength="100" required value="{{keyName}}">
    <label for="key-days">Expires after <span class="hint">(days; blank: never)</span></label>
    <input type="number" id="key-days" name="expires_days" min="1" max="3650" value="{{keyDays}}">
    <label for="key-monthly">Monthly token budget <span class="hint">(blank: none of its own)</span></label>
    <input type="number" id="key-monthly" name="monthly_budget" min="1" value="{{keyMonthly}}">
    <label for="key-daily">Daily token budget <span class="hint">(blank: none)</span></label>
    <input type="number" id="key-daily" name="daily_budget" min="1" value="{{keyDaily}}">
    <div class="actions"><button type="submit">Create key</button></div>
    </form>
    </div>

    <h2>Your limits</h2>
    <div class="card grid">
    {{#limits}}<div><div class="muted">{{label}}</div><div>{{value}}</div></div>{{/limits}}
    </div>

    <h2>Usage, last 30 days</h2>
    <div class="card">
    {{#chart}}
    <p class="muted">{{totalRequests}} requests, {{totalTokens}} tokens (prompt and completion). Hover a bar for its day.</p>
    <svg class="chart" viewBox="0 0 {{width}} {{height}}" role="img" aria-labelledby="usage-title">
    <title id="usage-title">Tokens per day over the last 30 days</title>
    {{#gridLines}}<line class="grid-line" x1="{{left}}" y1="{{y}}" x2="{{right}}" y2="{{y}}"/><text x="{{labelX}}" y="{{labelY}}" text-anchor="end">{{label}}</text>
    {{/gridLines}}
    <line class="axis" x1="{{left}}" y1="{{baseline}}" x2="{{right}}" y2="{{baseline}}"/>
    {{#bars}}<rect class="bar" x="{{x}}" y="{{y}}" width="{{w}}" height="{{h}}"><title>{{title}}</title></rect>
    {{/bars}}
    {{#xLabels}}<text x="{{x}}" y="{{y}}" text-anchor="{{anchor}}">{{label}}</text>
    {{/xLabels}}
    </svg>
    {{^hasUsage}}<p class="muted">No requests yet.</p>{{/hasUsage}}
    {{/chart}}
    </div>
    {{/main}}
    {{/layout}}
    """#

    /// One key: its use against its budgets; rename, budgets, pause and resume.
    static let keyPage = #"""
    {{<layout}}
    {{$title}}Key {{name}}{{/title}}
    {{$main}}
    <p><a href="/dashboard">← Your keys</a></p>
    <h1>Key “{{name}}” <span class="badge {{status}}">{{status}}</span></h1>
    {{#flash}}<div class="notice good">{{flash}}</div>{{/flash}}
    {{#paused}}<div class="notice warn">This key is paused: requests with it get 401 <code>key_paused</code> until you resume it.</div>{{/paused}}
    <div class="card">
    <div class="grid">
    <div><div class="muted">Key</div><div><code class="key-prefix">{{prefix}}</code></div></div>
    <div><div class="muted">Created</div><div>{{created}}</div></div>
    <div><div class="muted">Last used</div><div>{{lastUsed}}</div></div>
    <div><div class="muted">Expires</div><div>{{expires}}</div></div>
    <div><div class="muted">Tokens this month</div><div id="key-month">{{month}}</div></div>
    <div><div class="muted">Tokens today</div><div id="key-day">{{day}}</div></div>
    </div>
    <p class="muted">The month resets at {{monthResets}}, the day at {{dayResets}}.</p>
    {{#usable}}
    <div class="actions">
    {{#paused}}<form class="inline" method="post" action="/dashboard/keys/{{id}}/resume"><input type="hidden" name="csrf" value="{{sessionCSRF}}"><button type="submit">Resume</button></form>{{/paused}}
    {{^paused}}<form class="inline" method="post" action="/dashboard/keys/{{id}}/pause"><input type="hidden" name="csrf" value="{{sessionCSRF}}"><button type="submit" class="secondary">Pause</button></form>{{/paused}}
    <form class="inline" method="post" action="/dashboard/keys/{{id}}/revoke"><input type="hidden" name="csrf" value="{{sessionCSRF}}"><button type="submit" class="danger">Revoke</button></form>
    </div>
    {{/usable}}
    </div>
    {{#usable}}
    <div class="card narrow">
    <h2>Budgets</h2>
    {{#budgetError}}<div class="notice bad">{{budgetError}}</div>{{/budgetError}}
    <form method="post" action="/dashboard/keys/{{id}}/budget" class="budget-form">
    <input type="hidden" name="csrf" value="{{sessionCSRF}}">
    <label for="monthly-budget">Monthly token budget <span class="hint">(blank: none{{#accountBudget}}; at most your account’s {{accountBudget}}{{/accountBudget}})</span></label>
    <input type="number" id="monthly-budget" name="monthly_budget" min="1" value="{{monthlyBudget}}">
    <label for="daily-budget">Daily token budget <span class="hint">(blank: none)</span></label>
    <input type="number" id="daily-budget" name="daily_budget" min="1" value="{{dailyBudget}}">
    <div class="actions"><button type="submit">Save budgets</button></div>
    </form>
    </div>
    <div class="card narrow">
    <h2>Rename</h2>
    {{#renameError}}<div class="notice bad">{{renameError}}</div>{{/renameError}}
    <form method="post" action="/dashboard/keys/{{id}}/rename">
    <input type="hidden" name="csrf" value="{{sessionCSRF}}">
    <label for="key-rename">Name</label>
    <input type="text" id="key-rename" name="name" maxlength="100" required value="{{name}}">
    <div class="actions"><button type="submit" class="secondary">Rename</button></div>
    </form>
    </div>
    {{/usable}}
    {{/main}}
    {{/layout}}
    """#

    /// The one time a key is shown whole.
    static let keyCreated = #"""
    {{<layout}}
    {{$title}}Your new key{{/title}}
    {{$main}}
    <div class="card">
    <h1>Your new key “{{name}}”</h1>
    <div class="notice warn">Copy it now. This is the only time it is shown; afterwards the dashboard shows only
    <code>{{prefix}}</code>. If you lose it, revoke it and create another.</div>
    <code class="secret" id="new-key">{{secret}}</code>
    <div class="actions">
    <button type="button" data-copy="new-key">Copy</button>
    <a href="/dashboard">Back to the dashboard</a>
    </div>
    <p class="muted">Use it as <code>Authorization: Bearer &lt;key&gt;</code> with any OpenAI-compatible client.</p>
    </div>
    {{/main}}
    {{$scripts}}<script src="/static/copy.js"></script>{{/scripts}}
    {{/layout}}
    """#
}
