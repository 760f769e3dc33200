// Efterværn page behaviour. No inline scripts anywhere: the Content-Security-Policy forbids them.
(function () {
  "use strict";

  // fetch() with a deadline: no request of the outbox, the signatures or the sync code may hang for
  // ever (a connection held open by a proxy or a dying server). After the deadline it rejects like a
  // network failure, and the caller counts it as a failed try.
  window.eftervaernFetch = function (url, options) {
    const ms = Number((document.body && document.body.dataset.requestTimeout) || 20000);
    const controller = new AbortController();
    const timer = setTimeout(() => controller.abort(), ms);
    return fetch(url, Object.assign({}, options, { signal: controller.signal }))
      .then(async function (response) {
        // The deadline covers the body too: a server may send the headers and then stall.
        const text = await response.text();
        return { ok: response.ok, status: response.status, json: () => Promise.resolve(text).then(JSON.parse) };
      })
      .finally(() => clearTimeout(timer));
  };

  // Forms that only a script may send (the visit, signatures, consent) hold personal data: if their
  // script has not taken over (not loaded, or still starting), the browser must not send them itself,
  // which offline would fail or, for a form without method, put every field into the URL. This runs
  // first (capture) and stops such a submit before it happens.
  document.addEventListener("submit", function (event) {
    const form = event.target;
    if (!form.matches || !form.matches("form[data-script-submit]") || form.dataset.scriptReady) return;
    event.preventDefault();
    event.stopImmediatePropagation();
    let note = form.querySelector(".not-ready-error");
    if (!note) {
      note = document.createElement("p");
      note.className = "flash flash-error not-ready-error";
      note.setAttribute("role", "alert");
      form.prepend(note);
    }
    note.textContent = document.body.dataset.msgNotReady || "";
  }, true);

  // After an htmx swap, move focus to an error summary so screen readers announce it. The event
  // fires on the swapped-in element (with outerHTML, detail.target is the removed old one).
  document.addEventListener("htmx:afterSwap", function (event) {
    const root = event.target;
    const summary = root.matches(".error-summary") ? root : root.querySelector(".error-summary");
    if (summary) summary.focus();
  });

  // A link followed by htmx (hx-boost) with no network: go there as a plain page load instead, which the
  // service worker answers from the pages kept on the device (see "Forbered dagen").
  document.addEventListener("htmx:sendError", function (event) {
    const link = event.detail.elt && event.detail.elt.closest("a[href]");
    if (link) window.location.assign(link.href);
  });

  // Copy buttons (the journal note): the clipboard where allowed, else the text is selected for Ctrl+C.
  document.addEventListener("click", async function (event) {
    const button = event.target.closest("[data-copy]");
    if (!button) return;
    const source = document.getElementById(button.dataset.copy);
    let copied = false;
    try {
      await navigator.clipboard.writeText(source.value);
      copied = true;
    } catch (e) {
      source.focus();
      source.select();
    }
    if (copied) {
      const label = button.textContent;
      button.textContent = button.dataset.msgCopied;
      setTimeout(() => { button.textContent = label; }, 2000);
    }
  });

  // A 401 from htmx means the session ended: htmx follows HX-Redirect to the log-in page.
  // Other error answers would otherwise be silently ignored; show them.
  document.addEventListener("htmx:responseError", function (event) {
    const status = event.detail.xhr.status;
    if (status === 401) return;
    const main = document.getElementById("main");
    if (!main) return;
    let box = document.getElementById("htmx-error");
    if (!box) {
      box = document.createElement("p");
      box.id = "htmx-error";
      box.className = "flash flash-error";
      box.setAttribute("role", "alert");
      main.prepend(box);
    }
    box.textContent = document.documentElement.lang === "en"
      ? "The server could not complete the request (" + status + "). Try again."
      : "Serveren kunne ikke gennemføre handlingen (" + status + "). Prøv igen.";
  });
})();
