// newsdesk weather strip: the page carries the site's place, rendered server-side (works
// without JavaScript). This swaps in the reader's own area from /api/weather and shows °C or
// °F: the reader's saved choice, else their country's (from /api/weather, else the browser's
// locale). The toggle is remembered in localStorage. No innerHTML: text goes in as text.
(function () {
  "use strict";
  var KEY = "newsdesk-weather-unit";
  // Keep in step with FAHRENHEIT in src/weather/units.rs.
  var FAHRENHEIT = ["US", "PR", "GU", "VI", "AS", "MP", "UM", "LR", "BS", "BZ", "KY", "PW", "FM", "MH"];

  function cToF(c) { return c * 9 / 5 + 32; }
  function unitOfCountry(country) {
    return country && FAHRENHEIT.indexOf(String(country).toUpperCase()) >= 0 ? "F" : "C";
  }
  function localeCountry() {
    var langs = navigator.languages && navigator.languages.length ? navigator.languages : [navigator.language || ""];
    var m = /[-_]([A-Za-z]{2})(?:[-_]|$)/.exec(String(langs[0] || ""));
    return m ? m[1].toUpperCase() : null;
  }
  function saved() {
    try { var u = localStorage.getItem(KEY); return u === "C" || u === "F" ? u : null; } catch (e) { return null; }
  }
  function save(unit) {
    try { localStorage.setItem(KEY, unit); } catch (e) { /* storage disabled */ }
  }

  function show(strip, unit) {
    var temps = strip.querySelectorAll("[data-c]");
    for (var i = 0; i < temps.length; i++) {
      var c = parseFloat(temps[i].getAttribute("data-c"));
      if (!isNaN(c)) { temps[i].textContent = Math.round(unit === "F" ? cToF(c) : c) + "°"; }
    }
    strip.setAttribute("data-unit", unit);
    var label = strip.querySelector(".weather-unit-label");
    if (label) { label.textContent = "°" + unit; }
    var toggle = strip.querySelector(".weather-toggle");
    if (toggle) { toggle.textContent = "°" + (unit === "F" ? "C" : "F"); }
  }

  function el(tag, cls, text) {
    var e = document.createElement(tag);
    if (cls) { e.className = cls; }
    if (text !== undefined && text !== null) { e.textContent = text; }
    return e;
  }
  function temp(cls, c) {
    var e = el("span", cls, c === null || c === undefined ? "–" : Math.round(c) + "°");
    if (typeof c === "number") { e.setAttribute("data-c", String(c)); }
    return e;
  }

  // Replaces the days with those of `data` (an /api/weather answer).
  function build(strip, data) {
    if (!data || !data.days || !data.days.length) { return; }
    var list = el("ol", "weather-days");
    for (var i = 0; i < data.days.length; i++) {
      var d = data.days[i];
      var li = el("li", "weather-day");
      li.setAttribute("data-date", String(d.date));
      li.appendChild(el("span", "weather-weekday", d.weekday));
      if (typeof d.icon === "string" && d.icon.indexOf("/assets/") === 0) {
        var img = el("img", "weather-icon");
        img.src = d.icon; img.alt = d.condition; img.title = d.condition; img.width = 32; img.height = 32;
        li.appendChild(img);
      }
      li.appendChild(temp("weather-high", d.high_c));
      li.appendChild(temp("weather-low", d.low_c));
      var p = typeof d.precipitation_probability === "number" ? d.precipitation_probability + "%" : "";
      var mm = typeof d.precipitation_mm === "number" ? " " + d.precipitation_mm.toFixed(1) + " mm" : "";
      li.appendChild(el("span", "weather-precip", p + mm));
      list.appendChild(li);
    }
    var old = strip.querySelector(".weather-days, .weather-none");
    if (old) { old.parentNode.replaceChild(list, old); }
    var place = strip.querySelector(".weather-place");
    if (place && data.place) { place.textContent = data.place; }
    strip.setAttribute("data-source", String(data.source || ""));
  }

  document.addEventListener("DOMContentLoaded", function () {
    var strip = document.getElementById("weather");
    if (!strip) { return; }
    var unit = saved() || unitOfCountry(localeCountry());
    show(strip, unit);
    var toggle = strip.querySelector(".weather-toggle");
    if (toggle) {
      toggle.hidden = false;
      toggle.addEventListener("click", function () {
        unit = unit === "F" ? "C" : "F";
        save(unit);
        show(strip, unit);
      });
    }
    if (!window.fetch) { return; }
    fetch("/api/weather", { credentials: "same-origin" })
      .then(function (r) { return r.ok ? r.json() : null; })
      .then(function (data) {
        if (!data) { return; }
        build(strip, data);
        if (!saved() && data.unit) { unit = data.unit === "F" ? "F" : "C"; }
        show(strip, unit);
      })
      .catch(function () { /* keep the site's place */ });
  });
})();
