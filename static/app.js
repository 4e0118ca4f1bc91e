// LeadGate's own small script: no inline handlers (strict CSP), no storage.
(function () {
  "use strict";

  document.addEventListener("click", function (event) {
    var button = event.target.closest("[data-copy]");
    if (!button) return;
    var input = document.querySelector(button.getAttribute("data-copy"));
    if (!input) return;
    input.select();
    if (navigator.clipboard) {
      navigator.clipboard.writeText(input.value).then(function () {
        button.textContent = button.getAttribute("data-copied") || "✓";
      });
    }
  });

  // The workspace switcher submits as soon as another workspace is picked.
  document.addEventListener("change", function (event) {
    var select = event.target.closest("[data-switcher] select");
    if (select) select.form.requestSubmit();
  });

  // The footer link opens the banner in place; keep keyboard focus with it.
  document.addEventListener("htmx:afterSwap", function (event) {
    if (event.detail.target && event.detail.target.id === "cookie-banner") {
      var banner = document.getElementById("cookie-banner");
      var first = banner && banner.querySelector("input:not([disabled]), button");
      if (first) first.focus();
    }
  });

  // Errors of htmx requests become a visible message instead of silence.
  document.addEventListener("htmx:responseError", function (event) {
    var flashes = document.getElementById("flashes");
    if (!flashes) return;
    var message = document.createElement("p");
    message.className = "flash flash-error";
    message.setAttribute("role", "alert");
    message.textContent = document.documentElement.lang === "en"
      ? "That did not work (error " + event.detail.xhr.status + "). Please reload the page."
      : "Das hat nicht geklappt (Fehler " + event.detail.xhr.status + "). Bitte laden Sie die Seite neu.";
    flashes.appendChild(message);
  });
})();
