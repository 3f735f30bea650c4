extension Templates {
    /// The frame of every page: head, the nav bar (its links depend on who is
    /// signed in; sign-out is a POST with the session's CSRF token) and footer.
    static let layout = #"""
    <!doctype html>
    <html lang="en">
    <head>
    <meta charset="utf-8">
    <meta name="viewport" content="width=device-width, initial-scale=1">
    <title>{{$title}}BaseServe{{/title}} · BaseServe</title>
    <link rel="stylesheet" href="/static/style.css">
    </head>
    <body>
    <header class="bar"><nav>
    <a class="brand" href="/">BaseServe</a>
    <a href="/docs">Docs</a>
    {{#nav.signedIn}}
    <a href="/dashboard">Dashboard</a>
    <a href="/dashboard/usage">Usage</a>
    <a href="/workbench">Workbench</a>
    <a href="/dashboard/batches">Batches</a>
    {{#nav.isAdmin}}
    <a href="/admin/usage">All usage</a>
    <a href="/admin/batches">All batches</a>
    <a href="/admin/requests">Requests</a>
    <a href="/admin/members">Members</a>
    <a href="/admin/invites">Invites</a>
    <a href="/admin/audit">Audit</a>
    <a href="/admin/feedback">Feedback</a>
    {{/nav.isAdmin}}
    <a class="feedback" href="/feedback">Send feedback</a>
    <span class="who">{{nav.name}}</span>
    <form class="inline" method="post" action="/signout"><input type="hidden" name="csrf" value="{{nav.csrf}}"><button type="submit" class="link">Sign out</button></form>
    {{/nav.signedIn}}
    {{^nav.signedIn}}
    <a href="/">Request access</a>
    <a href="/signin">Sign in</a>
    {{/nav.signedIn}}
    </nav></header>
    <main>
    {{$main}}{{/main}}
    </main>
    <footer>BaseServe · base language models with exact prompt logprobs · invite-only beta</footer>
    {{$scripts}}{{/scripts}}
    </body>
    </html>
    """#

    /// A page that says one thing: errors (403, 404, 410, 429, …) and confirmations.
    static let message = #"""
    {{<layout}}
    {{$title}}{{title}}{{/title}}
    {{$main}}
    <div class="card narrow">
    <h1>{{title}}</h1>
    <p>{{text}}</p>
    {{#link}}<p><a href="{{href}}">{{label}}</a></p>{{/link}}
    </div>
    {{/main}}
    {{/layout}}
    """#
}
