// The Trends page: draws GET /api/brands/<brand>/trends with plotly.js (served locally).
(function () {
  "use strict";
  const root = document.getElementById("trends");
  if (!root || !window.Plotly) return;
  const status = document.getElementById("chart-status");
  const palette = ["#3856d6", "#bf3989", "#1a7f37", "#9a6700", "#8250df", "#cf222e", "#0a7ea4", "#57606a"];

  const params = new URLSearchParams({ interval: root.dataset.interval });
  if (root.dataset.from) params.set("from", root.dataset.from);
  if (root.dataset.to) params.set("to", root.dataset.to);
  if (root.dataset.channel) params.set("channel", root.dataset.channel);
  const url = `/api/brands/${encodeURIComponent(root.dataset.brand)}/trends?${params}`;

  function periodEnd(start, interval) {
    const day = new Date(start + "T00:00:00Z");
    if (interval === "week") day.setUTCDate(day.getUTCDate() + 6);
    else { day.setUTCMonth(day.getUTCMonth() + (interval === "quarter" ? 3 : 1)); day.setUTCDate(0); }
    return day.toISOString().slice(0, 10);
  }

  let chosenInterval = root.dataset.interval;

  function evidence(attribute, start) {
    const query = new URLSearchParams({ brand: root.dataset.brand, kind: "customer", from: start,
      to: periodEnd(start, chosenInterval) });
    if (root.dataset.channel) query.set("channel", root.dataset.channel);
    if (attribute) query.set("attribute", attribute);
    window.location.href = `${root.dataset.comments}?${query}`;
  }

  // The 95 % interval of a series as a band: its upper edge, then its lower edge filled up to it.
  function band(x, figures, color, name, axes) {
    const edge = (key) => figures.map((f) => (f.value === null ? null : f[key]));
    return [
      { x, y: edge("high"), mode: "lines", line: { width: 0 }, hoverinfo: "skip", showlegend: false,
        name: name + " 95 % high", ...axes },
      { x, y: edge("low"), mode: "lines", line: { width: 0 }, fill: "tonexty", fillcolor: color + "33",
        hoverinfo: "skip", showlegend: false, name: name + " 95 % low", ...axes },
    ];
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

  // One panel per attribute (small multiples, same scale), ordered by how far customers are from
  // what is declared: the mean |perceived share − declared weight| over the periods drawn.
  function ordered(data, attributes, shareKey) {
    const gapOf = (attribute) => {
      const declared = (data.declared && data.declared[attribute]) || 0;
      const values = data.periods.map((p) => p.attributes[attribute][shareKey].value).filter((v) => v !== null);
      return values.length ? values.reduce((n, v) => n + Math.abs(v - declared), 0) / values.length : -1;
    };
    return attributes.map((a) => [a, gapOf(a)]).sort((a, b) => b[1] - a[1]).map(([a]) => a);
  }

  function grid(attributes, yaxis) {
    const columns = attributes.length > 4 ? 4 : Math.max(1, attributes.length);
    const rows = Math.ceil(attributes.length / columns);
    const layout = { grid: { rows, columns, pattern: "independent", xgap: 0.08, ygap: 0.35 },
      margin: { t: 30, r: 10, b: 40, l: 50 }, height: 60 + rows * 210, showlegend: false,
      hovermode: "closest", annotations: [] };
    attributes.forEach((attribute, i) => {
      const suffix = i === 0 ? "" : String(i + 1);
      layout["xaxis" + suffix] = { type: "date", tickformat: "%b %Y", nticks: 4 };
      layout["yaxis" + suffix] = { ...yaxis };
      layout.annotations.push({ text: "<b>" + attribute.replace(/_/g, " ") + "</b>", showarrow: false,
        xref: "x" + suffix + " domain", yref: "y" + suffix + " domain", x: 0, y: 1.18, xanchor: "left" });
    });
    return layout;
  }

  function axesOf(i) {
    const suffix = i === 0 ? "" : String(i + 1);
    return { xaxis: "x" + suffix, yaxis: "y" + suffix };
  }

  function draw(data) {
    const shown = figuresShown(data);
    chosenInterval = data.interval;
    const x = data.periods.map((p) => p.start);
    const all = data.periods.length ? Object.keys(data.periods[0].attributes) : [];
    const attributes = ordered(data, all, shown.share);
    // no mode bar: its hover styles need inline CSS, which the page's Content-Security-Policy refuses
    const config = { displaylogo: false, responsive: true, displayModeBar: false };

    // the gap score first: the one number the page is about
    const gap = data.periods.map((p) => p[shown.gap]);
    Plotly.newPlot("gap", [
      ...band(x, gap, "#cf222e", "gap score", {}),
      { x, y: gap.map((g) => g.value), name: "gap score" + shown.label, mode: "lines+markers", line: { color: "#cf222e" },
        customdata: data.periods.map((p) => [null, p.comments]),
        hovertemplate: "%{x}: %{y:.0%} (%{customdata[1]} comments)<extra></extra>" },
    ], { margin: { t: 10, r: 10, b: 40, l: 50 }, height: 260, showlegend: false, hovermode: "closest",
         yaxis: { tickformat: ".0%", range: [0, 1] } }, config);

    // shares: one panel per attribute on one scale, its declared weight dashed, its interval a band
    let top = 0.05;
    attributes.forEach((attribute) => {
      for (const p of data.periods) {
        const f = p.attributes[attribute][shown.share];
        if (f.high !== null && f.high !== undefined) top = Math.max(top, f.high);
      }
      if (data.declared && attribute in data.declared) top = Math.max(top, data.declared[attribute]);
    });
    const traces = [];
    attributes.forEach((attribute, i) => {
      const color = palette[i % palette.length];
      const axes = axesOf(i);
      const figures = data.periods.map((p) => p.attributes[attribute][shown.share]);
      traces.push(...band(x, figures, color, attribute, axes));
      if (data.declared && attribute in data.declared) {
        traces.push({ x: [x[0], x[x.length - 1]], y: [data.declared[attribute], data.declared[attribute]],
          mode: "lines", name: attribute + " (declared)", line: { color: "#57606a", width: 1.5, dash: "dash" },
          hovertemplate: "declared %{y:.0%}<extra>" + attribute + "</extra>", ...axes });
      }
      traces.push({ x, y: figures.map((f) => f.value), name: shown.name(attribute), mode: "lines+markers",
        line: { color }, customdata: data.periods.map((p) => [attribute, p.comments]), ...axes,
        hovertemplate: "%{x}: %{y:.0%} of mentions (%{customdata[1]} comments)<extra>" + attribute + "</extra>" });
    });
    Plotly.newPlot("shares", traces, grid(attributes, { tickformat: ".0%", range: [0, Math.min(1, top * 1.1)] }), config);

    // net sentiment: the same panels, −1 to +1
    const sentiments = [];
    let drawnSentiment = 0;
    attributes.forEach((attribute, i) => {
      const color = palette[i % palette.length];
      const axes = axesOf(i);
      const figures = data.periods.map((p) => p.attributes[attribute].net_sentiment);
      drawnSentiment += figures.filter((f) => f.value !== null).length;
      sentiments.push(...band(x, figures, color, attribute, axes));
      sentiments.push({ x, y: figures.map((f) => f.value), name: attribute, mode: "lines+markers", line: { color },
        customdata: data.periods.map((p) => [attribute, p.comments]), ...axes,
        hovertemplate: "%{x}: net sentiment %{y:+.2f}<extra>" + attribute + "</extra>" });
    });
    Plotly.newPlot("sentiment", sentiments, grid(attributes, { range: [-1, 1], zeroline: true, tickformat: "+.1f" }), config);
    const possible = attributes.length * data.periods.length;
    document.getElementById("sentiment-status").textContent = drawnSentiment < possible
      ? `${drawnSentiment} of ${possible} points drawn: net sentiment needs 30 comments on the attribute in a period; ` +
        "choose quarters, or a longer span, to see more."
      : "";
    for (const id of ["shares", "sentiment", "gap"]) {
      document.getElementById(id).on("plotly_click", (event) => {
        const point = event.points.find((p) => p.customdata);
        if (point) evidence(point.customdata[0], point.x);
      });
    }
    const interval = document.getElementById("interval-status");
    if (interval) {
      interval.textContent = root.dataset.interval === "auto"
        ? `One point per ${data.interval}` + (data.interval === "quarter"
          ? ": months have too few comments for most figures." : ".")
        : "";
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
