// The prompt sandbox: POST the editor's draft and a question, read the server-sent events
// as they stream, and show passages, the answer, and its tokens, cost and confidence.
// Everything is written with textContent: nothing from the model reaches the page as markup.
(function () {
  "use strict";

  var box = document.getElementById("sandbox");
  if (!box) return;
  var form = document.getElementById("prompt-editor");
  var button = document.getElementById("sandbox-run");
  var answer = document.getElementById("sandbox-answer");
  var passages = document.getElementById("sandbox-passages");
  var stats = document.getElementById("sandbox-stats");

  function bubble(className) {
    var element = document.createElement("p");
    element.className = "sandbox__bubble " + (className || "");
    answer.appendChild(element);
    return element;
  }

  function fact(term, value) {
    var dt = document.createElement("dt");
    var dd = document.createElement("dd");
    dt.textContent = term;
    dd.textContent = value;
    stats.appendChild(dt);
    stats.appendChild(dd);
  }

  function handle(name, data, state) {
    if (name === "passages") {
      passages.textContent = data.passages.length ? "Retrieved: " : "No help-centre passage matched.";
      data.passages.forEach(function (passage, index) {
        var item = document.createElement("span");
        item.className = "chip";
        item.textContent = "[" + (index + 1) + "] " + passage.title + (passage.section ? " › " + passage.section : "") + " (" + passage.score + ")";
        passages.appendChild(item);
      });
    } else if (name === "delta") {
      state.current.textContent += data.text;
    } else if (name === "interrupted") {
      state.current.classList.add("sandbox__bubble--partial");
      state.current = bubble();
    } else if (name === "done") {
      stats.hidden = false;
      stats.textContent = "";
      fact("Answered by", data.provider + " / " + data.model + (data.fallback_used ? " (fallback)" : ""));
      fact("Tokens", data.input_tokens + " in, " + data.output_tokens + " out");
      fact("Cost", "$" + data.cost_usd);
      fact("Confidence", Math.round(data.confidence * 100) + "%");
      fact("First token", data.first_token_ms === null ? "—" : Math.round(data.first_token_ms) + " ms");
      fact("Citations", data.citations.map(function (c) { return "[" + c.index + "] " + c.document_title + (c.section ? " › " + c.section : ""); }).join(", ") || "none");
      if (data.notice) fact("Note", data.notice);
    } else if (name === "error") {
      bubble("sandbox__bubble--error").textContent = data.detail;
    }
  }

  function parse(buffer, state) {
    var frames = buffer.split("\n\n");
    var rest = frames.pop();
    frames.forEach(function (frame) {
      var name = "message", data = "";
      frame.split("\n").forEach(function (line) {
        if (line.indexOf("event: ") === 0) name = line.slice(7);
        else if (line.indexOf("data: ") === 0) data += line.slice(6);
      });
      if (data) handle(name, JSON.parse(data), state);
    });
    return rest;
  }

  button.addEventListener("click", function () {
    answer.textContent = "";
    passages.textContent = "";
    stats.hidden = true;
    button.disabled = true;
    var state = { current: bubble() };
    fetch(box.dataset.sandboxUrl, { method: "POST", body: new FormData(form), headers: { "Accept": "text/event-stream" } })
      .then(function (response) {
        if (!response.ok) {
          return response.json().then(function (error) { state.current.textContent = error.detail; });
        }
        var reader = response.body.getReader();
        var decoder = new TextDecoder();
        var buffer = "";
        function pump() {
          return reader.read().then(function (chunk) {
            if (chunk.done) return;
            buffer = parse(buffer + decoder.decode(chunk.value, { stream: true }), state);
            return pump();
          });
        }
        return pump();
      })
      .catch(function () { state.current.textContent = "The sandbox could not be reached. Try again."; })
      .then(function () { button.disabled = false; });
  });
})();
