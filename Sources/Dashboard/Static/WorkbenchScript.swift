extension StaticAssets {
    /// The Workbench's script, served as `/static/workbench.js` (a module; no
    /// build step, no libraries). The page's CSP allows only this server's scripts.
    static let workbenchJS = #"""
    // The Workbench: Single runs, a Loom of branches, Compare lanes. It calls
    // /v1/completions with the page's session (same origin, the CSRF token in
    // X-CSRF-Token), billed to the key picked under "Bill to". Everything a member
    // or a model wrote is put on the page with textContent, never as HTML.
    const root = document.getElementById("workbench");
    const csrf = root.dataset.csrf;
    const $ = (id) => document.getElementById(id);

    // ---------------------------------------------------------------- plumbing

    /** An element with attributes and children; strings become text nodes. */
    function el(tag, attrs = {}, ...children) {
      const node = tag === "svg" || attrs.svg ? document.createElementNS("http://www.w3.org/2000/svg", tag) : document.createElement(tag);
      for (const [name, value] of Object.entries(attrs)) {
        if (name === "svg" || value === undefined || value === null || value === false) continue;
        if (name.startsWith("on")) node.addEventListener(name.slice(2), value);
        else if (name === "text") node.textContent = value;
        else node.setAttribute(name, value === true ? "" : String(value));
      }
      for (const child of children.flat()) {
        if (child === null || child === undefined || child === false) continue;
        node.append(typeof child === "string" || typeof child === "number" ? document.createTextNode(String(child)) : child);
      }
      return node;
    }
    const svg = (tag, attrs = {}, ...children) => el(tag, { ...attrs, svg: true }, ...children);

    function headers(json = true) {
      const h = { "X-CSRF-Token": csrf, "X-Workload": "interactive" };
      if (json) h["Content-Type"] = "application/json";
      const key = $("wb-key").value;
      if (key) h["X-Workbench-Key"] = key;
      return h;
    }

    /** The API's error message from a failed response. */
    async function failure(response) {
      try {
        const body = await response.json();
        return new Error(body.error?.message || `HTTP ${response.status}`);
      } catch {
        return new Error(`HTTP ${response.status}`);
      }
    }

    async function api(path, method = "GET", body) {
      const response = await fetch(path, {
        method, headers: headers(body !== undefined), credentials: "same-origin",
        body: body === undefined ? undefined : JSON.stringify(body),
      });
      if (!response.ok) throw await failure(response);
      return response.json();
    }

    function showError(error) {
      const box = $("wb-error");
      if (!error) { box.hidden = true; box.textContent = ""; return; }
      box.textContent = error.message || String(error);
      box.hidden = false;
    }

    /** Runs an action, showing what went wrong instead of failing silently. */
    async function guarded(action) {
      showError(null);
      try { return await action(); } catch (error) {
        if (error.name !== "AbortError") showError(error);
      }
    }

    /**
     * POSTs a completion request and hands every chunk (or the one response) to
     * onChunk. Aborting `signal` closes the connection: the server cancels the work.
     */
    async function complete(request, signal, onChunk) {
      const response = await fetch("/v1/completions", {
        method: "POST", headers: headers(), credentials: "same-origin", body: JSON.stringify(request), signal,
      });
      if (!response.ok) throw await failure(response);
      if (!request.stream) { onChunk(await response.json()); return; }
      const reader = response.body.getReader();
      const decoder = new TextDecoder();
      let buffer = "";
      for (;;) {
        const { value, done } = await reader.read();
        if (done) break;
        buffer += decoder.decode(value, { stream: true });
        let cut;
        while ((cut = buffer.indexOf("\n\n")) >= 0) {
          const event = buffer.slice(0, cut);
          buffer = buffer.slice(cut + 2);
          for (const line of event.split("\n")) {
            if (!line.startsWith("data: ")) continue;
            const data = line.slice(6);
            if (data === "[DONE]") return;
            const chunk = JSON.parse(data);
            if (chunk.error) throw new Error(chunk.error.message);
            onChunk(chunk);
          }
        }
      }
    }

    // ------------------------------------------------------- tokens and colours

    /**
     * Collects one choice's tokens from chunks. Prompt tokens (echoed) come first:
     * their logprob and rank from `prompt_logprobs` when the response has them;
     * generated tokens from `logprobs`, their rank counted among the top-k.
     */
    class ChoiceTokens {
      constructor() { this.tokens = []; this.text = ""; this.promptCount = null; this.finish = null; }

      add(choice) {
        this.text += choice.text || "";
        if (choice.finish_reason) this.finish = choice.finish_reason;
        const lp = choice.logprobs;
        if (!lp || !lp.tokens) return [];
        let ids = choice.token_ids || [];
        let start = 0;
        const added = [];
        if (choice.prompt_token_ids && this.promptCount === null && lp.tokens.length >= choice.prompt_token_ids.length
            && this.tokens.length === 0 && choice.echoed) {
          const promptIds = choice.prompt_token_ids;
          this.promptCount = promptIds.length;
          for (let i = 0; i < promptIds.length; i++) {
            const token = fromLogprobs(lp, i, promptIds[i], true);
            const entry = choice.prompt_logprobs?.[i];
            if (entry) Object.assign(token, fromPromptLogprobs(entry, promptIds[i]));
            else if (choice.prompt_logprobs && i === 0) { token.logprob = null; token.rank = null; token.top = []; }
            added.push(token);
          }
          start = promptIds.length;
        }
        for (let i = start; i < lp.tokens.length; i++) added.push(fromLogprobs(lp, i, ids[i - start], false));
        this.tokens.push(...added);
        return added;
      }
    }

    function fromLogprobs(lp, i, id, prompt) {
      const logprob = lp.token_logprobs[i];
      const entries = Object.entries(lp.top_logprobs[i] || {});
      const top = entries.map(([text, value]) => ({ text, logprob: value })).sort((a, b) => b.logprob - a.logprob);
      let rank = null, rankIsBound = false;
      if (logprob !== null && logprob !== undefined) {
        rank = 1 + top.filter((t) => t.logprob > logprob).length;
        // Below every listed alternative: somewhere past them.
        rankIsBound = entries.length > 1 && top[top.length - 1].logprob === logprob && top.length > 1 && rank === top.length;
      }
      return { id: id ?? null, text: lp.tokens[i], logprob: logprob ?? null, rank, rankIsBound, top, prompt };
    }

    function fromPromptLogprobs(entry, id) {
      const mine = entry[String(id)];
      const top = Object.entries(entry).map(([tid, v]) => ({ id: Number(tid), text: v.decoded_token, logprob: v.logprob, rank: v.rank }))
        .sort((a, b) => a.rank - b.rank);
      return { logprob: mine ? mine.logprob : null, rank: mine ? mine.rank : null, rankIsBound: false, top };
    }

    /** Green for the expected, through yellow, to red for the surprising. */
    function colour(logprob) {
      if (logprob === null || logprob === undefined) return "";
      const surprise = Math.min(1, Math.max(0, -logprob / 8));
      return `hsl(${Math.round(120 * (1 - surprise))} 75% 86%)`;
    }

    function tokenElement(token, index, onClick) {
      const shown = token.text.replace(/\n/g, "↵\n").replace(/\t/g, "→\t");
      const span = el("span", {
        class: "tok" + (token.prompt ? " prompt" : "") + (token.forced ? " forced" : ""),
        tabindex: "0", role: "button",
        "data-index": index,
        "data-token-id": token.id ?? "",
        "data-logprob": token.logprob ?? "",
        "data-rank": token.rank ?? "",
        title: token.logprob === null ? "first token: no logprob" : `logprob ${fmt(token.logprob)} · rank ${token.rank}`,
      }, shown);
      span.style.background = colour(token.logprob);
      span.addEventListener("click", () => onClick(token, index, span));
      span.addEventListener("keydown", (event) => {
        if (event.key === "Enter" || event.key === " ") { event.preventDefault(); onClick(token, index, span); }
      });
      return span;
    }

    /** A bar as wide as the probability (set through CSSOM: the page's CSP forbids style attributes). */
    function probabilityBar(logprob) {
      const bar = el("span");
      bar.style.width = `${(100 * Math.exp(logprob)).toFixed(1)}%`;
      return bar;
    }

    const fmt = (x, digits = 3) => (x === null || x === undefined ? "—" : Number(x).toFixed(digits));

    /** The panel for a clicked token: its numbers and its top-k, each alternative a button when `onPick` is given. */
    function showDetail(panel, token, { actions = [], onPick } = {}) {
      panel.replaceChildren();
      panel.hidden = false;
      const close = el("button", { type: "button", class: "link close", "aria-label": "Close", onclick: () => { panel.hidden = true; } }, "×");
      const rank = token.rank === null ? "—" : (token.rankIsBound ? `> ${token.top.length - 1}` : String(token.rank));
      panel.append(
        close,
        el("div", { class: "detail-head" }, el("code", { class: "tok-text" }, JSON.stringify(token.text)),
          el("span", { class: "muted" }, token.prompt ? " prompt token" : " generated token", token.forced ? " (forced)" : "")),
        el("dl", { class: "detail-grid" },
          el("dt", {}, "id"), el("dd", {}, token.id === null ? "—" : String(token.id)),
          el("dt", {}, "logprob"), el("dd", {}, fmt(token.logprob, 4)),
          el("dt", {}, "probability"), el("dd", {}, token.logprob === null ? "—" : (100 * Math.exp(token.logprob)).toFixed(2) + " %"),
          el("dt", {}, "rank"), el("dd", {}, rank)),
      );
      if (token.top && token.top.length) {
        const rows = token.top.map((alt, i) => {
          const label = el("code", {}, JSON.stringify(alt.text));
          const cell = onPick && alt.text !== token.text
            ? el("button", { type: "button", class: "link alt", title: "Branch with this token forced", onclick: () => onPick(alt) }, label)
            : label;
          return el("tr", { class: alt.text === token.text ? "chosen" : "" },
            el("td", {}, String(alt.rank ?? i + 1)), el("td", {}, cell), el("td", { class: "num" }, fmt(alt.logprob, 4)),
            el("td", { class: "bar" }, probabilityBar(alt.logprob)));
        });
        panel.append(el("table", { class: "topk" },
          el("thead", {}, el("tr", {}, el("th", {}, "rank"), el("th", {}, "token"), el("th", {}, "logprob"), el("th", {}, "p"))),
          el("tbody", {}, rows)));
      }
      if (actions.length) panel.append(el("div", { class: "actions" }, actions));
    }

    // ------------------------------------------------------------ settings

    const FIELDS = {
      max_tokens: { label: "Max tokens", type: "int", min: 1, value: 64 },
      temperature: { label: "Temperature", type: "num", min: 0, step: 0.1, value: 1 },
      top_p: { label: "top_p", type: "num", min: 0, max: 1, step: 0.05 },
      top_k: { label: "top_k", type: "int", min: -1 },
      min_p: { label: "min_p", type: "num", min: 0, max: 1, step: 0.01 },
      presence_penalty: { label: "Presence penalty", type: "num", step: 0.1 },
      frequency_penalty: { label: "Frequency penalty", type: "num", step: 0.1 },
      repetition_penalty: { label: "Repetition penalty", type: "num", min: 0, step: 0.05 },
      seed: { label: "Seed", type: "int" },
      n: { label: "n", type: "int", min: 1, max: 16 },
      logprobs: { label: "logprobs (top-k)", type: "int", min: 0, max: 20, value: 5 },
      prompt_logprobs: { label: "prompt_logprobs", type: "int", min: 0, max: 20, value: 5 },
      stop: { label: "Stop (one per line)", type: "lines" },
    };

    /** Labelled inputs for `names` under `container`; blank fields are left out of requests. */
    function settingsForm(container, prefix, names, defaults = {}) {
      const inputs = {};
      const grid = el("div", { class: "wb-grid" });
      for (const name of names) {
        const field = FIELDS[name];
        const id = `${prefix}-${name.replace(/_/g, "-")}`;
        const value = name in defaults ? defaults[name] : field.value;
        const input = field.type === "lines"
          ? el("textarea", { id, rows: "2", spellcheck: "false" })
          : el("input", { id, type: "number", min: field.min, max: field.max, step: field.step || (field.type === "int" ? 1 : "any"), inputmode: "decimal" });
        if (value !== undefined) input.value = String(value);
        inputs[name] = input;
        grid.append(el("div", { class: "wb-field" + (field.type === "lines" ? " wide" : "") }, el("label", { for: id }, field.label), input));
      }
      container.append(grid);
      return {
        read() {
          const out = {};
          for (const [name, input] of Object.entries(inputs)) {
            const raw = input.value.trim();
            if (raw === "") continue;
            if (FIELDS[name].type === "lines") {
              const stops = input.value.split("\n").map((s) => s.replace(/\\n/g, "\n")).filter((s) => s !== "");
              if (stops.length) out[name] = stops;
            } else {
              const number = Number(raw);
              if (!Number.isFinite(number)) throw new Error(`${FIELDS[name].label} must be a number.`);
              out[name] = FIELDS[name].type === "int" ? Math.trunc(number) : number;
            }
          }
          return out;
        },
        write(values) {
          for (const [name, input] of Object.entries(inputs)) {
            const value = values[name];
            input.value = value === undefined || value === null ? "" : Array.isArray(value) ? value.map((s) => s.replace(/\n/g, "\\n")).join("\n") : String(value);
          }
        },
      };
    }

    async function loadModels() {
      const models = await api("/v1/models");
      for (const select of document.querySelectorAll("select.wb-model")) fillModels(select, models.data);
      return models.data;
    }

    function fillModels(select, models, chosen) {
      select.replaceChildren(...models.map((m) => el("option", { value: m.id }, m.id)));
      if (chosen) select.value = chosen;
    }

    async function loadKeys() {
      const select = $("wb-key");
      const keys = await api("/workbench/api/keys");
      const saved = localStorage.getItem("baseserve.workbench.key") || "";
      select.replaceChildren(el("option", { value: "" }, "Workbench key"),
        ...keys.data.filter((k) => k.name !== "Workbench").map((k) => el("option", { value: k.id }, `${k.name} (${k.prefix})${k.paused ? " — paused" : ""}`)));
      if (keys.data.some((k) => k.id === saved)) select.value = saved;
      select.addEventListener("change", () => localStorage.setItem("baseserve.workbench.key", select.value));
    }

    // ------------------------------------------------------------ copy as code

    function curlFor(request) {
      const body = JSON.stringify(request).replace(/'/g, "'\\''");
      return [`curl ${location.origin}/v1/completions${request.stream ? " -N" : ""} \\`,
        `  -H "Authorization: Bearer $BASESERVE_KEY" \\`,
        `  -H "Content-Type: application/json" \\`,
        `  -d '${body}'`].join("\n");
    }

    function pythonFor(request) {
      // A JSON text cannot contain three quotes in a row, so a raw triple-quoted string holds it exactly.
      const lines = ["import json, os", "import httpx", "", `request = json.loads(r"""${JSON.stringify(request)}""")`,
        `headers = {"Authorization": "Bearer " + os.environ["BASESERVE_KEY"]}`];
      if (request.stream) {
        lines.push(`with httpx.stream("POST", "${location.origin}/v1/completions", json=request, headers=headers, timeout=600) as response:`,
          "    for line in response.iter_lines():", "        if line.startswith(\"data: \") and line != \"data: [DONE]\":",
          "            print(json.loads(line[6:])[\"choices\"])");
      } else {
        lines.push(`response = httpx.post("${location.origin}/v1/completions", json=request, headers=headers, timeout=600)`,
          "print(json.dumps(response.json(), indent=2))");
      }
      return lines.join("\n");
    }

    function copyText(text, pre, button) {
      pre.textContent = text;
      pre.hidden = false;
      const old = button.textContent;
      navigator.clipboard?.writeText(text).then(() => {
        button.textContent = "Copied";
        setTimeout(() => { button.textContent = old; }, 1500);
      }, () => {});
    }

    // ------------------------------------------------------------ tabs

    function setupTabs() {
      const tabs = ["single", "loom", "compare"].map((name) => $(`tab-${name}`));
      const select = (tab) => {
        for (const t of tabs) {
          const on = t === tab;
          t.setAttribute("aria-selected", String(on));
          t.tabIndex = on ? 0 : -1;
          $(t.getAttribute("aria-controls")).hidden = !on;
        }
        history.replaceState(null, "", "#" + tab.id.slice(4));
      };
      tabs.forEach((tab, i) => {
        tab.addEventListener("click", () => select(tab));
        tab.addEventListener("keydown", (event) => {
          const step = event.key === "ArrowRight" ? 1 : event.key === "ArrowLeft" ? -1 : 0;
          if (!step) return;
          const next = tabs[(i + step + tabs.length) % tabs.length];
          select(next);
          next.focus();
        });
      });
      const wanted = tabs.find((t) => "#" + t.id.slice(4) === location.hash);
      if (wanted) select(wanted);
    }

    // ------------------------------------------------------------ Single

    const single = {
      settings: null,
      controller: null,
      lastRequest: null,
      choices: [],
    };

    function singleRequest() {
      const settings = single.settings.read();
      const request = { model: $("single-model").value, prompt: $("single-prompt").value, ...settings, echo: true, return_token_ids: true };
      // The API has no prompt_logprobs on a stream: a run that asks for them arrives whole.
      if (request.prompt_logprobs === undefined) {
        request.stream = true;
        request.stream_options = { include_usage: true };
      }
      return request;
    }

    function renderStats(box, s) {
      const parts = [
        ["prompt tokens", s.promptTokens], ["completion tokens", s.completionTokens],
        ["time to first token", s.ttft === null ? null : `${s.ttft.toFixed(0)} ms`],
        ["tokens/s", s.rate === null ? null : s.rate.toFixed(1)], ["finish", s.finish],
      ];
      box.replaceChildren(...parts.filter(([, v]) => v !== null && v !== undefined)
        .map(([label, value]) => el("span", { class: "stat" }, el("b", {}, String(value)), " " + label)));
    }

    async function runSingle() {
      const request = singleRequest();
      single.lastRequest = request;
      window.baseserveWorkbench.lastRequest = request;
      const output = $("single-output");
      output.replaceChildren();
      $("single-detail").hidden = true;
      single.choices = [];
      const blocks = [];
      const controller = new AbortController();
      single.controller = controller;
      $("single-run").disabled = true;
      $("single-stop").disabled = false;
      $("single-status").textContent = "Running…";
      const started = performance.now();
      let first = null, last = null;
      const stats = { promptTokens: null, completionTokens: 0, ttft: null, rate: null, finish: null };
      const onToken = (choiceIndex) => (token, index) => showDetail($("single-detail"), token);
      try {
        await complete(request, controller.signal, (chunk) => {
          for (const choice of chunk.choices || []) {
            const i = choice.index || 0;
            if (!single.choices[i]) {
              single.choices[i] = new ChoiceTokens();
              blocks[i] = el("div", { class: "choice", "data-choice": i });
              if ((request.n || 1) > 1) blocks[i].append(el("div", { class: "choice-label" }, `choice ${i}`));
              output.append(blocks[i]);
            }
            choice.echoed = true;
            const state = single.choices[i];
            const before = state.tokens.length;
            const added = state.add(choice);
            added.forEach((token, k) => blocks[i].append(tokenElement(token, before + k, onToken(i))));
            if (!choice.logprobs && choice.text) blocks[i].append(el("span", { class: "plain" }, choice.text));
            const generated = added.filter((t) => !t.prompt).length;
            if (generated) {
              const now = performance.now();
              if (first === null) { first = now; stats.ttft = now - started; }
              last = now;
              if (request.stream) stats.completionTokens += generated;
            }
            if (state.promptCount !== null) stats.promptTokens = state.promptCount;
            if (choice.finish_reason) stats.finish = choice.finish_reason;
          }
          if (chunk.usage) { stats.promptTokens = chunk.usage.prompt_tokens; stats.completionTokens = chunk.usage.completion_tokens; }
          if (first !== null && last > first) stats.rate = (stats.completionTokens - 1) / ((last - first) / 1000);
          if (!request.stream) stats.ttft = null;
          renderStats($("single-stats"), stats);
        });
        if (!request.stream) {
          const elapsed = (performance.now() - started) / 1000;
          stats.rate = stats.completionTokens / elapsed;
          renderStats($("single-stats"), stats);
        }
        $("single-status").textContent = "Done.";
      } catch (error) {
        if (error.name === "AbortError") $("single-status").textContent = "Stopped: the server cancelled the request.";
        else { $("single-status").textContent = ""; throw error; }
      } finally {
        single.controller = null;
        $("single-run").disabled = false;
        $("single-stop").disabled = true;
        output.dataset.state = "done";
      }
    }

    // Saved prompts: name, text and settings, on the server.
    async function refreshSaved(selectID) {
      const list = await api("/workbench/api/prompts");
      const select = $("saved-list");
      select.replaceChildren(el("option", { value: "" }, list.data.length ? "— pick a saved prompt —" : "— none saved yet —"),
        ...list.data.map((d) => el("option", { value: d.id }, d.name)));
      if (selectID) select.value = selectID;
    }

    function setupSingle() {
      single.settings = settingsForm($("single-settings"), "single",
        ["max_tokens", "temperature", "top_p", "top_k", "min_p", "presence_penalty", "frequency_penalty", "repetition_penalty",
          "seed", "n", "logprobs", "prompt_logprobs", "stop"]);
      $("single-run").addEventListener("click", () => guarded(runSingle));
      $("single-stop").addEventListener("click", () => single.controller?.abort());
      $("single-prompt").addEventListener("keydown", (event) => {
        if (event.key === "Enter" && (event.ctrlKey || event.metaKey)) { event.preventDefault(); if (!single.controller) guarded(runSingle); }
      });
      $("copy-curl").addEventListener("click", () => guarded(async () => copyText(curlFor(singleRequest()), $("single-code"), $("copy-curl"))));
      $("copy-python").addEventListener("click", () => guarded(async () => copyText(pythonFor(singleRequest()), $("single-code"), $("copy-python"))));
      const current = () => ({ prompt: $("single-prompt").value, model: $("single-model").value, settings: single.settings.read() });
      $("saved-save").addEventListener("click", () => guarded(async () => {
        const name = $("saved-name").value.trim() || "Untitled prompt";
        const chosen = $("saved-list");
        const sameName = chosen.value && chosen.selectedOptions[0].textContent === name;
        const saved = sameName
          ? await api(`/workbench/api/prompts/${chosen.value}`, "PUT", { name, body: current() })
          : await api("/workbench/api/prompts", "POST", { name, body: current() });
        await refreshSaved(saved.id);
        $("single-status").textContent = `Saved “${saved.name}”.`;
      }));
      $("saved-load").addEventListener("click", () => guarded(async () => {
        const id = $("saved-list").value;
        if (!id) return;
        const doc = await api(`/workbench/api/prompts/${id}`);
        $("single-prompt").value = doc.body.prompt ?? "";
        if (doc.body.model) $("single-model").value = doc.body.model;
        single.settings.write(doc.body.settings || {});
        $("saved-name").value = doc.name;
        $("single-status").textContent = `Loaded “${doc.name}”.`;
      }));
      $("saved-rename").addEventListener("click", () => guarded(async () => {
        const id = $("saved-list").value;
        const name = $("saved-name").value.trim();
        if (!id || !name) throw new Error("Pick a saved prompt and type its new name under “Save as”.");
        await api(`/workbench/api/prompts/${id}`, "PATCH", { name });
        await refreshSaved(id);
      }));
      $("saved-delete").addEventListener("click", () => guarded(async () => {
        const id = $("saved-list").value;
        if (!id || !confirm(`Delete “${$("saved-list").selectedOptions[0].textContent}”?`)) return;
        await api(`/workbench/api/prompts/${id}`, "DELETE");
        await refreshSaved();
      }));
    }

    // ------------------------------------------------------------ Loom

    const loom = { nodes: {}, rootID: null, current: null, docID: null, settings: null, controller: null, view: "list",
      graph: { x: 0, y: 0, scale: 1 }, lastChild: {} };

    const newID = () => Math.random().toString(36).slice(2, 10) + Date.now().toString(36).slice(-4);

    function newLoom(text = $("loom-root").value) {
      const rootNode = { id: newID(), parent: null, children: [], text, tokens: null };
      loom.nodes = { [rootNode.id]: rootNode };
      loom.rootID = rootNode.id;
      loom.current = rootNode.id;
      loom.docID = null;
      loom.lastChild = {};
      $("loom-root").value = text;
    }

    const node = (id) => loom.nodes[id];
    function pathTo(id) {
      const path = [];
      for (let n = node(id); n; n = n.parent ? node(n.parent) : null) path.unshift(n);
      return path;
    }
    const textOf = (id) => pathTo(id).map((n) => n.text).join("");

    /** Splits `id` before token `at`: the node keeps tokens [0, at), a new child takes the rest and the children. */
    function split(id, at) {
      const n = node(id);
      if (!n.tokens || at <= 0 || at >= n.tokens.length) return id;
      const rest = { id: newID(), parent: id, children: n.children, text: "", tokens: n.tokens.slice(at), seed: n.seed, settings: n.settings };
      rest.text = rest.tokens.map((t) => t.text).join("");
      for (const child of rest.children) node(child).parent = rest.id;
      n.tokens = n.tokens.slice(0, at);
      n.text = n.tokens.map((t) => t.text).join("");
      n.children = [rest.id];
      loom.nodes[rest.id] = rest;
      return id;
    }

    function loomRequest(prompt, echo) {
      const settings = loom.settings.read();
      const request = { model: $("loom-model").value, prompt, ...settings, return_token_ids: true, stream: true };
      if (echo) request.echo = true;
      if ($("loom-pin").checked && request.seed === undefined) request.seed = 1234;
      return request;
    }

    /** Grows `n` continuations under `parentID`, streaming into new child nodes. */
    async function grow(parentID, forced) {
      const parent = node(parentID);
      const echo = parent.id === loom.rootID && !parent.tokens;
      const request = loomRequest(textOf(parentID), echo);
      window.baseserveWorkbench.lastLoomRequest = request;
      const controller = new AbortController();
      loom.controller = controller;
      $("loom-stop").disabled = false;
      $("loom-grow").disabled = true;
      $("loom-status").textContent = "Growing…";
      const children = {};
      const states = {};
      try {
        await complete(request, controller.signal, (chunk) => {
          for (const choice of chunk.choices || []) {
            const i = choice.index || 0;
            if (!states[i]) {
              states[i] = new ChoiceTokens();
              const child = { id: newID(), parent: parentID, children: [], text: "", tokens: [], seed: request.seed ?? null,
                settings: { ...request, prompt: undefined } };
              delete child.settings.prompt;
              loom.nodes[child.id] = child;
              parent.children.push(child.id);
              children[i] = child;
            }
            choice.echoed = echo;
            const added = states[i].add(choice);
            const child = children[i];
            for (const token of added) {
              if (token.prompt) {
                if (i === 0) { parent.tokens = parent.tokens || []; parent.tokens.push(token); }
              } else child.tokens.push(token);
            }
            if (!choice.logprobs) child.text += choice.text || "";
            else child.text = child.tokens.map((t) => t.text).join("");
          }
          if (!loom.current || !children[0] || node(loom.current) === parent) loom.current = children[0]?.id ?? loom.current;
          renderLoom();
        });
        $("loom-status").textContent = `${Object.keys(children).length} continuation(s).`;
      } catch (error) {
        if (error.name === "AbortError") $("loom-status").textContent = "Stopped.";
        else { $("loom-status").textContent = ""; throw error; }
      } finally {
        loom.controller = null;
        $("loom-stop").disabled = true;
        $("loom-grow").disabled = false;
        if (parent.tokens && echo) parent.text = parent.tokens.map((t) => t.text).join("");
        renderLoom();
        await saveLoom();
      }
    }

    async function branchAt(nodeID, index) {
      $("loom-detail").hidden = true;
      split(nodeID, index + 1);
      loom.current = nodeID;
      await grow(nodeID);
    }

    async function forceAt(nodeID, index, alt) {
      $("loom-detail").hidden = true;
      let parentID = nodeID;
      if (index === 0) parentID = node(nodeID).parent ?? nodeID;
      else split(nodeID, index);
      if (index === 0 && parentID === nodeID) throw new Error("The root's first token has nothing before it to branch from.");
      const forced = { id: newID(), parent: parentID, children: [], text: alt.text, forced: true,
        tokens: [{ id: alt.id ?? null, text: alt.text, logprob: alt.logprob, rank: alt.rank ?? null, top: [], forced: true, prompt: false }] };
      loom.nodes[forced.id] = forced;
      node(parentID).children.push(forced.id);
      loom.current = forced.id;
      renderLoom();
      await grow(forced.id);
    }

    function renderLoom() {
      const path = pathTo(loom.current);
      const box = $("loom-path");
      box.replaceChildren();
      for (const n of path) {
        const part = el("span", { class: "node-text" + (n.id === loom.current ? " current" : ""), "data-node": n.id });
        if (n.tokens && n.tokens.length) {
          n.tokens.forEach((token, i) => part.append(tokenElement(token, i, (t) => loomTokenDetail(n.id, i, t))));
        } else part.append(el("span", { class: "plain" }, n.text));
        box.append(part);
      }
      renderTree();
      if (loom.view === "graph") renderGraph();
    }

    function loomTokenDetail(nodeID, index, token) {
      showDetail($("loom-detail"), token, {
        actions: [el("button", { type: "button", class: "branch", onclick: () => guarded(() => branchAt(nodeID, index)) }, "Branch from here")],
        onPick: (alt) => guarded(() => forceAt(nodeID, index, alt)),
      });
    }

    function preview(text) {
      const flat = text.replace(/\s+/g, " ").trim();
      return flat.length > 70 ? flat.slice(0, 70) + "…" : flat || "(empty)";
    }

    function renderTree() {
      const box = $("loom-tree");
      const editing = box.querySelector("textarea");
      if (editing) return;
      const build = (id) => {
        const n = node(id);
        const button = el("button", { type: "button", class: "node" + (id === loom.current ? " current" : ""), "data-node": id,
          "aria-current": id === loom.current ? "true" : false, onclick: () => { loom.current = id; renderLoom(); } },
        el("span", { class: "node-label" }, preview(n.text)),
        n.children.length ? el("span", { class: "muted count" }, ` ${n.children.length}`) : null);
        return el("li", {}, button, n.children.length ? el("ul", {}, n.children.map(build)) : null);
      };
      box.replaceChildren(el("ul", { class: "tree" }, build(loom.rootID)),
        el("div", { class: "actions" },
          el("button", { type: "button", class: "secondary", onclick: editCurrent }, "Edit node"),
          el("button", { type: "button", class: "danger", onclick: () => guarded(deleteCurrent) }, "Delete subtree")));
    }

    function editCurrent() {
      const n = node(loom.current);
      const box = $("loom-tree");
      const area = el("textarea", { class: "wb-prompt", "aria-label": "Node text" });
      area.value = n.text;
      const save = () => guarded(async () => {
        n.text = area.value;
        // The logprobs belonged to the old text: edited text has no heatmap until it is regrown.
        n.tokens = null;
        if (n.id === loom.rootID) $("loom-root").value = n.text;
        box.replaceChildren();
        renderLoom();
        await saveLoom();
      });
      box.replaceChildren(el("label", {}, "Edit the node's text"), area,
        el("div", { class: "actions" }, el("button", { type: "button", onclick: save }, "Save text"),
          el("button", { type: "button", class: "secondary", onclick: () => { box.replaceChildren(); renderLoom(); } }, "Cancel")));
      area.focus();
    }

    async function deleteCurrent() {
      const n = node(loom.current);
      if (!n.parent) throw new Error("The root cannot be deleted; start a new loom instead.");
      const drop = (id) => { node(id).children.forEach(drop); delete loom.nodes[id]; };
      const parent = node(n.parent);
      parent.children = parent.children.filter((c) => c !== n.id);
      drop(n.id);
      loom.current = parent.id;
      renderLoom();
      await saveLoom();
    }

    function moveInLoom(key) {
      const n = node(loom.current);
      if (key === "ArrowLeft" && n.parent) { loom.lastChild[n.parent] = n.id; loom.current = n.parent; }
      else if (key === "ArrowRight" && n.children.length) loom.current = loom.lastChild[n.id] && node(loom.lastChild[n.id]) ? loom.lastChild[n.id] : n.children[0];
      else if ((key === "ArrowUp" || key === "ArrowDown") && n.parent) {
        const siblings = node(n.parent).children;
        const at = siblings.indexOf(n.id) + (key === "ArrowUp" ? -1 : 1);
        if (at >= 0 && at < siblings.length) loom.current = siblings[at];
      } else return false;
      renderLoom();
      return true;
    }

    function loomExport() {
      const nodes = Object.values(loom.nodes).map((n) => ({ id: n.id, parent: n.parent, children: n.children, text: n.text,
        tokens: n.tokens, seed: n.seed ?? null, forced: n.forced || false, settings: n.settings ?? null }));
      return { format: "baseserve-loom", version: 1, name: $("loom-name").value, model: $("loom-model").value,
        settings: loom.settings.read(), pinned_seed: $("loom-pin").checked, root: loom.rootID, current: loom.current, nodes };
    }

    function loomImport(data) {
      if (data.format !== "baseserve-loom" || !Array.isArray(data.nodes) || !data.root) throw new Error("That file is not a BaseServe loom export.");
      const nodes = {};
      for (const n of data.nodes) {
        nodes[n.id] = { id: String(n.id), parent: n.parent, children: [...(n.children || [])], text: String(n.text ?? ""), tokens: n.tokens || null,
          seed: n.seed ?? null, forced: !!n.forced, settings: n.settings ?? null };
      }
      if (!nodes[data.root]) throw new Error("The loom's root is missing.");
      loom.nodes = nodes;
      loom.rootID = data.root;
      loom.current = nodes[data.current] ? data.current : data.root;
      loom.lastChild = {};
      $("loom-root").value = nodes[data.root].text;
      if (data.name) $("loom-name").value = data.name;
      if (data.settings) loom.settings.write(data.settings);
      $("loom-pin").checked = !!data.pinned_seed;
      if (data.model) $("loom-model").value = data.model;
      renderLoom();
    }

    async function refreshLooms(selectID) {
      const list = await api("/workbench/api/looms");
      $("loom-list").replaceChildren(el("option", { value: "" }, list.data.length ? "— pick a loom —" : "— none saved yet —"),
        ...list.data.map((d) => el("option", { value: d.id }, d.name)));
      if (selectID) $("loom-list").value = selectID;
      return list.data;
    }

    async function saveLoom() {
      const body = loomExport();
      const name = $("loom-name").value.trim() || "Untitled loom";
      const saved = loom.docID
        ? await api(`/workbench/api/looms/${loom.docID}`, "PUT", { name, body })
        : await api("/workbench/api/looms", "POST", { name, body });
      loom.docID = saved.id;
      await refreshLooms(saved.id);
    }

    async function openLoom(id) {
      const doc = await api(`/workbench/api/looms/${id}`);
      loomImport(doc.body);
      loom.docID = doc.id;
      $("loom-name").value = doc.name;
      $("loom-list").value = id;
    }

    function download(name, text, type) {
      const link = el("a", { href: URL.createObjectURL(new Blob([text], { type })), download: name });
      document.body.append(link);
      link.click();
      setTimeout(() => { URL.revokeObjectURL(link.href); link.remove(); }, 1000);
    }

    // The graph: depth across, leaves down; drag to pan, wheel (or +/-) to zoom.
    function renderGraph() {
      const box = $("loom-graph");
      const positions = {};
      let row = 0;
      const place = (id, depth) => {
        const n = node(id);
        if (!n.children.length) { positions[id] = { x: depth, y: row++ }; return positions[id].y; }
        const ys = n.children.map((c) => place(c, depth + 1));
        positions[id] = { x: depth, y: (ys[0] + ys[ys.length - 1]) / 2 };
        return positions[id].y;
      };
      place(loom.rootID, 0);
      const W = 190, H = 46, w = 170, h = 32;
      const g = svg("g", { transform: `translate(${loom.graph.x} ${loom.graph.y}) scale(${loom.graph.scale})` });
      for (const n of Object.values(loom.nodes)) {
        if (!n.parent || !positions[n.parent]) continue;
        const a = positions[n.parent], b = positions[n.id];
        g.append(svg("path", { class: "edge", d: `M${a.x * W + w + 10} ${a.y * H + h / 2 + 10} C${a.x * W + w + 20} ${a.y * H + h / 2 + 10}, ${b.x * W} ${b.y * H + h / 2 + 10}, ${b.x * W + 10} ${b.y * H + h / 2 + 10}` }));
      }
      for (const [id, p] of Object.entries(positions)) {
        const n = node(id);
        const group = svg("g", { class: "gnode" + (id === loom.current ? " current" : "") + (n.forced ? " forced" : ""), "data-node": id,
          transform: `translate(${p.x * W + 10} ${p.y * H + 10})`, tabindex: "0", role: "button" });
        group.append(svg("rect", { width: w, height: h, rx: 6 }), svg("text", { x: 8, y: 20 }, preview(n.text).slice(0, 21)));
        group.addEventListener("click", () => { loom.current = id; renderLoom(); });
        g.append(group);
      }
      const canvas = svg("svg", { class: "graph", role: "img", "aria-label": "Loom graph", width: "100%", height: "420" }, g);
      let drag = null;
      canvas.addEventListener("pointerdown", (e) => { if (e.target.closest(".gnode")) return; drag = { x: e.clientX - loom.graph.x, y: e.clientY - loom.graph.y }; canvas.setPointerCapture(e.pointerId); });
      canvas.addEventListener("pointermove", (e) => { if (!drag) return; loom.graph.x = e.clientX - drag.x; loom.graph.y = e.clientY - drag.y; g.setAttribute("transform", `translate(${loom.graph.x} ${loom.graph.y}) scale(${loom.graph.scale})`); });
      canvas.addEventListener("pointerup", () => { drag = null; });
      canvas.addEventListener("wheel", (e) => {
        e.preventDefault();
        loom.graph.scale = Math.min(3, Math.max(0.25, loom.graph.scale * (e.deltaY < 0 ? 1.1 : 1 / 1.1)));
        g.setAttribute("transform", `translate(${loom.graph.x} ${loom.graph.y}) scale(${loom.graph.scale})`);
      }, { passive: false });
      const zoom = (f) => { loom.graph.scale = Math.min(3, Math.max(0.25, loom.graph.scale * f)); renderGraph(); };
      box.replaceChildren(canvas, el("div", { class: "actions" },
        el("button", { type: "button", class: "secondary", "aria-label": "Zoom in", onclick: () => zoom(1.2) }, "+"),
        el("button", { type: "button", class: "secondary", "aria-label": "Zoom out", onclick: () => zoom(1 / 1.2) }, "−"),
        el("button", { type: "button", class: "secondary", onclick: () => { loom.graph = { x: 0, y: 0, scale: 1 }; renderGraph(); } }, "Reset view")));
    }

    function setView(view) {
      loom.view = view;
      $("loom-view-list").setAttribute("aria-pressed", String(view === "list"));
      $("loom-view-graph").setAttribute("aria-pressed", String(view === "graph"));
      $("loom-tree").hidden = view !== "list";
      $("loom-graph").hidden = view !== "graph";
      renderLoom();
    }

    async function setupLoom() {
      loom.settings = settingsForm($("loom-settings"), "loom", ["max_tokens", "temperature", "top_p", "top_k", "min_p", "seed", "n", "logprobs"],
        { max_tokens: 16, n: 2, logprobs: 5 });
      newLoom();
      $("loom-root").addEventListener("input", () => {
        const r = node(loom.rootID);
        r.text = $("loom-root").value;
        r.tokens = null;
        renderLoom();
      });
      $("loom-grow").addEventListener("click", () => guarded(() => grow(loom.current)));
      $("loom-stop").addEventListener("click", () => loom.controller?.abort());
      $("loom-view-list").addEventListener("click", () => setView("list"));
      $("loom-view-graph").addEventListener("click", () => setView("graph"));
      $("loom-save").addEventListener("click", () => guarded(async () => { await saveLoom(); $("loom-status").textContent = "Saved."; }));
      $("loom-new").addEventListener("click", () => { newLoom(""); $("loom-name").value = "Untitled loom"; renderLoom(); $("loom-root").focus(); });
      $("loom-open").addEventListener("click", () => guarded(async () => { if ($("loom-list").value) await openLoom($("loom-list").value); }));
      $("loom-delete").addEventListener("click", () => guarded(async () => {
        const id = $("loom-list").value;
        if (!id || !confirm("Delete this loom?")) return;
        await api(`/workbench/api/looms/${id}`, "DELETE");
        if (loom.docID === id) newLoom("");
        await refreshLooms();
        renderLoom();
      }));
      $("loom-export").addEventListener("click", () => {
        const text = JSON.stringify(loomExport(), null, 1);
        $("loom-code").textContent = text;
        $("loom-code").hidden = false;
        download(($("loom-name").value || "loom") + ".json", text, "application/json");
      });
      $("loom-export-path").addEventListener("click", () => {
        const text = textOf(loom.current);
        $("loom-code").textContent = text;
        $("loom-code").hidden = false;
        download(($("loom-name").value || "loom") + ".txt", text, "text/plain");
      });
      $("loom-import").addEventListener("change", () => guarded(async () => {
        const file = $("loom-import").files[0];
        if (!file) return;
        loomImport(JSON.parse(await file.text()));
        loom.docID = null;
        $("loom-name").value = ($("loom-name").value || "loom") + " (imported)";
        $("loom-import").value = "";
        await saveLoom();
        $("loom-status").textContent = "Imported.";
      }));
      for (const id of ["loom-tree", "loom-path", "loom-graph"]) {
        $(id).addEventListener("keydown", (event) => {
          if (event.target.closest("textarea, input")) return;
          if (moveInLoom(event.key)) { event.preventDefault(); return; }
          if (event.key === "Enter" && !event.target.closest("button, .tok")) { event.preventDefault(); guarded(() => grow(loom.current)); }
          else if (event.key === "e" || event.key === "E") { event.preventDefault(); editCurrent(); }
          else if (event.key === "Delete") { event.preventDefault(); guarded(deleteCurrent); }
        });
      }
      const saved = await refreshLooms();
      if (saved.length) await openLoom(saved[0].id);
      else renderLoom();
    }

    // ------------------------------------------------------------ Compare

    const compare = { lanes: [], docID: null, controllers: [] };
    const LANE_FIELDS = ["max_tokens", "temperature", "top_p", "top_k", "min_p", "presence_penalty", "frequency_penalty",
      "repetition_penalty", "seed", "logprobs", "stop"];

    function addLane(values = {}, model) {
      if (compare.lanes.length >= 6) throw new Error("Compare runs at most 6 lanes.");
      const index = compare.lanes.length;
      const prefix = `lane${newID()}`;
      const models = [...$("single-model").options].map((o) => ({ id: o.value }));
      const select = el("select", { class: "wb-model", id: `${prefix}-model` });
      fillModels(select, models, model);
      const settingsBox = el("details", { class: "lane-settings" }, el("summary", {}, "Settings"));
      const output = el("div", { class: "wb-output lane-output" });
      const stats = el("div", { class: "wb-stats" });
      const detail = el("div", { class: "wb-detail", hidden: true });
      const title = el("h3", {}, `Lane ${index + 1}`);
      const remove = el("button", { type: "button", class: "link", "aria-label": "Remove lane", onclick: () => removeLane(lane) }, "Remove");
      const summary = el("div", { class: "lane-summary" });
      const box = el("div", { class: "card lane", "data-lane": index },
        el("div", { class: "lane-head" }, title, remove), el("label", { for: `${prefix}-model` }, "Model"), select, summary, settingsBox,
        stats, output, detail);
      const lane = { box, select, output, stats, detail, title, settings: settingsForm(settingsBox, prefix, LANE_FIELDS, { max_tokens: 32, ...values }), result: null };
      // The lane's settings in one line, so lanes can be told apart with their settings folded away.
      lane.summarize = () => {
        let text;
        try { text = Object.entries(lane.settings.read()).map(([k, v]) => `${k} ${Array.isArray(v) ? JSON.stringify(v) : v}`).join(" · "); }
        catch (error) { text = error.message; }
        summary.textContent = text || "server defaults";
      };
      settingsBox.addEventListener("input", lane.summarize);
      lane.summarize();
      if (values.temperature !== undefined) settingsBox.open = false;
      compare.lanes.push(lane);
      $("compare-lanes").append(box);
      renumberLanes();
      return lane;
    }

    function removeLane(lane) {
      compare.lanes = compare.lanes.filter((l) => l !== lane);
      lane.box.remove();
      renumberLanes();
    }

    function renumberLanes() {
      compare.lanes.forEach((lane, i) => { lane.title.textContent = `Lane ${i + 1}`; lane.box.dataset.lane = i; });
      $("compare-add").disabled = compare.lanes.length >= 6;
    }

    function comparisonBody() {
      return { prompt: $("compare-prompt").value, lanes: compare.lanes.map((l) => ({ model: l.select.value, settings: l.settings.read() })) };
    }

    function renderLaneResult(lane, result) {
      lane.output.replaceChildren(...(result.tokens || []).map((token, i) => tokenElement(token, i, (t) => showDetail(lane.detail, t))));
      if (!result.tokens?.length && result.text) lane.output.append(el("span", { class: "plain" }, result.text));
      if (result.error) lane.output.append(el("p", { class: "notice bad" }, result.error));
      renderStats(lane.stats, result.stats || {});
    }

    async function runLane(lane, prompt) {
      const request = { model: lane.select.value, prompt, ...lane.settings.read(), return_token_ids: true, stream: true,
        stream_options: { include_usage: true } };
      const controller = new AbortController();
      compare.controllers.push(controller);
      const state = new ChoiceTokens();
      const started = performance.now();
      const stats = { promptTokens: null, completionTokens: 0, ttft: null, rate: null, finish: null };
      let first = null;
      lane.output.replaceChildren();
      lane.detail.hidden = true;
      lane.box.classList.add("running");
      const result = { request, tokens: state.tokens, text: "", stats };
      try {
        await complete(request, controller.signal, (chunk) => {
          for (const choice of chunk.choices || []) {
            const before = state.tokens.length;
            const added = state.add(choice);
            added.forEach((t, k) => lane.output.append(tokenElement(t, before + k, (tok) => showDetail(lane.detail, tok))));
            if (added.length) {
              stats.completionTokens += added.length;
              const now = performance.now();
              if (first === null) { first = now; stats.ttft = now - started; }
              else stats.rate = (stats.completionTokens - 1) / ((now - first) / 1000);
            }
            if (choice.finish_reason) stats.finish = choice.finish_reason;
          }
          if (chunk.usage) { stats.promptTokens = chunk.usage.prompt_tokens; stats.completionTokens = chunk.usage.completion_tokens; }
          renderStats(lane.stats, stats);
        });
      } catch (error) {
        result.error = error.name === "AbortError" ? "Stopped." : error.message;
        if (error.name === "AbortError") stats.finish = "stopped";
        renderLaneResult(lane, result);
      } finally {
        lane.box.classList.remove("running");
      }
      result.text = state.text;
      lane.result = result;
      return result;
    }

    async function saveComparison() {
      const name = $("compare-name").value.trim() || "Untitled comparison";
      const saved = compare.docID
        ? await api(`/workbench/api/comparisons/${compare.docID}`, "PUT", { name, body: comparisonBody() })
        : await api("/workbench/api/comparisons", "POST", { name, body: comparisonBody() });
      compare.docID = saved.id;
      await refreshComparisons(saved.id);
    }

    async function runAll() {
      if (!compare.lanes.length) throw new Error("Add a lane first.");
      await saveComparison();
      const prompt = $("compare-prompt").value;
      compare.controllers = [];
      $("compare-run").disabled = true;
      $("compare-stop").disabled = false;
      $("compare-status").textContent = "Running…";
      try {
        const results = await Promise.all(compare.lanes.map((lane) => runLane(lane, prompt)));
        const run = { prompt, lanes: compare.lanes.map((lane, i) => ({ model: lane.select.value, settings: lane.settings.read(),
          text: results[i].text, tokens: results[i].tokens, stats: results[i].stats, error: results[i].error ?? null })) };
        await api(`/workbench/api/comparisons/${compare.docID}/runs`, "POST", { body: run });
        await refreshRuns();
        $("compare-status").textContent = "Done.";
      } finally {
        $("compare-run").disabled = false;
        $("compare-stop").disabled = true;
      }
    }

    function restoreComparison(body, withResults) {
      $("compare-prompt").value = body.prompt ?? "";
      for (const lane of [...compare.lanes]) removeLane(lane);
      for (const saved of body.lanes || []) {
        const lane = addLane(saved.settings || {}, saved.model);
        lane.settings.write(saved.settings || {});
        lane.summarize();
        if (withResults) renderLaneResult(lane, saved);
      }
    }

    async function refreshComparisons(selectID) {
      const list = await api("/workbench/api/comparisons");
      $("compare-list").replaceChildren(el("option", { value: "" }, list.data.length ? "— pick a comparison —" : "— none saved yet —"),
        ...list.data.map((d) => el("option", { value: d.id }, d.name)));
      if (selectID) $("compare-list").value = selectID;
    }

    async function refreshRuns() {
      const box = $("compare-runs");
      if (!compare.docID) return;
      const runs = await api(`/workbench/api/comparisons/${compare.docID}/runs`);
      if (!runs.data.length) { box.replaceChildren(el("p", { class: "muted" }, "No runs yet.")); return; }
      box.replaceChildren(el("ol", { class: "runs" }, runs.data.map((run) => el("li", {},
        el("button", { type: "button", class: "link", onclick: () => restoreComparison(run.body, true) },
          new Date(run.created_at * 1000).toLocaleString()),
        el("span", { class: "muted" }, ` · ${run.body.lanes?.length ?? 0} lanes · ${preview(run.body.prompt || "").slice(0, 40)}`)))));
    }

    async function setupCompare() {
      addLane({ temperature: 0 });
      addLane({ temperature: 1, seed: 1 });
      $("compare-add").addEventListener("click", () => guarded(async () => addLane()));
      $("compare-run").addEventListener("click", () => guarded(runAll));
      $("compare-stop").addEventListener("click", () => compare.controllers.forEach((c) => c.abort()));
      $("compare-save").addEventListener("click", () => guarded(async () => { await saveComparison(); await refreshRuns(); $("compare-status").textContent = "Saved."; }));
      $("compare-open").addEventListener("click", () => guarded(async () => {
        const id = $("compare-list").value;
        if (!id) return;
        const doc = await api(`/workbench/api/comparisons/${id}`);
        compare.docID = doc.id;
        $("compare-name").value = doc.name;
        restoreComparison(doc.body, false);
        await refreshRuns();
      }));
      await refreshComparisons();
    }

    // ------------------------------------------------------------ start

    window.baseserveWorkbench = { lastRequest: null, loomExport: () => loomExport() };
    setupTabs();
    setupSingle();
    guarded(async () => {
      await Promise.all([loadModels(), loadKeys()]);
      await Promise.all([refreshSaved(), setupLoom(), setupCompare()]);
      root.dataset.ready = "true";
    });
    """#
}
