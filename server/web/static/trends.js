// The Trends page: draws GET /api/brands/<brand>/trends with plotly.js (served locally).
(function () {
  "use strict";
  const root = document.getElementById("trends");
  if (!root || !window.Plotly) return;
  const status = document.getElementById("chart-status");
  const palette = ["#3856d6", "#bf3989", "#1a7f37", "#9a6700", "#8250df", "#cf222e", "#0a7ea4", "#57606a"];
  const dashes = ["solid", "dot", "dash", "longdash", "dashdot", "longdashdot", "solid", "dot"];

  const params = new URLSearchParams({ interval: root.dataset.interval });
  if (root.dataset.from) params.set("from", root.dataset.from);
  if (root.dataset.to) params.set("to", root.dataset.to);
  if (root.dataset.channel) params.set("channel", root.dataset.channel);
  const url = `/api/brands/${encodeURIComponent(root.dataset.brand)}/trends?${params}`;

  function periodEnd(start, interval) {
    const day = new Date(start + "T00:00:00Z");
    if (interval === "week") day.setUTCDate(day.getUTCDate() + 6);
    else { day.setUTCMonth(day.getUTCMonth() + 1); day.setUTCDate(0); }
    return day.toISOString().slice(0, 10);
  }

  function evidence(attribute, start) {
    const query = new URLSearchParams({ brand: root.dataset.brand, kind: "customer", from: start,
      to: periodEnd(start, root.dataset.interval) });
    if (root.dataset.channel) query.set("channel", root.dataset.channel);
    if (attribute) query.set("attribute", attribute);
    window.location.href = `${root.dataset.comments}?${query}`;
  }

  // The 95 % interval of each point, as an error bar (a period with too few comments has none).
  function interval(figures, color) {
    return { type: "data", symmetric: false, color: color + "99", thickness: 1.5, width: 3,
      array: figures.map((f) => (f.value === null ? null : f.high - f.value)),
      arrayminus: figures.map((f) => (f.value === null ? null : f.value - f.low)) };
  }

  // Which figures are drawn: corrected for the classifier's errors where the audit allows it
  // (and the page did not ask for the figures as tagged), and why not otherwise.
  function figuresShown(data) {
    const corrected = root.dataset.figures !== "tagged" && data.correction.available;
    const line = document.getElementById("correction-status");
    if (line) {
      line.textContent = corrected
        ? `Shares and the gap score are corrected for the classifier's errors, from the audit of ${data.correction.labelled} ` +
          "labelled comments; their intervals include the audit's own uncertainty. Net sentiment is as tagged. " +
          (data.correction.note ? `Not corrected: ${data.correction.note}. ` : "")
        : root.dataset.figures === "tagged"
          ? "Figures as tagged by the classifier, without correction. "
          : `Figures as tagged by the classifier: ${data.correction.note}. `;
      const link = document.createElement("a");
      link.href = line.dataset.audit;
      link.textContent = "How sure are we?";
      line.appendChild(link);
      line.dataset.corrected = String(corrected);
    }
    const skipped = (data.correction && data.correction.not_corrected) || {};
    return corrected
      ? { share: "corrected_share", gap: "corrected_gap_score", label: " (corrected)",
          name: (attribute) => attribute + (attribute in skipped ? " (not corrected: too few labels)" : " (corrected)") }
      : { share: "share", gap: "gap_score", label: "", name: (attribute) => attribute };
  }

  function draw(data) {
    const shown = figuresShown(data);
    const x = data.periods.map((p) => p.start);
    const attributes = data.periods.length ? Object.keys(data.periods[0].attributes) : [];
    const traces = [];
    attributes.forEach((attribute, i) => {
      const color = palette[i % palette.length];
      const figures = data.periods.map((p) => p.attributes[attribute][shown.share]);
      const y = figures.map((f) => f.value);
      traces.push({ x, y, name: shown.name(attribute), mode: "lines+markers", legendgroup: attribute, error_y: interval(figures, color),
        line: { color, dash: dashes[i % dashes.length] }, customdata: data.periods.map((p) => [attribute, p.comments]),
        hovertemplate: "%{x}: %{y:.0%} of mentions (%{customdata[1]} comments)<extra>" + attribute + "</extra>" });
      if (data.declared && attribute in data.declared) {
        traces.push({ x: [x[0], x[x.length - 1]], y: [data.declared[attribute], data.declared[attribute]],
          mode: "lines", name: attribute + " (declared)", legendgroup: attribute, showlegend: false,
          line: { color, width: 1, dash: "dash" }, hovertemplate: "declared %{y:.0%}<extra>" + attribute + "</extra>" });
      }
    });
    const layout = { margin: { t: 10, r: 10, b: 40, l: 50 }, yaxis: { tickformat: ".0%", rangemode: "tozero" },
      legend: { orientation: "h" }, hovermode: "closest" };
    // no mode bar: its hover styles need inline CSS, which the page's Content-Security-Policy refuses
    const config = { displaylogo: false, responsive: true, displayModeBar: false };
    Plotly.newPlot("shares", traces, layout, config);
    const sentiments = attributes.map((attribute, i) => {
      const color = palette[i % palette.length];
      const figures = data.periods.map((p) => p.attributes[attribute].net_sentiment);
      return { x, y: figures.map((f) => f.value), name: attribute, mode: "lines+markers", error_y: interval(figures, color),
        line: { color, dash: dashes[i % dashes.length] }, customdata: data.periods.map((p) => [attribute, p.comments]),
        hovertemplate: "%{x}: net sentiment %{y:+.2f}<extra>" + attribute + "</extra>" };
    });
    Plotly.newPlot("sentiment", sentiments, { ...layout, yaxis: { range: [-1, 1], zeroline: true, tickformat: "+.1f" } }, config);
    const drawnSentiment = sentiments.reduce((n, t) => n + t.y.filter((v) => v !== null).length, 0);
    const possible = sentiments.length * data.periods.length;
    document.getElementById("sentiment-status").textContent = drawnSentiment < possible
      ? `${drawnSentiment} of ${possible} points drawn: net sentiment needs 30 comments on the attribute in a period; ` +
        "choose weeks with more comments, or months over a longer span, to see more."
      : "";
    const gap = data.periods.map((p) => p[shown.gap]);
    const band = (key) => gap.map((g) => (g.value === null ? null : g[key]));
    Plotly.newPlot("gap", [
      { x, y: band("high"), mode: "lines", line: { width: 0 }, hoverinfo: "skip", showlegend: false, name: "95 % high" },
      { x, y: band("low"), mode: "lines", line: { width: 0 }, fill: "tonexty", fillcolor: "rgba(207,34,46,0.15)",
        hoverinfo: "skip", showlegend: false, name: "95 % low" },
      { x, y: gap.map((g) => g.value), name: "gap score" + shown.label, mode: "lines+markers", line: { color: "#cf222e" },
        customdata: data.periods.map((p) => [null, p.comments]),
        hovertemplate: "%{x}: %{y:.0%} (%{customdata[1]} comments)<extra></extra>" },
    ], { ...layout, yaxis: { tickformat: ".0%", range: [0, 1] } }, config);
    for (const id of ["shares", "sentiment", "gap"]) {
      document.getElementById(id).on("plotly_click", (event) => {
        const point = event.points.find((p) => p.customdata);
        if (point) evidence(point.customdata[0], point.x);
      });
    }
    const few = gap.filter((g) => g.value === null).length;
    status.textContent = `${data.periods.length} periods, ${data.periods.reduce((n, p) => n + p.comments, 0)} comments.` +
      (few ? ` ${few} of them have fewer than 30 comments: no point is drawn for those (try a longer period per point).` : "");
    root.dataset.ready = "true";
  }

  fetch(url)
    .then((response) => response.json().then((body) => {
      if (!response.ok) throw new Error(body.error || `HTTP ${response.status}`);
      return body;
    }))
    .then(draw)
    .catch((error) => { status.textContent = `Could not load the trends: ${error.message}`; });
})();
