// newsdesk reader page: everything here is optional; the page works without it.
// - Theme button: switches at once and remembers the choice in the `nd_prefs` cookie (so the
//   frontend serves the chosen theme without a flash, and /config shows it) and localStorage.
// - Paging: each box pages on its own, without moving the view; a covered story's link shows
//   the page of its first report.
// - Times: ages and the reader's own time zone instead of UTC.
(function () {
  "use strict";
  var root = document.documentElement;
  var COOKIE = "nd_prefs", KEY = "newsdesk-prefs", YEAR = 31536000;
  root.classList.add("js");

  function current() {
    return {
      theme: root.getAttribute("data-theme") || "auto",
      font: root.getAttribute("data-font") || "sans",
      underline: root.hasAttribute("data-underline")
    };
  }
  function encode(p) { return p.theme + "." + p.font + "." + (p.underline ? "u" : "n"); }
  function decode(v) {
    var parts = String(v || "").split(".");
    if (!/^[a-z]+$/.test(parts[0] || "") || !/^[a-z]+$/.test(parts[1] || "")) { return null; }
    return { theme: parts[0], font: parts[1], underline: parts[2] === "u" };
  }
  function apply(p) {
    if (p.theme === "auto") { root.removeAttribute("data-theme"); } else { root.setAttribute("data-theme", p.theme); }
    if (p.font === "sans") { root.removeAttribute("data-font"); } else { root.setAttribute("data-font", p.font); }
    if (p.underline) { root.setAttribute("data-underline", ""); } else { root.removeAttribute("data-underline"); }
  }
  function remember(p) {
    document.cookie = COOKIE + "=" + encode(p) + "; Path=/; Max-Age=" + YEAR + "; SameSite=Lax";
    try { localStorage.setItem(KEY, encode(p)); } catch (e) { /* storage disabled */ }
  }
  function cookieSet() { return (";" + document.cookie).replace(/ /g, "").indexOf(";" + COOKIE + "=") >= 0; }

  // The cookie, which the server already applied, wins; without it (cleared by the browser)
  // the copy in localStorage brings the choice back.
  if (cookieSet()) {
    try { localStorage.setItem(KEY, encode(current())); } catch (e) { /* storage disabled */ }
  } else {
    var saved = null;
    try { saved = decode(localStorage.getItem(KEY)); } catch (e) { /* storage disabled */ }
    if (saved) { apply(saved); remember(saved); }
  }

  function themeButton() {
    var button = document.getElementById("theme");
    if (!button) { return; }
    var themes = (button.getAttribute("data-themes") || "auto").split(" ");
    function label() { button.textContent = "Theme: " + current().theme; }
    label();
    button.addEventListener("click", function () {
      var p = current();
      p.theme = themes[(themes.indexOf(p.theme) + 1) % themes.length];
      apply(p);
      remember(p);
      label();
    });
  }

  // Pager links name the page's anchor; show that page in its own box only.
  function pager() {
    document.addEventListener("click", function (ev) {
      var a = ev.target.closest && ev.target.closest(".pager a");
      if (!a) { return; }
      var anchor = document.getElementById(a.getAttribute("href").slice(1));
      var page = anchor && anchor.parentNode;
      var box = page && page.closest(".source");
      if (!box) { return; }
      ev.preventDefault();
      var pages = box.querySelectorAll(".page");
      for (var i = 0; i < pages.length; i++) { pages[i].classList.toggle("cur", pages[i] === page); }
      box.classList.add("paged");
      var next = page.querySelector(".pager [rel=" + a.rel + "]") || page.querySelector(".pager a");
      if (next) { next.focus({ preventScroll: true }); }
    });
  }

  // A covered story links to its first report, which may be on another page of a paged box.
  function firstReports() {
    document.addEventListener("click", function (ev) {
      var a = ev.target.closest && ev.target.closest("a.seen");
      var li = a && document.getElementById(a.getAttribute("href").slice(1));
      var page = li && li.closest(".page");
      var box = page && page.closest(".paged");
      if (!box) { return; }
      var pages = box.querySelectorAll(".page");
      for (var i = 0; i < pages.length; i++) { pages[i].classList.toggle("cur", pages[i] === page); }
    });
  }

  function age(ms) {
    var m = Math.round(ms / 60000);
    if (m < 1) { return "now"; }
    if (m < 60) { return m + " min"; }
    var h = Math.round(m / 60);
    if (h < 48) { return h + " h"; }
    return Math.round(h / 24) + " d";
  }

  function times() {
    var now = Date.now();
    var all = document.querySelectorAll("time[datetime]");
    // One formatter for all: toLocaleString builds a new one per call, which for a page of
    // 500 headlines is a long task on a phone.
    var format = new Intl.DateTimeFormat([], { month: "short", day: "numeric", hour: "2-digit", minute: "2-digit" });
    for (var i = 0; i < all.length; i++) {
      var t = all[i], d = new Date(t.getAttribute("datetime"));
      if (isNaN(d)) { continue; }
      var local = format.format(d);
      if (t.parentNode.nodeName === "LI") {
        t.textContent = age(now - d);
        t.title = local;
      } else {
        t.textContent = local;
      }
    }
    var tz = document.getElementById("tz");
    if (tz) {
      var zone = "";
      try { zone = Intl.DateTimeFormat().resolvedOptions().timeZone; } catch (e) { /* old browser */ }
      tz.textContent = "Times in your time zone" + (zone ? " (" + zone + ")" : "");
    }
  }

  document.addEventListener("DOMContentLoaded", function () {
    themeButton();
    pager();
    firstReports();
    times();
  });
})();
