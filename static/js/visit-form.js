// The visit form: its UUID is made here when the visit is opened, and saving goes through the sync
// API (PUT /api/v1/visits/<uuid>), the same path a replay from the offline outbox takes.
(function () {
  "use strict";

  function uuid4() {
    if (window.crypto && crypto.randomUUID) return crypto.randomUUID();
    const b = crypto.getRandomValues(new Uint8Array(16));
    b[6] = (b[6] & 0x0f) | 0x40;
    b[8] = (b[8] & 0x3f) | 0x80;
    const h = Array.from(b, (x) => x.toString(16).padStart(2, "0")).join("");
    return h.slice(0, 8) + "-" + h.slice(8, 12) + "-" + h.slice(12, 16) + "-" + h.slice(16, 20) + "-" + h.slice(20);
  }

  // WTForms nests FieldList errors: {"actions": [{"what": ["…"]}, {}]} → {"actions-0-what": ["…"]}.
  function flatten(errors, prefix, out) {
    out = out || {};
    Object.keys(errors).forEach(function (key) {
      const value = errors[key];
      const name = prefix ? prefix + "-" + key : key;
      if (Array.isArray(value) && value.length && typeof value[0] === "object" && value[0] !== null) {
        value.forEach(function (entry, i) { if (entry) flatten(entry, name + "-" + i, out); });
      } else if (Array.isArray(value)) {
        if (value.length) out[name] = value;
      } else if (value && typeof value === "object") {
        flatten(value, name, out);
      }
    });
    return out;
  }

  function setup(form) {
    if (form.dataset.ready) return;
    form.dataset.ready = "1";
    if (!form.dataset.uuid) form.dataset.uuid = uuid4();
    const statusLine = document.getElementById("save-status");
    const summary = document.getElementById("visit-errors");
    const csrf = document.querySelector('meta[name="csrf-token"]').content;

    function clearErrors() {
      form.querySelectorAll("[data-error-for]").forEach(function (p) {
        if (p.dataset.generated) p.remove(); else { p.hidden = true; p.textContent = ""; }
      });
      form.querySelectorAll(".has-error").forEach(function (el) { el.classList.remove("has-error"); });
      form.querySelectorAll("[aria-invalid]").forEach(function (el) { el.removeAttribute("aria-invalid"); });
      summary.hidden = true;
    }

    function showErrors(errors, message) {
      let first = null;
      Object.keys(errors).forEach(function (name) {
        const input = form.querySelector('[name="' + name + '"]');
        const box = form.querySelector('[data-field="' + name + '"]') || (input && input.closest(".field, fieldset"));
        if (!box) return;
        let p = box.querySelector('[data-error-for="' + name + '"]');
        if (!p) {
          p = document.createElement("p");
          p.className = "field-error";
          p.dataset.errorFor = name;
          p.dataset.generated = "1";
          p.id = name + "-api-error";
          box.prepend(p);
        }
        p.textContent = errors[name].join(" ");
        p.hidden = false;
        box.classList.add("has-error");
        if (input) {
          input.setAttribute("aria-invalid", "true");
          input.setAttribute("aria-describedby", p.id || name + "-error");
        }
        first = first || box;
      });
      summary.querySelector("[data-message]").textContent = message;
      summary.hidden = false;
      summary.focus();
    }

    form.addEventListener("submit", async function (event) {
      event.preventDefault();
      clearErrors();
      statusLine.textContent = form.dataset.msgSaving;
      const button = form.querySelector('button[type="submit"]');
      button.disabled = true;
      let response;
      let data = {};
      try {
        response = await fetch(form.dataset.api + form.dataset.uuid, {
          method: "PUT",
          credentials: "same-origin",
          headers: {
            "X-CSRFToken": csrf,
            "Accept": "application/json",
            "Content-Type": "application/x-www-form-urlencoded;charset=UTF-8",
          },
          body: new URLSearchParams(new FormData(form)),
        });
        data = await response.json().catch(function () { return {}; });
      } catch (error) {
        statusLine.textContent = form.dataset.msgOffline;
        button.disabled = false;
        return;
      }
      button.disabled = false;
      if (response.ok) {
        window.location.assign(data.url);
        return;
      }
      statusLine.textContent = "";
      if (response.status === 401) {
        statusLine.textContent = form.dataset.msgSession;
      } else if (response.status === 422) {
        showErrors(flatten(data.errors || {}), data.message);
      } else {
        showErrors({}, data.message || String(response.status));
      }
    });

    // One more row for an agreed action: a copy of the last with the next index.
    const add = document.getElementById("add-action");
    add.addEventListener("click", function () {
      const rows = form.querySelectorAll(".action-row");
      const last = rows[rows.length - 1];
      const index = rows.length;
      const copy = last.cloneNode(true);
      copy.querySelectorAll("[name], [id], [for], [data-error-for]").forEach(function (el) {
        ["name", "id", "for"].forEach(function (attr) {
          const value = el.getAttribute(attr);
          if (value) el.setAttribute(attr, value.replace(/actions-\d+-/, "actions-" + index + "-"));
        });
        if (el.dataset.errorFor) el.dataset.errorFor = el.dataset.errorFor.replace(/actions-\d+-/, "actions-" + index + "-");
        if (el.matches("input")) el.value = "";
      });
      copy.dataset.field = "actions-" + index + "-what";
      copy.querySelector("legend").textContent = add.dataset.label.replace("{n}", String(index + 1));
      last.after(copy);
      copy.querySelector("input").focus();
    });
  }

  function init() {
    const form = document.getElementById("visit-form");
    if (form) setup(form);
  }
  init();
  document.addEventListener("htmx:load", init);
})();
