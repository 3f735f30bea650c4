extension Templates {
    /// What BaseServe is, and the form to ask for access.
    static let home = #"""
    {{<layout}}
    {{$title}}Base language models with exact prompt logprobs{{/title}}
    {{$main}}
    <h1>BaseServe</h1>
    <div class="card">
    <p>BaseServe serves <strong>base</strong> (pre-trained, not chat-tuned) language models behind an
    OpenAI-compatible API, with <strong>exact prompt logprobs</strong>: the log-probability and rank of every
    prompt token, and of the alternatives the model preferred. It is made for research that scores text
    rather than chats with it.</p>
    <p>It is an <strong>invite-only beta</strong>. Tell us who you are and how you would use it; an admin reads
    every request and answers with an invite link.</p>
    </div>
    <div class="card narrow">
    <h2>Request access</h2>
    {{#formError}}<div class="notice bad">{{formError}}</div>{{/formError}}
    <form method="post" action="/request-access" novalidate>
    <input type="hidden" name="csrf" value="{{anonymousCSRF}}">
    <label for="name">Name</label>
    <input type="text" id="name" name="name" value="{{form.name}}" maxlength="200" required autocomplete="name">
    {{#errors.name}}<p class="field-error">{{errors.name}}</p>{{/errors.name}}
    <label for="email">Email</label>
    <input type="email" id="email" name="email" value="{{form.email}}" maxlength="254" required autocomplete="email">
    {{#errors.email}}<p class="field-error">{{errors.email}}</p>{{/errors.email}}
    <label for="affiliation">Affiliation <span class="hint">(optional)</span></label>
    <input type="text" id="affiliation" name="affiliation" value="{{form.affiliation}}" maxlength="200" autocomplete="organization">
    {{#errors.affiliation}}<p class="field-error">{{errors.affiliation}}</p>{{/errors.affiliation}}
    <label for="note">How would you use it? <span class="hint">(up to 2000 characters)</span></label>
    <textarea id="note" name="note" maxlength="2000" required>{{form.note}}</textarea>
    {{#errors.note}}<p class="field-error">{{errors.note}}</p>{{/errors.note}}
    <div class="actions"><button type="submit">Request access</button></div>
    </form>
    </div>
    {{/main}}
    {{/layout}}
    """#

    /// What happens after a request is sent.
    static let requestReceived = #"""
    {{<layout}}
    {{$title}}Request received{{/title}}
    {{$main}}
    <div class="card narrow">
    <h1>Thank you, {{name}}</h1>
    <p>Your request for access is in. An admin reviews every request by hand.</p>
    <p>If it is approved you will get an invite link — by email to <strong>{{email}}</strong>, or from the admin
    directly. The link creates your account; it works once and expires after a few days.</p>
    <p class="muted">Sent the form twice? That is fine: requests from one email address are merged.</p>
    </div>
    {{/main}}
    {{/layout}}
    """#
}
