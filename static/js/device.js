// "På enheden" (/enhed): what waits in the outbox, read from IndexedDB, so the page opens offline and
// shows nothing the device does not hold. A visit the server refused is corrected in its form; a refused
// signature or consent can be looked up on the visit's page and then removed from the device.
(function () {
  "use strict";

  function kindOf(entry) {
    if (!entry.dependsOn) return "visit";
    return entry.kind === "consent" ? "consent" : "signature";
  }

  function text(tag, className, value) {
    const el = document.createElement(tag);
    if (className) el.className = className;
    el.textContent = value;
    return el;
  }

  function link(href, label) {
    const a = text("a", "btn btn-small", label);
    a.href = href;
    return a;
  }

  function item(list, entry, rerender) {
    const m = list.dataset;
    const li = document.createElement("li");
    li.className = "plan-item device-entry state-" + entry.state;
    li.dataset.uuid = entry.uuid;
    const kind = kindOf(entry);
    const head = document.createElement("div");
    head.className = "plan-line";
    head.append(text("strong", "", { visit: m.msgVisit, signature: m.msgSignature, consent: m.msgConsent }[kind]));
    head.append(text("span", "", entry.label || ""));
    const at = new Date(entry.createdAt);
    const when = at.toLocaleDateString("da-DK", { day: "numeric", month: "numeric" }) + " " +
      at.toLocaleTimeString("da-DK", { hour: "2-digit", minute: "2-digit" });
    head.append(text("span", "muted", m.msgSaved.replace("{t}", when)));
    li.append(head);
    if (entry.state === "attention") {
      const errors = Object.values(entry.errors || {}).flat().filter((e) => typeof e === "string");
      li.append(text("p", "field-error", [m.msgAttention, entry.message || String(entry.status), ...errors].join(" ")));
    } else {
      const tries = entry.attempts ? " · " + m.msgAttempts.replace("{n}", String(entry.attempts)) : "";
      li.append(text("p", "hint", m.msgPending + tries));
    }
    const actions = document.createElement("div");
    actions.className = "actions";
    if (kind === "visit" && entry.page) actions.append(link(entry.page, m.msgOpenForm));
    // A 400 is not about the content (a stale security token, say): what was set aside is sent again as
    // it is, when the user asks.
    if (entry.state === "attention" && entry.status === 400) {
      const again = text("button", "btn btn-small", m.msgRetry);
      again.type = "button";
      again.addEventListener("click", async function () {
        Object.assign(entry, { state: "pending", attempts: 0, nextAttempt: 0, errors: {}, message: "" });
        await window.eftervaernStore.putEntry(entry);
        await window.eftervaernOutbox.flush();
        window.eftervaernOutbox.render();
        rerender();
      });
      actions.append(again);
    }
    if (kind !== "visit" && entry.state === "attention") {
      actions.append(link("/besoeg/" + encodeURIComponent(entry.visit || entry.dependsOn), m.msgOpenVisit));
      const remove = text("button", "btn btn-small btn-danger", m.msgRemove);
      remove.type = "button";
      remove.addEventListener("click", async function () {
        if (!window.confirm(m.msgConfirm)) return;
        await window.eftervaernStore.deleteEntry(entry.uuid);
        window.eftervaernOutbox.render();
        rerender();
      });
      actions.append(remove);
    }
    if (actions.childElementCount) li.append(actions);
    return li;
  }

  async function render() {
    const list = document.getElementById("device-entries");
    if (!list || !window.eftervaernStore) return;
    const entries = await window.eftervaernStore.allEntries().catch(() => []);
    entries.sort((a, b) => a.createdAt - b.createdAt);
    list.replaceChildren(...entries.map((entry) => item(list, entry, render)));
    if (!entries.length) list.append(text("li", "empty", list.dataset.msgEmpty));
  }

  function init() {
    const list = document.getElementById("device-entries");
    if (!list || list.dataset.ready) return;
    list.dataset.ready = "1";
    document.getElementById("send-now").addEventListener("click", function () {
      window.eftervaernOutbox.flush().finally(render);
    });
    ["outbox:sent", "outbox:attention", "outbox:login"].forEach((name) => document.addEventListener(name, render));
    render();
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", init);
  else init();
  document.addEventListener("htmx:load", init);
})();
