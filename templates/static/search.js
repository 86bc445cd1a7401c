// Search page: mounts Pagefind's UI (pagefind/pagefind-ui.js, built by `digest build`)
// into #search. The index is in shards (pagefind/NN/, listed in pagefind/shards.json): the
// first is opened, the others merged into it. Paths come from data attributes, so the site
// works under a sub-path. With JavaScript off, the page keeps its plain notice and links.
(function () {
  "use strict";
  function mount(box, bundle, base, shards) {
    if (!shards.length) return;  // nothing indexed yet: the notice and its links stay
    box.textContent = "";
    var ui = new window.PagefindUI({
      element: "#search",
      baseUrl: base,
      bundlePath: bundle + shards[0].path,
      mergeIndex: shards.slice(1).map(function (s) {
        // the tag names the shard's index: its entry file may be cached until it changes
        return { bundlePath: bundle + s.path, baseUrl: base, metaCacheTag: s.tag };
      }),
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
  function start() {
    var box = document.getElementById("search");
    if (!box || typeof window.PagefindUI !== "function") return;
    var base = box.getAttribute("data-base-url") || "/";
    var bundle = box.getAttribute("data-bundle-path") || "/pagefind/";
    fetch(bundle + "shards.json", { cache: "no-cache" })
      .then(function (r) { return r.ok ? r.json() : { shards: [] }; })
      .then(function (listing) { mount(box, bundle, base, listing.shards || []); })
      .catch(function () { /* no index: the notice and its links stay */ });
  }
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
