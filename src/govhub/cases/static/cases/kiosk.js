/*
 * govhub cases: the kiosk's inactivity timer. After `data-kiosk-idle` seconds without a
 * touch, a key or a scroll, the terminal signs out and clears itself; the last
 * `data-kiosk-warn` seconds show a countdown with "continue". While someone is active,
 * the server is told now and then (`data-kiosk-ping`) so that its own check (which holds
 * without this file) does not end a session in the middle of a long form.
 */
(function () {
  "use strict";

  var body = document.body;
  var idle = parseInt(body.getAttribute("data-kiosk-idle"), 10) || 120;
  var warn = Math.min(parseInt(body.getAttribute("data-kiosk-warn"), 10) || 20, idle - 1);
  var pingUrl = body.getAttribute("data-kiosk-ping");
  var homeUrl = body.getAttribute("data-kiosk-home") || "/kiosk/";
  var dialog = document.getElementById("kiosk-warning");
  if (!dialog) {
    return;
  }
  var count = dialog.querySelector("[data-kiosk-count]");
  var stay = dialog.querySelector("[data-kiosk-stay]");
  var exitForm = dialog.querySelector("[data-kiosk-timeout-form]");
  var reason = dialog.querySelector("[data-kiosk-reason]");

  var lastActivity = Date.now();
  var lastPing = Date.now();
  var pingEvery = Math.max(10, Math.floor(idle / 4)) * 1000;
  var ended = false;
  var previousFocus = null;

  function csrfToken() {
    var field = document.querySelector("input[name=csrfmiddlewaretoken]");
    return field ? field.value : "";
  }

  function ping() {
    if (!pingUrl || !window.fetch) {
      return;
    }
    lastPing = Date.now();
    fetch(pingUrl, {
      method: "POST",
      credentials: "same-origin",
      headers: { "X-CSRFToken": csrfToken() },
    }).then(function (response) {
      // The server found the session stale and cleared it: go where it sends us.
      if (response.redirected) {
        window.location.assign(response.url);
      }
    }).catch(function () {});
  }

  function showWarning() {
    if (!dialog.hidden) {
      return;
    }
    previousFocus = document.activeElement;
    dialog.hidden = false;
    if (stay) {
      stay.focus();
    }
  }

  function hideWarning() {
    if (dialog.hidden) {
      return;
    }
    dialog.hidden = true;
    if (previousFocus && typeof previousFocus.focus === "function") {
      previousFocus.focus();
    }
  }

  function activity() {
    if (ended) {
      return;
    }
    lastActivity = Date.now();
    hideWarning();
    if (Date.now() - lastPing >= pingEvery) {
      ping();
    }
  }

  function signOut() {
    ended = true;
    if (reason) {
      reason.value = "timeout";
    }
    if (exitForm) {
      exitForm.submit();
    } else {
      window.location.assign(homeUrl);
    }
  }

  function tick() {
    if (ended) {
      return;
    }
    var quiet = (Date.now() - lastActivity) / 1000;
    var left = Math.ceil(idle - quiet);
    if (left <= 0) {
      signOut();
      return;
    }
    if (left <= warn) {
      if (count) {
        count.textContent = String(left);
      }
      showWarning();
    }
  }

  ["pointerdown", "keydown", "input", "wheel", "touchstart"].forEach(function (name) {
    document.addEventListener(name, function (event) {
      // A touch on the countdown itself counts only through its buttons.
      if (!dialog.hidden && dialog.contains(event.target) && event.target !== stay) {
        return;
      }
      activity();
    }, { passive: true, capture: true });
  });
  document.addEventListener("scroll", activity, { passive: true });

  if (stay) {
    stay.addEventListener("click", function () {
      activity();
      ping();
    });
  }
  document.addEventListener("keydown", function (event) {
    if (event.key === "Escape" && !dialog.hidden) {
      activity();
      ping();
    }
  });

  // Coming back to a page from the back/forward cache restarts the clock from the server's
  // point of view: ask it (a stale session is cleared and redirected home).
  window.addEventListener("pageshow", function (event) {
    if (event.persisted) {
      ping();
    }
  });

  window.setInterval(tick, 1000);
})();
