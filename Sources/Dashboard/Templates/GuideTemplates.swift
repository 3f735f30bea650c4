extension Templates {
    /// `/docs`: the table of contents beside the guide. `guideHTML` is the one
    /// value inserted unescaped in any template: it is rendered from the
    /// Markdown compiled into the binary, never from anything a visitor sent.
    static let guide = #"""
    {{<layout}}
    {{$title}}User guide{{/title}}
    {{$main}}
    <div class="guide">
    <nav class="card toc" aria-label="Contents">
    <h2>Contents</h2>
    <ul>
    {{#toc}}<li{{#sub}} class="sub"{{/sub}}><a href="#{{anchor}}">{{text}}</a></li>
    {{/toc}}
    </ul>
    <p class="muted"><a href="/llms.txt">The whole guide as one Markdown file</a> (<code>/llms.txt</code>)</p>
    </nav>
    <article class="card guide-text">
    <h1>BaseServe user guide</h1>
    {{{guideHTML}}}
    </article>
    </div>
    {{/main}}
    {{/layout}}
    """#
}
