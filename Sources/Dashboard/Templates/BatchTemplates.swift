extension Templates {
    /// A member's batches (or, for admins, everyone's): status, progress, counts, files, cancel.
    static let batches = #"""
    {{<layout}}
    {{$title}}Batches{{/title}}
    {{$main}}
    <h1>{{#isAdminView}}All batches{{/isAdminView}}{{^isAdminView}}Your batches{{/isAdminView}}</h1>
    <p class="muted">The latest {{listed}}, newest first. Create batches with the API (<a href="/docs">the guide's Batches chapter</a>).</p>
    <div class="card">
    {{#hasBatches}}
    <div class="table-wrap"><table>
    <thead><tr><th>Batch</th>{{#isAdminView}}<th>Member</th>{{/isAdminView}}<th>Status</th><th>Endpoint</th><th>Progress</th><th>Done</th><th>Failed</th><th>Created</th><th>Files</th><th></th></tr></thead>
    <tbody>
    {{#batches}}
    <tr>
    <td class="mono">{{id}}</td>{{#isAdminView}}<td>{{owner}}</td>{{/isAdminView}}
    <td><code class="nowrap">{{status}}</code>{{#errors}}<div class="note">line {{line}}: {{code}}: {{message}}</div>{{/errors}}</td>
    <td class="mono nowrap">{{endpoint}}</td>
    <td><svg class="budget-bar" viewBox="0 0 100 4" preserveAspectRatio="none" role="img"><title>{{completed}} done, {{failed}} failed of {{total}}</title><rect class="track" x="0" y="0" width="100" height="4"/><rect class="fill {{cls}}" x="0" y="0" width="{{width}}" height="4"/></svg><span class="muted">{{percent}}% of {{total}}</span></td>
    <td>{{completed}}</td><td>{{failed}}</td><td>{{created}}</td>
    <td>{{#output}}<a href="{{href}}">output</a> {{/output}}{{#errorFile}}<a href="{{href}}">errors</a>{{/errorFile}}</td>
    <td>{{#canCancel}}<form class="inline" method="post" action="/dashboard/batches/{{id}}/cancel"><input type="hidden" name="csrf" value="{{sessionCSRF}}"><button type="submit">Cancel</button></form>{{/canCancel}}</td>
    </tr>
    {{/batches}}
    </tbody></table></div>
    {{/hasBatches}}
    {{^hasBatches}}<p class="muted">No batches yet.</p>{{/hasBatches}}
    </div>
    {{/main}}
    {{/layout}}
    """#
}
