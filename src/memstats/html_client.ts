/**
 * html_client.ts — the script embedded in the HTML report (kept as a string constant).
 *
 * It lives apart from `render_html.ts` because it is browser code, not Deno code: plain ES2017
 * with no imports, run inline in the page (no network, no external file). It adds hover
 * tooltips, click-to-select-and-zoom on the icicle, colour switching, and tabs for the ranking
 * tables. It records any script error on `<html data-errors="N">` and sets `data-ready="1"`
 * when it has started, so a headless browser's `--dump-dom` or DevTools can check the page.
 *
 * @module
 */

/** The report's client script (inserted into a `<script>` element). */
export const CLIENT_SCRIPT: string = String.raw`
(function () {
  "use strict";
  var root = document.documentElement;
  function noteError() { root.setAttribute("data-errors", String((+root.getAttribute("data-errors") || 0) + 1)); }
  window.addEventListener("error", noteError);
  try {
    var D = JSON.parse(document.getElementById("memstats-data").textContent);
    for (var k = 0; k < D.x0.length; k++) { D.x0[k] /= D.scale; D.x1[k] /= D.scale; D.type[k] = D.types[D.type[k]]; }
    var svg = document.getElementById("icicle");
    var rects = svg.querySelectorAll("rect.ctx");
    var labelsG = svg.querySelector("g.labels");
    var tip = document.getElementById("tip");
    var details = document.getElementById("details");
    var W = D.width, RH = D.rowHeight, TOP = D.top, CHAR_W = 6.4;
    var colorBy = D.colorBy, selected = -1, focus = 0;

    function fmtBytes(n) {
      var u = ["B", "KiB", "MiB", "GiB", "TiB"], i = 0, v = Math.abs(n);
      while (v >= 1024 && i < u.length - 1) { v /= 1024; i++; }
      var s = i === 0 ? String(v) : v >= 100 ? v.toFixed(0) : v >= 10 ? v.toFixed(1) : v.toFixed(2);
      return (n < 0 ? "-" : "") + s + " " + u[i];
    }
    function color(i) {
      if (D.sum[i] > 0) return D.colors.summary;
      if (colorBy === "free") {
        if (!(D.tot[i] > 0)) return "#ccc";
        var r = Math.min(1, Math.max(0, D.free[i] / D.tot[i]));
        return "hsl(" + Math.round(120 * (1 - r)) + ",60%,48%)";
      }
      return D.colors[D.type[i] || "unknown"] || D.colors.unknown;
    }
    function describe(i) {
      var lines = [D.label[i]];
      if (D.sum[i] > 0) lines.push(D.sum[i] + " contexts not printed individually");
      else lines.push((D.type[i] || "unknown type") + ", level " + D.depth[i] + (D.line[i] ? ", line " + D.line[i] : ""));
      lines.push("own: " + fmtBytes(D.tot[i]) + " in " + D.blk[i] + " blocks; used " + fmtBytes(D.used[i]) +
        "; free " + fmtBytes(D.free[i]) + " (" + D.fch[i] + " chunks)");
      lines.push("subtree: " + fmtBytes(D.st[i]) + " in " + D.sc[i] + " contexts");
      return lines;
    }
    function recolor() { for (var i = 0; i < rects.length; i++) rects[i].setAttribute("fill", color(i)); }
    function relabel(x0s, x1s) {
      while (labelsG.firstChild) labelsG.removeChild(labelsG.firstChild);
      var ns = "http://www.w3.org/2000/svg", frag = document.createDocumentFragment();
      for (var i = 0; i < rects.length; i++) {
        var w = x1s[i] - x0s[i];
        if (w < 40) continue;
        var max = Math.floor((w - 6) / CHAR_W), lab = D.label[i], b = fmtBytes(D.st[i]), t = lab + " " + b;
        if (t.length > max) {
          if (b.length + 6 <= max) t = lab.slice(0, max - b.length - 2) + "\u2026 " + b;
          else if (b.length <= max) t = b;
          else t = lab.length > max ? lab.slice(0, Math.max(0, max - 1)) + "\u2026" : lab;
        }
        if (t.length < 2) continue;
        var el = document.createElementNS(ns, "text");
        el.setAttribute("x", String(x0s[i] + 3));
        el.setAttribute("y", String(TOP + D.depth[i] * RH + RH / 2 + 4));
        el.textContent = t;
        frag.appendChild(el);
      }
      labelsG.appendChild(frag);
    }
    function zoom(f) {
      focus = f;
      var a = D.x0[f], b = D.x1[f], k = b > a ? W / (b - a) : 0, x0s = [], x1s = [];
      for (var i = 0; i < rects.length; i++) {
        var nx0 = Math.min(W, Math.max(0, (D.x0[i] - a) * k));
        var nx1 = Math.min(W, Math.max(0, (D.x1[i] - a) * k));
        x0s.push(nx0); x1s.push(nx1);
        rects[i].setAttribute("x", nx0.toFixed(2));
        rects[i].setAttribute("width", Math.max(0, nx1 - nx0).toFixed(2));
      }
      relabel(x0s, x1s);
    }
    function select(i) {
      if (selected >= 0) rects[selected].classList.remove("sel");
      selected = i;
      rects[i].classList.add("sel");
      var path = [], j = i;
      while (j >= 0) { path.unshift(D.label[j]); j = D.parent[j]; }
      details.textContent = "";
      var h = document.createElement("div"); h.className = "path"; h.textContent = path.join(" > ");
      details.appendChild(h);
      describe(i).slice(1).forEach(function (l) { var p = document.createElement("div"); p.textContent = l; details.appendChild(p); });
      if (D.ident[i]) { var q = document.createElement("div"); q.className = "ident"; q.textContent = "ident: " + D.ident[i]; details.appendChild(q); }
    }
    svg.addEventListener("mousemove", function (ev) {
      var t = ev.target;
      if (!t.classList || !t.classList.contains("ctx")) { tip.hidden = true; return; }
      tip.textContent = describe(+t.getAttribute("data-i")).join("\n");
      tip.hidden = false;
      tip.style.left = Math.min(ev.clientX + 14, window.innerWidth - 380) + "px";
      tip.style.top = ev.clientY + 14 + "px";
    });
    svg.addEventListener("mouseleave", function () { tip.hidden = true; });
    svg.addEventListener("click", function (ev) {
      var t = ev.target;
      if (!t.classList || !t.classList.contains("ctx")) return;
      var i = +t.getAttribute("data-i");
      select(i);
      zoom(i === focus ? Math.max(0, D.parent[i]) : i);
    });
    document.querySelectorAll("[data-goto]").forEach(function (row) {
      row.addEventListener("click", function () { var i = +row.getAttribute("data-goto"); select(i); zoom(i); });
    });
    document.querySelectorAll("button[data-color]").forEach(function (b) {
      b.addEventListener("click", function () {
        colorBy = b.getAttribute("data-color");
        document.querySelectorAll("button[data-color]").forEach(function (o) { o.classList.toggle("on", o === b); });
        document.querySelectorAll(".legend").forEach(function (l) { l.hidden = l.getAttribute("data-for") !== colorBy; });
        recolor();
      });
    });
    document.querySelectorAll("button[data-tab]").forEach(function (b) {
      b.addEventListener("click", function () {
        var tab = b.getAttribute("data-tab");
        document.querySelectorAll("button[data-tab]").forEach(function (o) { o.classList.toggle("on", o === b); });
        document.querySelectorAll("table[data-rank]").forEach(function (t) { t.hidden = t.getAttribute("data-rank") !== tab; });
      });
    });
    document.getElementById("reset").addEventListener("click", function () { zoom(0); });
    root.setAttribute("data-shapes", String(rects.length));
    root.setAttribute("data-ready", "1");
  } catch (e) {
    noteError();
    console.error(e);
  }
})();
`;
