// The device's clock as ISO 8601 with its UTC offset ("2026-12-01T22:37:05+01:00"): the record keeps when
// things happened on the device, in the time the person saw there, and the server compares it with its own
// clock. Loaded by every page and by the service worker (importScripts), so both send the same form.
self.eftervaernDeviceTime = function (moment) {
  "use strict";
  const d = moment || new Date();
  const pad = (n) => String(Math.trunc(Math.abs(n))).padStart(2, "0");
  const offset = -d.getTimezoneOffset();
  return d.getFullYear() + "-" + pad(d.getMonth() + 1) + "-" + pad(d.getDate()) +
    "T" + pad(d.getHours()) + ":" + pad(d.getMinutes()) + ":" + pad(d.getSeconds()) +
    (offset >= 0 ? "+" : "-") + pad(offset / 60) + ":" + pad(offset % 60);
};
