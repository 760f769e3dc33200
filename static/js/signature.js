// The signature pad. The drawing is kept as signature_pad's point data (vectors), and survives a turn
// of the device or a resize: the points are scaled to the new width instead of being wiped.
(function () {
  "use strict";

  // A signed pad gives way to a line that says so (also for signatures already waiting in the outbox).
  // The pad (offline: with the consent form beside it) stays in the page, hidden, for when a waiting
  // signature has to be given again (reset).
  function markSigned(form, message) {
    const holder = form.closest(".signer") || form;
    let done = holder.previousElementSibling;
    if (!done || !done.classList.contains("signature-done")) {
      done = document.createElement("p");
      done.className = "flash flash-success signature-done";
      done.dataset.role = form.dataset.role;
      done.setAttribute("role", "status");
      holder.before(done);
    }
    done.textContent = message;
    holder.hidden = true;
  }

  // The pad again, empty, in place of the line that said it was signed.
  function reset(form) {
    const holder = form.closest(".signer") || form;
    const done = holder.previousElementSibling;
    if (done && done.classList.contains("signature-done")) done.remove();
    holder.hidden = false;
    if (form.clearPad) form.clearPad();
  }

  // Waiting in the outbox for a visit not yet on the server: a drawn signature or a recorded consent,
  // one per role, sent right after the visit in the same order, whatever the network does meanwhile.
  async function queueFor(form, kind, url, body) {
    const visit = form.dataset.queue;
    const visitForm = document.getElementById("visit-form");
    const signer = form.closest(".signer");
    const label = [visitForm && visitForm.dataset.label, signer && signer.dataset.roleLabel].filter(Boolean).join(" · ");
    // Bound to the content the signer was shown, as the device held it at this moment: the server
    // refuses the signature if the visit it receives is any other (another tab's later version).
    const section = form.closest("#offline-signing");
    if (section && section.dataset.content) body = Object.assign({ signed_content: section.dataset.content }, body);
    await window.eftervaernOutbox.add({
      uuid: visit + "/signatures/" + form.dataset.role,
      kind: kind,
      label: label,
      visit: visit,
      dependsOn: visit,
      url: url.replace("{uuid}", visit),
      body: JSON.stringify(body),
      contentType: "application/json",
    });
  }

  // Offline, for a signer who cannot draw: the jobformidler records how consent was given (the same
  // rules as the server's, so that what is queued is taken).
  function setupConsent(form) {
    if (form.dataset.ready) return;
    form.dataset.ready = "1";
    const error = form.querySelector(".consent-error");
    form.addEventListener("submit", async function (event) {
      event.preventDefault();
      const name = form.querySelector('[name="name"]').value.trim();
      const note = form.querySelector('[name="note"]').value.trim();
      const problem = !name || name.length > 120 ? form.dataset.msgName
        : note.length < 10 || note.length > 1000 ? form.dataset.msgNote : "";
      error.textContent = problem;
      error.hidden = !problem;
      if (problem) return;
      const pad = form.closest(".signer").querySelector(".signature-form");
      await queueFor(form, "consent", form.dataset.putUrl, { name: name, note: note, signed_at: window.eftervaernDeviceTime() });
      markSigned(pad, form.dataset.msgQueued);
      form.dispatchEvent(new CustomEvent("signature:queued", { bubbles: true }));
    });
    form.dataset.scriptReady = "1";
  }

  function setup(form) {
    if (form.dataset.ready || typeof SignaturePad === "undefined") return;
    form.dataset.ready = "1";
    const canvas = form.querySelector("canvas");
    const error = form.querySelector(".signature-error");
    const pad = new SignaturePad(canvas, { minWidth: 0.8, maxWidth: 2.6, penColor: "#14213d" });
    let width = 0;
    let height = 0;

    function resize() {
      const rect = canvas.getBoundingClientRect();
      if (!rect.width) return;
      const data = pad.toData();
      const factor = width ? rect.width / width : 1;
      const ratio = Math.max(window.devicePixelRatio || 1, 1);
      canvas.width = rect.width * ratio;
      canvas.height = rect.height * ratio;
      canvas.getContext("2d").scale(ratio, ratio);
      width = rect.width;
      height = rect.height;
      pad.clear(); // resizing a canvas wipes it; draw the kept points again at the new scale
      if (data.length) {
        data.forEach(function (group) {
          group.points.forEach(function (p) { p.x *= factor; p.y *= factor; });
        });
        pad.fromData(data);
      }
    }
    window.addEventListener("resize", resize);
    window.addEventListener("orientationchange", resize);
    resize();

    form.clearPad = function () {
      pad.clear();
      error.hidden = true;
      resize(); // a pad set up while hidden has no size yet
    };
    form.querySelector(".signature-clear").addEventListener("click", form.clearPad);
    // Something drawn here and not yet given: the visit form must not leave the page (visit-form.js).
    form.hasDrawing = () => !pad.isEmpty() && !(form.closest(".signer") || form).hidden;

    function fail(message) {
      error.textContent = message;
      error.hidden = false;
    }

    form.addEventListener("submit", async function (event) {
      event.preventDefault();
      error.hidden = true;
      if (pad.isEmpty()) return fail(form.dataset.msgEmpty);
      // The server's rules for the name, here too: a signature it would refuse must not seem given.
      const name = form.querySelector('[name="name"]').value.trim();
      if (!name) return fail(form.dataset.msgName);
      if (name.length > 120) return fail(form.dataset.msgNameLong);
      const button = form.querySelector('button[type="submit"]');
      button.disabled = true;
      const body = {
        name: name,
        strokes: pad.toData().map(function (g) {
          return { points: g.points.map(function (p) { return { x: p.x, y: p.y, time: p.time, pressure: p.pressure }; }) };
        }),
        width: width,
        height: height,
        signed_at: window.eftervaernDeviceTime(), // when the signer signed, by this device's clock
      };
      if (form.dataset.contentHash) body.content_hash = form.dataset.contentHash;
      if (form.dataset.queue !== undefined) return queue(body);
      let response;
      let data = {};
      try {
        response = await window.eftervaernFetch(form.dataset.putUrl, {
          method: "PUT",
          credentials: "same-origin",
          headers: {
            "Content-Type": "application/json",
            "Accept": "application/json",
            "X-CSRFToken": document.querySelector('meta[name="csrf-token"]').content,
            "X-Device-Time": window.eftervaernDeviceTime(),
          },
          body: JSON.stringify(body),
        });
        data = await response.json().catch(function () { return {}; });
      } catch (e) {
        button.disabled = false;
        return fail(form.dataset.msgOffline);
      }
      button.disabled = false;
      if (!response.ok) {
        const errors = data.errors ? Object.values(data.errors).flat().join(" ") : "";
        return fail(errors || data.message || String(response.status));
      }
      if (form.dataset.doneUrl) window.location.assign(form.dataset.doneUrl);
      else markSigned(form, form.dataset.msgDone);
    });

    form.dataset.scriptReady = "1";

    // Signed on the device before the visit reached the server: the signature waits in the outbox.
    async function queue(body) {
      await queueFor(form, "signature", form.dataset.putUrl, body);
      markSigned(form, form.dataset.msgQueued);
      form.dispatchEvent(new CustomEvent("signature:queued", { bubbles: true }));
    }
  }

  function init() {
    document.querySelectorAll(".signature-form").forEach(function (form) {
      if (form.offsetParent !== null) setup(form); // a hidden pad is set up when it is shown (its size is 0)
    });
    document.querySelectorAll(".consent-form").forEach(setupConsent);
  }
  window.eftervaernSignatures = { init: init, markSigned: markSigned, reset: reset };
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", init);
  else init();
  document.addEventListener("htmx:load", init);
  window.addEventListener("load", init);
})();
