// Search page: mounts Pagefind's UI (pagefind/pagefind-ui.js, built by `digest build`)
// into #search. Paths come from data attributes, so the site works under a sub-path.
// With JavaScript off, the page keeps its plain notice and links.
(function () {
  "use strict";
  function start() {
    var box = document.getElementById("search");
    if (!box || typeof window.PagefindUI !== "function") return;
    box.textContent = "";
    var ui = new window.PagefindUI({
      element: "#search",
      baseUrl: box.getAttribute("data-base-url") || "/",
      bundlePath: box.getAttribute("data-bundle-path") || "/pagefind/",
      showImages: false,
      showSubResults: true,
      resetStyles: false
    });
    var q = new URLSearchParams(window.location.search).get("q");
    if (q) ui.triggerSearch(q);
    // Pagefind's input has only a placeholder: give it an accessible name once it exists
    var tries = 0;
    (function label() {
      var input = box.querySelector("input");
      if (input) {
        input.setAttribute("aria-label", "Search stories and articles");
      } else if (tries++ < 100) {
        window.setTimeout(label, 50);
      }
    })();
  }
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
