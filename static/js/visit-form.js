// The visit form: its UUID is made here when the visit is opened, and saving goes through the sync
// API (PUT /api/v1/visits/<uuid>), the same path a replay from the offline outbox takes.
(function () {
  "use strict";

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

  // --- Drafts: every keystroke is kept on the device, so a reload or a closed tab loses nothing -------
  const store = window.eftervaernStore; // store.js is loaded by every page, before this file

  function fieldsOf(form) {
    return Array.from(new FormData(form).entries()).filter(([, v]) => typeof v === "string");
  }

  function ensureActionRows(form, fields, addButton) {
    const highest = fields.reduce(function (max, [name]) {
      const m = /^actions-(\d+)-/.exec(name);
      return m ? Math.max(max, Number(m[1])) : max;
    }, -1);
    while (form.querySelectorAll(".action-row").length <= highest) addButton.click();
  }

  function restore(form, fields) {
    // Unchecked boxes and radios are absent from FormData: clear them first, then set what was kept.
    form.querySelectorAll('input[type="checkbox"], input[type="radio"]').forEach((el) => { el.checked = false; });
    fields.forEach(function ([name, value]) {
      form.querySelectorAll('[name="' + CSS.escape(name) + '"]').forEach(function (el) {
        if (el.type === "checkbox" || el.type === "radio") el.checked = el.checked || el.value === value;
        else el.value = value;
      });
    });
  }

  // Returns a function that writes the draft at once (when the form is completed or opened again after a
  // refusal), or a no-op where the device keeps no drafts.
  async function setupDraft(form) {
    const key = form.dataset.draftKey;
    if (!store || !key) return async function () {};
    let draft = null;
    try { draft = await store.reserveUuid(key, form.dataset.uuid || store.newUuid()); } catch (e) { draft = null; }
    if (draft) form.dataset.uuid = draft.uuid;
    if (draft && draft.fields) {
      ensureActionRows(form, draft.fields, document.getElementById("add-action"));
      restore(form, draft.fields);
      const note = document.getElementById("draft-note");
      note.querySelector("[data-time]").textContent = new Date(draft.savedAt).toLocaleTimeString("da-DK", { hour: "2-digit", minute: "2-digit" });
      note.hidden = false;
      note.querySelector("button").addEventListener("click", async function () {
        await store.deleteDraft(key);
        window.location.reload();
      });
    }
    let timer = null;
    form.addEventListener("visit-saved", function () { clearTimeout(timer); timer = null; form.dataset.saved = "1"; });
    function write(now) {
      timer = null;
      // A locked form (completed, waiting in the outbox) reads as empty: its inputs are disabled. The
      // draft then keeps what was completed, written before the lock.
      if (form.dataset.queuedShown) return Promise.resolve();
      const draft = { key: key, uuid: form.dataset.uuid, url: location.pathname + location.search, fields: fieldsOf(form), savedAt: Date.now() };
      return now ? store.putDraftNow(draft) : store.putDraft(draft);
    }
    function save() {
      clearTimeout(timer);
      timer = null;
      // Stored on the server, or completed and waiting in the outbox: the draft has done its work.
      if (form.dataset.saved || form.dataset.queuedShown) return;
      timer = setTimeout(function () { write(false); }, 300);
    }
    // Typing is written 300 ms after the last keystroke; leaving the page (another app, a closed tab, a
    // screen that locks) writes at once what is still waiting, so the last words are not lost either.
    function flush() {
      if (timer === null) return;
      clearTimeout(timer);
      write(true);
    }
    form.addEventListener("input", save);
    form.addEventListener("change", save);
    document.addEventListener("visibilitychange", function () { if (document.visibilityState === "hidden") flush(); });
    window.addEventListener("pagehide", flush);
    return function writeNow() {
      clearTimeout(timer);
      return write(false).catch(() => {});
    };
  }

  // --- The summary the signers read on the device: the completed form, read-only -------------------
  // Written from the form itself (its own labels, so in the page's language), section by section, with
  // only what was filled in: what the signing page shows online from the stored visit.
  function valueOf(form, section, el, box) {
    if (el.type === "radio") {
      const checked = section.querySelector('input[name="' + CSS.escape(el.name) + '"]:checked');
      const group = el.closest("fieldset");
      const legend = group && group.querySelector("legend");
      return [legend ? legend.textContent : "", checked ? checked.closest("label").textContent : ""];
    }
    if (el.type === "checkbox") {
      return [el.closest("label").textContent, el.checked ? box.dataset.msgYes : box.dataset.msgNo];
    }
    const label = form.querySelector('label[for="' + CSS.escape(el.id) + '"]');
    let value = el.value;
    if (el.type === "date" && value) value = new Date(value + "T12:00:00").toLocaleDateString("da-DK");
    return [label ? label.textContent : "", value];
  }

  function writeSummary(form) {
    const box = document.getElementById("offline-summary");
    if (!box) return;
    const parts = [];
    form.querySelectorAll("section.card").forEach(function (section) {
      const seen = new Set();
      const rows = [];
      section.querySelectorAll("input, textarea, select").forEach(function (el) {
        if (el.type === "hidden" || !el.name || seen.has(el.name)) return;
        seen.add(el.name);
        const [label, value] = valueOf(form, section, el, box);
        if (value.trim()) rows.push([label.trim(), value.trim()]);
      });
      if (!rows.length) return;
      const title = section.querySelector("h2");
      if (title) {
        const heading = document.createElement("h3");
        heading.textContent = title.textContent;
        parts.push(heading);
      }
      const list = document.createElement("dl");
      list.className = "facts";
      rows.forEach(function ([label, value]) {
        const row = document.createElement("div");
        const dt = document.createElement("dt");
        dt.textContent = label;
        const dd = document.createElement("dd");
        dd.className = "pre";
        dd.textContent = value;
        row.append(dt, dd);
        list.append(row);
      });
      parts.push(list);
    });
    box.replaceChildren(...parts);
  }

  async function setup(form) {
    if (form.dataset.ready) return;
    form.dataset.ready = "1";
    const writeDraft = await setupDraft(form);
    if (!form.dataset.uuid) form.dataset.uuid = store.newUuid();
    // When the visit was started on this device (a restored draft keeps its own). A new visit's date and
    // time are the device's now, not those of the day its page was kept for the field day.
    const started = form.querySelector('[data-device-time="started"]');
    if (started && !started.value) {
      const now = window.eftervaernDeviceTime();
      started.value = now;
      if (form.dataset.fresh) {
        form.querySelector('[name="performed_on"]').value = now.slice(0, 10);
        form.querySelector('[name="performed_time"]').value = now.slice(11, 16);
      }
    }
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

    // On to the visit's page, once: the answer to this form's own send and the news of a send (this tab's
    // or another's) can both arrive, and a second navigation would abort the first.
    function leave(url) {
      if (form.dataset.leaving) return;
      form.dataset.leaving = "1";
      window.location.assign(url);
    }

    // What a form says, as sent, without what two tabs of one visit differ in with the same content:
    // the page's CSRF token, the device's times and the empty fields (a spare action row).
    function contentOf(pairs) {
      const skip = new Set(["csrf_token"]);
      form.querySelectorAll("[data-device-time]").forEach((el) => skip.add(el.name));
      return JSON.stringify(pairs.filter(([name, value]) => !skip.has(name) && value !== ""));
    }

    // Another tab (or the service worker) sent this visit with other content than is typed here, and
    // this tab has not completed its own: what is typed here is not lost by going on to the visit's
    // page. It stays, kept as the draft, and the user is told; saving it sends it as the newer version.
    // Only what a person typed in this tab counts: a tab that only shows the draft it opened with goes on.
    const typed = () => { form.dataset.typedHere = "1"; };
    form.addEventListener("input", typed);
    form.addEventListener("change", typed);
    function typedHereDiffers(detail) {
      if (!form.dataset.typedHere || form.dataset.queuedShown || form.dataset.sending) return false;
      if (typeof detail.body !== "string") return false;
      return contentOf(Array.from(new URLSearchParams(detail.body).entries())) !== contentOf(fieldsOf(form));
    }

    // A visit this form queued may be sent later by a retry, or by another tab: then go on to its page,
    // once the signatures drawn here have followed it. A signer still drawing (or a consent being
    // written) holds the page: what they give is queued behind the visit, which is on the server now,
    // and the page goes on once it is given.
    document.addEventListener("outbox:sent", function (e) {
      if (e.detail.uuid === form.dataset.uuid && e.detail.data && e.detail.data.url) {
        if (typedHereDiffers(e.detail)) {
          writeDraft();
          showErrors({}, form.dataset.msgSavedElsewhere);
          return;
        }
        form.dispatchEvent(new Event("visit-saved"));
        const url = e.detail.data.url;
        if (signingUnderway()) {
          form.dataset.leaveTo = url;
          statusLine.textContent = form.dataset.msgSentSigning;
          return;
        }
        setTimeout(() => window.eftervaernOutbox.flush().finally(() => leave(url)), 0);
      }
    });
    document.addEventListener("signature:queued", function () {
      const url = form.dataset.leaveTo;
      if (url && !signingUnderway()) window.eftervaernOutbox.flush().finally(() => leave(url));
    });

    function signingUnderway() {
      const section = document.getElementById("offline-signing");
      if (!section || section.hidden) return false;
      const drawing = Array.from(section.querySelectorAll(".signature-form")).some((pad) => pad.hasDrawing && pad.hasDrawing());
      const writing = Array.from(section.querySelectorAll(".consent-form")).some(
        (consent) => !consent.closest(".signer").hidden && consent.querySelector("textarea").value.trim() !== ""
      );
      return drawing || writing;
    }

    // Another tab of this device took a signature for this visit: from now on it is what was signed,
    // here too (the form shows the signed content, locked, with the signatures given).
    document.addEventListener("outbox:signed", async function (e) {
      if (e.detail.visit !== form.dataset.uuid || form.dataset.queuedShown) return;
      const entry = await window.eftervaernOutbox.pending(form.dataset.uuid);
      if (!entry) return;
      await showQueued(entry);
      statusLine.textContent = form.dataset.msgSignedElsewhere;
    });

    async function signedOnDevice(uuid) {
      const entries = await store.allEntries().catch(() => []);
      return entries.some((entry) => entry.dependsOn === uuid && entry.state === "pending");
    }

    // Kept on the device and not yet sent: say so, and let the signers sign here and now.
    function lock(locked) {
      form.querySelectorAll("input, textarea, select, button").forEach((el) => { el.disabled = locked; });
    }

    // The server refused a visit sent later (422/409): open the form again, with its errors. The
    // signatures given for it meanwhile are gone (outbox.js): the pads are offered again, empty.
    document.addEventListener("outbox:attention", function (e) {
      const entry = e.detail.entry;
      if (entry.uuid !== form.dataset.uuid || !form.dataset.queuedShown) return;
      lock(false);
      delete form.dataset.queuedShown;
      writeDraft(); // what was completed, so that it is there when the form is opened again
      statusLine.textContent = ""; // no longer "kept on the device, sent when there is a connection"
      form.querySelector(".sticky-actions").hidden = false;
      const section = document.getElementById("offline-signing");
      if (section) {
        section.querySelectorAll(".signature-form").forEach((pad) => window.eftervaernSignatures.reset(pad));
        section.hidden = true;
      }
      let message = entry.message || String(entry.status);
      if (entry.withdrawn && entry.withdrawn.length) message += " " + form.dataset.msgWithdrawn;
      showErrors(entry.status === 422 ? flatten(entry.errors || {}) : {}, message);
    });

    async function showQueued(entry, fresh, body) {
      statusLine.textContent = form.dataset.msgQueued;
      // The form shows what waits to be sent, exactly as it was completed.
      if (entry) {
        const fields = Array.from(new URLSearchParams(entry.body).entries());
        ensureActionRows(form, fields, document.getElementById("add-action"));
        restore(form, fields);
      }
      // What the signers sign is what was completed: the form stays as it is while they sign.
      form.dataset.queuedShown = "1";
      lock(true);
      const section = document.getElementById("offline-signing");
      if (!section) return;
      writeSummary(form);
      section.hidden = false;
      section.dataset.content = entry ? entry.body : body; // what the signers sign (signature.js)
      section.querySelectorAll(".consent-form").forEach((consent) => { consent.dataset.queue = form.dataset.uuid; });
      for (const pad of section.querySelectorAll(".signature-form")) {
        pad.dataset.queue = form.dataset.uuid;
        const waiting = await window.eftervaernOutbox.pending(form.dataset.uuid + "/signatures/" + pad.dataset.role);
        if (!waiting) continue;
        const consent = waiting.kind === "consent" && pad.closest(".signer").querySelector(".consent-form");
        window.eftervaernSignatures.markSigned(pad, (consent || pad).dataset.msgQueued);
      }
      if (window.eftervaernSignatures) window.eftervaernSignatures.init();
      form.querySelector(".sticky-actions").hidden = true;
      if (fresh) section.scrollIntoView({ block: "start" });
    }
    const queued = await window.eftervaernOutbox.pending(form.dataset.uuid);
    if (queued && queued.state === "pending") showQueued(queued);
    // Refused by the server while the form was closed ("På enheden" links here): show why.
    if (queued && queued.state === "attention") {
      showErrors(queued.status === 422 ? flatten(queued.errors || {}) : {}, queued.message || String(queued.status));
    }

    // Completing goes through the outbox, like every save: online it is sent at once, offline it waits.
    form.addEventListener("submit", async function (event) {
      event.preventDefault();
      clearErrors();
      statusLine.textContent = form.dataset.msgSaving;
      const button = form.querySelector('button[type="submit"]');
      button.disabled = true;
      const uuid = form.dataset.uuid;
      if (store && (await signedOnDevice(uuid))) {
        // Signed on this device (another tab) while this form was open: what was signed stands.
        button.disabled = false;
        await showQueued(await window.eftervaernOutbox.pending(uuid));
        statusLine.textContent = form.dataset.msgSignedElsewhere;
        return;
      }
      form.dataset.sending = "1"; // this tab's own content is on its way: its answer decides what follows
      const completed = form.querySelector('[data-device-time="completed"]');
      if (completed) completed.value = window.eftervaernDeviceTime();
      await writeDraft(); // the draft holds what is completed, in case the server later refuses it
      const body = new URLSearchParams(new FormData(form)).toString();
      let outcome = null;
      const listeners = {
        "outbox:sent": (e) => { if (e.detail.uuid === uuid) outcome = outcome || { sent: e.detail.data }; },
        "outbox:attention": (e) => { if (e.detail.entry.uuid === uuid) outcome = outcome || { attention: e.detail.entry }; },
        "outbox:login": () => { outcome = outcome || { login: true }; },
      };
      Object.entries(listeners).forEach(([name, fn]) => document.addEventListener(name, fn));
      try {
        await window.eftervaernOutbox.add({
          uuid: uuid,
          url: form.dataset.api + uuid,
          body: body,
          contentType: "application/x-www-form-urlencoded;charset=UTF-8",
          draftKey: form.dataset.draftKey || null,
          page: location.pathname + location.search,
          label: form.dataset.label || "",
        });
      } finally {
        Object.entries(listeners).forEach(([name, fn]) => document.removeEventListener(name, fn));
        button.disabled = false;
        delete form.dataset.sending;
      }
      statusLine.textContent = "";
      if (outcome && outcome.sent) {
        form.dispatchEvent(new Event("visit-saved"));
        leave(outcome.sent.url);
      } else if (outcome && outcome.attention) {
        const entry = outcome.attention;
        showErrors(entry.status === 422 ? flatten(entry.errors || {}) : {}, entry.message || String(entry.status));
      } else if (outcome && outcome.login) {
        statusLine.textContent = form.dataset.msgSession;
      } else {
        showQueued(null, true, body);
      }
    });

    form.dataset.scriptReady = "1"; // from now on this script sends the form (app.js held it until now)

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
