// Follows an export job: polls its small JSON status and moves the progress bar; reloads the
// page when the job is finished. Without JavaScript the page refreshes itself (noscript meta).
(function () {
  "use strict";
  var box = document.querySelector("[data-export-status]");
  var bar = document.getElementById("export-progress");
  if (!box || !bar) return;
  var text = box.querySelector("[data-export-text]");
  var url = box.getAttribute("data-export-status");

  function poll() {
    fetch(url, { headers: { Accept: "application/json" }, credentials: "same-origin" })
      .then(function (response) { return response.json(); })
      .then(function (state) {
        bar.value = state.progress;
        if (text) text.textContent = state.progress + " %";
        if (state.finished) window.location.reload();
        else window.setTimeout(poll, 1500);
      })
      .catch(function () { window.setTimeout(poll, 5000); });
  }
  window.setTimeout(poll, 1000);
})();
