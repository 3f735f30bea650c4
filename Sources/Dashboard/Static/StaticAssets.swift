/// The stylesheet and the copy button's script, served from `/static/`. Kept in
/// Swift so the binary needs no files beside it; the copy script lives here
/// rather than inline so the Content-Security-Policy can forbid inline script.
enum StaticAssets {
    static let styleCSS = #"""
    :root { --ink: #1d2330; --muted: #5b6475; --line: #dde1e8; --bg: #f6f7f9; --card: #fff;
            --accent: #2457c5; --danger: #b3261e; --ok: #1e7b34; --warn: #8a5a00; }
    * { box-sizing: border-box; }
    html { -webkit-text-size-adjust: 100%; }
    body { margin: 0; font: 16px/1.5 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif;
           color: var(--ink); background: var(--bg); }
    a { color: var(--accent); }
    header.bar { background: var(--ink); }
    header.bar nav { max-width: 64rem; margin: 0 auto; padding: .5rem 1rem; display: flex; flex-wrap: wrap;
                     gap: .25rem 1rem; align-items: center; }
    header.bar a, header.bar button.link { color: #fff; text-decoration: none; }
    header.bar .brand { font-weight: 700; margin-right: auto; }
    header.bar .who { color: #c9cfdb; font-size: .9rem; }
    main { max-width: 64rem; margin: 0 auto; padding: 1rem; }
    footer { max-width: 64rem; margin: 2rem auto; padding: 0 1rem; color: var(--muted); font-size: .85rem; }
    h1 { font-size: 1.6rem; margin: .5rem 0 1rem; }
    h2 { font-size: 1.2rem; margin: 1.5rem 0 .5rem; }
    .card { background: var(--card); border: 1px solid var(--line); border-radius: 8px; padding: 1rem; margin: 0 0 1rem; }
    .narrow { max-width: 32rem; }
    .muted { color: var(--muted); }
    .notice { border-left: 4px solid var(--accent); background: #eef3fd; padding: .75rem 1rem; margin: 0 0 1rem; border-radius: 4px; }
    .notice.warn { border-color: var(--warn); background: #fff6e0; }
    .notice.bad { border-color: var(--danger); background: #fdeeee; }
    .notice.good { border-color: var(--ok); background: #eaf6ed; }
    label { display: block; font-weight: 600; margin: .75rem 0 .25rem; }
    label .hint { font-weight: 400; color: var(--muted); font-size: .9rem; }
    input[type=text], input[type=email], input[type=password], input[type=number], textarea {
        width: 100%; padding: .5rem .6rem; font: inherit; border: 1px solid #b9c0cc; border-radius: 6px; background: #fff; }
    textarea { min-height: 7rem; resize: vertical; }
    .field-error { color: var(--danger); font-size: .9rem; margin: .25rem 0 0; }
    button { font: inherit; padding: .45rem .9rem; border-radius: 6px; border: 1px solid var(--accent);
             background: var(--accent); color: #fff; cursor: pointer; }
    button.secondary { background: #fff; color: var(--accent); }
    button.danger { background: #fff; color: var(--danger); border-color: var(--danger); }
    button.link { background: none; border: 0; padding: 0; cursor: pointer; }
    form.inline { display: inline; margin: 0; }
    .actions { display: flex; flex-wrap: wrap; gap: .5rem; align-items: center; margin-top: 1rem; }
    .table-wrap { overflow-x: auto; }
    table { border-collapse: collapse; width: 100%; background: var(--card); font-size: .95rem; }
    th, td { text-align: left; padding: .45rem .6rem; border-bottom: 1px solid var(--line); vertical-align: top; }
    th { font-size: .85rem; color: var(--muted); font-weight: 600; white-space: nowrap; }
    code, .mono { font-family: ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; font-size: .92em; word-break: break-all; }
    .secret { display: block; padding: .75rem; background: #10131a; color: #e8ecf3; border-radius: 6px; margin: .5rem 0; }
    .badge { display: inline-block; padding: 0 .5rem; border-radius: 999px; font-size: .8rem; border: 1px solid currentColor; }
    .badge.open, .badge.active, .badge.pending { color: var(--ok); }
    .badge.used, .badge.approved { color: var(--muted); }
    .badge.expired, .badge.revoked, .badge.suspended, .badge.denied { color: var(--danger); }
    .badge.paused { color: var(--warn); background: #fff6e0; font-weight: 600; }
    tr.paused td { background: #fffaf0; }
    tr.revoked td, tr.expired td { color: var(--muted); }
    td.key-actions, td.use { white-space: nowrap; }
    td.key-actions form, td.key-actions a { margin-right: .35rem; }
    td.key-actions button { padding: .2rem .6rem; font-size: .85rem; }
    code.key-prefix { white-space: nowrap; word-break: normal; }
    td .sub { display: block; font-size: .8rem; color: var(--muted); }
    meter.budget { display: block; width: 100%; height: .9rem; margin: .35rem 0; }
    .budget-form input { max-width: 12rem; }
    .note { white-space: pre-wrap; overflow-wrap: anywhere; }
    .grid { display: grid; gap: .25rem 1rem; grid-template-columns: repeat(auto-fit, minmax(9rem, 1fr)); }
    .limits-form input { max-width: 9rem; }
    svg.chart { width: 100%; height: auto; display: block; }
    svg.chart .bar { fill: var(--accent); }
    svg.chart .bar:hover { fill: #173c8c; }
    svg.chart .axis { stroke: #9aa3b2; stroke-width: 1; }
    svg.chart .grid-line { stroke: var(--line); stroke-width: 1; }
    svg.chart text { font-size: 11px; fill: var(--muted); }
    /* Stacked series (usage page): eight colours that stay apart for common colour blindness. */
    .s0 { fill: #2457c5; background: #2457c5; } .s1 { fill: #e08a1e; background: #e08a1e; }
    .s2 { fill: #1e9a8a; background: #1e9a8a; } .s3 { fill: #c2417a; background: #c2417a; }
    .s4 { fill: #6b5bd2; background: #6b5bd2; } .s5 { fill: #7a8f1f; background: #7a8f1f; }
    .s6 { fill: #8c5a3c; background: #8c5a3c; } .s7 { fill: #8d96a6; background: #8d96a6; }
    svg.chart rect[class^="s"]:hover { opacity: .8; }
    ul.legend { list-style: none; padding: 0; margin: .5rem 0 .75rem; display: flex; flex-wrap: wrap; gap: .25rem 1rem;
                font-size: .9rem; }
    ul.legend .swatch { display: inline-block; width: .8rem; height: .8rem; border-radius: 2px; margin-right: .35rem;
                        vertical-align: -1px; }
    .budget { margin: 0 0 .9rem; }
    .budget:last-child { margin-bottom: 0; }
    .budget-head { display: flex; flex-wrap: wrap; justify-content: space-between; gap: 0 1rem; margin-bottom: .25rem; }
    svg.budget-bar { width: 100%; height: .7rem; display: block; border-radius: 4px; }
    svg.budget-bar .track { fill: #e8ebf0; }
    svg.budget-bar .fill.ok { fill: var(--ok); }
    svg.budget-bar .fill.near { fill: #d08a00; }
    svg.budget-bar .fill.over { fill: var(--danger); }
    a.download { margin-left: .5rem; white-space: nowrap; }
    .nowrap { white-space: nowrap; }
    table.requests { font-size: .85rem; }
    code.request-id { font-size: .8rem; overflow-wrap: anywhere; }
    @media (max-width: 40rem) {
        body { font-size: 15px; }
        th, td { padding: .35rem .4rem; }
        h1 { font-size: 1.35rem; }
    }
    """#

    /// Copies the text of the element named by the button's `data-copy` to the
    /// clipboard, and says so on the button.
    static let copyJS = #"""
    document.addEventListener("click", function (event) {
      var button = event.target.closest("[data-copy]");
      if (!button) return;
      var source = document.getElementById(button.getAttribute("data-copy"));
      if (!source || !navigator.clipboard) return;
      navigator.clipboard.writeText(source.textContent.trim()).then(function () {
        button.textContent = "Copied";
      });
    });
    """#
}
