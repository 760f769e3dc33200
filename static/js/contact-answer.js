// "Besvaret" on the home page's "Venter på svar": the answer goes through the device's outbox
// (static/js/outbox.js) to PUT /api/v1/contacts/<uuid>/answer with the time it was given on the device, so
// an answer given with no network keeps its real time. Without this script the form posts to the page.
(function () {
  "use strict";

  async function send(form) {
    const row = form.closest("li");
    const status = form.querySelector(".answer-status");
    const button = form.querySelector('button[type="submit"]');
    button.disabled = true;
    const body = new URLSearchParams({
      note: form.querySelector('[name="note"]').value,
      answered_at: window.eftervaernDeviceTime(),
    }).toString();
    let outcome = null;
    const uuid = form.dataset.uuid;
    const listeners = {
      "outbox:sent": (e) => { if (e.detail.uuid === uuid) outcome = outcome || { sent: true }; },
      "outbox:attention": (e) => { if (e.detail.entry.uuid === uuid) outcome = outcome || { attention: e.detail.entry }; },
    };
    Object.entries(listeners).forEach(([name, fn]) => document.addEventListener(name, fn));
    try {
      await window.eftervaernOutbox.add({
        uuid: uuid,
        kind: "contact",
        url: form.dataset.api,
        body: body,
        contentType: "application/x-www-form-urlencoded;charset=UTF-8",
        label: form.dataset.label || "",
      });
    } finally {
      Object.entries(listeners).forEach(([name, fn]) => document.removeEventListener(name, fn));
    }
    if (outcome && outcome.sent) {
      const done = document.createElement("li");
      done.className = "card waiting-row is-answered";
      done.id = row.id;
      done.setAttribute("role", "status");
      done.textContent = form.dataset.msgDone;
      row.replaceWith(done);
    } else if (outcome && outcome.attention) {
      button.disabled = false;
      status.textContent = outcome.attention.message || "";
    } else {
      status.textContent = form.dataset.msgQueued;
    }
  }

  // In the capture phase: before anything else that listens for the submit (htmx, app.js).
  document.addEventListener("submit", function (event) {
    const form = event.target;
    if (!form.matches || !form.matches("form.answer-form") || !window.eftervaernOutbox) return;
    event.preventDefault();
    event.stopImmediatePropagation();
    send(form);
  }, true);
})();
