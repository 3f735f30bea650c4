extension Templates {
    static let signin = #"""
    {{<layout}}
    {{$title}}Sign in{{/title}}
    {{$main}}
    <div class="card narrow">
    <h1>Sign in</h1>
    {{#error}}<div class="notice bad">{{error}}</div>{{/error}}
    <form method="post" action="/signin">
    <input type="hidden" name="csrf" value="{{anonymousCSRF}}">
    <label for="email">Email</label>
    <input type="email" id="email" name="email" value="{{email}}" maxlength="254" required autocomplete="username">
    <label for="password">Password</label>
    <input type="password" id="password" name="password" required autocomplete="current-password">
    <div class="actions"><button type="submit">Sign in</button></div>
    </form>
    <p class="muted">No account? <a href="/">Request access</a>.</p>
    </div>
    {{/main}}
    {{/layout}}
    """#

    /// Creating an account from an invite: the email is the invite's, not a field.
    static let invite = #"""
    {{<layout}}
    {{$title}}Create your account{{/title}}
    {{$main}}
    <div class="card narrow">
    <h1>Create your account</h1>
    <p>This invite is for <strong>{{email}}</strong>. Choose the name to show and a password.</p>
    {{#formError}}<div class="notice bad">{{formError}}</div>{{/formError}}
    <form method="post" action="/invite/{{token}}">
    <input type="hidden" name="csrf" value="{{anonymousCSRF}}">
    <label for="name">Name</label>
    <input type="text" id="name" name="name" value="{{name}}" maxlength="200" required autocomplete="name">
    {{#errors.name}}<p class="field-error">{{errors.name}}</p>{{/errors.name}}
    <label for="password">Password <span class="hint">(at least 8 characters)</span></label>
    <input type="password" id="password" name="password" minlength="8" required autocomplete="new-password">
    <label for="confirm">Password again</label>
    <input type="password" id="confirm" name="confirm" minlength="8" required autocomplete="new-password">
    {{#errors.password}}<p class="field-error">{{errors.password}}</p>{{/errors.password}}
    <div class="actions"><button type="submit">Create account</button></div>
    </form>
    </div>
    {{/main}}
    {{/layout}}
    """#

    /// The first admin's account, from the one-time link the server printed.
    static let setup = #"""
    {{<layout}}
    {{$title}}Set up BaseServe{{/title}}
    {{$main}}
    <div class="card narrow">
    <h1>Create the first admin</h1>
    <p>This one-time link creates the service's first admin account. Admins review access requests and manage members.</p>
    {{#formError}}<div class="notice bad">{{formError}}</div>{{/formError}}
    <form method="post" action="/setup/{{token}}">
    <input type="hidden" name="csrf" value="{{anonymousCSRF}}">
    <label for="email">Email</label>
    <input type="email" id="email" name="email" value="{{email}}" maxlength="254" required autocomplete="username">
    {{#errors.email}}<p class="field-error">{{errors.email}}</p>{{/errors.email}}
    <label for="name">Name</label>
    <input type="text" id="name" name="name" value="{{name}}" maxlength="200" required autocomplete="name">
    {{#errors.name}}<p class="field-error">{{errors.name}}</p>{{/errors.name}}
    <label for="password">Password <span class="hint">(at least 8 characters)</span></label>
    <input type="password" id="password" name="password" minlength="8" required autocomplete="new-password">
    <label for="confirm">Password again</label>
    <input type="password" id="confirm" name="confirm" minlength="8" required autocomplete="new-password">
    {{#errors.password}}<p class="field-error">{{errors.password}}</p>{{/errors.password}}
    <div class="actions"><button type="submit">Create admin account</button></div>
    </form>
    </div>
    {{/main}}
    {{/layout}}
    """#
}
