// The contact form: like a visit, a contact goes to the device's outbox (static/js/outbox.js), which sends it
// to PUT /api/v1/contacts/<uuid> at once when online and later when not. The UUID is made here, on the
// device, each time the form is opened, so a form page kept offline never reuses one.
(function () {
  "use strict";

  function showErrors(form, errors, message) {
    const summary = document.getElementById("contact-errors");
    form.querySelectorAll(".field-error[data-from-server]").forEach((el) => el.remove());
    Object.entries(errors || {}).forEach(function ([name, messages]) {
      const input = form.querySelector('[name="' + name + '"]');
      const note = document.createElement("p");
      note.className = "field-error";
      note.dataset.fromServer = "1";
      note.textContent = [].concat(messages).join(" ");
      if (input && input.type !== "hidden") input.closest(".field, fieldset, .checkbox").prepend(note);
      else summary.append(note);
    });
    if (message) summary.querySelector("[data-message]").textContent = message;
    summary.hidden = false;
    summary.focus();
  }

  // The page may have been kept on the device since an earlier day: when the contact came in is the
  // device's now, filled in when the form opens (the jobformidler changes it for an earlier call).
  function fillNow(form) {
    const now = new Date();
    const pad = (n) => String(n).padStart(2, "0");
    const day = form.querySelector('[name="came_in_on"]');
    const at = form.querySelector('[name="came_in_time"]');
    if (day) day.value = now.getFullYear() + "-" + pad(now.getMonth() + 1) + "-" + pad(now.getDate());
    if (at) at.value = pad(now.getHours()) + ":" + pad(now.getMinutes());
  }

  function setup(form) {
    const uuid = window.eftervaernStore.newUuid();
    fillNow(form);
    const status = document.getElementById("contact-status");
    form.addEventListener("submit", async function (event) {
      event.preventDefault();
      status.textContent = form.dataset.msgSaving;
      form.querySelector('[data-device-time="recorded"]').value = window.eftervaernDeviceTime();
      const body = new URLSearchParams(new FormData(form)).toString();
      let outcome = null;
      const listeners = {
        "outbox:sent": (e) => { if (e.detail.uuid === uuid) outcome = outcome || { sent: e.detail.data }; },
        "outbox:attention": (e) => { if (e.detail.entry.uuid === uuid) outcome = outcome || { attention: e.detail.entry }; },
        "outbox:login": () => { outcome = outcome || { login: true }; },
      };
      Object.entries(listeners).forEach(([name, fn]) => document.addEventListener(name, fn));
      const button = form.querySelector('button[type="submit"]');
      button.disabled = true;
      try {
        await window.eftervaernOutbox.add({
          uuid: uuid,
          kind: "contact",
          url: form.dataset.api + uuid,
          body: body,
          contentType: "application/x-www-form-urlencoded;charset=UTF-8",
          label: form.dataset.label || "",
        });
      } finally {
        Object.entries(listeners).forEach(([name, fn]) => document.removeEventListener(name, fn));
      }
      if (outcome && outcome.sent) {
        location.assign(form.dataset.done);
      } else if (outcome && outcome.attention) {
        button.disabled = false;
        status.textContent = "";
        showErrors(form, outcome.attention.errors, outcome.attention.message);
      } else if (outcome && outcome.login) {
        button.disabled = false;
        status.textContent = form.dataset.msgSession;
      } else {
        // Kept on the device: the form stays locked so the same contact is not queued twice.
        status.textContent = form.dataset.msgQueued;
        form.dataset.queued = "1";
      }
    });
    form.dataset.scriptReady = "1";
  }

  const form = document.getElementById("contact-form");
  if (form) setup(form);
})();
