/* The book's own script. Jupyter Book adds every .js file in _static/ to every page. */
(() => {
  "use strict";

  /* "Run in your browser" opens the book's JupyterLite site, which needs a web
     server: browsers do not run it from a file. On a page opened from disk,
     say how to serve the book instead of opening a page that cannot work. */
  document.addEventListener("click", (event) => {
    const link = event.target.closest && event.target.closest("a.rnn-lite-link, a[href*='lite/lab/index.html']");
    if (!link || window.location.protocol !== "file:") return;
    event.preventDefault();
    let note = document.getElementById("rnn-lite-note");
    if (!note) {
      note = document.createElement("div");
      note.id = "rnn-lite-note";
      note.className = "admonition note rnn-lite-note";
      note.setAttribute("role", "status");
      note.innerHTML = '<p class="admonition-title">The browser version needs a web server</p>' +
        "<p>This page was opened from a file. To run the notebooks in your browser, serve the " +
        "book's folder, for example with <code>python3 -m http.server -d _build/html</code>, " +
        "and open <code>http://localhost:8000/</code>; or use the published website.</p>";
      const main = document.querySelector("main article") || document.body;
      main.prepend(note);
    }
    note.scrollIntoView({block: "center"});
  });

  /* Display equations that are wider than the column (a phone) are set
     smaller until they fit, down to 60 %; past that they scroll within
     their own box (book.css), never the page. */
  const fit = () => {
    for (const eq of document.querySelectorAll("mjx-container[display='true']")) {
      eq.style.fontSize = "";
      const box = eq.parentElement;
      const need = eq.scrollWidth, have = box.clientWidth;
      if (need > have && have > 0) {
        eq.style.fontSize = Math.max(60, Math.floor(100 * have / need)) + "%";
      }
    }
  };
  const whenTypeset = () => {
    if (window.MathJax && MathJax.startup && MathJax.startup.promise) {
      MathJax.startup.promise.then(fit);
    } else {
      setTimeout(whenTypeset, 100);
    }
  };
  window.addEventListener("load", whenTypeset);
  let pending = null;
  window.addEventListener("resize", () => {
    clearTimeout(pending);
    pending = setTimeout(fit, 100);
  });
  window.rnnFitEquations = fit;  // the browser test calls it after changing the viewport

  /* Search excerpts: Sphinx makes them from the page's text, which holds the
     TeX source of the math, the code of collapsed cells (plotting code,
     solutions) and the page's own contents list. Leave those out, so an
     excerpt reads as the page does. */
  const patchSearch = () => {
    if (typeof Search === "undefined" || !Search.htmlToText || Search.rnnPatched) return;
    const original = Search.htmlToText;
    const noise = [".math", "mjx-container", "nav", ".bd-toc", ".bd-sidebar-secondary", ".toc",
      ".tag_hide-input .cell_input", "details.hide", ".prev-next-area", ".rnn-student-box",
      ".header-article", "script", "style"];
    Search.htmlToText = (htmlString, anchor) => {
      const doc = new DOMParser().parseFromString(htmlString, "text/html");
      doc.querySelectorAll(noise.join(",")).forEach((el) => el.remove());
      return original(doc.documentElement.outerHTML, anchor);
    };
    Search.rnnPatched = true;
  };
  document.addEventListener("DOMContentLoaded", patchSearch);
  patchSearch();
})();
