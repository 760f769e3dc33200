// Efterværn page behaviour. No inline scripts anywhere: the Content-Security-Policy forbids them.
(function () {
  "use strict";

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
