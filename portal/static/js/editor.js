// Editor: a button that inserts the paywall marker line at the cursor. Without JavaScript
// the editor's help text tells the editor to type the line themselves.
(function () {
  "use strict";
  var MARKER = "<!-- paywall -->";
  document.querySelectorAll("[data-insert-paywall]").forEach(function (button) {
    var textarea = document.getElementById(button.getAttribute("data-insert-paywall"));
    if (!textarea) { return; }
    button.classList.remove("js-only");
    button.addEventListener("click", function (event) {
      event.preventDefault();
      var value = textarea.value.replace(/^[ \t]*<!--\s*paywall\s*-->[ \t]*\n?/gim, "");
      var at = Math.min(textarea.selectionStart, value.length);
      var before = value.slice(0, at), after = value.slice(at);
      var insert = (before && !before.endsWith("\n\n") ? (before.endsWith("\n") ? "\n" : "\n\n") : "") +
        MARKER + "\n\n";
      textarea.value = before + insert + after.replace(/^\n+/, "");
      textarea.focus();
      textarea.selectionStart = textarea.selectionEnd = (before + insert).length;
    });
  });
})();
