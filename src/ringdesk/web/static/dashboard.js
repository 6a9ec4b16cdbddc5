// ringdesk dashboard: draws /api/v1/dashboard with uPlot (static/vendor/uplot), every minute.
// Legends show the whole period's figure, and the hovered hour's while the pointer is on a chart.
"use strict";
(() => {
  const root = document.getElementById("dashboard");
  if (!root || typeof window.uPlot !== "function") return;
  const uPlot = window.uPlot;
  const REFRESH_MS = 60_000;
  const HEIGHT = 220;
  const COLORS = {
    answered: "#1b7a3a", missed: "#b3261e", open: "#8d97a6",
    done: "#1b7a3a", retrying: "#c98a00", failed: "#b3261e", pops: "#1f5fbf",
  };
  const PALETTE = ["#1f5fbf", "#c2410c", "#0f766e", "#7c3aed", "#be185d", "#4d7c0f", "#0369a1"];
  const charts = [];

  const byId = (id) => document.getElementById(id);
  const fmtInt = (v) => (v == null ? "–" : String(Math.round(v)));
  const fmtMs = (v) => (v == null ? "–" : v >= 1000 ? `${(v / 1000).toFixed(2)} s` : `${Math.round(v)} ms`);
  const fmtPct = (v) => (v == null ? "–" : `${v.toFixed(1)} %`);
  const sum = (values) => values.reduce((a, b) => a + (b || 0), 0);
  const plotWidth = (el) => Math.max(260, el.clientWidth);

  function countRange(_u, _min, max) {
    return [0, Math.max(4, Math.ceil((max || 0) * 1.15))];
  }

  function clearCharts() {
    while (charts.length) charts.pop().destroy();
  }

  function chart(el, options, data) {
    el.textContent = "";
    const plot = new uPlot({ width: plotWidth(el), height: HEIGHT, ...options }, data, el);
    charts.push(plot);
    return plot;
  }

  // The x of an hour chart: whole hours shown (bars sit mid-hour), and the legend's time
  // says the period until the pointer picks an hour.
  function hourAxis(x, periodText) {
    const hour = (t) => new Date((t - 1800) * 1000).toLocaleTimeString([], { hour: "2-digit", minute: "2-digit" });
    return {
      scale: { time: true, range: () => [x[0] - 1800, x[x.length - 1] + 1800] },
      series: { label: "Hour", value: (_u, v) => (v == null ? periodText : `${hour(v)}–${hour(v + 3600)}`) },
    };
  }

  // Bars stacked bottom-up in the order given: each series is drawn as its running total,
  // the tallest first, so the ones below paint over it and each shows only its own band.
  function stackedBars(el, x, parts, unitLabel, periodText) {
    const running = [];
    let below = x.map(() => 0);
    for (const part of parts) {
      below = below.map((v, i) => v + (part.values[i] || 0));
      running.push(below);
    }
    const axis = hourAxis(x, periodText);
    const series = [axis.series];
    const data = [x];
    for (let i = parts.length - 1; i >= 0; i--) {
      const part = parts[i];
      const total = sum(part.values);
      series.push({
        label: part.label,
        fill: part.color,
        stroke: part.color,
        width: 0,
        points: { show: false },
        paths: uPlot.paths.bars({ size: [0.8, 48], align: 0 }),
        value: (_u, _v, _si, idx) => fmtInt(idx == null ? total : part.values[idx]),
      });
      data.push(running[i]);
    }
    return chart(el, {
      series,
      scales: { x: axis.scale, y: { range: countRange } },
      axes: [{}, { label: unitLabel, size: 50 }],
    }, data);
  }

  function lines(el, x, rows, key, totalKey, format, range, periodText) {
    const axis = hourAxis(x, periodText);
    const series = [axis.series];
    const data = [x];
    rows.forEach((row, i) => {
      const color = PALETTE[i % PALETTE.length];
      series.push({
        label: row.name,
        stroke: color,
        width: 2,
        spanGaps: false,
        points: { show: true, size: 6, fill: color },
        value: (_u, v, _si, idx) => format(idx == null ? row[totalKey] : v),
      });
      data.push(row[key]);
    });
    return chart(el, {
      series,
      scales: { x: axis.scale, y: { range } },
      axes: [{}, { values: (_u, ticks) => ticks.map(format), size: 64 }],
    }, data);
  }

  function drawCalls(d, x) {
    const c = d.calls;
    stackedBars(byId("chart-calls"), x, [
      { label: "Answered", values: c.answered, color: COLORS.answered },
      { label: "Missed", values: c.missed, color: COLORS.missed },
      { label: "Open", values: c.open, color: COLORS.open },
    ], "calls", period(d));
    byId("calls-note").textContent = c.total
      ? `${c.total} call${c.total === 1 ? "" : "s"} in the last ${hoursText(d.hours)}.`
      : `No calls in the last ${hoursText(d.hours)}.`;
  }

  function drawPops(d) {
    const p = d.screen_pops;
    byId("pops-published").textContent = fmtInt(p.published);
    byId("pops-p50").textContent = fmtMs(p.p50_ms);
    byId("pops-p99").textContent = fmtMs(p.p99_ms);
    byId("pops-delivered").textContent = fmtInt(p.delivered);
    // Long names for the legend, bare upper bounds in seconds for the axis (they must fit).
    const labels = [];
    const ticks = [];
    let lower = 0;
    for (const b of p.buckets) {
      labels.push(b.le == null ? `over ${fmtMs(lower * 1000)}` : `${fmtMs(lower * 1000)} – ${fmtMs(b.le * 1000)}`);
      ticks.push(b.le == null ? "more" : String(b.le));
      if (b.le != null) lower = b.le;
    }
    const x = labels.map((_l, i) => i);
    const counts = p.buckets.map((b) => b.count);
    chart(byId("chart-pops"), {
      scales: { x: { time: false, range: [-0.6, labels.length - 0.4] }, y: { range: countRange } },
      series: [
        { label: "Latency", value: (_u, v) => (v == null ? "all" : labels[v]) },
        {
          label: "Pops",
          fill: COLORS.pops,
          stroke: COLORS.pops,
          width: 0,
          points: { show: false },
          paths: uPlot.paths.bars({ size: [0.7, 60], align: 0 }),
          value: (_u, v, _si, idx) => fmtInt(idx == null ? p.published : v),
        },
      ],
      axes: [
        {
          splits: () => x,
          // Every other bound on a narrow chart, so that the numbers never run together.
          values: (u, at) => at.map((i, k) => (u.width < 480 && k % 2 ? "" : ticks[i] ?? "")),
          label: "latency up to (seconds)",
          size: 48,
        },
        { label: "pops", size: 50 },
      ],
    }, [x, counts]);
  }

  function drawDeliveries(d, x) {
    const o = d.deliveries;
    stackedBars(byId("chart-deliveries"), x, [
      { label: "Done", values: o.done, color: COLORS.done },
      { label: "Retrying", values: o.retrying, color: COLORS.retrying },
      { label: "Failed", values: o.failed, color: COLORS.failed },
    ], "jobs", period(d));
    const now = o.now || {};
    const parts = ["pending", "running", "failed"].filter((s) => now[s]).map((s) => `${now[s]} ${s}`);
    byId("deliveries-now").textContent = parts.length ? `Now: ${parts.join(", ")}.` : "Now: nothing waiting.";
  }

  function drawHelpdesks(d, x) {
    const rows = d.helpdesks;
    const latency = byId("chart-latency");
    const errors = byId("chart-errors");
    if (!rows.length) {
      latency.textContent = "No integrations yet.";
      errors.textContent = "";
      return;
    }
    const msRange = (_u, _min, max) => [0, Math.max(100, (max || 0) * 1.2)];
    const pctRange = (_u, _min, max) => [0, Math.min(100, Math.max(10, (max || 0) * 1.2))];
    lines(latency, x, rows, "p50_ms", "total_p50_ms", fmtMs, msRange, period(d));
    lines(errors, x, rows, "error_rate", "total_error_rate", fmtPct, pctRange, period(d));
  }

  function period(d) {
    return `last ${hoursText(d.hours)}`;
  }

  function hoursText(hours) {
    return hours % 24 === 0 && hours > 24 ? `${hours / 24} days` : `${hours} hours`;
  }

  function ago(seconds) {
    const s = Math.abs(seconds);
    const text = s < 90 ? `${Math.round(s)} s` : s < 5400 ? `${Math.round(s / 60)} min` : `${(s / 3600).toFixed(1)} h`;
    return seconds >= 0 ? `in ${text}` : `${text} ago`;
  }

  function drawTokens(d) {
    const list = byId("token-list");
    list.textContent = "";
    if (!d.integrations.length) {
      const li = document.createElement("li");
      li.textContent = "No integrations yet.";
      list.append(li);
      return;
    }
    const now = d.generated_at;
    for (const i of d.integrations) {
      const li = document.createElement("li");
      li.className = "token";
      const head = document.createElement("p");
      const link = document.createElement("a");
      link.href = `/admin/integrations/${i.id}`;
      link.textContent = i.name;
      const badge = document.createElement("span");
      badge.className = `badge st-${i.status}`;
      badge.textContent = i.status.replace(/_/g, " ");
      head.append(link, " ", badge, ` ${i.helpdesk} · ${i.auth_method || "?"}`);
      li.append(head);
      const detail = document.createElement("p");
      detail.className = "muted token-detail";
      if (i.auth_method === "oauth2") {
        const parts = [];
        parts.push(i.token_expires_at ? `token expires ${ago(i.token_expires_at - now)}` : "no token yet");
        if (i.token_refreshed_at) parts.push(`refreshed ${ago(i.token_refreshed_at - now)}`);
        detail.textContent = parts.join(" · ");
        if (i.token_expires_at && i.token_refreshed_at && i.token_expires_at > i.token_refreshed_at) {
          const life = i.token_expires_at - i.token_refreshed_at;
          const left = Math.max(0, Math.min(1, (i.token_expires_at - now) / life));
          const bar = document.createElement("div");
          bar.className = "lifetime";
          bar.setAttribute("role", "meter");
          bar.setAttribute("aria-label", `${i.name}: token lifetime left`);
          bar.setAttribute("aria-valuemin", "0");
          bar.setAttribute("aria-valuemax", "100");
          bar.setAttribute("aria-valuenow", String(Math.round(left * 100)));
          const fill = document.createElement("span");
          fill.style.width = `${(left * 100).toFixed(1)}%`;  // CSSOM, allowed by a strict CSP
          if (left < 0.15) fill.className = "low";
          bar.append(fill);
          li.append(detail, bar);
        } else {
          li.append(detail);
        }
      } else {
        detail.textContent = "static credentials: no token to refresh";
        li.append(detail);
      }
      if (i.status_message) {
        const message = document.createElement("p");
        message.className = "error-text";
        message.textContent = i.status_message;
        li.append(message);
      }
      list.append(li);
    }
  }

  function draw(d) {
    clearCharts();
    // Bars sit in the middle of their hour.
    const x = d.buckets.map((start) => start + 1800);
    drawCalls(d, x);
    drawPops(d);
    drawDeliveries(d, x);
    drawHelpdesks(d, x);
    drawTokens(d);
    root.dataset.drawn = String(d.generated_at);
    byId("dash-updated").textContent = `Updated ${new Date(d.generated_at * 1000).toLocaleTimeString()}`;
  }

  async function load() {
    const error = byId("dash-error");
    try {
      const response = await fetch(root.dataset.api, { credentials: "same-origin", headers: { Accept: "application/json" } });
      if (!response.ok) throw new Error(`the dashboard API answered ${response.status}`);
      draw(await response.json());
      error.hidden = true;
    } catch (exc) {
      error.textContent = `Dashboard not updated: ${exc.message}`;
      error.hidden = false;
    }
  }

  let resizeTimer = 0;
  window.addEventListener("resize", () => {
    clearTimeout(resizeTimer);
    resizeTimer = setTimeout(() => {
      for (const plot of charts) plot.setSize({ width: plotWidth(plot.root.parentElement), height: HEIGHT });
    }, 150);
  });
  load();
  setInterval(() => { if (!document.hidden) load(); }, REFRESH_MS);
})();
