// LeadGate's own small script: no inline handlers (strict CSP), no storage.
// Behaviours hang on data-attributes and listen on `document`, so they work in
// fragments htmx swaps in later (RSJS). Add yours as a headed section below.
(function () {
  "use strict";

  // == Shell: the navigation drawer on phones and tablets ([data-nav-toggle]) ==
  // The drawer is modal while open: the content behind it is inert, Escape or a
  // click beside it closes it, and the focus returns to the menu button.
  function shell() { return document.querySelector("[data-shell]"); }
  function setNav(open, returnFocus) {
    var root = shell();
    if (!root) return;
    var toggle = root.querySelector("[data-nav-toggle]");
    root.classList.toggle("is-nav-open", open);
    if (toggle) toggle.setAttribute("aria-expanded", open ? "true" : "false");
    // Everything but the drawer is out of reach while it is open (also for Tab).
    root.querySelectorAll(".shell-content, .shell-topbar").forEach(function (part) { part.inert = open; });
    if (open) {
      var current = root.querySelector("[data-nav] [aria-current='page']");
      (current || root.querySelector("[data-nav] a, [data-nav] button")).focus();
    } else if (returnFocus && toggle) {
      toggle.focus();
    }
  }
  function navOpen() { var root = shell(); return !!root && root.classList.contains("is-nav-open"); }
  document.addEventListener("click", function (event) {
    if (event.target.closest("[data-nav-toggle]")) { setNav(!navOpen(), true); return; }
    if (event.target.closest("[data-nav-close]")) { setNav(false, true); return; }
    // A click on the backdrop (the shell itself, outside the drawer) closes it.
    if (navOpen() && !event.target.closest("[data-nav]")) setNav(false, true);
  });
  document.addEventListener("keydown", function (event) {
    if (event.key === "Escape" && navOpen()) { setNav(false, true); }
  });
  // Growing past the drawer breakpoint shows the navigation anyway.
  var wide = window.matchMedia("(min-width: 900px)");
  wide.addEventListener("change", function () { if (wide.matches && navOpen()) setNav(false, false); });

  // == Confirmation dialogs (templates/_macros.html confirm_dialog) ==
  // [data-confirm-open="<dialog id>"] opens the dialog modally; its autofocused
  // "Abbrechen" has the focus. Escape (native), "Abbrechen" or a click on the
  // backdrop close it without sending anything; the confirm button submits.
  document.addEventListener("click", function (event) {
    var opener = event.target.closest("[data-confirm-open]");
    if (opener) {
      var dialog = document.getElementById(opener.getAttribute("data-confirm-open"));
      if (dialog && dialog.showModal && !dialog.open) {
        event.preventDefault();
        var form = dialog.querySelector("form");
        if (form) form.reset();  // a dialog opened again starts empty
        dialog.showModal();
      }
      return;
    }
    var close = event.target.closest("[data-dialog-close]");
    if (close && close.closest("dialog")) { close.closest("dialog").close("cancel"); return; }
    if (event.target.matches && event.target.matches("dialog[data-confirm-dialog]")) {
      event.target.close("cancel");  // the backdrop: the dialog box itself has no padding
    }
  });
  // Once the browser accepts the form (required fields, pattern), the dialog
  // closes; the page or the htmx swap shows the outcome.
  document.addEventListener("submit", function (event) {
    var dialog = event.submitter && event.submitter.closest("dialog[data-confirm-dialog]");
    if (!dialog) dialog = event.target.closest("dialog[data-confirm-dialog]");
    if (dialog && dialog.open) dialog.close("confirm");
  });

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

  // == Pages: a confirmation that names what the form's current choice will do ==
  // Inside a confirm dialog, [data-choice-from="<selector>"] holds one
  // [data-choice="<value>"] text per possible choice; right before the dialog
  // opens, only the one matching the value of the field(s) the selector finds
  // shows (several fields: their values joined by a space). Capture phase, so
  // the text is set before the dialog opens and is announced with it.
  // (The workspace switcher no longer submits on change: WCAG 3.2.2.)
  document.addEventListener("click", function (event) {
    var opener = event.target.closest("[data-confirm-open]");
    var dialog = opener && document.getElementById(opener.getAttribute("data-confirm-open"));
    if (!dialog) return;
    dialog.querySelectorAll("[data-choice-from]").forEach(function (group) {
      var fields = document.querySelectorAll(group.getAttribute("data-choice-from"));
      var value = Array.prototype.map.call(fields, function (field) { return field.value; }).join(" ");
      group.querySelectorAll("[data-choice]").forEach(function (text) {
        text.hidden = text.getAttribute("data-choice") !== value;
      });
    });
  }, true);

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

  // == Thread (templates/inbox/_thread.html, _message.html, _composer.html) ==
  // The messages are their own scroll area. The thread opens at the newest
  // message (or at the "Neue Nachrichten" line) and stays at the bottom while the
  // agent is there ("pinned"): a sent message, a live arrival, a new tick or an
  // image that loads keep it there. Scrolled up, nothing moves: what arrives is
  // counted on the "jump to latest" button. Near the top the page before loads;
  // the view keeps its distance from the bottom, which the older page does not move.
  var PIN_SLACK = 48;  // px from the bottom that still count as "at the bottom"
  var OLDER_AHEAD = 600;  // px from the top at which the page before is fetched
  var LONG_PRESS_MS = 450;
  var threads = new WeakMap();  // #thread -> {pinned, unseen}
  var reducedMotion = window.matchMedia("(prefers-reduced-motion: reduce)");
  var threadPhone = window.matchMedia("(max-width: 640px)");

  function atBottom(list) { return list.scrollHeight - list.scrollTop - list.clientHeight <= PIN_SLACK; }
  function toBottom(list, smooth) {
    list.scrollTo({top: list.scrollHeight, behavior: smooth && !reducedMotion.matches ? "smooth" : "auto"});
  }
  function messages(list) { return Array.prototype.slice.call(list.querySelectorAll("[data-msg]")); }
  function showJump(list) {
    var state = threads.get(list);
    var jump = list.parentElement.querySelector("[data-thread-jump]");
    if (!state || !jump) return;
    jump.hidden = state.pinned;
    var count = jump.querySelector("[data-thread-jump-count]");
    count.hidden = !state.unseen;
    count.textContent = state.unseen > 99 ? "99+" : String(state.unseen);
  }
  function loadOlder(list) {
    var older = list.querySelector("[data-thread-older]");
    if (older && list.scrollTop < OLDER_AHEAD && window.htmx) window.htmx.trigger(older, "thread-top");
  }
  // Neighbouring groups of the same day become one (after a page before or a live
  // update), nothing shows twice, and the "no messages yet" line goes.
  function tidy(list) {
    var days = list.querySelectorAll(".thread-day");
    for (var i = days.length - 1; i > 0; i--) {
      if (days[i].getAttribute("data-day") !== days[i - 1].getAttribute("data-day")) continue;
      var heading = days[i].querySelector(".day-divider");
      Array.prototype.slice.call(days[i].children).forEach(function (child) {
        if (child !== heading) days[i - 1].appendChild(child);
      });
      days[i].remove();
    }
    var seen = {};
    list.querySelectorAll("[id^='message-']").forEach(function (item) {
      if (seen[item.id]) item.remove(); else seen[item.id] = true;
    });
    var empty = list.querySelector(".thread-empty");
    if (empty && list.querySelector(".thread-day")) empty.remove();
  }
  // One message at a time is a keyboard stop (roving tabindex), the newest at first.
  function rove(list, item) {
    messages(list).forEach(function (other) { other.tabIndex = other === item ? 0 : -1; });
  }
  function keepOneStop(list) {
    var all = messages(list);
    if (all.length && !all.some(function (item) { return item.tabIndex === 0; })) all[all.length - 1].tabIndex = 0;
  }
  function setUpThread(list) {
    if (threads.has(list)) return;
    var state = {pinned: true, unseen: 0};
    threads.set(list, state);
    tidy(list);
    keepOneStop(list);
    var divider = list.querySelector("#unread-divider");
    if (divider) {
      var header = divider.parentElement.querySelector(".day-divider");
      list.scrollTop = divider.getBoundingClientRect().top - list.getBoundingClientRect().top +
        list.scrollTop - (header ? 2 * header.offsetHeight : 0);
      state.pinned = atBottom(list);
    } else {
      toBottom(list);
    }
    list.addEventListener("scroll", function () {
      state.pinned = atBottom(list);
      if (state.pinned) state.unseen = 0;
      showJump(list);
      loadOlder(list);
    }, {passive: true});
    if (window.ResizeObserver) {
      // Images that load, a composer that grows, a tick that changes: still at the bottom.
      var keep = new ResizeObserver(function () { if (state.pinned) toBottom(list); });
      keep.observe(list);
      keep.observe(list.querySelector(".thread-days"));
    }
    showJump(list);
    loadOlder(list);
  }
  function setUpWithin(root) {
    if (!root || !root.querySelectorAll) return;
    var list = root.matches("[data-thread]") ? root : root.querySelector("[data-thread]");
    if (list) setUpThread(list);
    root.querySelectorAll("textarea[data-autogrow]").forEach(growField);
    if (root.matches("[data-thread-older]")) loadOlder(root.closest("[data-thread]"));
  }
  document.addEventListener("DOMContentLoaded", function () { setUpWithin(document.body); });
  document.addEventListener("htmx:load", function (event) { setUpWithin(event.target); });

  // Live updates ask for what came after the newest message shown, and say which
  // composer the page shows (the server sends another one if the window changed).
  document.addEventListener("htmx:configRequest", function (event) {
    var list = event.detail.elt;
    if (!list.matches || !list.matches("[data-thread]")) return;
    var newest = 0;
    list.querySelectorAll("[id^='message-']").forEach(function (item) {
      var id = /^message-(\d+)$/.exec(item.id);
      if (id && +id[1] > newest) newest = +id[1];
    });
    event.detail.parameters.after = newest;
    var composer = document.getElementById("composer");
    if (composer) event.detail.parameters.mode = composer.getAttribute("data-composer-mode");
  });
  // htmx swaps right after this event: a microtask runs once the swap is done,
  // before anything is painted.
  document.addEventListener("htmx:beforeSwap", function (event) {
    var elt = event.detail.requestConfig && event.detail.requestConfig.elt;
    var list = elt && elt.closest && elt.closest("[data-thread]");
    var state = list && threads.get(list);
    if (!state) return;
    if (elt.hasAttribute("data-thread-older")) {
      var fromBottom = list.scrollHeight - list.scrollTop;
      queueMicrotask(function () {
        tidy(list);
        list.scrollTop = list.scrollHeight - fromBottom;
      });
    } else if (elt === list) {
      var before = {};
      messages(list).forEach(function (item) { before[item.id] = true; });
      queueMicrotask(function () {
        tidy(list);
        keepOneStop(list);
        var added = messages(list).filter(function (item) { return !before[item.id]; }).length;
        if (state.pinned) toBottom(list);
        else if (added) { state.unseen += added; showJump(list); }
      });
    }
  });
  // What this script sized by CSSOM loses its style attribute before htmx swaps
  // it: htmx copies an old element's attributes onto its new twin (same id) with
  // setAttribute, which the CSP refuses for style. Only inside the swap's target:
  // a live update of the thread or "schreibt gerade" must not shrink the composer
  // the agent is typing several lines into.
  var SIZED_BY_SCRIPT = "[data-autogrow][style], [data-message-actions][style]";
  function dropStyles(event) {
    var target = event.detail.target;
    if (!target || !target.querySelectorAll || event.detail.shouldSwap === false) return;
    var sized = Array.prototype.slice.call(target.querySelectorAll(SIZED_BY_SCRIPT));
    if (target.matches(SIZED_BY_SCRIPT)) sized.push(target);
    sized.forEach(function (element) { element.removeAttribute("style"); });
  }
  document.addEventListener("htmx:beforeSwap", dropStyles);
  document.addEventListener("htmx:oobBeforeSwap", dropStyles);
  // A message shown again by a live update is swapped only when it changed
  // (data-v), and keeps its place in the keyboard order.
  document.addEventListener("htmx:oobBeforeSwap", function (event) {
    var target = event.detail.target;
    var incoming = event.detail.fragment && event.detail.fragment.firstElementChild;
    if (!target || !incoming || !target.hasAttribute("data-v")) return;
    if (target.getAttribute("data-v") === incoming.getAttribute("data-v")) event.detail.shouldSwap = false;
    else incoming.tabIndex = target.tabIndex;
  });
  // Sending goes to the bottom, as it does in every messenger.
  document.addEventListener("htmx:beforeRequest", function (event) {
    if (!event.detail.elt.matches || !event.detail.elt.matches("[data-composer]")) return;
    var list = document.querySelector("[data-thread]");
    var state = list && threads.get(list);
    if (!state) return;
    state.pinned = true;
    state.unseen = 0;
    toBottom(list);
    showJump(list);
  });
  document.addEventListener("click", function (event) {
    var jump = event.target.closest("[data-thread-jump]");
    var list = jump && jump.parentElement.querySelector("[data-thread]");
    if (!list || !threads.has(list)) return;
    threads.get(list).unseen = 0;
    toBottom(list, true);
  });
  function threadNotice(text, alert) {
    var notice = document.getElementById("thread-notice");
    if (!notice) return;
    notice.setAttribute("role", alert ? "alert" : "status");
    notice.textContent = text;
    notice.hidden = false;
    clearTimeout(threadNotice.timer);
    threadNotice.timer = setTimeout(function () { notice.hidden = true; }, 5000);
  }
  // A refusal from the server (compose.acted) comes as a new #thread-notice.
  document.addEventListener("htmx:oobAfterSwap", function (event) {
    var notice = document.getElementById("thread-notice");
    if (event.detail.target && event.detail.target.id === "thread-notice" && notice) {
      threadNotice(notice.textContent, true);
    }
  });

  // Messages: arrows move between them, Enter (or the context-menu key) opens the
  // actions, as does "⋯" or a long press on touch screens.
  document.addEventListener("keydown", function (event) {
    var item = event.target.matches && event.target.matches("[data-msg]") ? event.target : null;
    if (!item) return;
    var list = item.closest("[data-thread]");
    if (event.key === "Enter" || event.key === "ContextMenu" || (event.key === "F10" && event.shiftKey)) {
      event.preventDefault();
      openActions(item);
      return;
    }
    var all = messages(list), index = all.indexOf(item);
    var next = {ArrowUp: index - 1, ArrowDown: index + 1, Home: 0, End: all.length - 1}[event.key];
    if (next === undefined || next < 0 || next >= all.length) return;
    event.preventDefault();
    rove(list, all[next]);
    all[next].focus();
    all[next].scrollIntoView({block: "nearest"});
  });
  document.addEventListener("focusin", function (event) {
    var item = event.target.closest && event.target.closest("[data-msg]");
    if (item && item.tabIndex !== 0) rove(item.closest("[data-thread]"), item);
  });
  var longPress = null;
  document.addEventListener("pointerdown", function (event) {
    var item = event.pointerType !== "mouse" && event.target.closest("[data-msg]");
    if (!item || event.target.closest("a, button, input, summary, audio, video")) return;
    longPress = {x: event.clientX, y: event.clientY, fired: false};
    longPress.timer = setTimeout(function () { longPress.fired = true; openActions(item); }, LONG_PRESS_MS);
  });
  document.addEventListener("pointermove", function (event) {
    if (longPress && Math.abs(event.clientX - longPress.x) + Math.abs(event.clientY - longPress.y) > 12) clearTimeout(longPress.timer);
  });
  ["pointerup", "pointercancel"].forEach(function (name) {
    document.addEventListener(name, function () {
      if (longPress) { clearTimeout(longPress.timer); longPress.upAt = Date.now(); }
    });
  });
  // The release after a long press is no click and brings no context menu (a
  // browser may send neither: a later tap is a click again).
  document.addEventListener("contextmenu", function (event) {
    if (longPress && longPress.fired) event.preventDefault();
  }, true);
  document.addEventListener("click", function (event) {
    if (!longPress || !longPress.fired) return;
    var release = !longPress.upAt || Date.now() - longPress.upAt < 400;
    longPress = null;
    if (release) { event.preventDefault(); event.stopPropagation(); }
  }, true);

  // The actions dialog (_message_actions.html): only what the message allows.
  function actionsDialog() { return document.querySelector("[data-message-actions]"); }
  function actionsFor(dialog) { return document.getElementById(dialog.getAttribute("data-for") || ""); }
  function openActions(item) {
    var dialog = actionsDialog();
    if (!dialog || !dialog.showModal || dialog.open) return;
    var can = {
      react: item.hasAttribute("data-react-url"),
      reply: item.hasAttribute("data-reply-to"),
      copy: !!item.querySelector(".message-content .message-text"),
      unreact: item.hasAttribute("data-my-reaction"),
    };
    if (!can.react && !can.reply && !can.copy) return;
    dialog.setAttribute("data-for", item.id);
    dialog.querySelectorAll("[data-when]").forEach(function (part) { part.hidden = !can[part.getAttribute("data-when")]; });
    dialog.querySelector("#emoji-picker").hidden = true;
    dialog.querySelector("[data-emoji-more]").setAttribute("aria-expanded", "false");
    dialog.querySelector("[data-emoji-free]").reset();
    dialog.showModal();
    placeActions(dialog, item);
    var first = dialog.querySelector("[data-when]:not([hidden]) button");
    if (first) first.focus();
  }
  // Beside the bubble on wide screens (a bottom sheet on phones, by CSS).
  function placeActions(dialog, item) {
    if (threadPhone.matches) { dialog.style.top = ""; dialog.style.left = ""; return; }
    var bubble = (item.querySelector(".message-bubble") || item).getBoundingClientRect();
    var margin = 8, width = dialog.offsetWidth, height = dialog.offsetHeight;
    var top = bubble.bottom + 4;
    if (top + height > window.innerHeight - margin) top = Math.max(margin, bubble.top - height - 4);
    var left = item.classList.contains("message-out") ? bubble.right - width : bubble.left;
    dialog.style.top = top + "px";
    dialog.style.left = Math.min(Math.max(margin, left), window.innerWidth - width - margin) + "px";
  }
  function sendReaction(item, emoji) {
    if (window.htmx) window.htmx.ajax("POST", item.getAttribute("data-react-url"), {source: item, values: {emoji: emoji}, swap: "none"});
  }
  function copyText(text) {
    if (navigator.clipboard && window.isSecureContext) return navigator.clipboard.writeText(text);
    var field = document.createElement("textarea");
    field.value = text;
    field.setAttribute("readonly", "");
    field.className = "visually-hidden";
    document.body.appendChild(field);
    field.select();
    document.execCommand("copy");
    field.remove();
    return Promise.resolve();
  }
  function runAction(name, item, button) {
    if (name === "reply") {
      var field = document.getElementById("composer-reply-to");
      var quote = document.getElementById("composer-reply");
      if (!field || !quote) return;
      field.value = item.getAttribute("data-reply-to");
      quote.querySelector("[data-reply-preview]").textContent = item.getAttribute("data-reply-text");
      quote.hidden = false;
      document.getElementById("composer-text").focus();
    } else if (name === "copy") {
      var parts = item.querySelectorAll(".message-content .message-text");
      var text = Array.prototype.map.call(parts, function (part) { return part.innerText.trim(); }).join("\n");
      copyText(text).then(function () { threadNotice(button.getAttribute("data-done")); });
    } else if (name === "unreact") {
      sendReaction(item, "");
    }
  }
  document.addEventListener("click", function (event) {
    var dialog = event.target.closest("[data-message-actions]");
    if (!dialog) {
      var opener = event.target.closest("[data-msg-actions]");
      if (opener) openActions(opener.closest("[data-msg]"));
      return;
    }
    if (event.target === dialog) { dialog.close(); return; }  // the backdrop
    var more = event.target.closest("[data-emoji-more]");
    if (more) {
      var picker = dialog.querySelector("#emoji-picker");
      picker.hidden = !picker.hidden;
      more.setAttribute("aria-expanded", picker.hidden ? "false" : "true");
      if (actionsFor(dialog)) placeActions(dialog, actionsFor(dialog));
      if (!picker.hidden) picker.querySelector("button").focus();
      return;
    }
    var emoji = event.target.closest("[data-react]");
    var action = event.target.closest("[data-action]");
    var item = actionsFor(dialog);
    if (!item || !(emoji || action)) return;
    dialog.close();
    if (emoji) sendReaction(item, emoji.getAttribute("data-react"));
    else runAction(action.getAttribute("data-action"), item, action);
  });
  document.addEventListener("submit", function (event) {
    var form = event.target.closest("[data-emoji-free]");
    if (!form) return;
    event.preventDefault();
    var dialog = form.closest("[data-message-actions]"), item = actionsFor(dialog);
    var chosen = form.elements.emoji.value.trim();
    dialog.close();
    if (item && chosen) sendReaction(item, chosen);
  });
  document.addEventListener("click", function (event) {
    if (!event.target.closest("[data-reply-cancel]")) return;
    var field = document.getElementById("composer-reply-to");
    var quote = document.getElementById("composer-reply");
    if (field) field.value = "";
    if (quote) quote.hidden = true;
    document.getElementById("composer-text").focus();
  });

  // Composer: the field grows with its text (up to about six lines, then it
  // scrolls); Enter sends, Shift+Enter starts a new line (not while an IME composes).
  function growField(text) {
    text.style.height = "auto";
    text.style.height = text.scrollHeight + text.offsetHeight - text.clientHeight + "px";
  }
  document.addEventListener("input", function (event) {
    var text = event.target.closest("textarea[data-autogrow]");
    if (text) growField(text);
  });
  document.addEventListener("keydown", function (event) {
    var text = event.target.closest("textarea[data-enter-sends]");
    if (!text || event.key !== "Enter" || event.shiftKey || event.isComposing) return;
    if (event.defaultPrevented) return;  // Enter picked a canned response instead
    event.preventDefault();
    if (text.value.trim() || (text.form.querySelector("input[type=file]") || {}).value) {
      text.form.requestSubmit();
    }
  });
  // The attachment: an icon button opens the file chooser; the chosen file shows as
  // a chip (name, size) that a × removes again.
  function showFile(form) {
    var input = form.querySelector("[data-attachment-input]");
    var chip = form.querySelector("[data-attachment-chip]");
    var file = input.files && input.files[0];
    chip.hidden = !file;
    if (!file) return;
    var number = new Intl.NumberFormat(document.documentElement.lang || "de", {maximumFractionDigits: 1});
    chip.querySelector("[data-attachment-name]").textContent = file.name;
    chip.querySelector("[data-attachment-size]").textContent = file.size < 1048576
      ? number.format(Math.max(0.1, file.size / 1024)) + " KB"
      : number.format(file.size / 1048576) + " MB";
  }
  document.addEventListener("click", function (event) {
    var attach = event.target.closest("[data-attach]");
    var remove = event.target.closest("[data-attachment-remove]");
    var form = (attach || remove || {}).form;
    if (!form) return;
    var input = form.querySelector("[data-attachment-input]");
    if (attach) { input.click(); return; }
    input.value = "";
    showFile(form);
    form.querySelector("[data-attach]").focus();
  });
  document.addEventListener("change", function (event) {
    if (event.target.matches("[data-attachment-input]")) showFile(event.target.form);
  });

  // A template chosen: its first field comes into view (the composer scrolls).
  document.addEventListener("htmx:afterSettle", function (event) {
    if (event.target.id !== "template-fields") return;
    var first = event.target.querySelector("input:not([type=hidden]), .template-preview");
    if (first) first.scrollIntoView({block: "nearest"});
  });

  // Canned responses: "/" and a shortcut at the start of the composer; the server
  // renders the suggestions (canned.lookup), arrows choose, Enter or Tab takes one.
  var cannedTimer = null;
  function cannedList() { return document.getElementById("canned-suggestions"); }
  function cannedOptions() {
    var list = cannedList();
    return list && !list.hidden ? Array.prototype.slice.call(list.querySelectorAll("[role=option]")) : [];
  }
  function closeCanned(text) {
    var list = cannedList();
    if (list) { list.hidden = true; list.textContent = ""; }
    text.removeAttribute("aria-activedescendant");
  }
  function pickCanned(text, option) {
    text.value = option.getAttribute("data-text");
    closeCanned(text);
    text.focus();
    growField(text);
  }
  function setActive(text, index) {
    var options = cannedOptions();
    options.forEach(function (option, i) { option.setAttribute("aria-selected", i === index ? "true" : "false"); });
    if (options[index]) text.setAttribute("aria-activedescendant", options[index].id);
  }
  document.addEventListener("input", function (event) {
    var text = event.target.closest("textarea[data-canned-url]");
    if (!text) return;
    var match = /^\/([\w-]*)$/.exec(text.value);
    clearTimeout(cannedTimer);
    if (!match) { closeCanned(text); return; }
    cannedTimer = setTimeout(function () {
      if (!window.htmx) return;
      // Only the shortcut is sent: no source element, so no field of the form goes along.
      window.htmx.ajax("GET", text.getAttribute("data-canned-url"), {
        target: "#canned-suggestions", swap: "outerHTML", values: {q: match[1]}
      }).then(function () {
        if (/^\/[\w-]*$/.test(text.value) && cannedOptions().length) setActive(text, 0);
        else closeCanned(text);
      });
    }, 120);
  });
  document.addEventListener("keydown", function (event) {
    var text = event.target.closest("textarea[data-canned-url]");
    var options = text ? cannedOptions() : [];
    if (!options.length) return;
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
  // The first time, the thread alone asks what changed between drawing the page
  // and listening (a file stored, a tick): one small request, nothing missed.
  document.addEventListener("htmx:sseOpen", function (event) {
    var source = event.detail && event.detail.source;
    var missed = document.body.getAttribute("data-live") === "lost"
      ? ["#list-column", "#thread"] : ["#thread"];
    missed.forEach(function (selector) {
      var element = document.querySelector(selector);
      if (element && window.htmx) window.htmx.trigger(element, "refresh");
    });
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
    if (!text || !window.htmx || !document.getElementById("presence")) return;
    if (Date.now() - writingSent < 4000) return;
    writingSent = Date.now();
    // The composer's section as the source, not the field: htmx would send the
    // field's form (the draft with it); #presence would send its own state.
    window.htmx.ajax("POST", text.getAttribute("data-presence-url"), {
      source: "#composer", target: "#presence", swap: "outerHTML", values: {state: "writing"}
    });
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
  // The text is the server's, in the reader's language (base.html's <template>).
  document.addEventListener("htmx:responseError", function (event) {
    var flashes = document.getElementById("flashes");
    var template = document.getElementById("htmx-error-template");
    if (!flashes || !template) return;
    var message = template.content.firstElementChild.cloneNode(true);
    message.setAttribute("role", "alert");
    var status = message.querySelector("[data-error-status]");
    if (status) status.textContent = event.detail.xhr.status;
    flashes.appendChild(message);
  });

  // == Inbox layout: the contact panel (column or drawer) and the filter sheet ==
  // The thread header's [data-panel-toggle] shows and hides #team-panel. Where the
  // panel is a column (wide screens) it collapses, and the server remembers the
  // choice in the session (POST to #inbox[data-panel-url]; no browser storage).
  // Elsewhere it is a drawer, a modal dialog while open: the rest of the page is
  // inert, Escape or a click beside it closes it, the focus returns to the toggle.
  var panelInert = [];
  var reopenPanel = false;
  var sheetApplied = false;
  function inboxRoot() { return document.querySelector("[data-inbox]"); }
  function contactPanel() { return document.getElementById("team-panel"); }
  function panelIsDrawer() {
    var panel = contactPanel();
    return !!panel && getComputedStyle(panel).position === "fixed";
  }
  function drawerOpen() { var root = inboxRoot(); return !!root && root.classList.contains("is-panel-open"); }
  function csrfToken() {
    try { return JSON.parse(document.body.getAttribute("hx-headers"))["X-CSRFToken"]; } catch (error) { return ""; }
  }
  // Everything but the panel becomes inert: each sibling on the way up to <body>.
  function trapAround(element, on) {
    panelInert.forEach(function (node) { node.inert = false; });
    panelInert = [];
    for (var node = element; on && node && node.parentElement && node !== document.body; node = node.parentElement) {
      Array.prototype.forEach.call(node.parentElement.children, function (sibling) {
        if (sibling !== node && !sibling.inert) { sibling.inert = true; panelInert.push(sibling); }
      });
    }
  }
  function syncPanelToggles() {
    var root = inboxRoot();
    if (!root || !contactPanel()) return;
    var shown = panelIsDrawer() ? drawerOpen() : !root.classList.contains("is-panel-collapsed");
    document.querySelectorAll("[data-panel-toggle]").forEach(function (toggle) {
      toggle.setAttribute("aria-expanded", shown ? "true" : "false");
      toggle.setAttribute("aria-controls", "team-panel");
    });
  }
  function focusToggle() {
    var toggle = document.querySelector("[data-panel-toggle]");
    if (toggle) toggle.focus();
  }
  function setDrawer(open, moveFocus) {
    var root = inboxRoot(), panel = contactPanel();
    if (!root || !panel) return;
    root.classList.toggle("is-panel-open", open);
    if (open) {
      panel.setAttribute("role", "dialog");
      panel.setAttribute("aria-modal", "true");
    } else {
      panel.removeAttribute("role");
      panel.removeAttribute("aria-modal");
    }
    trapAround(panel, open);
    syncPanelToggles();
    if (open && moveFocus) panel.querySelector("[data-panel-close]").focus();
    if (!open && moveFocus) focusToggle();
  }
  function setColumn(open) {
    var root = inboxRoot();
    root.classList.toggle("is-panel-collapsed", !open);
    syncPanelToggles();
    fetch(root.getAttribute("data-panel-url"), {
      method: "POST", credentials: "same-origin",
      headers: {"X-CSRFToken": csrfToken(), "Content-Type": "application/x-www-form-urlencoded"},
      body: "state=" + (open ? "open" : "closed")
    });
  }
  document.addEventListener("click", function (event) {
    if (event.target.closest("[data-panel-toggle]")) {
      if (!contactPanel()) return;
      if (panelIsDrawer()) setDrawer(!drawerOpen(), true);
      else setColumn(inboxRoot().classList.contains("is-panel-collapsed"));
      return;
    }
    if (event.target.closest("[data-panel-close]")) {
      if (panelIsDrawer()) { setDrawer(false, true); } else { setColumn(false); focusToggle(); }
      return;
    }
    // The backdrop (#inbox::after) while the drawer is open: a click beside it.
    if (drawerOpen() && !event.target.closest("#team-panel, dialog")) setDrawer(false, true);
  });
  document.addEventListener("keydown", function (event) {
    // A confirmation open inside the drawer closes first (the browser does that).
    if (event.key === "Escape" && drawerOpen() && !document.querySelector("dialog[open]")) {
      setDrawer(false, true);
    }
  });
  var panelColumns = window.matchMedia("(min-width: 1108px)");
  panelColumns.addEventListener("change", function () { if (drawerOpen()) setDrawer(false, false); syncPanelToggles(); });
  document.addEventListener("DOMContentLoaded", syncPanelToggles);

  // The filter sheet on phones ([data-sheet-open] opens a <dialog data-sheet>):
  // Escape, "Schließen" or the backdrop close it; "Anwenden" sends its form.
  document.addEventListener("click", function (event) {
    var opener = event.target.closest("[data-sheet-open]");
    var sheet = opener && document.getElementById(opener.getAttribute("data-sheet-open"));
    if (sheet && sheet.showModal && !sheet.open) { sheet.showModal(); return; }
    if (event.target.matches && event.target.matches("dialog[data-sheet]")) event.target.close();
    var reset = event.target.closest("dialog[data-sheet][open] a[href]");  // "Zurücksetzen"
    if (reset) { reset.closest("dialog").close(); sheetApplied = true; }
  });
  document.addEventListener("submit", function (event) {
    var sheet = event.target.closest("dialog[data-sheet]");
    if (sheet && sheet.open) { sheet.close(); sheetApplied = true; }
  });

  // A page change (an action in the panel leads to a new page) leaves what the
  // old page still waits for unanswered: a live update answering after the
  // change would swap into markup that is gone (htmx reports its out-of-band
  // parts as errors). Not aborted: htmx logs an aborted request as an error too.
  document.addEventListener("htmx:beforeSwap", function (event) {
    if (event.detail.target !== document.body) return;
    document.querySelectorAll(".htmx-request").forEach(function (element) {
      if (element === event.detail.elt) return;
      element.addEventListener("htmx:beforeOnLoad", function (late) { late.preventDefault(); }, {once: true});
    });
  });
  document.addEventListener("htmx:beforeRequest", function (event) {
    var element = event.detail.elt;
    // The list refreshing itself would take an open filter sheet away mid-choice.
    if (element && element.id === "list-column" && document.querySelector("dialog[data-sheet][open]")) {
      event.preventDefault();
      return;
    }
    // An action from the open drawer: show the drawer again on the page it leads to.
    if (drawerOpen() && element && element.closest && element.closest("#team-panel")) reopenPanel = true;
  });
  document.addEventListener("htmx:afterSettle", function (event) {
    if (event.detail.target === document.body) {  // a new page (hx-boost)
      if (reopenPanel && contactPanel() && panelIsDrawer()) {
        setDrawer(true, false);
        contactPanel().querySelector("[data-panel-close]").focus();
      }
      reopenPanel = false;
    } else if (drawerOpen()) {
      trapAround(contactPanel(), true);  // a refreshed list or thread is new markup
    }
    if (sheetApplied) {
      sheetApplied = false;
      var filter = document.querySelector("[data-sheet-open]");
      if (filter) filter.focus();
    }
    syncPanelToggles();
  });
})();
