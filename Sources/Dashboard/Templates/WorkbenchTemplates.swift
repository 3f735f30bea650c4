extension Templates {
    /// The Workbench: three tabs whose controls the script fills and runs.
    /// The session's CSRF token is on the root element for the script's
    /// requests; nothing a member typed is ever put into this page as markup.
    static let workbench = #"""
    {{<layout}}
    {{$title}}Workbench{{/title}}
    {{$main}}
    <div id="workbench" class="wb" data-csrf="{{sessionCSRF}}">
    <div class="wb-head">
    <h1>Workbench</h1>
    <div class="wb-tabs" role="tablist" aria-label="Workbench modes">
    <button type="button" role="tab" id="tab-single" aria-controls="panel-single" aria-selected="true">Single</button>
    <button type="button" role="tab" id="tab-loom" aria-controls="panel-loom" aria-selected="false" tabindex="-1">Loom</button>
    <button type="button" role="tab" id="tab-compare" aria-controls="panel-compare" aria-selected="false" tabindex="-1">Compare</button>
    </div>
    <label class="wb-bill">Bill to <select id="wb-key"><option value="">Workbench key</option></select></label>
    </div>
    <p id="wb-error" class="notice bad" role="alert" hidden></p>

    <section id="panel-single" role="tabpanel" aria-labelledby="tab-single" class="wb-panel">
    <div class="wb-cols">
    <div class="card wb-side">
    <label for="single-model">Model</label>
    <select id="single-model" class="wb-model"></select>
    <div id="single-settings" class="wb-settings"></div>
    <h2>Saved prompts</h2>
    <label for="saved-list" class="sr">Saved prompts</label>
    <select id="saved-list"><option value="">—</option></select>
    <div class="actions">
    <button type="button" class="secondary" id="saved-load">Load</button>
    <button type="button" class="secondary" id="saved-rename">Rename</button>
    <button type="button" class="danger" id="saved-delete">Delete</button>
    </div>
    <label for="saved-name">Save as</label>
    <div class="wb-inline"><input type="text" id="saved-name" maxlength="200" placeholder="name"><button type="button" id="saved-save">Save</button></div>
    </div>
    <div class="wb-main">
    <label for="single-prompt">Prompt <span class="hint">(raw text, no chat template)</span></label>
    <textarea id="single-prompt" class="wb-prompt" spellcheck="false">The capital of France is</textarea>
    <div class="actions">
    <button type="button" id="single-run">Run <kbd>Ctrl+Enter</kbd></button>
    <button type="button" class="danger" id="single-stop" disabled>Stop</button>
    <button type="button" class="secondary" id="copy-curl">Copy as curl</button>
    <button type="button" class="secondary" id="copy-python">Copy as Python</button>
    <span id="single-status" class="muted" role="status"></span>
    </div>
    <div id="single-stats" class="wb-stats"></div>
    <div class="wb-legend" aria-hidden="true"><span>expected</span><span class="wb-scale"></span><span>surprising (logprob −8 and below)</span></div>
    <div id="single-output" class="wb-output" aria-live="polite"></div>
    <div id="single-detail" class="wb-detail" hidden></div>
    <pre id="single-code" class="wb-code" hidden></pre>
    </div>
    </div>
    </section>

    <section id="panel-loom" role="tabpanel" aria-labelledby="tab-loom" class="wb-panel" hidden>
    <div class="wb-cols">
    <div class="card wb-side">
    <label for="loom-model">Model</label>
    <select id="loom-model" class="wb-model"></select>
    <div id="loom-settings" class="wb-settings"></div>
    <label><input type="checkbox" id="loom-pin"> Pin the seed <span class="hint">(each branch reproduces)</span></label>
    <h2>Looms</h2>
    <select id="loom-list" aria-label="Saved looms"><option value="">—</option></select>
    <div class="actions">
    <button type="button" class="secondary" id="loom-open">Open</button>
    <button type="button" class="secondary" id="loom-new">New</button>
    <button type="button" class="danger" id="loom-delete">Delete</button>
    </div>
    <label for="loom-name">Name</label>
    <div class="wb-inline"><input type="text" id="loom-name" maxlength="200" value="Untitled loom"><button type="button" id="loom-save">Save</button></div>
    <h2>Export</h2>
    <div class="actions">
    <button type="button" class="secondary" id="loom-export">Tree as JSON</button>
    <button type="button" class="secondary" id="loom-export-path">Path as text</button>
    <label class="button secondary" for="loom-import">Import JSON</label>
    <input type="file" id="loom-import" accept="application/json,.json" class="sr">
    </div>
    </div>
    <div class="wb-main">
    <label for="loom-root">Root prompt</label>
    <textarea id="loom-root" class="wb-prompt" spellcheck="false">Once upon a time</textarea>
    <div class="actions">
    <button type="button" id="loom-grow">Branch from the end <kbd>Enter</kbd></button>
    <button type="button" class="danger" id="loom-stop" disabled>Stop</button>
    <span class="wb-seg" role="group" aria-label="View">
    <button type="button" class="secondary" id="loom-view-list" aria-pressed="true">List</button>
    <button type="button" class="secondary" id="loom-view-graph" aria-pressed="false">Graph</button>
    </span>
    <span id="loom-status" class="muted" role="status"></span>
    </div>
    <p class="hint muted">Keys: ←/→ parent/child, ↑/↓ siblings, Enter branch, E edit, Delete removes the subtree. Click a token: branch there or force an alternative.</p>
    <div class="wb-legend" aria-hidden="true"><span>expected</span><span class="wb-scale"></span><span>surprising (logprob −8 and below)</span></div>
    <div id="loom-path" class="wb-output" tabindex="0" aria-label="Current path"></div>
    <div id="loom-detail" class="wb-detail" hidden></div>
    <div id="loom-tree" class="wb-tree" tabindex="0" aria-label="Loom tree"></div>
    <div id="loom-graph" class="wb-graph" hidden></div>
    <pre id="loom-code" class="wb-code" hidden></pre>
    </div>
    </div>
    </section>

    <section id="panel-compare" role="tabpanel" aria-labelledby="tab-compare" class="wb-panel" hidden>
    <label for="compare-prompt">Prompt</label>
    <textarea id="compare-prompt" class="wb-prompt" spellcheck="false">The best way to learn a language is</textarea>
    <div class="actions">
    <button type="button" id="compare-run">Run all</button>
    <button type="button" class="danger" id="compare-stop" disabled>Stop all</button>
    <button type="button" class="secondary" id="compare-add">Add lane</button>
    <input type="text" id="compare-name" maxlength="200" value="Untitled comparison" aria-label="Comparison name">
    <button type="button" class="secondary" id="compare-save">Save</button>
    <select id="compare-list" aria-label="Saved comparisons"><option value="">—</option></select>
    <button type="button" class="secondary" id="compare-open">Open</button>
    <span id="compare-status" class="muted" role="status"></span>
    </div>
    <div id="compare-lanes" class="wb-lanes"></div>
    <h2>Last runs</h2>
    <div id="compare-runs" class="wb-runs"><p class="muted">Save the comparison to keep its last 20 runs.</p></div>
    </section>
    </div>
    {{/main}}
    {{$scripts}}<script type="module" src="/static/workbench.js"></script>{{/scripts}}
    {{/layout}}
    """#

    /// Feedback from any page: category, description, and the page it came from.
    static let feedback = #"""
    {{<layout}}
    {{$title}}Feedback{{/title}}
    {{$main}}
    <div class="card narrow">
    <h1>Feedback</h1>
    {{#error}}<div class="notice bad">{{error}}</div>{{/error}}
    <form method="post" action="/feedback">
    <input type="hidden" name="csrf" value="{{sessionCSRF}}">
    <input type="hidden" name="page" value="{{page}}">
    <p class="muted">From <code>{{page}}</code></p>
    <label for="category">Category</label>
    <select id="category" name="category">{{#categories}}<option value="{{value}}">{{label}}</option>{{/categories}}</select>
    <label for="description">What happened, or what would help?</label>
    <textarea id="description" name="description" maxlength="5000" required>{{description}}</textarea>
    <div class="actions"><button type="submit">Send</button></div>
    </form>
    </div>
    {{/main}}
    {{/layout}}
    """#

    /// Feedback for admins: open items (or all), each closable.
    static let adminFeedback = #"""
    {{<layout}}
    {{$title}}Feedback{{/title}}
    {{$main}}
    <h1>Feedback</h1>
    {{#flash}}<div class="notice good">{{flash}}</div>{{/flash}}
    <p>{{#showClosed}}Showing all. <a href="/admin/feedback">Open only</a>{{/showClosed}}{{^showClosed}}Showing open items. <a href="/admin/feedback?show=all">Show closed too</a>{{/showClosed}}</p>
    {{^items}}<div class="card"><p class="muted">No feedback.</p></div>{{/items}}
    {{#items}}
    <div class="card feedback-item">
    <div class="grid">
    <div><div class="muted">Category</div><div><span class="badge {{category}}">{{category}}</span></div></div>
    <div><div class="muted">From</div><div class="mono">{{email}}</div></div>
    <div><div class="muted">Page</div><div class="mono">{{page}}</div></div>
    <div><div class="muted">Sent</div><div>{{created}}</div></div>
    </div>
    <p class="note">{{description}}</p>
    {{#open}}<form method="post" action="/admin/feedback/{{id}}/close"><input type="hidden" name="csrf" value="{{sessionCSRF}}"><button type="submit" class="secondary">Close</button></form>{{/open}}
    {{^open}}<p class="muted">Closed {{closed}}</p>{{/open}}
    </div>
    {{/items}}
    {{/main}}
    {{/layout}}
    """#
}
