// The agent monitor's live behaviours (templates/conversations/monitor/, the dashboard's feed):
//  1. sections marked data-live-refresh re-fetch themselves (htmx) when the workspace socket
//     (console.js) hears of a change: at once, then at most once a second while changes keep
//     coming (the last change is always followed by a fetch);
//  2. new escalations raise a browser notification (permission asked on a click) and a short
//     sound made with WebAudio, which the agent can mute (remembered in localStorage);
//  3. one conversation's page: its own socket (/ws/w/<slug>/conversations/<id>/) brings the
//     AI's reply as it streams, typing, new messages and notes; the agent's typing goes out.
// Safety rule: text from customers, the model or agents only ever reaches the page as
// textContent or inside HTML the server rendered (and escaped); never through innerHTML here.
(function () {
  "use strict";

  var LIVE_EVENTS = ["conversation-activity", "escalations-updated"];
  // The first change after a quiet spell shows at once; a burst costs one fetch a second.
  var MIN_INTERVAL_MS = 1000;

  /* ---------- 1. live sections ---------- */

  var refreshes = {};
  function scheduleRefresh(element) {
    var key = element.id;
    if (!key) return;
    var entry = refreshes[key] || (refreshes[key] = { last: -Infinity, timer: null });
    if (entry.timer !== null) return; // a fetch is already due, and will show this change too
    var wait = Math.max(0, entry.last + MIN_INTERVAL_MS - Date.now());
    entry.timer = setTimeout(function () {
      entry.timer = null;
      entry.last = Date.now();
      var current = document.getElementById(key); // swapped since: find it again
      if (current && window.htmx) htmx.trigger(current, "live-refresh");
    }, wait);
  }

  LIVE_EVENTS.forEach(function (name) {
    document.body.addEventListener(name, function (event) {
      document.querySelectorAll("[data-live-refresh]").forEach(function (element) {
        if (element.dataset.liveRefresh.split(" ").indexOf(name) !== -1) scheduleRefresh(element);
      });
      if (name === "escalations-updated") onEscalationEvent(event.detail || {});
    });
  });

  /* ---------- 2. alerts for new escalations ---------- */

  var SOUND_KEY = "chatassist.monitor.sound";
  var ALERTED_KEY = "chatassist.monitor.alerted";
  var audio = null;

  function storage(key, value) {
    try {
      if (value === undefined) return window.localStorage.getItem(key);
      window.localStorage.setItem(key, value);
    } catch (error) {
      return null; // private mode or storage disabled: alerts still work, unremembered
    }
    return null;
  }

  function soundOn() { return storage(SOUND_KEY) !== "off"; }

  function alertsBox() { return document.querySelector("[data-monitor-alerts]"); }

  function renderAlertControls() {
    var box = alertsBox();
    if (!box) return;
    var toggle = box.querySelector("[data-sound-toggle]");
    if (toggle) {
      toggle.textContent = soundOn() ? "Sound on" : "Sound off";
      toggle.setAttribute("aria-pressed", String(soundOn()));
    }
    var enable = box.querySelector("[data-notifications-enable]");
    if (enable) enable.hidden = !("Notification" in window) || Notification.permission !== "default";
  }

  // Browsers let a page make sound only after a person interacted with it: the context is
  // created (or resumed) on the first click.
  function unlockAudio() {
    var Context = window.AudioContext || window.webkitAudioContext;
    if (!Context) return;
    if (!audio) audio = new Context();
    if (audio.state === "suspended") audio.resume();
  }

  function beep() {
    if (!soundOn() || !audio || audio.state !== "running") return;
    var start = audio.currentTime + 0.01;
    [880, 1320].forEach(function (frequency, index) {
      var oscillator = audio.createOscillator(), gain = audio.createGain();
      var at = start + index * 0.16;
      oscillator.type = "sine";
      oscillator.frequency.value = frequency;
      gain.gain.setValueAtTime(0.0001, at);
      gain.gain.exponentialRampToValueAtTime(0.2, at + 0.02);
      gain.gain.exponentialRampToValueAtTime(0.0001, at + 0.14);
      oscillator.connect(gain).connect(audio.destination);
      oscillator.start(at);
      oscillator.stop(at + 0.15);
    });
  }

  // Several open tabs share one alert per escalation.
  function firstToAlert(escalationId) {
    var alerted = [];
    try { alerted = JSON.parse(storage(ALERTED_KEY) || "[]"); } catch (error) { alerted = []; }
    if (alerted.indexOf(escalationId) !== -1) return false;
    alerted.push(escalationId);
    storage(ALERTED_KEY, JSON.stringify(alerted.slice(-200)));
    return true;
  }

  var seenEscalations = {};
  function alertEscalation(escalationId, conversationId, priority) {
    if (seenEscalations[escalationId]) return;
    seenEscalations[escalationId] = true;
    if (!alertsBox() || !firstToAlert(escalationId)) return;
    beep();
    if ("Notification" in window && Notification.permission === "granted") {
      var title = "New escalation" + (priority ? " (P" + priority + ")" : "");
      var notification = new Notification(title, {
        body: "Conversation #" + conversationId + " is waiting for a person.",
        tag: "escalation-" + escalationId,
      });
      var base = alertsBox().dataset.monitorUrl;
      notification.onclick = function () {
        window.focus();
        if (base && conversationId) location.href = base + conversationId + "/";
        notification.close();
      };
    }
  }

  function onEscalationEvent(detail) {
    // A summary written for an escalation already announced is no new escalation.
    if (detail.change === "summary") return;
    if (detail.status === "queued" && detail.escalation_id) {
      alertEscalation(detail.escalation_id, detail.conversation_id, detail.priority);
    }
  }

  // The lists are the record: a queued escalation that appears in a refreshed list alerts too
  // (the socket is at-most-once). What was on the page when it loaded does not.
  function scanQueued(root, alert) {
    root.querySelectorAll("[data-escalation-status='queued']").forEach(function (row) {
      var id = Number(row.dataset.escalationId);
      if (alert) alertEscalation(id, Number(row.dataset.conversationId));
      else seenEscalations[id] = true;
    });
  }

  document.addEventListener("click", function (event) {
    unlockAudio();
    if (event.target.closest("[data-sound-toggle]")) {
      storage(SOUND_KEY, soundOn() ? "off" : "on");
      renderAlertControls();
      if (soundOn()) beep();
    } else if (event.target.closest("[data-notifications-enable]") && "Notification" in window) {
      Notification.requestPermission().then(renderAlertControls);
    }
  });

  // htmx:load fires for each element htmx puts in the page: here, a refreshed list.
  document.body.addEventListener("htmx:load", function (event) {
    if (event.detail.elt && event.detail.elt.id === "monitor-section") scanQueued(event.detail.elt, true);
  });

  /* ---------- 3. one conversation ---------- */

  var page = document.querySelector("[data-conversation-socket]");
  var socket = null;
  var streams = {}; // stream_id -> {element, text}
  var typing = {}; // who -> {words, timer}

  function transcript() { return document.getElementById("transcript"); }

  function nearBottom() {
    var scroller = document.scrollingElement || document.documentElement;
    return scroller.scrollHeight - scroller.scrollTop - window.innerHeight < 160;
  }

  function keepAtBottom(wasNear) {
    if (wasNear) window.scrollTo(0, (document.scrollingElement || document.documentElement).scrollHeight);
  }

  function lastMessageId() {
    var items = transcript().querySelectorAll("[data-message-id]");
    return items.length ? Number(items[items.length - 1].dataset.messageId) : 0;
  }

  var fetching = false, fetchAgain = false;
  function refreshMessages() {
    if (!page) return;
    if (fetching) { fetchAgain = true; return; }
    fetching = true;
    fetch(page.dataset.messagesUrl + "?after=" + lastMessageId(), { headers: { "HX-Request": "true" }, credentials: "same-origin" })
      .then(function (response) { return response.ok ? response.text() : ""; })
      .then(function (html) {
        if (!html.trim()) return;
        var wasNear = nearBottom();
        var template = document.createElement("template");
        template.innerHTML = html; // server-rendered, escaped HTML (templates/conversations/partials/message.html)
        var list = transcript(), firstStream = list.querySelector(".message--streaming");
        Array.prototype.forEach.call(template.content.querySelectorAll("[data-message-id]"), function (item) {
          if (list.querySelector("[data-message-id='" + item.dataset.messageId + "']")) return;
          list.insertBefore(item, firstStream);
        });
        keepAtBottom(wasNear);
      })
      .catch(function () { /* the next frame or reconnection fetches again */ })
      .then(function () {
        fetching = false;
        if (fetchAgain) { fetchAgain = false; refreshMessages(); }
      });
  }

  function editingPanel() {
    var panel = document.getElementById("monitor-panel");
    if (!panel) return false;
    var active = document.activeElement;
    if (active && panel.contains(active) && active.matches("input, select, textarea")) return true;
    return Array.prototype.some.call(panel.querySelectorAll("form[data-triage] input, form[data-triage] select"), function (field) {
      if (field.tagName === "SELECT") return Array.prototype.some.call(field.options, function (o) { return o.selected !== o.defaultSelected; });
      return field.value !== field.defaultValue;
    });
  }

  var panelPending = false;
  function refreshPanel() {
    if (!page || !window.htmx) return;
    if (editingPanel()) { panelPending = true; return; } // after the agent is done with the form
    panelPending = false;
    htmx.ajax("GET", page.dataset.panelUrl, { target: "#monitor-panel", swap: "outerHTML" });
  }
  document.addEventListener("focusout", function () { setTimeout(function () { if (panelPending) refreshPanel(); }, 0); });

  function stream(streamId) {
    if (!streams[streamId]) {
      var item = document.createElement("li");
      item.className = "message message--ai message--streaming";
      var meta = document.createElement("p");
      meta.className = "message__meta";
      var who = document.createElement("strong");
      who.textContent = "AI assistant";
      var note = document.createElement("span");
      note.className = "muted";
      note.textContent = " · typing…";
      meta.append(who, note);
      var text = document.createElement("div");
      text.className = "message__text";
      item.append(meta, text);
      transcript().appendChild(item);
      streams[streamId] = { element: item, textElement: text, text: "" };
    }
    return streams[streamId];
  }

  function onDelta(frame) {
    var wasNear = nearBottom();
    var current = stream(frame.stream_id);
    if (frame.offset > current.text.length) return; // a coalesced update was lost: wait for the stored message
    current.text = current.text.slice(0, frame.offset) + frame.text;
    current.textElement.textContent = current.text;
    setTyping("ai", null);
    keepAtBottom(wasNear);
  }

  function endStream(streamId) {
    if (streamId && streams[streamId]) {
      streams[streamId].element.remove();
      delete streams[streamId];
    }
  }

  function renderTyping() {
    var line = document.querySelector("[data-typing-line]");
    if (!line) return;
    line.textContent = Object.keys(typing).map(function (who) { return typing[who].words; }).join(" ");
  }

  function setTyping(who, words) {
    if (typing[who]) clearTimeout(typing[who].timer);
    if (words) {
      typing[who] = { words: words, timer: setTimeout(function () { setTyping(who, null); }, 30000) };
    } else {
      delete typing[who];
    }
    renderTyping();
  }

  function onFrame(frame) {
    switch (frame.type) {
      case "delta":
        return onDelta(frame);
      case "completed":
      case "message.created":
      case "note.created":
        endStream(frame.stream_id);
        if (frame.message && frame.message.sender === "customer") setTyping("customer", null);
        if (frame.message && frame.message.sender === "ai") setTyping("ai", null);
        if (frame.message && frame.message.sender === "agent" && frame.message.author_name) setTyping("agent:" + frame.message.author_name, null);
        return refreshMessages();
      case "typing":
        if (frame.sender === "customer") return setTyping("customer", frame.on ? "The customer is typing…" : null);
        if (frame.sender === "ai") return setTyping("ai", frame.on && !Object.keys(streams).length ? "The AI is typing…" : null);
        return setTyping("agent:" + (frame.name || ""), frame.on ? (frame.name || "An agent") + " is typing…" : null);
      case "conversation.updated":
      case "conversation.triaged":
      case "escalation.summarized": // the AI handoff summary replaced the extractive one
        return refreshPanel();
      case "error":
        return toast(frame.detail || "Something went wrong.");
    }
  }

  function toast(text) {
    var box = document.getElementById("toast");
    if (!box) return;
    box.textContent = text;
    box.hidden = false;
    clearTimeout(box._timer);
    box._timer = setTimeout(function () { box.hidden = true; }, 6000);
  }

  function liveStatus(words, live) {
    var status = document.querySelector("[data-live-status]");
    if (!status) return;
    status.textContent = words;
    status.classList.toggle("live-status--live", !!live);
  }

  function connect(attempt) {
    var scheme = location.protocol === "https:" ? "wss://" : "ws://";
    socket = new WebSocket(scheme + location.host + page.dataset.conversationSocket);
    socket.onopen = function () {
      attempt = 0;
      liveStatus("live", true);
      // Whatever happened while the page loaded or the socket was down.
      refreshMessages();
      refreshPanel();
    };
    socket.onmessage = function (message) {
      var frame;
      try { frame = JSON.parse(message.data); } catch (error) { return; }
      if (frame && frame.type) onFrame(frame);
    };
    socket.onclose = function (close) {
      socket = null;
      Object.keys(streams).forEach(endStream);
      if (close.code === 4403 || close.code === 4404) return liveStatus("no access", false);
      liveStatus("reconnecting…", false);
      var delay = Math.min(30000, 500 * Math.pow(2, attempt)) * (0.5 + Math.random());
      setTimeout(function () { connect(attempt + 1); }, delay);
    };
  }

  function send(frame) {
    if (socket && socket.readyState === WebSocket.OPEN) socket.send(JSON.stringify(frame));
  }

  // The customer sees "<name> is typing" while the agent writes a reply (never a note).
  var typingSentAt = 0, typingOff = null;
  function composerKind(form) {
    var checked = form.querySelector("input[name=kind]:checked");
    return checked ? checked.value : "reply";
  }
  function stopTyping() {
    clearTimeout(typingOff);
    if (typingSentAt) send({ type: "typing", on: false });
    typingSentAt = 0;
  }
  function renderComposer(form) {
    var note = composerKind(form) === "note";
    var text = form.querySelector("textarea");
    form.classList.toggle("composer--note", note);
    text.placeholder = note ? text.dataset.notePlaceholder : text.dataset.replyPlaceholder;
    form.querySelector("[data-note-hint]").hidden = !note;
    form.querySelector("[data-reply-hint]").hidden = note;
    if (note) stopTyping();
  }

  if (page) {
    document.addEventListener("input", function (event) {
      var form = event.target.closest("[data-composer]");
      if (!form || event.target.tagName !== "TEXTAREA" || composerKind(form) !== "reply") return;
      if (!event.target.value.trim()) return stopTyping();
      if (Date.now() - typingSentAt > 3000) {
        send({ type: "typing", on: true });
        typingSentAt = Date.now();
      }
      clearTimeout(typingOff);
      typingOff = setTimeout(stopTyping, 4000);
    });
    document.addEventListener("change", function (event) {
      var form = event.target.closest("[data-composer]");
      if (form && event.target.name === "kind") renderComposer(form);
    });
    document.addEventListener("keydown", function (event) {
      var form = event.target.closest("[data-composer]");
      if (form && event.key === "Enter" && (event.ctrlKey || event.metaKey)) {
        event.preventDefault();
        form.requestSubmit();
      }
    });
    document.addEventListener("submit", function (event) {
      if (event.target.closest("[data-composer]")) stopTyping();
    });
    document.body.addEventListener("htmx:load", function (event) {
      if (event.detail.elt && event.detail.elt.id === "composer") event.detail.elt.querySelector("textarea").focus();
    });
    document.body.addEventListener("monitor-messages", refreshMessages);
    document.body.addEventListener("monitor-panel", refreshPanel);
    if ("WebSocket" in window) connect(0);
    else liveStatus("not live: this browser has no WebSocket", false);
    keepAtBottom(true);
  }

  document.addEventListener("DOMContentLoaded", renderAlertControls);
  renderAlertControls();
  var section = document.getElementById("monitor-section");
  if (section) scanQueued(section, false);
})();
