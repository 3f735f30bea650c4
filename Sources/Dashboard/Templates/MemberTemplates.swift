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
    <div class="table-wrap"><table>
    <thead><tr><th>Name</th><th>Key</th><th>Created</th><th>Last used</th><th>Requests</th><th>Tokens</th><th>Expires</th><th>Status</th><th></th></tr></thead>
    <tbody>
    {{/hasKeys}}
    {{#keys}}
    <tr>
    <td>{{name}}</td>
    <td><code>{{prefix}}</code></td>
    <td>{{created}}</td>
    <td>{{lastUsed}}</td>
    <td>{{requests}}</td>
    <td>{{tokens}}</td>
    <td>{{expires}}</td>
    <td><span class="badge {{status}}">{{status}}</span></td>
    <td>{{#usable}}<form class="inline" method="post" action="/dashboard/keys/{{id}}/revoke"><input type="hidden" name="csrf" value="{{sessionCSRF}}"><button type="submit" class="danger">Revoke</button></form>{{/usable}}</td>
    </tr>
    {{/keys}}
    {{#hasKeys}}
    </tbody></table></div>
    {{/hasKeys}}
    {{^keys}}<p class="muted">No keys yet. Create one below, then send it as <code>Authorization: Bearer &lt;key&gt;</code>.</p>{{/keys}}
    </div>

    <div class="card narrow">
    <h2>Create a key</h2>
    {{#keyError}}<div class="notice bad">{{keyError}}</div>{{/keyError}}
    <form method="post" action="/dashboard/keys">
    <input type="hidden" name="csrf" value="{{sessionCSRF}}">
    <label for="key-name">Name <span class="hint">(what it is for, e.g. “laptop”)</span></label>
    <input type="text" id="key-name" name="name" maxlength="100" required value="{{keyName}}">
    <label for="key-days">Expires after <span class="hint">(days; blank: never)</span></label>
    <input type="number" id="key-days" name="expires_days" min="1" max="3650" value="{{keyDays}}">
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
