// The console's small behaviours: live updates over the workspace socket, copy buttons,
// confirmations, and a toast when an htmx request is refused.
(function () {
  "use strict";

  function toast(text) {
    var box = document.getElementById("toast");
    if (!box) return;
    box.textContent = text;
    box.hidden = false;
    clearTimeout(box._timer);
    box._timer = setTimeout(function () { box.hidden = true; }, 6000);
  }

  // Live updates re-render whole sections. Two cases must not wipe what the person sees:
  // the echo of their own change (the response they just got is already fresh, and carries
  // its notice), and a form in the section they are filling in (refresh once they are done).
  var ownRequests = 0, lastOwnResponse = 0, pending = [];

  function isEcho() { return ownRequests > 0 || Date.now() - lastOwnResponse < 1500; }

  function editingLiveSection() {
    var active = document.activeElement;
    if (active && active.matches("input, textarea, select") && active.closest("[hx-trigger*='from:body']")) return true;
    return Array.prototype.some.call(
      document.querySelectorAll("[hx-trigger*='from:body'] form input:not([type=hidden]), [hx-trigger*='from:body'] form textarea"),
      function (field) { return field.value !== field.defaultValue; }
    );
  }

  function dispatch(event) {
    // "team.updated" → an htmx trigger "team-updated" that sections listen for.
    htmx.trigger(document.body, event.type.replace(/\./g, "-"), event);
  }

  function flushPending() {
    if (!pending.length || editingLiveSection()) return;
    var events = pending;
    pending = [];
    var seen = {};
    events.forEach(function (event) { if (!seen[event.type]) { seen[event.type] = true; dispatch(event); } });
  }

  document.addEventListener("htmx:beforeRequest", function (event) {
    if (event.detail.requestConfig && event.detail.requestConfig.verb !== "get") ownRequests += 1;
  });
  document.addEventListener("htmx:afterRequest", function (event) {
    if (event.detail.requestConfig && event.detail.requestConfig.verb !== "get") {
      ownRequests = Math.max(0, ownRequests - 1);
      lastOwnResponse = Date.now();
      if (event.detail.successful) pending = []; // The swapped-in section is already current.
    }
  });
  document.addEventListener("focusout", function () { setTimeout(flushPending, 0); });

  function connect(path, attempt) {
    var scheme = location.protocol === "https:" ? "wss://" : "ws://";
    var socket = new WebSocket(scheme + location.host + path);
    // The body says whether live updates are on (tests wait for it; styles may show it).
    socket.onopen = function () { attempt = 0; document.body.dataset.live = "on"; };
    socket.onmessage = function (message) {
      var event;
      try { event = JSON.parse(message.data); } catch (error) { return; }
      if (!event.type || !window.htmx || isEcho()) return;
      if (editingLiveSection()) pending.push(event);
      else dispatch(event);
    };
    socket.onclose = function (close) {
      document.body.dataset.live = "off";
      if (close.code === 4403) return; // No longer a member: do not retry.
      var delay = Math.min(30000, 500 * Math.pow(2, attempt)) * (0.5 + Math.random());
      setTimeout(function () { connect(path, attempt + 1); }, delay);
    };
  }

  // On a phone the sections are a horizontal strip: bring the current one into view.
  function revealCurrentSection() {
    var current = document.querySelector(".nav a[aria-current='page']");
    var strip = current && current.closest(".nav");
    if (!strip || strip.scrollWidth <= strip.clientWidth) return;
    var left = current.getBoundingClientRect().left - strip.getBoundingClientRect().left + strip.scrollLeft;
    strip.scrollLeft = Math.max(0, left - (strip.clientWidth - current.offsetWidth) / 2);
  }

  document.addEventListener("DOMContentLoaded", function () {
    var path = document.body.dataset.workspaceSocket;
    if (path && "WebSocket" in window) connect(path, 0);
    revealCurrentSection();
  });

  // navigator.clipboard exists only on secure origins (https, localhost); a console served
  // over plain http on a LAN address falls back to a hidden textarea and execCommand.
  function copyText(text) {
    if (navigator.clipboard && window.isSecureContext) return navigator.clipboard.writeText(text);
    return new Promise(function (resolve, reject) {
      var area = document.createElement("textarea");
      area.value = text;
      area.setAttribute("readonly", "");
      area.style.position = "fixed";
      area.style.top = "-1000px";
      document.body.appendChild(area);
      area.select();
      var done = false;
      try { done = document.execCommand("copy"); } catch (error) { done = false; }
      document.body.removeChild(area);
      if (done) resolve(); else reject(new Error("copy refused"));
    });
  }

  document.addEventListener("click", function (event) {
    var button = event.target.closest("[data-copy]");
    if (!button) return;
    if (!button._label) button._label = button.textContent;
    copyText(button.dataset.copy).then(function () {
      button.textContent = "Copied";
      clearTimeout(button._timer);
      button._timer = setTimeout(function () { button.textContent = button._label; }, 1500);
    }, function () { toast("Copy failed: select the text and copy it by hand."); });
  });

  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (form.dataset.confirm && !window.confirm(form.dataset.confirm)) event.preventDefault();
  });

  document.addEventListener("htmx:responseError", function (event) {
    var status = event.detail.xhr.status;
    if (status === 403) toast("Your role does not allow this. Ask an admin of the workspace.");
    else if (status === 404) toast("That no longer exists. The page will refresh.");
    else toast("Something went wrong (" + status + "). Please try again.");
    if (status === 404) setTimeout(function () { location.reload(); }, 1500);
  });
  document.addEventListener("htmx:sendError", function () {
    toast("The server cannot be reached. Check your connection and try again.");
  });
})();
