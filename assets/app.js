// newsdesk reader page: everything here is optional; the page works without it.
// Theme choice is stored client-side so the cached HTML is the same for every reader.
(function () {
  "use strict";
  var root = document.documentElement;
  var themes = ["auto", "light", "dark", "sepia"];
  function apply(theme) {
    if (theme === "auto") { root.removeAttribute("data-theme"); } else { root.setAttribute("data-theme", theme); }
  }
  var saved = null;
  try { saved = localStorage.getItem("newsdesk-theme"); } catch (e) { /* storage disabled */ }
  if (saved && themes.indexOf(saved) >= 0) { apply(saved); }

  document.addEventListener("DOMContentLoaded", function () {
    var button = document.getElementById("theme-toggle");
    if (button) {
      button.hidden = false;
      var current = saved && themes.indexOf(saved) >= 0 ? saved : "auto";
      button.textContent = "Theme: " + current;
      button.addEventListener("click", function () {
        current = themes[(themes.indexOf(current) + 1) % themes.length];
        apply(current);
        button.textContent = "Theme: " + current;
        try { localStorage.setItem("newsdesk-theme", current); } catch (e) { /* storage disabled */ }
      });
    }
    // Show fetch times in the reader's own time zone.
    var times = document.querySelectorAll("time[datetime]");
    for (var i = 0; i < times.length; i++) {
      var d = new Date(times[i].getAttribute("datetime"));
      if (!isNaN(d)) { times[i].textContent = d.toLocaleString([], { month: "short", day: "numeric", hour: "2-digit", minute: "2-digit" }); }
    }
  });
})();
