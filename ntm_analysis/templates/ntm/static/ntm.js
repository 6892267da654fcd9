/* Swap each figure's static SVG for the live Vega chart (tooltips), with the page's number locale.
   On any failure the static SVG stays. */
(function () {
  "use strict";
  if (typeof window.vegaEmbed !== "function") return;
  var locale = JSON.parse(document.getElementById("ntm-locale").textContent);
  var figures = document.querySelectorAll("figure.ntm-chart");
  Array.prototype.forEach.call(figures, function (figure) {
    var still = figure.querySelector(".ntm-static");
    var source = figure.querySelector("script.ntm-spec");
    if (!still || !source) return;
    var live = document.createElement("div");
    live.className = "ntm-live";
    live.hidden = true;
    figure.insertBefore(live, still);
    function keepStatic(error) {
      live.remove();
      console.warn("chart " + figure.id + " stays static:", error);
    }
    try {
      window.vegaEmbed(live, JSON.parse(source.textContent), {
        mode: "vega-lite", renderer: "svg", actions: false, formatLocale: locale
      }).then(function () {
        still.remove();
        live.hidden = false;
      }, keepStatic);
    } catch (error) {
      keepStatic(error);
    }
  });
})();
