// Where JavaScript runs, each chart's SVG picture is replaced by the interactive Vega view of the
// same spec (tooltips); without JavaScript, or when the library fails, the picture stays.
document.addEventListener("DOMContentLoaded", function () {
  if (typeof window.vegaEmbed !== "function") return;
  document.querySelectorAll("[data-spec]").forEach(function (box) {
    var data = document.getElementById(box.getAttribute("data-spec"));
    if (!data) return;
    var img = box.querySelector("img");
    var view = document.createElement("div");
    view.className = "vega";
    view.setAttribute("role", "img");
    view.setAttribute("aria-label", img ? img.alt : "Grafiek");
    box.appendChild(view);
    window.vegaEmbed(view, JSON.parse(data.textContent), {actions: false, renderer: "svg", formatLocale: {
      decimal: ",", thousands: ".", grouping: [3], currency: ["€\u00a0", ""]}})
      .then(function () { box.classList.add("live"); })
      .catch(function () { view.remove(); });
  });
});
