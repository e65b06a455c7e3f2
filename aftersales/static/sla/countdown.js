// Live countdown of service-level clocks: every element with data-due gets its text and colour
// refreshed twice a minute. The words come from the <script> tag's data attributes (translated by
// the server). No inline scripts: the Content-Security-Policy forbids them.
(function () {
  if (window.slaCountdown) { return; }
  var script = document.currentScript;
  var words = script ? script.dataset : {};
  var TONES = ["text-bg-success", "text-bg-warning", "text-bg-danger"];

  function fill(template, values) {
    return (template || "").replace(/%\((\w+)\)[sd]/g, function (_, key) { return values[key]; });
  }

  function duration(seconds) {
    var minutes = Math.floor(Math.abs(seconds) / 60);
    var d = Math.floor(minutes / 1440), h = Math.floor((minutes % 1440) / 60), m = minutes % 60;
    if (d) { return fill(words.dh, { d: d, h: h }); }
    if (h) { return fill(words.hm, { h: h, m: m }); }
    return fill(words.m, { m: m });
  }

  function refresh() {
    var now = Date.now();
    document.querySelectorAll(".sla-countdown[data-due]").forEach(function (el) {
      var due = Date.parse(el.dataset.due);
      if (isNaN(due)) { return; }
      var warn = el.dataset.warn ? Date.parse(el.dataset.warn) : NaN;
      var left = Math.round((due - now) / 1000);
      var tone, text;
      if (left < 0) {
        tone = "text-bg-danger";
        text = fill(words.over, { t: duration(left) });
      } else if (el.dataset.breached === "1") {
        return;
      } else {
        tone = (!isNaN(warn) && now >= warn) ? "text-bg-warning" : "text-bg-success";
        text = fill(words.left, { t: duration(left) });
      }
      if (el.textContent !== text) { el.textContent = text; }
      TONES.forEach(function (t) { el.classList.toggle(t, t === tone); });
    });
  }

  window.slaCountdown = { refresh: refresh };
  refresh();
  window.setInterval(refresh, 30000);
  document.addEventListener("htmx:afterSettle", refresh);
})();
