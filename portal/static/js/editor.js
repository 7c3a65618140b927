// The writing page's small helpers; without JavaScript the page works the same, only by hand:
// the address is made from the title when saved, Markdown and the marker line are typed.
(function () {
  "use strict";
  var MARKER = "<!-- paywall -->";
  var FOLD = { "æ": "ae", "ø": "o", "å": "a", "é": "e", "ü": "u", "ö": "o" };

  // The same folding as portal.content.rendering.slugify.
  function slugify(value) {
    return value.toLowerCase()
      .replace(/[æøåéüö]/g, function (c) { return FOLD[c]; })
      .replace(/[^a-z0-9]+/g, "-")
      .replace(/^-+|-+$/g, "")
      .slice(0, 120).replace(/-+$/, "");
  }

  // The address follows the title until the editor changes the address themselves.
  document.querySelectorAll("[data-slug-from]").forEach(function (slug) {
    var title = document.getElementById(slug.getAttribute("data-slug-from"));
    if (!title) { return; }
    var follows = slug.value === "" || slug.value === slugify(title.value);
    slug.addEventListener("input", function () { follows = slug.value === ""; });
    title.addEventListener("input", function () {
      if (follows) { slug.value = slugify(title.value); }
    });
  });

  function replaceSelection(textarea, make) {
    var start = textarea.selectionStart, end = textarea.selectionEnd;
    var value = textarea.value, chosen = value.slice(start, end);
    var result = make(chosen, value.slice(0, start));
    textarea.value = value.slice(0, start) + result.text + value.slice(end);
    textarea.focus();
    textarea.selectionStart = start + result.from;
    textarea.selectionEnd = start + result.to;
  }

  var FORMATS = {
    bold: function (s) { s = s || "tekst"; return { text: "**" + s + "**", from: 2, to: 2 + s.length }; },
    italic: function (s) { s = s || "tekst"; return { text: "*" + s + "*", from: 1, to: 1 + s.length }; },
    link: function (s) { s = s || "lenketekst"; return { text: "[" + s + "](https://)", from: s.length + 3, to: s.length + 11 }; },
    heading: function (s, before) {
      var lead = before && !before.endsWith("\n") ? "\n\n" : "";
      s = s || "Mellomtittel";
      return { text: lead + "## " + s + "\n\n", from: lead.length + 3, to: lead.length + 3 + s.length };
    },
    list: function (s, before) {
      var lead = before && !before.endsWith("\n") ? "\n\n" : "";
      var lines = (s || "punkt").split("\n").map(function (l) { return "- " + l; }).join("\n");
      return { text: lead + lines + "\n", from: lead.length + 2, to: lead.length + lines.length };
    }
  };

  document.querySelectorAll("[data-toolbar-for]").forEach(function (toolbar) {
    var textarea = document.getElementById(toolbar.getAttribute("data-toolbar-for"));
    if (!textarea) { return; }
    toolbar.classList.remove("js-only");
    toolbar.querySelectorAll("[data-md]").forEach(function (button) {
      button.addEventListener("click", function (event) {
        event.preventDefault();
        replaceSelection(textarea, FORMATS[button.getAttribute("data-md")]);
      });
    });
  });

  // One marker only: inserting it again moves it to the cursor.
  document.querySelectorAll("[data-insert-paywall]").forEach(function (button) {
    var textarea = document.getElementById(button.getAttribute("data-insert-paywall"));
    if (!textarea) { return; }
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
