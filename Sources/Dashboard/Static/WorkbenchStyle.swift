extension StaticAssets {
    /// The Workbench's styles, served after the site's own in `/static/style.css`.
    static let workbenchCSS = #"""
    /* The Workbench: a wide page; side controls, a main column; tokens as chips. */
    .sr { position: absolute; width: 1px; height: 1px; overflow: hidden; clip: rect(0 0 0 0); white-space: nowrap; }
    header.bar a.feedback { font-size: .9rem; opacity: .85; }
    main:has(> .wb) { max-width: 90rem; }
    .wb-head { display: flex; flex-wrap: wrap; align-items: center; gap: .5rem 1.25rem; margin-bottom: .75rem; }
    .wb-head h1 { margin: 0; }
    .wb-tabs { display: inline-flex; border: 1px solid var(--line); border-radius: 8px; overflow: hidden; background: #fff; }
    .wb-tabs button { background: #fff; color: var(--ink); border: 0; border-radius: 0; padding: .4rem 1rem; }
    .wb-tabs button[aria-selected="true"] { background: var(--accent); color: #fff; }
    .wb-bill { display: flex; align-items: center; gap: .4rem; font-weight: 400; margin: 0 0 0 auto; color: var(--muted); }
    .wb select, .wb input[type=text] { font: inherit; padding: .35rem .5rem; border: 1px solid #b9c0cc; border-radius: 6px; background: #fff; max-width: 100%; }
    .wb-side select { width: 100%; }
    .wb-cols { display: grid; grid-template-columns: 19rem minmax(0, 1fr); gap: 1rem; align-items: start; }
    .wb-side { position: sticky; top: .5rem; }
    .wb-side h2 { font-size: 1rem; margin: 1.25rem 0 .35rem; }
    .wb-side label { margin-top: .5rem; }
    .wb-grid { display: grid; grid-template-columns: 1fr 1fr; gap: .1rem .6rem; }
    .wb-field label { font-size: .8rem; font-weight: 600; color: var(--muted); margin: .45rem 0 .15rem; }
    .wb-field input, .wb-field textarea { padding: .3rem .45rem; font-size: .9rem; min-height: 0; }
    .wb-field.wide { grid-column: 1 / -1; }
    .wb-inline { display: flex; gap: .4rem; }
    .wb-inline input { flex: 1; min-width: 0; }
    .wb-prompt { font-family: ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; font-size: .92rem; min-height: 6rem; }
    .wb kbd { font-size: .7rem; opacity: .75; margin-left: .3rem; font-family: inherit; }
    .wb-stats { display: flex; flex-wrap: wrap; gap: .25rem .9rem; margin: .6rem 0 .3rem; color: var(--muted); font-size: .88rem; }
    .wb-stats b { color: var(--ink); font-variant-numeric: tabular-nums; }
    .wb-legend { display: flex; align-items: center; gap: .5rem; font-size: .8rem; color: var(--muted); margin: .25rem 0 .4rem; }
    .wb-scale { display: inline-block; width: 9rem; height: .6rem; border-radius: 3px;
                background: linear-gradient(to right, hsl(120 75% 86%), hsl(60 75% 86%), hsl(0 75% 86%)); }
    .wb-output { background: #fff; border: 1px solid var(--line); border-radius: 8px; padding: .75rem; min-height: 4rem;
                 font-family: ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; font-size: .92rem; line-height: 1.9;
                 white-space: pre-wrap; overflow-wrap: anywhere; }
    .wb-output:empty::before { content: "Run a prompt: its tokens appear here, coloured by logprob — green expected, red surprising."; color: var(--muted); font-family: system-ui, sans-serif; }
    .wb-output .choice + .choice { border-top: 1px dashed var(--line); margin-top: .5rem; padding-top: .5rem; }
    .choice-label { font: 600 .75rem system-ui, sans-serif; color: var(--muted); }
    .tok { border-radius: 3px; padding: .1rem 0; cursor: pointer; box-shadow: inset 0 -1px 0 rgba(0,0,0,.08); }
    .tok.prompt { box-shadow: inset 0 -2px 0 rgba(36,87,197,.35); }
    .tok.forced { outline: 2px dashed #6b5bd2; outline-offset: -1px; }
    .tok:hover, .tok:focus { outline: 2px solid var(--accent); outline-offset: 0; }
    .wb-detail { position: relative; background: #fff; border: 1px solid var(--line); border-radius: 8px; padding: .75rem 1rem; margin-top: .75rem; }
    .wb button.link { color: var(--accent); text-decoration: underline; }
    .wb-detail button.close { text-decoration: none; position: absolute; right: .6rem; top: .3rem; font-size: 1.3rem; color: var(--muted); }
    .detail-head { margin-bottom: .35rem; }
    .tok-text { background: #f0f2f6; padding: .1rem .35rem; border-radius: 4px; }
    .detail-grid { display: grid; grid-template-columns: repeat(4, auto); justify-content: start; gap: .1rem 1rem; margin: 0 0 .5rem; font-size: .9rem; }
    .detail-grid dt { color: var(--muted); }
    .detail-grid dd { margin: 0; font-variant-numeric: tabular-nums; }
    table.topk { width: auto; min-width: 60%; font-size: .88rem; }
    table.topk td, table.topk th { padding: .15rem .6rem; }
    table.topk tr.chosen td { background: #eef3fd; font-weight: 600; }
    table.topk td.num { font-variant-numeric: tabular-nums; text-align: right; }
    table.topk td.bar { width: 8rem; }
    table.topk td.bar span { display: block; height: .55rem; background: var(--accent); border-radius: 2px; min-width: 1px; }
    button.alt { color: #6b5bd2; }
    .wb-code { background: #10131a; color: #e8ecf3; padding: .75rem; border-radius: 8px; overflow-x: auto; font-size: .82rem; white-space: pre-wrap; overflow-wrap: anywhere; }
    .wb-seg { display: inline-flex; }
    .wb-seg button { border-radius: 0; }
    .wb-seg button:first-child { border-radius: 6px 0 0 6px; }
    .wb-seg button:last-child { border-radius: 0 6px 6px 0; border-left: 0; }
    .wb-seg button[aria-pressed="true"] { background: var(--accent); color: #fff; }
    label.button { display: inline-block; font-weight: 400; margin: 0; padding: .45rem .9rem; border-radius: 6px; border: 1px solid var(--accent); color: var(--accent); background: #fff; cursor: pointer; }
    label.button:focus-within { outline: 2px solid var(--accent); }
    .node-text.current { background: rgba(36,87,197,.06); border-radius: 4px; }
    .node-text + .node-text { border-left: 2px solid #c9d3ea; margin-left: 1px; }
    .wb-tree { background: #fff; border: 1px solid var(--line); border-radius: 8px; padding: .5rem .75rem; margin-top: .75rem; }
    .wb-tree:focus, .wb-output:focus { outline: 2px solid var(--accent); }
    ul.tree, ul.tree ul { list-style: none; margin: 0; padding-left: 1rem; }
    ul.tree { padding-left: 0; }
    ul.tree ul { border-left: 1px solid var(--line); margin-left: .35rem; }
    ul.tree button.node { background: none; color: var(--ink); border: 0; border-radius: 4px; padding: .1rem .4rem; text-align: left;
                           font: .88rem ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; max-width: 100%; }
    ul.tree button.node:hover { background: #f0f2f6; }
    ul.tree button.node.current { background: var(--accent); color: #fff; }
    ul.tree .count { font-size: .75rem; }
    .wb-graph { background: #fff; border: 1px solid var(--line); border-radius: 8px; margin-top: .75rem; padding: .25rem; }
    svg.graph { display: block; touch-action: none; cursor: grab; }
    svg.graph .edge { fill: none; stroke: #9aa3b2; stroke-width: 1.5; }
    svg.graph .gnode rect { fill: #f6f8fc; stroke: #b9c0cc; }
    svg.graph .gnode.forced rect { stroke: #6b5bd2; stroke-dasharray: 4 3; }
    svg.graph .gnode.current rect { fill: var(--accent); stroke: var(--accent); }
    svg.graph .gnode text { font: 12px ui-monospace, Menlo, monospace; fill: var(--ink); pointer-events: none; }
    svg.graph .gnode.current text { fill: #fff; }
    svg.graph .gnode { cursor: pointer; }
    .wb-lanes { display: grid; grid-template-columns: repeat(auto-fill, minmax(20rem, 1fr)); gap: 1rem; margin-top: 1rem; }
    .lane { margin: 0; }
    .lane.running { border-color: var(--accent); box-shadow: 0 0 0 2px rgba(36,87,197,.15); }
    .lane-head { display: flex; justify-content: space-between; align-items: baseline; }
    .lane-head h3 { margin: 0; font-size: 1rem; }
    .lane select { width: 100%; }
    .lane-summary { font: .8rem ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; color: var(--muted); margin-top: .4rem; overflow-wrap: anywhere; }
    .lane-settings summary { cursor: pointer; margin: .5rem 0; color: var(--accent); }
    .lane-output { min-height: 6rem; }
    ol.runs { padding-left: 1.25rem; }
    #panel-compare .actions input[type=text] { width: 14rem; }
    @media (max-width: 52rem) {
        .wb-cols { grid-template-columns: 1fr; }
        .wb-side { position: static; order: 2; }
        .wb-bill { margin-left: 0; }
        .wb-lanes { grid-template-columns: 1fr; }
    }
    """#
}
