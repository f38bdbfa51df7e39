// xman portal: filters the overview without a reload and refreshes it in place from
// /api/overview. Loaded from /static (CSP script-src 'self'); the page works without it.
"use strict";
(function () {
  var table = document.getElementById("overview");
  if (!table) return;
  var hostSel = document.getElementById("filter-host");
  var stateSel = document.getElementById("filter-state");
  var form = document.getElementById("filters");

  function applyFilter() {
    var h = hostSel ? hostSel.value : "", s = stateSel ? stateSel.value : "";
    var rows = table.tBodies[0].rows;
    for (var i = 0; i < rows.length; i++) {
      var r = rows[i];
      var show = (!h || r.dataset.host === h) && (!s || r.dataset.state === s);
      r.hidden = !show;
    }
  }

  function cell(tr, cls, text) {
    var td = document.createElement("td");
    if (cls) td.className = cls;
    td.textContent = text;
    tr.appendChild(td);
    return td;
  }

  function render(data) {
    var body = document.createElement("tbody");
    data.rows.forEach(function (row) {
      var tr = document.createElement("tr");
      tr.dataset.host = row.host;
      cell(tr, "host", row.host);
      if (row.domain === undefined) {
        tr.className = row.stale ? "host stale" : "host";
        var p = cell(tr, "problem", row.problem);
        p.colSpan = 5;
      } else {
        tr.dataset.domain = row.domain;
        tr.dataset.state = row.state;
        if (row.stale) tr.className = "stale";
        var td = cell(tr, "domain", "");
        var a = document.createElement("a");
        a.href = row.href;
        a.textContent = row.domain;
        td.appendChild(a);
        cell(tr, "state", row.state);
        cell(tr, "num", String(row.vcpus));
        cell(tr, "num", row.memory);
        var t = document.createElement("time");
        if (row.readAt) t.dateTime = row.readAt;
        t.textContent = row.readAtText;
        cell(tr, "read-at", "").appendChild(t);
      }
      body.appendChild(tr);
    });
    table.replaceChild(body, table.tBodies[0]);
    applyFilter();
  }

  function refresh() {
    fetch("/api/overview", { credentials: "same-origin", headers: { "Accept": "application/json" } })
      .then(function (r) { if (!r.ok) throw new Error(r.status); return r.json(); })
      .then(render)
      .catch(function () { /* keep the table as it is; the next refresh tries again */ });
  }

  if (form) form.addEventListener("submit", function (e) { e.preventDefault(); applyFilter(); });
  if (hostSel) hostSel.addEventListener("change", applyFilter);
  if (stateSel) stateSel.addEventListener("change", applyFilter);
  applyFilter();
  var seconds = parseInt(table.dataset.refresh, 10);
  if (seconds > 0) setInterval(refresh, seconds * 1000);
})();
