// The help queue's response times as charts (decision 023): one uPlot chart per room, hours per
// week — first reply and resolution, each median and 90th percentile — from the JSON the page
// carries (no inline script: CSP). The table under each chart has the same figures; without
// uPlot (assets not copied) or JavaScript, the tables alone remain.
"use strict";

(() => {
  const page = document.getElementById("queue-times");
  const source = document.getElementById("queue-times-data");
  if (!page || !source || typeof window.uPlot !== "function") return;
  const times = JSON.parse(source.textContent);
  const css = getComputedStyle(document.documentElement);
  const colour = (name, fallback) => css.getPropertyValue(name).trim() || fallback;
  const ink = colour("--text", "#1b1f24");
  const grid = colour("--border", "#d7dce2");
  const reply = colour("--accent", "#2457c5");
  const done = colour("--ok", "#1f7a3a");
  const hours = (spread, key) => (spread ? Math.round((spread[key] / 3600) * 100) / 100 : null);
  const xs = times.weeks.map((week) => Date.parse(`${week}T00:00:00Z`) / 1000);
  const axis = { stroke: ink, grid: { stroke: grid, width: 1 }, ticks: { stroke: grid, width: 1 } };
  const charts = [];

  function sizeOf(element) {
    const width = Math.max(240, Math.floor(element.clientWidth || 600));
    return { width, height: Math.round(Math.min(320, Math.max(200, width * 0.45))) };
  }

  for (const room of times.rooms) {
    const element = page.querySelector(`.queue-chart[data-room="${room.id}"]`);
    if (!element) continue;
    const data = [
      xs,
      room.weeks.map((w) => hours(w.first_reply, "median")),
      room.weeks.map((w) => hours(w.first_reply, "p90")),
      room.weeks.map((w) => hours(w.resolution, "median")),
      room.weeks.map((w) => hours(w.resolution, "p90")),
    ];
    const options = {
      ...sizeOf(element),
      scales: { x: { time: true } },
      axes: [{ ...axis }, { ...axis, label: "hours", labelSize: 20 }],
      series: [
        { label: "Week of" },
        { label: "First reply, median (h)", stroke: reply, width: 2, points: { show: true } },
        { label: "First reply, p90 (h)", stroke: reply, width: 1, dash: [6, 4], points: { show: true } },
        { label: "Resolution, median (h)", stroke: done, width: 2, points: { show: true } },
        { label: "Resolution, p90 (h)", stroke: done, width: 1, dash: [6, 4], points: { show: true } },
      ],
    };
    charts.push([element, new window.uPlot(options, data, element)]);
  }

  let pending = null;
  window.addEventListener("resize", () => {
    clearTimeout(pending);
    pending = setTimeout(() => {
      for (const [element, chart] of charts) chart.setSize(sizeOf(element));
    }, 150);
  });
})();
