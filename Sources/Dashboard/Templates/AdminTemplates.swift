extension Templates {
    /// Pending access requests, each with approve and deny.
    static let adminRequests = #"""
    {{<layout}}
    {{$title}}Access requests{{/title}}
    {{$main}}
    <h1>Pending access requests</h1>
    {{#flash}}<div class="notice good">{{flash}}</div>{{/flash}}
    {{^requests}}<div class="card"><p class="muted">No pending requests.</p></div>{{/requests}}
    {{#requests}}
    <div class="card">
    <h2>{{name}}</h2>
    <div class="grid">
    <div><div class="muted">Email</div><div class="mono">{{email}}</div></div>
    <div><div class="muted">Affiliation</div><div>{{affiliation}}</div></div>
    <div><div class="muted">Received</div><div>{{created}}</div></div>
    </div>
    <div class="muted">How they would use it</div>
    <p class="note">{{note}}</p>
    <form method="post" action="/admin/requests/{{id}}/approve">
    <input type="hidden" name="csrf" value="{{sessionCSRF}}">
    <label for="note-{{id}}">Your note <span class="hint">(optional, kept with the decision)</span></label>
    <input type="text" id="note-{{id}}" name="note" maxlength="2000">
    <div class="actions">
    <button type="submit">Approve and invite</button>
    <button type="submit" class="danger" formaction="/admin/requests/{{id}}/deny">Deny</button>
    </div>
    </form>
    </div>
    {{/requests}}
    {{/main}}
    {{/layout}}
    """#

    /// An invite link just made, from an approval or a direct invite.
    static let inviteIssued = #"""
    {{<layout}}
    {{$title}}Invite ready{{/title}}
    {{$main}}
    <div class="card">
    <h1>Invite for {{email}}</h1>
    {{#mailSent}}<div class="notice good">The invite link was emailed to {{email}}.</div>{{/mailSent}}
    {{#mailFailed}}<div class="notice bad">Sending the email failed ({{mailFailed}}). Send them the link below yourself.</div>{{/mailFailed}}
    {{#noMailer}}<div class="notice">No mail server is configured: send them this link yourself.</div>{{/noMailer}}
    <p>The link works once and expires {{expires}}. It is shown only now.</p>
    <code class="secret" id="invite-link">{{link}}</code>
    <div class="actions">
    <button type="button" data-copy="invite-link">Copy link</button>
    <a href="{{back}}">Back</a>
    </div>
    </div>
    {{/main}}
    {{$scripts}}<script src="/static/copy.js"></script>{{/scripts}}
    {{/layout}}
    """#

    /// Every member, with limits, usage and suspension.
    static let adminMembers = #"""
    {{<layout}}
    {{$title}}Members{{/title}}
    {{$main}}
    <h1>Members</h1>
    <p class="muted">Requests at once per key (more wait in the server's queue) are set with <code>baseserve admin concurrency EMAIL N</code>, or for one key <code>baseserve admin key-concurrency KEY-ID N</code>.</p>
    {{#flash}}<div class="notice good">{{flash}}</div>{{/flash}}
    {{#error}}<div class="notice bad">{{error}}</div>{{/error}}
    {{#members}}
    <div class="card">
    <h2>{{name}} {{#isAdmin}}<span class="badge">admin</span>{{/isAdmin}} <span class="badge {{status}}">{{status}}</span></h2>
    <div class="grid">
    <div><div class="muted">Email</div><div class="mono">{{email}}</div></div>
    <div><div class="muted">Joined</div><div>{{created}}</div></div>
    <div><div class="muted">Requests, 30 days</div><div>{{requests30}}</div></div>
    <div><div class="muted">Tokens, 30 days</div><div>{{tokens30}}</div></div>
    <div><div class="muted">Keys in use</div><div>{{activeKeys}}</div></div>
    <div><div class="muted">Requests at once</div><div>{{concurrency}}</div></div>
    </div>
    {{#hasKeyConcurrency}}<p class="muted">Keys with their own number of requests at once: {{keyConcurrency}}</p>{{/hasKeyConcurrency}}
    <form class="limits-form" method="post" action="/admin/members/{{id}}/limits">
    <input type="hidden" name="csrf" value="{{sessionCSRF}}">
    <div class="grid">
    <div><label for="rpm-{{id}}">Requests/min</label><input type="number" min="0" id="rpm-{{id}}" name="requests_per_minute" value="{{rpm}}" placeholder="unlimited"></div>
    <div><label for="tpm-{{id}}">Tokens/min</label><input type="number" min="0" id="tpm-{{id}}" name="tokens_per_minute" value="{{tpm}}" placeholder="unlimited"></div>
    <div><label for="tpd-{{id}}">Tokens/day</label><input type="number" min="0" id="tpd-{{id}}" name="tokens_per_day" value="{{tpd}}" placeholder="unlimited"></div>
    </div>
    <label for="models-{{id}}">Allowed models <span class="hint">(comma-separated; blank: all)</span></label>
    <input type="text" id="models-{{id}}" name="allowed_models" value="{{models}}" placeholder="all models">
    <div class="actions"><button type="submit" class="secondary">Save limits</button></div>
    </form>
    <form class="limits-form" method="post" action="/admin/members/{{id}}/budget">
    <input type="hidden" name="csrf" value="{{sessionCSRF}}">
    <label for="budget-{{id}}">Monthly token budget <span class="hint">({{usedThisMonth}} used this UTC month; blank: {{#defaultBudget}}the server’s default, {{defaultBudget}}{{/defaultBudget}}{{^defaultBudget}}none{{/defaultBudget}})</span></label>
    <input type="number" min="1" id="budget-{{id}}" name="monthly_budget" value="{{monthlyBudget}}" placeholder="{{#defaultBudget}}default{{/defaultBudget}}{{^defaultBudget}}none{{/defaultBudget}}">
    <div class="actions"><button type="submit" class="secondary">Save budget</button></div>
    </form>
    <div class="actions">
    {{#active}}<form class="inline" method="post" action="/admin/members/{{id}}/suspend"><input type="hidden" name="csrf" value="{{sessionCSRF}}"><button type="submit" class="danger">Suspend</button></form>{{/active}}
    {{^active}}<form class="inline" method="post" action="/admin/members/{{id}}/reactivate"><input type="hidden" name="csrf" value="{{sessionCSRF}}"><button type="submit" class="secondary">Reactivate</button></form>{{/active}}
    </div>
    </div>
    {{/members}}
    {{^members}}<div class="card"><p class="muted">No members yet.</p></div>{{/members}}
    {{/main}}
    {{/layout}}
    """#

    /// Every invite with its state, and a form to invite someone directly.
    static let adminInvites = #"""
    {{<layout}}
    {{$title}}Invites{{/title}}
    {{$main}}
    <h1>Invites</h1>
    {{#flash}}<div class="notice good">{{flash}}</div>{{/flash}}
    <div class="card narrow">
    <h2>Invite someone</h2>
    {{#error}}<div class="notice bad">{{error}}</div>{{/error}}
    <form method="post" action="/admin/invites">
    <input type="hidden" name="csrf" value="{{sessionCSRF}}">
    <label for="invite-email">Email</label>
    <input type="email" id="invite-email" name="email" maxlength="254" required value="{{email}}">
    <div class="actions"><button type="submit">Create invite link</button></div>
    </form>
    </div>
    <div class="card">
    {{#hasInvites}}
    <div class="table-wrap"><table>
    <thead><tr><th>Email</th><th>State</th><th>Created</th><th>Expires</th><th>Used</th><th></th></tr></thead>
    <tbody>
    {{#invites}}
    <tr>
    <td class="mono">{{email}}</td>
    <td><span class="badge {{state}}">{{state}}</span></td>
    <td>{{created}}</td>
    <td>{{expires}}</td>
    <td>{{used}}</td>
    <td>{{#open}}<form class="inline" method="post" action="/admin/invites/{{id}}/revoke"><input type="hidden" name="csrf" value="{{sessionCSRF}}"><button type="submit" class="danger">Revoke</button></form>{{/open}}</td>
    </tr>
    {{/invites}}
    </tbody></table></div>
    {{/hasInvites}}
    {{^hasInvites}}<p class="muted">No invites yet.</p>{{/hasInvites}}
    </div>
    {{/main}}
    {{/layout}}
    """#

    /// The latest admin actions.
    static let adminAudit = #"""
    {{<layout}}
    {{$title}}Audit log{{/title}}
    {{$main}}
    <h1>Audit log</h1>
    <p class="muted">The latest {{limit}} actions, newest first.</p>
    <div class="card">
    {{#hasEntries}}
    <div class="table-wrap"><table>
    <thead><tr><th>Time</th><th>Who</th><th>Action</th><th>Target</th><th>Detail</th></tr></thead>
    <tbody>
    {{#entries}}
    <tr><td>{{time}}</td><td class="mono">{{actor}}</td><td><code>{{action}}</code></td><td class="mono">{{target}}</td><td class="note">{{detail}}</td></tr>
    {{/entries}}
    </tbody></table></div>
    {{/hasEntries}}
    {{^hasEntries}}<p class="muted">Nothing yet.</p>{{/hasEntries}}
    </div>
    {{/main}}
    {{/layout}}
    """#
}
