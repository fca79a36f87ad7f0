// archcalc report: builds the page from the facts embedded in it (script#facts, the JSON of
// `archcalc show --format json` with the words `show` prints beside each fact). No library, no
// network: every text reaches the page through textContent, never as markup.
"use strict";
(function () {
  const facts = JSON.parse(document.getElementById("facts").textContent);
  const main = document.getElementById("page");
  const sections = []; // per network: {rows: [tr], detail, net}

  // --- small helpers -----------------------------------------------------------------------

  function el(tag, attrs, ...children) {
    const node = document.createElement(tag);
    for (const [key, value] of Object.entries(attrs || {})) {
      if (value === null || value === undefined || value === false) continue;
      if (key === "text") node.textContent = value;
      else if (key === "cls") node.className = value;
      else node.setAttribute(key, value === true ? "" : String(value));
    }
    for (const child of children) {
      if (child === null || child === undefined) continue;
      node.append(typeof child === "string" ? document.createTextNode(child) : child);
    }
    return node;
  }

  // 60965224 -> "60,965,224", as archcalc.text.n writes a whole number
  const n = (value) => String(value).replace(/\B(?=(\d{3})+(?!\d))/g, ",");

  function lines(text) {
    return (text || "").split("\n").map((line) => el("p", {text: line}));
  }

  // --- tables: sortable by any column, optionally filtered ------------------------------------

  // columns: [{title, cell(row) -> text, sort(row) -> number|string, numeric, foot}]
  function table(caption, columns, items, options) {
    const opts = options || {};
    const head = el("tr", {});
    const body = el("tbody", {});
    const rows = items.map((item, index) => {
      const tr = el("tr", {"data-index": index});
      for (const c of columns) tr.append(el("td", {cls: c.numeric ? "num" : c.wrap ? "wrap" : null, text: c.cell(item)}));
      if (opts.decorate) opts.decorate(tr, item, index);
      body.append(tr);
      return tr;
    });
    const t = el("table", {cls: "data"}, el("caption", {text: caption}), el("thead", {}, head), body);
    let sorted = null;
    columns.forEach((c, ci) => {
      const button = el("button", {type: "button", cls: "sort", text: c.title,
        title: `sort by ${c.title.split("\n")[0]}`});
      // data-title: printed in place of the button, which Chromium leaves blank in a header repeated on each page
      const th = el("th", {scope: "col", cls: c.numeric ? "num" : c.wrap ? "wrap" : null, "aria-sort": "none", "data-title": c.title},
        c.title ? button : null);
      button.addEventListener("click", () => {
        // the first click on a figure puts the largest first; a second click reverses
        const descending = sorted && sorted.ci === ci ? !sorted.descending : !!c.numeric;
        sorted = {ci, descending};
        const key = c.sort || c.cell;
        const order = rows.map((tr, i) => i).sort((a, b) => {
          const x = key(items[a]);
          const y = key(items[b]);
          const cmp = typeof x === "number" && typeof y === "number" ? x - y
            : String(x).localeCompare(String(y), "en", {numeric: true});
          return (descending ? -cmp : cmp) || a - b;
        });
        for (const i of order) body.append(rows[i]);
        for (const other of head.children) other.setAttribute("aria-sort", "none");
        th.setAttribute("aria-sort", descending ? "descending" : "ascending");
      });
      head.append(th);
    });
    if (columns.some((c) => c.foot !== undefined)) {
      const foot = el("tr", {});
      for (const c of columns) foot.append(el("td", {cls: c.numeric ? "num" : null, text: c.foot || ""}));
      t.append(el("tfoot", {}, foot));
    }
    const unsort = () => {
      for (const tr of rows) body.append(tr);
      for (const th of head.children) th.setAttribute("aria-sort", "none");
      sorted = null;
    };
    return {table: t, rows, unsort};
  }

  function wrap(t) {
    return el("div", {cls: "scroll"}, t);
  }

  // --- the header: name, input, totals, memory, claims, findings -----------------------------

  function header(net, level) {
    const w = net.text;
    const box = el("header", {cls: "network-head"});
    box.append(el(level, {text: net.name}));
    if (net.description) box.append(el("p", {cls: "description", text: net.description}));
    box.append(el("p", {cls: "input", text: w.input}));
    box.append(el("p", {cls: "convention", text: net.flops_convention}));
    const totals = el("dl", {cls: "totals"});
    const names = {params: "parameters", frozen_params: "frozen parameters", macs: "MACs", flops: "FLOPs",
      connections: "connections", activations: "activations", neurons: "neurons"};
    for (const [key, label] of Object.entries(names)) {
      if (key === "frozen_params" && !net.totals.frozen_params) continue;
      totals.append(el("div", {}, el("dt", {text: label}),
        el("dd", {}, el("span", {cls: "exact", text: w.totals[key]}), el("span", {cls: "human", text: w.totals_human[key]}))));
    }
    const left = el("div", {cls: "head-figures"}, totals);
    const right = el("div", {cls: "head-claims"});
    box.append(el("div", {cls: net.claims.length ? "head-grid" : "head-grid single"}, left, right));
    if (w.memory) left.append(el("div", {cls: "memory"}, ...lines(w.memory)));
    for (const v of w.valid_inputs) left.append(el("div", {cls: "valid"}, ...lines(v)));
    if (net.claims.length) {
      const claims = table("claims checked", [
        {title: "claim", cell: (c) => c.subject},
        {title: "stated", cell: (c) => c.stated_text},
        {title: "computed", cell: (c) => c.computed_text},
        {title: "", cell: (c) => w.claims[net.claims.indexOf(c)]},
        {title: "arithmetic", cell: (c) => c.detail},
      ], net.claims, {decorate: (tr, c) => tr.classList.add(c.confirmed ? "confirmed" : "contradicted")});
      right.append(el("div", {cls: "scroll claims"}, claims.table));
    }
    // graded (archcalc.analysis.grading): errors, warnings, then notes, notes alike on one line; none under --findings off
    const findings = el("section", {cls: net.findings.length ? `findings ${w.findings_worst}` : "findings none", "aria-label": "findings"});
    if (w.findings === null) {
      findings.hidden = true;
    } else if (!net.findings.length) {
      findings.append(el("p", {text: w.no_findings}));
    } else {
      const list = el("ol", {});
      for (const f of w.findings) {
        const label = f.layers.length > 1 ? `[${f.severity}] ` : `[${f.severity} · ${f.kinds[0]}] `;
        list.append(el("li", {"data-kind": f.kinds.join(" "), "data-severity": f.severity}, el("span", {cls: "kind", text: label}), f.text));
      }
      findings.append(el("h3", {text: w.findings_title}), list);
    }
    left.append(findings);
    return box;
  }

  // --- the diagram: one or more views, nodes linked to rows ----------------------------------

  function diagram(netKey) {
    const views = Array.from(document.querySelectorAll(`#views > .view[data-net="${netKey}"]`));
    const box = el("section", {cls: "diagram", "aria-label": "diagram"});
    // without Graphviz: why there is no layer graph (the volumes view, drawn by archcalc, may still be there)
    for (const note of facts.diagram_notes) box.append(el("p", {cls: "note", text: note}));
    if (!views.length) return box;
    if (views.length > 1) {
      const bar = el("div", {cls: "view-switch controls", role: "group", "aria-label": "diagram view"});
      views.forEach((view, i) => {
        const b = el("button", {type: "button", text: view.dataset.title, "aria-pressed": i === 0 ? "true" : "false"});
        b.addEventListener("click", () => {
          views.forEach((v, j) => { v.hidden = j !== i; });
          for (const other of bar.children) other.setAttribute("aria-pressed", other === b ? "true" : "false");
        });
        bar.append(b);
      });
      box.append(bar);
    }
    views.forEach((view, i) => { view.hidden = i !== 0; view.classList.add("fit"); box.append(view); });
    const zoom = el("button", {type: "button", cls: "zoom", "aria-pressed": "false", text: "actual size",
      title: "show the picture at its own size (scroll to move) or fitted to the panel"});
    zoom.addEventListener("click", () => {
      const fit = zoom.getAttribute("aria-pressed") === "true";
      for (const view of views) { view.classList.toggle("fit", fit); const svg = view.querySelector("svg"); if (svg) svg.style.width = ""; }
      zoom.setAttribute("aria-pressed", fit ? "false" : "true");
    });
    const shown = () => views.find((v) => !v.hidden);
    const step = (factor) => () => { const v = shown(); const r = v.getBoundingClientRect(); zoomView(v, factor, r.left + r.width / 2, r.top + r.height / 2); };
    const zoomIn = el("button", {type: "button", cls: "zoom-in", text: "+", title: "zoom in (or Ctrl + wheel, or pinch)", "aria-label": "zoom in"});
    const zoomOut = el("button", {type: "button", cls: "zoom-out", text: "−", title: "zoom out (or Ctrl + wheel, or pinch)", "aria-label": "zoom out"});
    zoomIn.addEventListener("click", step(1.25));
    zoomOut.addEventListener("click", step(0.8));
    for (const view of views) pannable(view);
    box.prepend(el("div", {cls: "controls"}, el("span", {cls: "muted", text: "diagram"}), zoomOut, zoomIn, zoom));
    return box;
  }

  // zoom a view's picture by `factor` about the point (x, y) of the window, which stays under the pointer
  function zoomView(view, factor, x, y) {
    const svg = view.querySelector("svg");
    if (!svg) return;
    const r = view.getBoundingClientRect();
    const s = svg.getBoundingClientRect();
    const natural = svg.width.baseVal.value || s.width;
    const width = Math.min(natural * 4, Math.max(Math.min(natural, r.width) * 0.5, s.width * factor));
    const fx = (x - s.left) / s.width;
    const fy = (y - s.top) / s.height;
    view.classList.remove("fit");
    svg.style.width = `${width}px`;
    svg.style.height = "auto";
    const t = svg.getBoundingClientRect();
    view.scrollLeft += t.left + fx * t.width - x;
    view.scrollTop += t.top + fy * t.height - y;
  }

  // Ctrl + wheel (a trackpad's pinch arrives so) zooms; a plain wheel scrolls the view; dragging pans it
  function pannable(view) {
    view.addEventListener("wheel", (e) => {
      if (!e.ctrlKey && !e.metaKey) return;
      e.preventDefault();
      zoomView(view, Math.exp(-e.deltaY / 300), e.clientX, e.clientY);
    }, {passive: false});
    let drag = null;
    view.addEventListener("pointerdown", (e) => {
      if (e.button !== 0) return;
      drag = {x: e.clientX, y: e.clientY, left: view.scrollLeft, top: view.scrollTop, moved: false, id: e.pointerId};
    });
    view.addEventListener("pointermove", (e) => {
      if (!drag || !(e.buttons & 1)) return;
      const dx = e.clientX - drag.x;
      const dy = e.clientY - drag.y;
      if (!drag.moved && Math.hypot(dx, dy) < 4) return;
      if (!drag.moved) view.setPointerCapture(drag.id);  // the pan follows the pointer out of the view
      drag.moved = true;
      view.classList.add("panning");
      view.scrollLeft = drag.left - dx;
      view.scrollTop = drag.top - dy;
    });
    const end = () => { view.classList.remove("panning"); setTimeout(() => { drag = null; }, 0); };
    view.addEventListener("pointerup", end);
    view.addEventListener("pointercancel", end);
    // a drag that ends on a node is a pan, not a click on it
    view.addEventListener("click", (e) => { if (drag && drag.moved) { e.stopPropagation(); e.preventDefault(); } }, true);
  }

  function nodesOf(k, i) {
    // a folded block's node stands for each of its layers (data-rows)
    return document.querySelectorAll(`g.node[data-net="${k}"][data-row="${i}"], g.node[data-net="${k}"][data-rows~="${i}"]`);
  }

  function scrollWithin(container, target, across = true) {
    if (!container || !target) return;
    const c = container.getBoundingClientRect();
    const t = target.getBoundingClientRect();
    if (t.top < c.top || t.bottom > c.bottom) container.scrollTop += t.top - c.top - (c.height - t.height) / 2;
    if (across && (t.left < c.left || t.right > c.right)) container.scrollLeft += t.left - c.left - (c.width - t.width) / 2;
  }

  function describe(k, i) {
    const layer = facts.networks[k].layers[i];
    const w = layer.text;
    const parts = [el("strong", {text: layer.name}), ` ${w.type} ${w.hyper} → ${w.output}`.replace(/ {2,}/g, " ")];
    if (w.arithmetic) {
      // a size that does not divide: red when real input is lost, grey when it is only a note (archcalc.analysis.grading)
      const notes = facts.networks[k].findings.filter((f) => f.layer === layer.name && f.kind === "non_integer_size");
      const bad = !w.divides && !(notes.length && notes.every((f) => f.severity === "note"));
      parts.push(el("br", {}), "size arithmetic: ", el("span", {cls: w.divides ? "arith" : bad ? "arith bad" : "arith note", text: w.arithmetic}));
    }
    if (layer.where && layer.where.line) parts.push(el("br", {}), el("span", {cls: "muted", text: `spec line ${layer.where.line}`}));
    return parts;
  }

  function show(k, i) {
    const s = sections[k];
    s.detail.replaceChildren(...(i === null ? [s.detail.dataset.hint] : describe(k, i)));
  }

  function hover(k, i, on) {
    const s = sections[k];
    s.rows[i].classList.toggle("hover", on);
    for (const g of nodesOf(k, i)) g.classList.toggle("hover", on);
    show(k, on ? i : s.selected);
  }

  function select(k, i, from) {
    const s = sections[k];
    if (s.selected !== null) {
      s.rows[s.selected].classList.remove("selected");
      s.rows[s.selected].setAttribute("aria-selected", "false");
      for (const g of nodesOf(k, s.selected)) g.classList.remove("selected");
    }
    s.selected = i;
    const tr = s.rows[i];
    tr.classList.add("selected");
    tr.setAttribute("aria-selected", "true");
    const nodes = nodesOf(k, i);
    for (const g of nodes) g.classList.add("selected");
    show(k, i);
    if (from === "node") {
      tr.hidden = false;
      scrollWithin(s.tableBox, tr, false);  // up or down to the row; the columns stay where the reader put them
    } else if (nodes.length) {
      scrollWithin(s.panel.querySelector(".view:not([hidden])"), nodes[0]);
    }
  }

  // --- one network's section -----------------------------------------------------------------

  function layerTable(k, net) {
    const w = net.text;
    const t = net.totals;
    const human = w.totals_human;
    const flagged = new Set(net.findings.filter((f) => f.kind === "non_integer_size" && f.severity !== "note").map((f) => f.layer));
    const figure = (key, title) => ({title, cell: (l) => n(l[key]), sort: (l) => l[key], numeric: true,
      foot: `${w.totals[key]}\n${human[key]}`});
    const columns = [
      {title: "layer", cell: (l) => l.name, foot: "total"},
      {title: "type", cell: (l) => l.text.type},
      {title: "hyper-parameters", cell: (l) => l.text.hyper, wrap: true},
      {title: "output", cell: (l) => l.text.output, sort: (l) => l.output.reduce((a, b) => a * b, 1), numeric: true},
      {title: w.arithmetic_header, cell: (l) => l.text.arithmetic, wrap: true},
      {title: "receptive field\nsize /jump", cell: (l) => l.text.receptive_field, wrap: true,
        sort: (l) => (!l.receptive_field ? -1 : l.receptive_field.whole_input ? Infinity : Math.max(...[].concat(l.receptive_field.size))), numeric: true},
      figure("params", "params"),
      ...(t.frozen_params ? [figure("frozen_params", "frozen params")] : []),
      figure("macs", "MACs"), figure("flops", "FLOPs"), figure("connections", "connections"),
      {...figure("activations", "activations"), foot: `${w.totals.activations}\nneurons ${w.totals.neurons}`},
    ];
    return table("layers", columns, net.layers, {decorate: (tr, layer, i) => {
      tr.tabIndex = 0;
      tr.dataset.layer = layer.name;
      tr.setAttribute("aria-selected", "false");
      if (flagged.has(layer.name)) tr.classList.add("flagged");
      tr.addEventListener("click", () => select(k, i, "row"));
      tr.addEventListener("keydown", (e) => {
        if (e.key === "Enter" || e.key === " ") { e.preventDefault(); select(k, i, "row"); }
      });
      tr.addEventListener("mouseenter", () => hover(k, i, true));
      tr.addEventListener("mouseleave", () => hover(k, i, false));
    }});
  }

  function gpuTable(net) {
    const columns = [{title: "layer", cell: (l) => l.name, foot: "total"}, {title: "runs on", cell: (l) => l.text.placement}];
    net.gpus.forEach((g, gi) => {
      columns.push({title: `GPU ${g.gpu} output`, cell: (l) => l.text.gpus[gi]});
      for (const [key, title] of [["params", "params"], ["macs", "MACs"], ["flops", "FLOPs"], ["activations", "activations"],
        ["received", "receives"]]) {
        columns.push({title: `GPU ${g.gpu} ${title}`, numeric: true, foot: n(g[key]), sort: (l) => l.gpus[gi][key],
          cell: (l) => (key === "received" && !l.gpus[gi][key] ? "" : n(l.gpus[gi][key]))});
      }
    });
    return table(net.text.gpu_title, columns, net.layers).table;
  }

  function memoryTable(net) {
    const m = net.memory;
    const bytes = (key, title) => ({title, cell: (l) => n(l.memory[key]), sort: (l) => l.memory[key], numeric: true});
    return table(net.text.memory_title, [
      {title: "layer", cell: (l) => l.name},
      bytes("output_bytes", "output bytes"), bytes("param_bytes", "parameter bytes"), bytes("live_bytes", "live bytes while it runs"),
      bytes("saved_bytes", "kept for backward (training)"),
    ], net.layers, {decorate: (tr, l) => { if (l.name === m.peak_layer) tr.classList.add("peak"); }}).table;
  }

  function countsTable(net) {
    return table(`${net.name}: counted as each tool counts`, [
      {title: "tool", cell: (c) => c.tool},
      {title: "figure", cell: (c) => c.figure, sort: (c) => net.counts[c.tool].total ?? -1, numeric: true},
      {title: "", cell: (c) => c.human},
      {title: "unit", cell: (c) => c.unit},
      {title: "here", cell: (c) => c.here},
      {title: "how it counts, beside torch", cell: (c) => c.differs},
    ], net.text.counts).table;
  }

  // live bytes through one training step: a line over its moments, the phases marked, the peak a dot
  function stepChart(chart) {
    const ns = "http://www.w3.org/2000/svg";
    const svgEl = (tag, attrs, text) => {
      const node = document.createElementNS(ns, tag);
      for (const [key, value] of Object.entries(attrs)) node.setAttribute(key, String(value));
      if (text !== undefined) node.textContent = text;
      return node;
    };
    const width = 640, height = 180, left = 10, top = 16, bottom = 22;
    const top_bytes = Math.max(...chart.moments.map((m) => m.bytes));
    const x = (i) => left + (i / Math.max(1, chart.moments.length - 1)) * (width - 2 * left);
    const y = (b) => top + (1 - b / top_bytes) * (height - top - bottom);
    const svg = svgEl("svg", {viewBox: `0 0 ${width} ${height}`, width, height, role: "img", "aria-label": chart.title, class: "step-chart"});
    for (const phase of chart.phases) {
      svg.append(svgEl("line", {x1: x(phase.start), x2: x(phase.start), y1: top, y2: height - bottom, stroke: "#bbb", "stroke-dasharray": "3 3"}));
      const last = phase.start === chart.moments.length - 1;  // the step: its label to the left of its line
      svg.append(svgEl("text", {x: x(phase.start) + (last ? -3 : 3), y: height - 6, "font-size": 11, fill: "#666",
        "text-anchor": last ? "end" : "start"}, phase.label));
    }
    const points = chart.moments.map((m, i) => `${x(i).toFixed(1)},${y(m.bytes).toFixed(1)}`).join(" ");
    svg.append(svgEl("polyline", {points, fill: "none", stroke: "#3465a4", "stroke-width": 1.5}));
    chart.moments.forEach((m, i) => {
      const dot = svgEl("circle", {cx: x(i), cy: y(m.bytes), r: i === chart.peak ? 4 : 1.5, fill: i === chart.peak ? "#cc0000" : "#3465a4"});
      dot.append(svgEl("title", {}, m.words));
      svg.append(dot);
    });
    return el("figure", {cls: "step"}, el("figcaption", {text: chart.title}), svg, el("p", {text: chart.peak_text}));
  }

  function networkSection(k, net, several) {
    const section = el("section", {cls: "network", id: `net-${k}`, "aria-label": net.name});
    section.append(header(net, several ? "h2" : "h1"));
    const layers = layerTable(k, net);
    const hint = "Select a layer (click a node or a row; or Tab to a row and press Enter) to see its size arithmetic.";
    const detail = el("p", {cls: "detail", "aria-live": "polite", "data-hint": hint, text: hint});
    const filter = el("input", {type: "search", cls: "filter", placeholder: "filter layers (name, type, …)",
      "aria-label": `filter the layers of ${net.name}`});
    filter.addEventListener("input", () => {
      const words = filter.value.toLowerCase().trim().split(/\s+/).filter(Boolean);
      net.layers.forEach((l, i) => {
        const hay = `${l.name} ${l.text.type} ${l.text.hyper} ${l.text.output}`.toLowerCase();
        layers.rows[i].hidden = !words.every((word) => hay.includes(word));
      });
    });
    const reset = el("button", {type: "button", text: "spec order"});
    reset.addEventListener("click", layers.unsort);
    const panel = diagram(String(k));
    const scroller = el("div", {cls: "scroll layers", id: `net-${k}-layers`, tabindex: "-1"}, layers.table);
    sections[k] = {rows: layers.rows, detail, panel, selected: null, tableBox: scroller};
    const tableBox = el("div", {cls: "tables"}, el("div", {cls: "controls"}, filter, reset), detail, scroller);
    // past the picture's nodes (one tab stop each) to the table, for the keyboard
    const skip = el("a", {cls: "skip", href: `#net-${k}-layers`, text: "skip the diagram, to the table of layers"});
    skip.addEventListener("click", (e) => { e.preventDefault(); filter.focus(); });
    section.append(skip, el("div", {cls: "linked"}, panel, tableBox));
    if (net.gpus) section.append(wrap(gpuTable(net)));
    if (net.memory) section.append(wrap(memoryTable(net)));
    section.append(wrap(countsTable(net)));
    if (net.text.step_chart) section.append(stepChart(net.text.step_chart));
    for (const g of panel.querySelectorAll("g.node[data-row]")) {
      const i = Number(g.dataset.row);
      g.addEventListener("click", () => select(k, i, "node"));
      g.addEventListener("keydown", (e) => {
        if (e.key === "Enter" || e.key === " ") { e.preventDefault(); select(k, i, "node"); }
      });
      g.addEventListener("mouseenter", () => hover(k, i, true));
      g.addEventListener("mouseleave", () => hover(k, i, false));
    }
    return section;
  }

  // --- several networks: the comparison first -------------------------------------------------

  function comparisonSection(c) {
    const nets = facts.networks;
    const section = el("section", {cls: "comparison", id: "comparison", "aria-label": "comparison"});
    section.append(el("h1", {text: facts.title}), el("p", {cls: "convention", text: facts.flops_convention}));
    const nav = el("nav", {cls: "controls"}, "sections: ");
    nets.forEach((net, k) => nav.append(el("a", {href: `#net-${k}`, text: net.name}), k < nets.length - 1 ? " · " : ""));
    section.append(nav);
    const stageColumns = [{title: "#", cell: (line) => String(line.i + 1), sort: (line) => line.i, numeric: true}];
    nets.forEach((net, k) => stageColumns.push({title: net.name, cell: (line) => line.words[k]}));
    const lines = c.text.stages.map((words, i) => ({i, words, names: c.stages[i]}));
    const stages = table("stage by stage", stageColumns, lines, {decorate: (tr, line) => {
      line.names.forEach((name, k) => {
        if (name === null) return;
        const td = tr.children[k + 1];
        const i = nets[k].layers.findIndex((l) => l.name === name);
        td.tabIndex = 0;
        td.classList.add("link");
        td.title = `${name} in ${nets[k].name}'s table`;
        const go = () => { select(k, i, "node"); };
        td.addEventListener("click", go);
        td.addEventListener("keydown", (e) => { if (e.key === "Enter") { e.preventDefault(); go(); } });
      });
    }});
    const side = el("div", {cls: "compare-tables"}, wrap(stages.table));
    section.append(side);
    const figures = [{title: "figure", cell: (s) => s.figure}];
    nets.forEach((net, k) => figures.push({title: net.name, cell: (s) => s.values[k], numeric: true,
      sort: (s) => Number(s.values[k].replace(/,/g, "")) || s.values[k]}));
    nets.slice(1).forEach((net, k) => figures.push({title: `${net.name} / ${nets[0].name}`, cell: (s) => s.ratios[k], numeric: true,
      sort: (s) => Number(s.ratios[k].replace(/[×,]/g, "")) || 0}));
    side.append(wrap(table("summary", figures, c.text.summary).table));
    section.append(diagram("all"));
    return section;
  }

  document.title = facts.title;
  const several = facts.networks.length > 1;
  const body = facts.networks.map((net, k) => networkSection(k, net, several));
  if (facts.comparison) main.append(comparisonSection(facts.comparison));
  main.append(...body);
  // the comparison's side-by-side picture links its nodes too, once the sections exist
  for (const g of document.querySelectorAll("#comparison g.node[data-row]")) {
    const k = Number(g.dataset.net);
    const i = Number(g.dataset.row);
    g.addEventListener("click", () => select(k, i, "node"));
    g.addEventListener("keydown", (e) => { if (e.key === "Enter") { e.preventDefault(); select(k, i, "node"); } });
  }
  document.getElementById("views").remove();
})();
