// Keeps crawl states current without a reload: while a crawl on this page is queued or running,
// fetch this page again every few seconds and swap in its fresh parts (those marked data-live).
// Stops as soon as nothing is queued or running, and after 20 minutes in any case.
(function () {
  "use strict";
  const EVERY_MS = 3000;
  const LIMIT = 400;
  let rounds = 0;
  const parts = (root) => Array.from(root.querySelectorAll("[data-live]"));
  const busy = () => parts(document).some((part) => part.querySelector(".state-running, .queued") !== null);
  async function refresh() {
    rounds += 1;
    try {
      const response = await fetch(window.location.href, { credentials: "same-origin", headers: { Accept: "text/html" } });
      if (response.ok) {
        const fresh = parts(new DOMParser().parseFromString(await response.text(), "text/html"));
        const shown = parts(document);
        if (fresh.length === shown.length) {
          shown.forEach((part, i) => {
            if (part.innerHTML !== fresh[i].innerHTML) part.innerHTML = fresh[i].innerHTML;
          });
        }
      }
    } catch (_error) {
      // offline for a moment: the next round tries again
    }
    schedule();
  }
  function schedule() {
    if (busy() && rounds < LIMIT) window.setTimeout(refresh, EVERY_MS);
  }
  schedule();
})();
