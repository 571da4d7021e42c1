// paperscope's only script. Everything works without it; it adds math rendering,
// copy buttons, the CSRF header for htmx requests and the removal of pictures that
// could not be fetched.
(function () {
  "use strict";

  function renderMath(root) {
    if (typeof window.renderMathInElement !== "function") return;
    root.querySelectorAll(".math").forEach(function (el) {
      // trust:false: \href, \url, \htmlClass and friends are refused, so a title
      // can never inject links, classes or scripts through LaTeX.
      window.renderMathInElement(el, {
        delimiters: [
          { left: "$$", right: "$$", display: true },
          { left: "\\[", right: "\\]", display: true },
          { left: "$", right: "$", display: false },
          { left: "\\(", right: "\\)", display: false },
        ],
        // Math that does not parse stays as its source text. (Rendered errors would
        // carry an inline colour, which the Content-Security-Policy refuses.)
        throwOnError: true,
        errorCallback: function () {},
        // Commands refused by trust:false (\href...) are still typeset, in the site's
        // error colour, readable (AA) in both themes, not KaTeX's #cc0000.
        errorColor: "var(--danger)",
        trust: false,
        strict: "ignore",
        maxExpand: 200,
      });
    });
  }

  function wireCopyButtons(root) {
    root.querySelectorAll("[data-copy-target]").forEach(function (button) {
      if (button.dataset.wired) return;
      button.dataset.wired = "1";
      button.hidden = false;
      button.addEventListener("click", function () {
        var target = document.getElementById(button.dataset.copyTarget);
        if (!target || !navigator.clipboard) return;
        navigator.clipboard.writeText(target.textContent).then(function () {
          var label = button.textContent;
          button.textContent = "Copied";
          setTimeout(function () { button.textContent = label; }, 1500);
        });
      });
    });
  }

  document.addEventListener("htmx:configRequest", function (event) {
    var meta = document.querySelector('meta[name="csrf-token"]');
    if (meta) event.detail.headers["X-CSRF-Token"] = meta.content;
  });
  document.addEventListener("htmx:afterSwap", function (event) {
    renderMath(event.target);
    wireCopyButtons(event.target);
  });
  // On a phone, search filters fold away so the first result is in view.
  function foldOnPhone(root) {
    if (!window.matchMedia("(max-width: 600px)").matches) return;
    root.querySelectorAll("details[data-fold-on-phone]").forEach(function (el) {
      el.open = false;
    });
  }

  // Avatars and thumbnails come from other sites (Hugging Face); one that cannot be
  // fetched (a server or reader offline, a picture gone) is taken out rather than
  // shown as a broken image.
  function dropPicture(img) {
    var card = img.closest(".has-thumb");
    if (card) card.classList.remove("has-thumb");
    var thumb = img.closest(".thumb");
    (thumb || img).remove();
  }
  function dropBrokenPictures(root) {
    root.querySelectorAll("img").forEach(function (img) {
      if (img.complete && img.naturalWidth === 0 && img.getAttribute("src")) dropPicture(img);
    });
  }
  // Errors do not bubble: listen in the capture phase for those still to come.
  document.addEventListener("error", function (event) {
    if (event.target instanceof HTMLImageElement) dropPicture(event.target);
  }, true);

  document.addEventListener("DOMContentLoaded", function () {
    dropBrokenPictures(document.body);
    foldOnPhone(document);
    renderMath(document.body);
    wireCopyButtons(document.body);
  });
})();
