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

  // Inbox keyboard: j/k move through the list, Enter opens, e marks done, / searches.
  function typing(target) {
    return target.closest("input, textarea, select, [contenteditable]") !== null;
  }
  document.addEventListener("keydown", function (event) {
    if (event.ctrlKey || event.metaKey || event.altKey || typing(event.target)) return;
    if (event.key === "/") {
      var search = document.getElementById("inbox-search");
      if (search) { event.preventDefault(); search.focus(); search.select(); }
    } else if (event.key === "j" || event.key === "k") {
      var links = Array.prototype.slice.call(document.querySelectorAll(".conversation-item > a"));
      if (!links.length) return;
      var current = links.indexOf(document.activeElement);
      if (current === -1) current = links.indexOf(document.querySelector(".conversation-item.is-current > a"));
      var next = event.key === "j" ? current + 1 : current - 1;
      next = Math.max(0, Math.min(links.length - 1, next));
      links[next].focus();
      links[next].scrollIntoView({block: "nearest"});
      event.preventDefault();
    } else if (event.key === "e") {
      var done = document.querySelector("[data-shortcut='e']");
      if (done) { event.preventDefault(); done.click(); }
    }
  });

  // Composer: Enter sends, Shift+Enter starts a new line (not while an IME composes).
  document.addEventListener("keydown", function (event) {
    var text = event.target.closest("textarea[data-enter-sends]");
    if (!text || event.key !== "Enter" || event.shiftKey || event.isComposing) return;
    if (event.defaultPrevented) return;  // Enter picked a canned response instead
    event.preventDefault();
    if (text.value.trim() || (text.form.querySelector("input[type=file]") || {}).value) {
      text.form.requestSubmit();
    }
  });

  // Canned responses: "/" and a shortcut at the start of the composer suggests them.
  var cannedTimer = null;
  function cannedList() { return document.getElementById("canned-suggestions"); }
  function closeCanned(text) {
    var list = cannedList();
    if (list) { list.hidden = true; list.textContent = ""; }
    text.setAttribute("aria-expanded", "false");
    text.removeAttribute("aria-activedescendant");
  }
  function pickCanned(text, option) {
    text.value = option.getAttribute("data-text");
    closeCanned(text);
    text.focus();
  }
  function showCanned(text, items) {
    var list = cannedList();
    if (!list) return;
    list.textContent = "";
    items.forEach(function (item, index) {
      var option = document.createElement("li");
      option.id = "canned-" + index;
      option.setAttribute("role", "option");
      option.setAttribute("data-text", item.text);
      var shortcut = document.createElement("strong");
      shortcut.textContent = "/" + item.shortcut;
      option.appendChild(shortcut);
      option.appendChild(document.createTextNode(" " + item.text));
      list.appendChild(option);
    });
    list.hidden = items.length === 0;
    text.setAttribute("aria-expanded", items.length ? "true" : "false");
    if (items.length) setActive(text, 0);
  }
  function setActive(text, index) {
    var options = cannedList().querySelectorAll("[role=option]");
    options.forEach(function (option, i) { option.setAttribute("aria-selected", i === index ? "true" : "false"); });
    text.setAttribute("aria-activedescendant", options[index].id);
  }
  document.addEventListener("input", function (event) {
    var text = event.target.closest("textarea[data-canned-url]");
    if (!text) return;
    var match = /^\/([\w-]*)$/.exec(text.value);
    clearTimeout(cannedTimer);
    if (!match) { closeCanned(text); return; }
    cannedTimer = setTimeout(function () {
      fetch(text.getAttribute("data-canned-url") + "?q=" + encodeURIComponent(match[1]), {credentials: "same-origin"})
        .then(function (response) { return response.ok ? response.json() : []; })
        .then(function (items) { showCanned(text, items); });
    }, 120);
  });
  document.addEventListener("keydown", function (event) {
    var text = event.target.closest("textarea[data-canned-url]");
    if (!text || text.getAttribute("aria-expanded") !== "true") return;
    var options = Array.prototype.slice.call(cannedList().querySelectorAll("[role=option]"));
    var active = options.findIndex(function (o) { return o.getAttribute("aria-selected") === "true"; });
    if (event.key === "ArrowDown" || event.key === "ArrowUp") {
      event.preventDefault();
      setActive(text, (active + (event.key === "ArrowDown" ? 1 : -1) + options.length) % options.length);
    } else if (event.key === "Enter" || event.key === "Tab") {
      event.preventDefault();
      pickCanned(text, options[Math.max(0, active)]);
    } else if (event.key === "Escape") {
      closeCanned(text);
    }
  }, true);
  document.addEventListener("click", function (event) {
    var option = event.target.closest("#canned-suggestions [role=option]");
    if (option) pickCanned(document.getElementById("composer-text"), option);
  });

  // Live stream state: marked on <body> (tests wait for it); after a reconnect the
  // list and thread refresh once, for whatever happened while the stream was down.
  document.addEventListener("htmx:sseOpen", function (event) {
    var source = event.detail && event.detail.source;
    if (document.body.getAttribute("data-live") === "lost") {
      ["#list-column", "#thread"].forEach(function (selector) {
        var element = document.querySelector(selector);
        if (element && window.htmx) window.htmx.trigger(element, "refresh");
      });
    }
    document.body.setAttribute("data-live", "connected");
    if (source) source.addEventListener("error", function () {
      document.body.setAttribute("data-live", "lost");
    });
  });
  // A page change (hx-boost) closes the stream; the new page opens its own.
  document.addEventListener("htmx:sseClose", function () {
    document.body.setAttribute("data-live", "connecting");
  });

  // "… schreibt gerade": typing in the composer tells the others (at most every 4 s).
  var writingSent = 0;
  document.addEventListener("input", function (event) {
    var text = event.target.closest("textarea[data-presence-url]");
    if (!text || !window.htmx || Date.now() - writingSent < 4000) return;
    writingSent = Date.now();
    window.htmx.ajax("POST", text.getAttribute("data-presence-url"), {
      source: text, target: "#presence", swap: "outerHTML", values: {state: "writing"}
    });
  });

  // Reply to a specific message: the composer quotes it until sent or cancelled.
  document.addEventListener("click", function (event) {
    var reply = event.target.closest("[data-reply-to]");
    var cancel = event.target.closest("[data-reply-cancel]");
    var field = document.getElementById("composer-reply-to");
    var quote = document.getElementById("composer-reply");
    if (!field || !quote || !(reply || cancel)) return;
    field.value = reply ? reply.getAttribute("data-reply-to") : "";
    quote.querySelector("[data-reply-preview]").textContent =
      reply ? "↩ " + reply.getAttribute("data-reply-text") : "";
    quote.hidden = !reply;
    if (reply) document.getElementById("composer-text").focus();
  });

  // Images in the thread open enlarged in a dialog (Escape or "Schließen" closes it).
  document.addEventListener("click", function (event) {
    var link = event.target.closest("a[data-lightbox]");
    var dialog = document.getElementById("lightbox");
    if (link && dialog && dialog.showModal) {
      event.preventDefault();
      var image = dialog.querySelector("img");
      var thumbnail = link.querySelector("img");
      image.src = link.getAttribute("href");
      image.alt = thumbnail ? thumbnail.alt : "";
      dialog.showModal();
    } else if (dialog && event.target === dialog) {
      dialog.close();  // a click on the backdrop
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
