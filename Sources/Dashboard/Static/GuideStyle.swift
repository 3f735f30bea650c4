extension StaticAssets {
    /// The user guide's styles (`/docs`), appended to the site's stylesheet.
    static let guideCSS = #"""
    .guide { display: grid; grid-template-columns: 15rem minmax(0, 1fr); gap: 1rem; align-items: start; }
    .guide .toc { position: sticky; top: 1rem; max-height: calc(100vh - 2rem); overflow-y: auto; font-size: .9rem; }
    .guide .toc h2 { margin-top: 0; }
    .guide .toc ul { list-style: none; padding: 0; margin: 0 0 .75rem; }
    .guide .toc li { margin: .2rem 0; }
    .guide .toc li.sub { padding-left: 1rem; font-size: .85rem; }
    .guide-text h2 { border-top: 1px solid var(--line); padding-top: 1rem; margin-top: 2rem; }
    .guide-text h1 + h2 { border-top: 0; padding-top: 0; margin-top: 1rem; }
    .guide-text h3 { font-size: 1.05rem; margin: 1.25rem 0 .4rem; }
    .guide-text a.anchor { visibility: hidden; text-decoration: none; color: var(--muted); }
    .guide-text h2:hover a.anchor, .guide-text h3:hover a.anchor { visibility: visible; }
    .guide-text pre { background: #10131a; color: #e8ecf3; padding: .75rem 1rem; border-radius: 6px; overflow-x: auto; }
    .guide-text pre code { word-break: normal; white-space: pre; font-size: .85rem; }
    .guide-text :not(pre) > code { background: #eef0f4; padding: 0 .25rem; border-radius: 4px; word-break: break-word; }
    .guide-text table { margin: .5rem 0 1rem; display: block; overflow-x: auto; }
    .guide-text td:first-child code { white-space: nowrap; word-break: normal; }
    .guide-text blockquote { border-left: 4px solid var(--accent); background: #eef3fd; margin: 0 0 1rem; padding: .5rem 1rem; }
    @media (max-width: 50rem) {
        .guide { grid-template-columns: 1fr; }
        .guide .toc { position: static; max-height: none; }
    }
    """#
}
