// The dashboards' page logic. fleet.json (rendered from the inventory) names every cluster and member; the values
// come from Prometheus' HTTP API and the firing alerts from Alertmanager's, both through the page's own origin.
// Tables show instant values, charts (uPlot) the last 30 minutes. Every refresh sets body[data-refreshes].
(function () {
  "use strict";

  var RANGE_SECONDS = 30 * 60;
  var STEP_SECONDS = 15;
  var COLORS = ["#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e", "#17becf", "#8c564b", "#e377c2", "#7f7f7f", "#bcbd22"];
  var page = document.body.getAttribute("data-page");
  var fleet = null;
  var refreshes = 0;
  var plots = {};

  // ---- data sources ----
  function getJson(url) {
    return fetch(url, { cache: "no-store" }).then(function (r) {
      if (!r.ok) throw new Error(url.split("?")[0] + ": HTTP " + r.status);
      return r.json();
    });
  }
  function instant(expr) {
    return getJson(fleet.prometheusApi + "query?query=" + encodeURIComponent(expr)).then(function (j) {
      return j.data.result.map(function (s) { return { labels: s.metric, value: Number(s.value[1]) }; });
    });
  }
  function range(expr) {
    var end = Math.floor(Date.now() / 1000 / STEP_SECONDS) * STEP_SECONDS;
    var start = end - RANGE_SECONDS;
    var url = fleet.prometheusApi + "query_range?query=" + encodeURIComponent(expr) + "&start=" + start + "&end=" + end + "&step=" + STEP_SECONDS;
    return getJson(url).then(function (j) { return { start: start, end: end, series: j.data.result }; });
  }
  /** Firing alerts (not silenced, not inhibited), or null when Alertmanager does not answer. */
  function firingAlerts() {
    return getJson(fleet.alertmanagerApi + "alerts?active=true&silenced=false&inhibited=false").catch(function () { return null; });
  }
  /** The values of one instant query by a label: { "<label value>": number }. */
  function byLabel(results, label) {
    var out = {};
    results.forEach(function (r) { if (r.labels[label] !== undefined) out[r.labels[label]] = r.value; });
    return out;
  }
  function sel(cls, extra) { return "{" + ['cls="' + cls + '"'].concat(extra || []).join(",") + "}"; }

  // ---- formatting ----
  function fmtNumber(v, digits) {
    if (v === undefined || v === null || isNaN(v)) return "–";
    return v.toFixed(digits === undefined ? (Math.abs(v) >= 100 ? 0 : 1) : digits);
  }
  function fmtBytes(v) {
    if (v === undefined || v === null || isNaN(v)) return "–";
    var units = ["B", "KiB", "MiB", "GiB", "TiB"];
    var i = 0;
    while (Math.abs(v) >= 1024 && i < units.length - 1) { v /= 1024; i++; }
    return (i === 0 ? v.toFixed(0) : v.toFixed(1)) + " " + units[i];
  }
  function fmtSeconds(v) { return v === undefined || isNaN(v) ? "–" : v.toFixed(v >= 10 ? 0 : 1) + " s"; }
  function fmtPercent(v) { return v === undefined || isNaN(v) ? "–" : (v * 100).toFixed(1) + " %"; }
  function fmtAge(ts) {
    if (ts === undefined || isNaN(ts)) return "none";
    var s = Math.max(0, Date.now() / 1000 - ts);
    var d = Math.floor(s / 86400), h = Math.floor((s % 86400) / 3600), m = Math.floor((s % 3600) / 60);
    return (d > 0 ? d + "d " + h + "h" : h > 0 ? h + "h " + m + "m" : m + "m") + " ago";
  }

  /** How a chart's values read, by its data-unit. */
  var UNIT_FORMATS = {
    "": function (v) { return fmtNumber(v); },
    bytes: fmtBytes,
    "bytes/s": function (v) { return fmtBytes(v) + "/s"; },
    ratio: fmtPercent,
  };

  // ---- DOM ----
  function el(tag, attrs) {
    var node = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (k) { node.setAttribute(k, attrs[k]); });
    for (var i = 2; i < arguments.length; i++) {
      var child = arguments[i];
      if (child === null || child === undefined) continue;
      node.appendChild(typeof child === "string" ? document.createTextNode(child) : child);
    }
    return node;
  }
  function cell(field, text, cls) { return el("td", { "data-field": field, class: cls || "" }, text); }
  function setStatus(state, text) {
    var s = document.getElementById("status");
    s.setAttribute("data-state", state);
    s.textContent = text;
  }

  // ---- charts ----
  /** Aligns Prometheus' range result on the step grid: uPlot's [times, series...] and one label per series. */
  function toColumns(r, nameOf) {
    var times = [];
    for (var t = r.start; t <= r.end; t += STEP_SECONDS) times.push(t);
    var names = [], columns = [];
    r.series.slice().sort(function (a, b) { return nameOf(a.metric).localeCompare(nameOf(b.metric)); }).forEach(function (s) {
      var col = times.map(function () { return null; });
      s.values.forEach(function (v) {
        var i = Math.round((v[0] - r.start) / STEP_SECONDS);
        if (i >= 0 && i < col.length) col[i] = Number(v[1]);
      });
      names.push(nameOf(s.metric));
      columns.push(col);
    });
    return { data: [times].concat(columns), names: names };
  }
  function drawChart(id, r, nameOf) {
    var box = document.getElementById(id);
    var cols = toColumns(r, nameOf);
    var key = cols.names.join("|");
    var old = plots[id];
    if (old && old.key === key) { old.plot.setData(cols.data); return; }
    if (old) old.plot.destroy();
    box.textContent = "";
    var fmt = UNIT_FORMATS[box.getAttribute("data-unit") || ""] || UNIT_FORMATS[""];
    var opts = {
      title: box.getAttribute("data-title"),
      width: Math.max(400, box.clientWidth - 16),
      height: 220,
      series: [{}].concat(cols.names.map(function (n, i) {
        return { label: n, stroke: COLORS[i % COLORS.length], width: 1.5, spanGaps: false, value: function (u, v) { return v === null ? "–" : fmt(v); } };
      })),
      axes: [{}, { size: 96, values: function (u, splits) { return splits.map(fmt); } }],
    };
    plots[id] = { key: key, plot: new uPlot(opts, cols.data, box) };
  }

  // ---- fleet overview ----
  function alertsByCluster(alerts) {
    var out = { "": [] };
    (alerts || []).forEach(function (a) { var c = a.labels.cls || ""; (out[c] = out[c] || []).push(a); });
    return out;
  }
  function refreshFleet() {
    var q = [
      instant("pg_up"),
      instant("pg_in_recovery"),
      instant("max by (cls) (pg_stat_replication_pg_wal_lsn_diff)"),
      instant("max by (cls) (pg_replica_replay_lag_seconds)"),
      instant("sum by (cls) (rate(pg_stat_database_xact_commit[1m]) + rate(pg_stat_database_xact_rollback[1m]))"),
      instant("sum by (cls) (pg_stat_activity_count)"),
      instant("max by (cls) (pigsty_backup_last_success_timestamp_seconds)"),
      firingAlerts(),
    ];
    var charts = [
      range("sum by (cls) (rate(pg_stat_database_xact_commit[1m]) + rate(pg_stat_database_xact_rollback[1m]))"),
      range("sum by (cls) (pg_stat_activity_count)"),
      range("max by (cls) (pg_stat_replication_pg_wal_lsn_diff)"),
    ];
    return Promise.all(q).then(function (v) {
      var up = v[0], recovery = v[1];
      var lag = byLabel(v[2], "cls"), replay = byLabel(v[3], "cls"), tps = byLabel(v[4], "cls");
      var conns = byLabel(v[5], "cls"), backup = byLabel(v[6], "cls"), alerts = alertsByCluster(v[7]);
      var tbody = document.querySelector("#clusters tbody");
      tbody.textContent = "";
      fleet.clusters.forEach(function (c) {
        var upOf = {}, inRecovery = {};
        up.filter(function (r) { return r.labels.cls === c.name; }).forEach(function (r) { upOf[r.labels.ins] = r.value; });
        recovery.filter(function (r) { return r.labels.cls === c.name; }).forEach(function (r) { inRecovery[r.labels.ins] = r.value; });
        var leaders = c.members.filter(function (m) { return inRecovery[m.name] === 0; }).map(function (m) { return m.name; });
        var replicas = c.members.filter(function (m) { return inRecovery[m.name] === 1; }).length;
        var running = c.members.filter(function (m) { return upOf[m.name] === 1; }).length;
        var members = el("td", { "data-field": "members" }, running + "/" + c.members.length + " up: ");
        c.members.forEach(function (m) {
          var state = upOf[m.name] === 1 ? (inRecovery[m.name] === 0 ? "up primary" : "up") : "down";
          members.appendChild(el("span", { class: "member " + state, "data-member": m.name }, m.name));
        });
        var firing = alerts[c.name] || [];
        tbody.appendChild(el("tr", { "data-cluster": c.name },
          el("td", { "data-field": "cluster" }, el("a", { href: "cluster.html?cls=" + encodeURIComponent(c.name) }, c.name)),
          members,
          cell("leader", leaders.length ? leaders.join(", ") : "none", leaders.length === 1 ? "" : "alerts-firing"),
          cell("replicas", String(replicas), "num"),
          cell("lag", fmtBytes(lag[c.name]), "num"),
          cell("replay-lag", fmtSeconds(replay[c.name]), "num"),
          cell("tps", fmtNumber(tps[c.name]), "num"),
          cell("connections", fmtNumber(conns[c.name], 0), "num"),
          cell("alerts", v[7] === null ? "n/a" : String(firing.length), firing.length ? "num alerts-firing" : "num"),
          cell("backup", fmtAge(backup[c.name]))));
      });
      var fleetWide = alerts[""];
      document.getElementById("fleet-alerts").textContent = v[7] === null
        ? "Alertmanager does not answer."
        : fleetWide.length + " firing alert(s) outside the clusters" + (fleetWide.length ? ": " + fleetWide.map(function (a) { return a.labels.alertname; }).join(", ") : ".");
      return Promise.all(charts);
    }).then(function (r) {
      var cls = function (m) { return m.cls || "?"; };
      drawChart("chart-tps", r[0], cls);
      drawChart("chart-connections", r[1], cls);
      drawChart("chart-lag", r[2], cls);
    });
  }

  // ---- one cluster ----
  function clusterName() { return new URLSearchParams(location.search).get("cls") || ""; }
  function refreshCluster() {
    var name = clusterName();
    var c = fleet.clusters.filter(function (x) { return x.name === name; })[0];
    if (!c) return Promise.reject(new Error("no cluster " + name + " in this stack (clusters: " + fleet.clusters.map(function (x) { return x.name; }).join(", ") + ")"));
    document.getElementById("cluster-name").textContent = c.name;
    document.title = c.name + " · pigsty-pulumi";
    var s = function (extra) { return sel(c.name, extra); };
    var disk = "max by (ins) (1 - node_filesystem_avail_bytes" + s(['fstype!~"tmpfs|ramfs|squashfs"']) + " / node_filesystem_size_bytes" + s(['fstype!~"tmpfs|ramfs|squashfs"']) + ")";
    var tps = "sum by (ins) (rate(pg_stat_database_xact_commit" + s() + "[1m]) + rate(pg_stat_database_xact_rollback" + s() + "[1m]))";
    var conns = "sum by (ins) (pg_stat_activity_count" + s() + ")";
    var haproxy = "sum by (ins) (haproxy_frontend_current_sessions" + s() + ")";
    var wal = "max by (ins) (rate(pg_wal_position_bytes" + s() + "[1m]))";
    var lagBytes = "max by (application_name) (pg_stat_replication_pg_wal_lsn_diff" + s() + ")";
    var q = [
      instant("pg_up" + s()),
      instant("pg_in_recovery" + s()),
      instant(lagBytes),
      instant("max by (application_name) (pg_replica_replay_lag_seconds" + s() + ")"),
      instant(tps),
      instant(conns),
      instant(haproxy),
      instant(disk),
      instant(wal),
      firingAlerts(),
    ];
    var charts = [range(tps), range(conns), range(lagBytes), range(wal), range(haproxy), range(disk)];
    return Promise.all(q).then(function (v) {
      var up = byLabel(v[0], "ins"), recovery = byLabel(v[1], "ins");
      var lag = byLabel(v[2], "application_name"), replay = byLabel(v[3], "application_name");
      var t = byLabel(v[4], "ins"), cn = byLabel(v[5], "ins"), hp = byLabel(v[6], "ins"), dk = byLabel(v[7], "ins"), wl = byLabel(v[8], "ins");
      var tbody = document.querySelector("#members tbody");
      tbody.textContent = "";
      c.members.forEach(function (m) {
        var role = up[m.name] === undefined ? "unknown" : up[m.name] !== 1 ? "down" : recovery[m.name] === 0 ? "primary" : recovery[m.name] === 1 ? "replica" : "unknown";
        tbody.appendChild(el("tr", { "data-member": m.name },
          cell("member", m.name),
          cell("ip", m.ip),
          cell("role", role, "role-" + role),
          cell("lag", role === "primary" ? "–" : fmtBytes(lag[m.name]), "num"),
          cell("replay-lag", role === "primary" ? "–" : fmtSeconds(replay[m.name]), "num"),
          cell("tps", fmtNumber(t[m.name]), "num"),
          cell("connections", fmtNumber(cn[m.name], 0), "num"),
          cell("haproxy-sessions", fmtNumber(hp[m.name], 0), "num"),
          cell("disk", fmtPercent(dk[m.name]), "num"),
          cell("wal-rate", wl[m.name] === undefined ? "–" : fmtBytes(wl[m.name]) + "/s", "num")));
      });
      var list = document.getElementById("alerts");
      list.textContent = "";
      if (v[9] === null) list.appendChild(el("li", {}, "Alertmanager does not answer."));
      else {
        var mine = v[9].filter(function (a) { return a.labels.cls === c.name; });
        if (mine.length === 0) list.appendChild(el("li", { "data-alert": "" }, "none"));
        mine.forEach(function (a) {
          var where = a.labels.ins || a.labels.application_name || "";
          var summary = (a.annotations && a.annotations.summary) || "";
          list.appendChild(el("li", { "data-alert": a.labels.alertname, class: "alerts-firing" }, a.labels.alertname + (where ? " on " + where : "") + (summary ? ": " + summary : "")));
        });
      }
      return Promise.all(charts);
    }).then(function (r) {
      drawChart("chart-tps", r[0], function (m) { return m.ins; });
      drawChart("chart-connections", r[1], function (m) { return m.ins; });
      drawChart("chart-lag", r[2], function (m) { return m.application_name; });
      drawChart("chart-wal", r[3], function (m) { return m.ins; });
      drawChart("chart-haproxy", r[4], function (m) { return m.ins; });
      drawChart("chart-disk", r[5], function (m) { return m.ins; });
    });
  }

  // ---- the refresh loop ----
  function refresh() {
    var work = page === "cluster" ? refreshCluster() : refreshFleet();
    work.then(function () {
      refreshes++;
      document.body.setAttribute("data-refreshes", String(refreshes));
      setStatus("ok", "updated " + new Date().toLocaleTimeString() + ", every " + fleet.refreshSeconds + " s");
    }).catch(function (e) {
      setStatus("error", "refresh failed: " + e.message);
    }).then(function () {
      setTimeout(refresh, fleet.refreshSeconds * 1000);
    });
  }
  getJson("fleet.json").then(function (f) {
    fleet = f;
    refresh();
  }).catch(function (e) { setStatus("error", "cannot read fleet.json: " + e.message); });
})();
