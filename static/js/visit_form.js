// The result entry form on a phone: the server keeps a draft (htmx posts the form on every
// change); while the connection is gone the form is kept in this browser too and sent again
// as soon as the connection is back, so nothing typed at the site is lost.
(function () {
  "use strict";
  var form = document.getElementById("entry-form");
  if (!form) {
    var entered = document.querySelector("[data-entered-visit]");
    if (entered) localStorage.removeItem("visit-draft-" + entered.dataset.enteredVisit);
    return;
  }
  var key = "visit-draft-" + form.dataset.visit;
  var offline = document.getElementById("offline-status");

  function snapshot() {
    var data = {};
    new FormData(form).forEach(function (value, name) {
      if (name === "csrfmiddlewaretoken" || name === "submit" || typeof value !== "string") return;  // files stay in the input
      (data[name] = data[name] || []).push(value);
    });
    return data;
  }

  function restore(data) {
    Array.prototype.forEach.call(form.elements, function (el) {
      if (el.type === "file") return;
      if (!el.name || !(el.name in data)) {
        if (el.type === "checkbox" && el.name.indexOf("cat-") === 0) el.checked = false;
        return;
      }
      if (el.type === "checkbox") el.checked = data[el.name].indexOf(el.value) >= 0;
      else if (!el.readOnly) el.value = data[el.name][0];
    });
  }

  function unfoldChosen() {
    // A folded group with a ticked box opens, so nobody submits a choice they cannot see.
    form.querySelectorAll("details.more-choices").forEach(function (group) {
      if (group.querySelector("input:checked")) group.open = true;
    });
  }

  function keepLocally() {
    try {
      localStorage.setItem(key, JSON.stringify({ unsynced: true, data: snapshot() }));
    } catch (e) { /* storage full or disabled: the server draft is all there is */ }
  }

  function saveNow() {
    if (window.htmx) window.htmx.trigger(form, "change");
  }

  form.addEventListener("input", keepLocally);
  form.addEventListener("change", keepLocally);
  document.body.addEventListener("htmx:afterRequest", function (event) {
    if (event.detail.elt !== form) return;
    if (event.detail.successful) {
      localStorage.removeItem(key);
      if (offline) offline.hidden = true;
    }
  });
  document.body.addEventListener("htmx:sendError", function (event) {
    if (event.detail.elt !== form) return;
    keepLocally();
    if (offline) offline.hidden = false;
  });
  window.addEventListener("online", saveNow);
  form.addEventListener("submit", function () {
    keepLocally();  // if the submission never arrives, the next visit of the page restores it
  });

  // Typed while offline and never saved on the server: put it back and save it.
  try {
    var kept = JSON.parse(localStorage.getItem(key) || "null");
    if (kept && kept.unsynced) {
      restore(kept.data);
      unfoldChosen();
      if (navigator.onLine) saveNow();
      else if (offline) offline.hidden = false;
    }
  } catch (e) { localStorage.removeItem(key); }
})();
