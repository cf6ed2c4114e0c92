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
    // Inline math reads as plain text in an excerpt ("h_t-1", "Wᵀ"), so that
    // the words around it still make a sentence; display math is left out.
    const symbols = {top: "\u1d40", odot: "\u2299", cdot: "\u00b7", times: "\u00d7",
      partial: "\u2202", nabla: "\u2207", sum: "\u03a3", prod: "\u03a0", ldots: "\u2026",
      dots: "\u2026", cdots: "\u2026", in: "\u2208", approx: "\u2248", le: "\u2264",
      leq: "\u2264", ge: "\u2265", geq: "\u2265", ne: "\u2260", neq: "\u2260",
      to: "\u2192", rightarrow: "\u2192", pm: "\u00b1", infty: "\u221e",
      alpha: "\u03b1", beta: "\u03b2", gamma: "\u03b3", delta: "\u03b4", Delta: "\u0394",
      epsilon: "\u03b5", varepsilon: "\u03b5", eta: "\u03b7", theta: "\u03b8",
      lambda: "\u03bb", mu: "\u03bc", rho: "\u03c1", sigma: "\u03c3", tau: "\u03c4",
      phi: "\u03c6", psi: "\u03c8", omega: "\u03c9", lVert: "\u2016", rVert: "\u2016",
      Vert: "\u2016", lvert: "|", rvert: "|", vert: "|", quad: " ", qquad: " ",
      left: "", right: "", big: "", Big: "", bigl: "", bigr: "", Bigl: "", Bigr: ""};
    // Commands that only set a font or an accent: their argument stays.
    const fonts = new RegExp("\\\\(?:math(?:bf|rm|it|bb|cal|sf|tt)|boldsymbol|operatorname|"
      + "text(?:tt|bf|it|rm)?|hat|bar|tilde|vec|widehat|overline)(?![A-Za-z])\\s*", "g");
    const has = (object, key) => Object.prototype.hasOwnProperty.call(object, key);
    const plainTeX = (tex) => tex.replace(/^\s*\\\(|\\\)\s*$/g, "")
      .replace(/\^\s*\{?\s*\\top\s*\}?/g, "\u1d40")
      .replace(/\\frac\s*\{([^{}]*)\}\s*\{([^{}]*)\}/g, "$1/$2")
      .replace(fonts, "")
      .replace(/\\([A-Za-z]+)/g, (_, name) => (has(symbols, name) ? symbols[name] : name))
      .replace(/\\[,;:! ]/g, " ").replace(/[{}]/g, "").replace(/\s+/g, " ").trim();
    // One parse per fetched page: its excerpt and its section link both read
    // it, one right after the other.
    let last = {html: null, doc: null};
    const readable = (htmlString) => {
      if (last.html === htmlString) return last.doc;
      const doc = new DOMParser().parseFromString(htmlString, "text/html");
      doc.querySelectorAll("span.math").forEach((el) =>
        el.replaceWith(doc.createTextNode(plainTeX(el.textContent))));
      doc.querySelectorAll(noise.join(",")).forEach((el) => el.remove());
      last = {html: htmlString, doc};
      return doc;
    };
    Search.htmlToText = (htmlString, anchor) =>
      original(readable(htmlString).documentElement.outerHTML, anchor);

    /* Results point to the section that holds the words, not to the top of
       the page: the section of the word the excerpt shows (Sphinx's choice:
       the last search word found), named after the page's title. */
    const sectionOf = (htmlString, keywords) => {
      const main = readable(htmlString).querySelector('[role="main"]');
      if (!main) return null;
      main.querySelectorAll(".headerlink").forEach((el) => el.remove());
      const text = main.textContent.toLowerCase();
      const word = [...keywords].map((k) => k.toLowerCase())
        .filter((k) => text.indexOf(k) > -1).slice(-1)[0];
      if (!word) return null;
      const sections = [...main.querySelectorAll("section[id]")];
      for (const section of sections) {
        const own = section.cloneNode(true);
        own.querySelectorAll("section").forEach((el) => el.remove());
        if (!own.textContent.toLowerCase().includes(word)) continue;
        if (section === sections[0]) return null;  // the page's opening: the page itself
        const heading = section.querySelector("h1, h2, h3, h4, h5, h6");
        return {id: section.id, title: heading ? heading.textContent.trim() : ""};
      }
      return null;
    };
    const originalSummary = Search.makeSearchSummary;
    Search.makeSearchSummary = (htmlText, keywords, anchor) => {
      const summary = originalSummary(htmlText, keywords, anchor);
      const section = summary && !anchor ? sectionOf(htmlText, keywords) : null;
      if (section) {
        setTimeout(() => {  // Sphinx appends the excerpt to its result next
          const item = summary.parentElement;
          const link = item && item.querySelector("a");
          const href = link && link.getAttribute("href");
          if (!href || href.includes("#")) return;
          link.setAttribute("href", href + "#" + section.id);
          if (section.title) {
            const where = document.createElement("span");
            where.className = "rnn-search-section";
            where.textContent = " \u203a " + section.title;
            link.append(where);
          }
        }, 0);
      }
      return summary;
    };
    Search.rnnPatched = true;
  };
  document.addEventListener("DOMContentLoaded", patchSearch);
  patchSearch();
})();
