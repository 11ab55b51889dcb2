/* Strategy report: draws window.HOLDEM_REPORT (set by data.js) into index.html.
 * Plain script, no modules, no network, so that the page works from file://.
 * Data schema: see holdem.report (version 1). */
(function () {
  "use strict";

  var SUIT_SYMBOL = { s: "\u2660", h: "\u2665", d: "\u2666", c: "\u2663" };
  var STREET_TITLE = { preflop: "Preflop", flop: "Flop", turn: "Turn", river: "River" };

  var R = window.HOLDEM_REPORT;
  var byId = {};          // spot id -> spot
  var childrenOf = {};    // spot id -> [child spots] in id order
  var seatNames = {};     // seat -> name, from the spots where that seat acts
  var current = null;     // the spot shown
  var pinned = null;      // index of the pinned cell, or null
  var shown = null;       // index of the cell in the detail panel, or null

  /* ---------- small helpers ---------- */

  function $(id) { return document.getElementById(id); }

  function el(tag, attrs, children) {
    var e = document.createElement(tag);
    if (attrs) {
      Object.keys(attrs).forEach(function (k) {
        var v = attrs[k];
        if (v === null || v === undefined || v === false) return;
        if (k === "text") e.textContent = v;
        else if (k === "class") e.className = v;
        else e.setAttribute(k, v === true ? "" : String(v));
      });
    }
    (children || []).forEach(function (c) {
      if (c === null || c === undefined) return;
      e.appendChild(typeof c === "string" ? document.createTextNode(c) : c);
    });
    return e;
  }

  function clear(e) { while (e.firstChild) e.removeChild(e.firstChild); return e; }

  function pct(p) { return (100 * p).toFixed(1) + "%"; }

  function thousands(n) { return String(n).replace(/\B(?=(\d{3})+(?!\d))/g, ","); }

  function duration(s) {
    if (s === null || s === undefined || isNaN(s)) return "?";
    if (s < 60) return (+s).toFixed(1) + " s";
    var h = Math.floor(s / 3600), m = Math.floor((s % 3600) / 60), sec = Math.round(s % 60);
    return (h ? h + " h " : "") + m + " min " + sec + " s";
  }

  function bytes(n) {
    if (n < 1024) return n + " B";
    var units = ["KiB", "MiB", "GiB", "TiB"], v = n / 1024, i = 0;
    while (v >= 1024 && i < units.length - 1) { v /= 1024; i++; }
    return v.toFixed(v < 10 ? 2 : 1) + " " + units[i];
  }

  function historyText(h) { return h === "" ? "(root)" : h; }

  /* Cards "AsKs" / "Ks Qd 9h" as spans with suit symbols (red hearts and diamonds). */
  function cardsNode(text) {
    var span = el("span", { class: "cards", title: text });
    var cards = String(text).match(/(10|[2-9TJQKA])[shdc]/gi) || [];
    cards.forEach(function (c) {
      var suit = c.slice(-1).toLowerCase(), rank = c.slice(0, -1).toUpperCase();
      span.appendChild(el("span", { class: "card suit-" + suit, text: rank + SUIT_SYMBOL[suit] }));
    });
    return span;
  }

  function seatName(seat) {
    var names = (R.summary && R.summary.seat_names) || [];
    if (names[seat] !== undefined) return names[seat];
    return seatNames[seat] !== undefined ? seatNames[seat] : "seat " + seat;
  }

  /* The action of `spot`'s parent that leads to `spot`, or null at the root. */
  function viaAction(spot) {
    var parent = spot.parent === null ? null : byId[spot.parent];
    if (!parent) return null;
    for (var i = 0; i < parent.actions.length; i++) {
      if (parent.actions[i].label === spot.via) return parent.actions[i];
    }
    return null;
  }

  function viaText(spot) {
    var a = viaAction(spot);
    return a ? a.text : (spot.via || "");
  }

  /* Horizontal stacked gradient of the action colours in proportion to probs. */
  function mixGradient(actions, probs) {
    var stops = [], at = 0;
    for (var k = 0; k < actions.length; k++) {
      var p = probs[k] || 0;
      if (p <= 0) continue;
      var from = (100 * at).toFixed(3), to = (100 * Math.min(1, at + p)).toFixed(3);
      stops.push(actions[k].color + " " + from + "%", actions[k].color + " " + to + "%");
      at += p;
    }
    if (!stops.length) return "none";
    return "linear-gradient(to right, " + stops.join(", ") + ")";
  }

  function mixBar(actions, probs, cls) {
    var bar = el("span", { class: cls || "mixbar" });
    bar.style.backgroundImage = mixGradient(actions, probs);
    return bar;
  }

  /* ---------- header ---------- */

  function drawSummary() {
    var s = R.summary || {};
    $("run-name").textContent = s.run ? "\u2014 " + s.run : "";
    document.title = "Hold'em strategy report" + (s.run ? " \u2014 " + s.run : "");
    var rows = [
      ["Game", (s.game || "?") + ", " + s.players + " players"],
      ["Stacks", (s.stacks || []).join(" / ") + " chips"],
      ["Blinds", (s.blinds || []).join(" / ")],
      ["Abstraction", s.abstraction],
      ["Iterations", s.iterations === undefined ? "?" : thousands(s.iterations)],
      ["Training time", duration(s.elapsed_s)],
      ["Table", thousands(s.rows) + " rows, " + bytes(s.table_bytes || 0)],
      ["Snapshot", s.snapshot],
      ["Report built", (s.generated || "?") + " in " + duration(s.build_seconds)]
    ];
    var known = ["run", "snapshot", "game", "players", "stacks", "blinds", "abstraction", "iterations", "elapsed_s",
                 "rows", "table_bytes", "generated", "build_seconds"];
    Object.keys(s).forEach(function (k) {  // any further plain field, as it is
      var v = s[k];
      if (known.indexOf(k) < 0 && v !== null && typeof v !== "object") {
        rows.push([k.charAt(0).toUpperCase() + k.slice(1).replace(/_/g, " "), String(v)]);
      }
    });
    var dl = clear($("summary"));
    rows.forEach(function (r) {
      dl.appendChild(el("div", { class: "item" }, [el("dt", { text: r[0] }), el("dd", { text: r[1] === undefined ? "?" : r[1] })]));
    });
    var list = clear($("plot-list"));
    (R.plots || []).forEach(function (p) {
      var fig = el("figure", { class: "plot" }, [el("figcaption", { text: p.title })]);
      var box = el("div", { class: "svg" });
      box.innerHTML = p.svg;  // SVG markup made by the report builder, inserted as-is
      fig.appendChild(box);
      list.appendChild(fig);
    });
    if (!(R.plots || []).length) $("plots").hidden = true;
  }

  /* ---------- spot navigation ---------- */

  function spotLink(spot, content) {
    return el("a", { class: "spot-link", href: "#spot=" + spot.id, "data-spot-id": spot.id }, content);
  }

  /* Spots in tree order (a parent before its children), grouped by street and board. */
  function drawSpotList() {
    var order = [], seen = {};
    function visit(s) {
      if (seen[s.id]) return;
      seen[s.id] = true;
      order.push(s);
      (childrenOf[s.id] || []).forEach(visit);
    }
    R.spots.forEach(function (s) { if (s.parent === null || !byId[s.parent]) visit(s); });
    R.spots.forEach(visit);  // anything unreachable from a root, in id order

    var groups = [], groupOf = {};
    order.forEach(function (s) {
      var key = s.street + "|" + (s.street ? s.board : "");
      if (!groupOf[key]) {
        groupOf[key] = { key: key, street: s.street, name: s.street_name, board: s.street ? s.board : "", spots: [] };
        groups.push(groupOf[key]);
      }
      groupOf[key].spots.push(s);
    });
    groups.sort(function (a, b) {  // preflop first, then by board as given, street by street
      var ba = (R.boards || []).indexOf(a.board), bb = (R.boards || []).indexOf(b.board);
      if (a.street === 0 || b.street === 0) return a.street - b.street;
      return ba !== bb ? ba - bb : a.street - b.street;
    });

    var list = clear($("spot-list"));
    groups.forEach(function (g) {
      var head = el("h3", { class: "group-head" }, [STREET_TITLE[g.name] || g.name]);
      if (g.board) { head.appendChild(document.createTextNode(" ")); head.appendChild(cardsNode(g.board)); }
      var ul = el("ul", { class: "spot-group", "data-street": g.name });
      var top = Math.min.apply(null, g.spots.map(function (s) { return s.depth; }));
      g.spots.forEach(function (s) {
        var via = viaText(s);
        var a = spotLink(s, [
          el("span", { class: "hist", text: historyText(s.history) }),
          via ? el("span", { class: "via", text: via }) : null,
          el("span", { class: "seat", text: s.seat_name + " to act" })
        ]);
        a.title = describeLine(s);
        var li = el("li", { class: "spot-item", "data-depth": s.depth }, [a]);
        li.style.paddingLeft = (0.2 + 0.9 * (s.depth - top)) + "em";  // indented by depth within the group
        ul.appendChild(li);
      });
      list.appendChild(el("section", { class: "group" }, [head, ul]));
    });
  }

  function filterSpots() {
    var q = $("spot-filter").value.trim().toLowerCase();
    var groups = $("spot-list").querySelectorAll("section.group");
    Array.prototype.forEach.call(groups, function (g) {
      var shown = 0;
      Array.prototype.forEach.call(g.querySelectorAll("li.spot-item"), function (li) {
        var s = byId[li.firstChild.getAttribute("data-spot-id")];
        var hay = [historyText(s.history), s.seat_name, s.street_name, s.board, viaText(s)].join(" ").toLowerCase();
        var ok = !q || hay.indexOf(q) >= 0;
        li.hidden = !ok;
        if (ok) shown++;
      });
      g.hidden = !shown;
    });
  }

  /* The line to a spot in words: "SB (button): Raise to 6 → BB: Call". */
  function describeLine(spot) {
    var path = pathTo(spot), parts = [];
    for (var i = 1; i < path.length; i++) parts.push(path[i - 1].seat_name + ": " + viaText(path[i]));
    return (parts.length ? parts.join(" \u2192 ") + " \u2192 " : "") + spot.seat_name + " to act";
  }

  function pathTo(spot) {
    var path = [], s = spot, guard = 0;
    while (s && guard++ < 1000) { path.unshift(s); s = s.parent === null ? null : byId[s.parent]; }
    return path;
  }

  /* ---------- the current spot ---------- */

  function drawBreadcrumb(spot) {
    var ol = clear($("breadcrumb"));
    pathTo(spot).forEach(function (s, i) {
      var label = i === 0 ? (STREET_TITLE[s.street_name] || s.street_name) + " start" : (byId[s.parent].seat_name + " " + viaText(s));
      var a = spotLink(s, [label]);
      if (s === spot) a.setAttribute("aria-current", "page");
      ol.appendChild(el("li", null, [a]));
    });
  }

  function drawTitle(spot) {
    var h = clear($("spot-title"));
    h.appendChild(el("span", { class: "hist", text: historyText(spot.history) }));
    h.appendChild(el("span", { class: "street", text: STREET_TITLE[spot.street_name] || spot.street_name }));
    if (spot.board) h.appendChild(el("span", { class: "board" }, ["board ", cardsNode(spot.board)]));
    h.appendChild(el("span", { class: "actor", text: spot.seat_name + " to act" }));
    h.appendChild(el("span", { class: "pot", text: "pot " + spot.pot }));
    h.appendChild(el("span", { class: "tocall", text: "to call " + spot.to_call }));
    var stacks = (spot.stacks || []).map(function (c, i) { return seatName(i) + " " + c; }).join(", ");
    h.appendChild(el("span", { class: "stacks", text: "stacks " + stacks }));
  }

  /* Child spots of `spot` reached by `action`: its `child`, plus any other spot with this
     parent and label (the same action leading to several boards). */
  function childrenVia(spot, action) {
    var out = [];
    if (action.child !== null && action.child !== undefined && byId[action.child]) out.push(byId[action.child]);
    (childrenOf[spot.id] || []).forEach(function (c) {
      if (c.via === action.label && out.indexOf(c) < 0) out.push(c);
    });
    return out;
  }

  function drawActions(spot) {
    var box = clear($("actions"));
    spot.actions.forEach(function (a) {
      var kids = childrenVia(spot, a);
      var swatch = el("span", { class: "swatch" });
      swatch.style.background = a.color;
      var b = el("button", {
        type: "button", class: "action-button kind-" + a.kind, "data-label": a.label,
        "data-child": kids.length ? kids[0].id : null, disabled: kids.length ? null : true,
        title: kids.length ? "Go to the spot after " + a.text : a.text + " (no further spot in this report)"
      }, [swatch, a.text]);
      if (kids.length) b.addEventListener("click", function () { go(kids[0].id); });
      box.appendChild(b);
      kids.slice(1).forEach(function (k) {  // the same action into another board
        var extra = el("button", { type: "button", class: "action-button board-choice kind-" + a.kind,
          "data-label": a.label, "data-child": k.id, title: a.text + " on " + k.board }, [a.text + " \u2192 ", cardsNode(k.board)]);
        extra.addEventListener("click", function () { go(k.id); });
        box.appendChild(extra);
      });
    });
  }

  /* Range-wide frequency of each action: combos not blocked by the board weigh equally. */
  function rangeMix(spot) {
    var tot = spot.actions.map(function () { return 0; }), n = 0;
    spot.cells.forEach(function (c) {
      if (!c.probs) return;
      var live = c.combos.filter(function (x) { return !x[2]; }).length;
      for (var k = 0; k < tot.length; k++) tot[k] += live * c.probs[k];
      n += live;
    });
    return n ? tot.map(function (t) { return t / n; }) : null;
  }

  function drawLegend(spot) {
    var box = clear($("legend")), mix = rangeMix(spot);
    spot.actions.forEach(function (a, k) {
      var sw = el("span", { class: "swatch" });
      sw.style.background = a.color;
      box.appendChild(el("span", { class: "action kind-" + a.kind, "data-label": a.label, title: "ACPC " + a.label }, [
        sw, el("span", { class: "text", text: a.text }), mix ? el("span", { class: "freq", text: pct(mix[k]) }) : null
      ]));
    });
    if (mix) box.appendChild(el("span", { class: "range-note", text: "(share of all unblocked combos)" }));
  }

  function drawGrid(spot) {
    var grid = clear($("grid"));
    pinned = null;
    spot.cells.forEach(function (c, i) {
      var total = c.combos.length, blocked = c.combos.filter(function (x) { return x[2]; }).length;
      var cls = "cell" + (c.probs === null ? " blocked" : blocked ? " partial" : "");
      var row = Math.floor(i / 13), col = i % 13;
      cls += row === col ? " pair" : row < col ? " suited" : " offsuit";
      var cell = el("div", { class: cls, role: "gridcell", tabindex: 0, "data-hand": c.hand, "data-index": i,
        "data-probs": JSON.stringify(c.probs === undefined ? null : c.probs) }, [el("span", { class: "hand", text: c.hand })]);
      if (c.probs) {
        cell.style.backgroundImage = mixGradient(spot.actions, c.probs);
        cell.title = c.hand + ": " + spot.actions.map(function (a, k) { return a.text + " " + pct(c.probs[k]); }).join(", ");
      } else {
        cell.title = c.hand + ": every combo is blocked by the board";
        cell.appendChild(el("span", { class: "mark", text: "\u00d7", "aria-hidden": "true" }));
      }
      if (blocked && c.probs) {
        cell.appendChild(el("span", { class: "dot", text: (total - blocked) + "/" + total,
          title: blocked + " of " + total + " combos blocked by the board" }));
        cell.title += " (" + blocked + " of " + total + " combos blocked)";
      }
      grid.appendChild(cell);
    });
  }

  function hoverDetail(i) {
    if (i !== shown) drawDetail(current, i);
  }

  function drawDetail(spot, i) {
    shown = i === undefined ? null : i;
    var box = clear($("detail"));
    if (i === null || i === undefined) {
      box.appendChild(el("p", { class: "hint", text: "Hover over or click a hand to see its exact mix." }));
      return;
    }
    var c = spot.cells[i], live = c.combos.filter(function (x) { return !x[2]; });
    var head = el("h3", null, [el("span", { class: "hand", text: c.hand }),
      el("small", { text: " " + c.combos.length + " combos" + (c.combos.length - live.length ? ", " + (c.combos.length - live.length) + " blocked by the board" : "") })]);
    box.appendChild(head);
    if (pinned === i) box.appendChild(el("p", { class: "pin", text: "pinned \u2014 click again to unpin" }));
    if (c.probs) {
      box.appendChild(mixBar(spot.actions, c.probs, "mixbar big"));
      var t = el("table", { class: "mix" }, [el("tr", null, [el("th", { text: "Action" }), el("th", { class: "num", text: "Probability" })])]);
      spot.actions.forEach(function (a, k) {
        var sw = el("span", { class: "swatch" });
        sw.style.background = a.color;
        t.appendChild(el("tr", { "data-label": a.label }, [el("td", null, [sw, a.text]), el("td", { class: "num", text: pct(c.probs[k]) })]));
      });
      box.appendChild(t);
    } else {
      box.appendChild(el("p", { class: "blocked-note", text: "Every combo of " + c.hand + " is blocked by the board." }));
    }
    var buckets = [];
    live.forEach(function (x) { if (buckets.indexOf(x[1]) < 0) buckets.push(x[1]); });
    box.appendChild(el("p", { class: "buckets", text: (buckets.length === 1 ? "Bucket " : "Buckets ") + (buckets.length ? buckets.join(", ") : "none (all blocked)") }));
    var ct = el("table", { class: "combos" }, [el("tr", null, [el("th", { text: "Combo" }), el("th", { text: "Bucket" }), el("th", { text: "Own mix" })])]);
    c.combos.forEach(function (x) {
      var mix = x[2] ? null : (spot.bucket_probs || {})[String(x[1])];
      var cellMix;
      if (x[2]) cellMix = el("td", { class: "blocked-note", text: "blocked by the board" });
      else if (!mix) cellMix = el("td", { text: "?" });
      else cellMix = el("td", null, [mixBar(spot.actions, mix), el("span", { class: "mixtext",
        text: spot.actions.map(function (a, k) { return a.label + " " + pct(mix[k]); }).join(" \u00b7 ") })]);
      ct.appendChild(el("tr", { class: x[2] ? "blocked" : null, "data-cards": x[0] }, [
        el("td", null, [cardsNode(x[0])]), el("td", { text: x[2] ? "\u2014" : "bucket " + x[1] }), cellMix]));
    });
    box.appendChild(ct);
  }

  function show(id) {
    var spot = byId[id] || R.spots[0];
    current = spot;
    drawBreadcrumb(spot);
    drawTitle(spot);
    drawActions(spot);
    drawLegend(spot);
    drawGrid(spot);
    drawDetail(spot, null);
    Array.prototype.forEach.call(document.querySelectorAll("#spot-list a.spot-link"), function (a) {
      var on = a.getAttribute("data-spot-id") === String(spot.id);
      a.classList.toggle("current", on);
      if (on) a.setAttribute("aria-current", "page"); else a.removeAttribute("aria-current");
    });
  }

  function hashSpot() {
    var m = /^#spot=(\d+)$/.exec(location.hash || "");
    return m && byId[m[1]] ? Number(m[1]) : null;
  }

  function go(id) {
    if (location.hash !== "#spot=" + id) location.hash = "spot=" + id;  // hashchange draws it
    else show(id);
  }

  /* ---------- wiring ---------- */

  function cellIndex(target) {
    var cell = target && target.closest ? target.closest(".cell") : null;
    return cell ? Number(cell.getAttribute("data-index")) : null;
  }

  function wire() {
    var grid = $("grid");
    grid.addEventListener("mouseover", function (e) { var i = cellIndex(e.target); if (i !== null) hoverDetail(i); });
    grid.addEventListener("focusin", function (e) { var i = cellIndex(e.target); if (i !== null) hoverDetail(i); });
    grid.addEventListener("mouseleave", function () { hoverDetail(pinned); });
    grid.addEventListener("click", function (e) {
      var i = cellIndex(e.target);
      if (i === null) return;
      Array.prototype.forEach.call(grid.querySelectorAll(".cell.selected"), function (c) { c.classList.remove("selected"); });
      pinned = pinned === i ? null : i;
      if (pinned !== null) grid.children[i].classList.add("selected");
      drawDetail(current, i);
    });
    grid.addEventListener("keydown", function (e) {
      var i = cellIndex(e.target);
      if (i === null) return;
      var moves = { ArrowLeft: -1, ArrowRight: 1, ArrowUp: -13, ArrowDown: 13 };
      if (e.key === "Enter" || e.key === " ") { e.preventDefault(); e.target.click(); return; }
      if (moves[e.key] === undefined) return;
      var j = i + moves[e.key];
      if (j >= 0 && j < 169) { e.preventDefault(); grid.children[j].focus(); }
    });
    window.addEventListener("hashchange", function () { var id = hashSpot(); show(id === null ? 0 : id); });
    $("spot-filter").addEventListener("input", filterSpots);
  }

  function fail(msg) {
    var e = $("error");
    e.textContent = msg;
    e.hidden = false;
    $("app").hidden = true;
  }

  function init() {
    if (!R || !R.spots) {
      fail("No report data: data.js is missing or did not load. Rebuild with python -m holdem.cli.report --policy RUN.");
      return;
    }
    if (R.version !== 1) console.warn("holdem report: data version " + R.version + ", this page knows version 1");
    drawSummary();
    if (!R.spots.length) { fail("The report contains no spots."); return; }
    R.spots.forEach(function (s) { byId[s.id] = s; });
    R.spots.forEach(function (s) {
      if (s.parent !== null && byId[s.parent]) (childrenOf[s.parent] = childrenOf[s.parent] || []).push(s);
      if (seatNames[s.seat] === undefined) seatNames[s.seat] = s.seat_name;
    });
    drawSpotList();
    wire();
    var id = hashSpot();
    show(id === null ? R.spots[0].id : id);
    document.body.setAttribute("data-ready", "1");
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", init);
  else init();
})();
