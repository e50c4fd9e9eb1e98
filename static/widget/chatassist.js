/*! ChatAssist widget - one dependency-free script, embedded with
 *   <script src="https://chat.example.com/static/widget/chatassist.js" data-key="pk_..." async></script>
 * It speaks the chat protocol of docs/protocol.md: a WebSocket first, HTTP + Server-Sent
 * Events when the socket cannot connect, with the same behaviour either way.
 *
 * Safety rule for this file: text from the model, an agent or a customer only ever reaches
 * the page through textContent, text nodes and attribute setters, never parsed as HTML
 * (a test checks that no HTML-parsing property appears in this file).
 */
(function () {
  "use strict";

  if (window.ChatAssist && window.ChatAssist.loaded) return; // the snippet pasted twice

  const script =
    document.currentScript || document.querySelector('script[data-key][src*="/static/widget/chatassist"]');
  if (!script || !script.dataset.key) {
    console.warn("ChatAssist: the script tag needs data-key=\"pk_\u2026\".");
    return;
  }
  const KEY = script.dataset.key;
  // The server is wherever this file came from (hashed static names included), unless told.
  const BASE = (script.dataset.baseUrl || script.src.replace(/\/static\/widget\/chatassist[^/]*\.js.*$/, "")).replace(
    /\/$/,
    "",
  );
  // "ws" or "http" pins the transport (tests, or pages behind proxies that break sockets).
  const FORCED_TRANSPORT = script.dataset.transport || "";
  const MAX_TEXT = 4000;
  const MAX_UPLOAD = 10 * 1024 * 1024;

  /* ---------- words ---------- */

  // The widget's own words, in the workspace's language. {name} and {n} are filled in.
  // This file is pure ASCII (accents as \u escapes): host pages in any encoding read it right.
  const STRINGS = {
    en: {
      open: "Open chat", close: "Close chat", placeholder: "Write a message\u2026", send: "Send",
      attach: "Attach a file", remove: "Remove {name}", history: "Your conversations",
      newChat: "New conversation", back: "Back", none: "No conversations yet.",
      typingAi: "The assistant is typing\u2026", typingAgent: "{name} is typing\u2026", seen: "Seen",
      sending: "Sending\u2026", waiting: "Waiting for the connection\u2026", failed: "Not sent", retry: "Retry",
      helped: "That helped", resolved: "Glad we could help! This conversation is resolved.",
      closed: "This conversation is closed.", escalated: "A person from our team will reply here.",
      rate: "How would you rate this conversation?", star: "{n} of 5 stars", comment: "Anything to add? (optional)",
      submit: "Send rating", change: "Change", thanks: "Thanks for your feedback!", reconnecting: "Connection lost. Reconnecting\u2026",
      powered: "Powered by", uploadFailed: "The file could not be uploaded.", tooBig: "Files can be 10 MB at most.",
      unavailable: "The chat is not available on this page.", assistant: "AI assistant", you: "You",
      sources: "Sources", interrupted: "Interrupted", reply: "New reply from {name}: {text}",
      uploading: "Uploading\u2026", status_open: "Open", status_escalated: "With our team",
      status_resolved: "Resolved", status_closed: "Closed", waitingPerson: "Waiting for a person",
      joined: "{name} joined", backToAi: "Back to the AI assistant",
    },
    fr: {
      open: "Ouvrir le chat", close: "Fermer le chat", placeholder: "\u00c9crivez un message\u2026", send: "Envoyer",
      attach: "Joindre un fichier", remove: "Retirer {name}", history: "Vos conversations",
      newChat: "Nouvelle conversation", back: "Retour", none: "Aucune conversation pour l\u2019instant.",
      typingAi: "L\u2019assistant \u00e9crit\u2026", typingAgent: "{name} \u00e9crit\u2026", seen: "Vu",
      sending: "Envoi\u2026", waiting: "En attente de connexion\u2026", failed: "Non envoy\u00e9", retry: "R\u00e9essayer",
      helped: "\u00c7a m\u2019a aid\u00e9", resolved: "Ravis d\u2019avoir pu aider ! Cette conversation est r\u00e9solue.",
      closed: "Cette conversation est ferm\u00e9e.", escalated: "Une personne de notre \u00e9quipe va r\u00e9pondre ici.",
      rate: "Comment \u00e9valuez-vous cette conversation ?", star: "{n} \u00e9toiles sur 5",
      comment: "Un commentaire ? (facultatif)", submit: "Envoyer la note", change: "Modifier", thanks: "Merci pour votre avis !",
      reconnecting: "Connexion perdue. Reconnexion\u2026", powered: "Propuls\u00e9 par",
      uploadFailed: "Le fichier n\u2019a pas pu \u00eatre envoy\u00e9.", tooBig: "10 Mo maximum par fichier.",
      unavailable: "Le chat n\u2019est pas disponible sur cette page.", assistant: "Assistant IA", you: "Vous",
      sources: "Sources", interrupted: "Interrompu", reply: "Nouvelle r\u00e9ponse de {name} : {text}",
      uploading: "Envoi\u2026", status_open: "Ouverte", status_escalated: "Avec notre \u00e9quipe",
      status_resolved: "R\u00e9solue", status_closed: "Ferm\u00e9e", waitingPerson: "En attente d\u2019une personne",
      joined: "{name} a rejoint la conversation", backToAi: "De retour avec l\u2019assistant IA",
    },
    de: {
      open: "Chat \u00f6ffnen", close: "Chat schlie\u00dfen", placeholder: "Nachricht schreiben\u2026", send: "Senden",
      attach: "Datei anh\u00e4ngen", remove: "{name} entfernen", history: "Ihre Unterhaltungen",
      newChat: "Neue Unterhaltung", back: "Zur\u00fcck", none: "Noch keine Unterhaltungen.",
      typingAi: "Der Assistent schreibt\u2026", typingAgent: "{name} schreibt\u2026", seen: "Gelesen",
      sending: "Wird gesendet\u2026", waiting: "Warte auf Verbindung\u2026", failed: "Nicht gesendet", retry: "Erneut senden",
      helped: "Das hat geholfen", resolved: "Sch\u00f6n, dass wir helfen konnten! Diese Unterhaltung ist gel\u00f6st.",
      closed: "Diese Unterhaltung ist geschlossen.", escalated: "Eine Person aus unserem Team antwortet hier.",
      rate: "Wie bewerten Sie diese Unterhaltung?", star: "{n} von 5 Sternen",
      comment: "Noch etwas? (optional)", submit: "Bewertung senden", change: "\u00c4ndern", thanks: "Danke f\u00fcr Ihr Feedback!",
      reconnecting: "Verbindung verloren. Verbinde neu\u2026", powered: "Bereitgestellt von",
      uploadFailed: "Die Datei konnte nicht hochgeladen werden.", tooBig: "Dateien d\u00fcrfen h\u00f6chstens 10 MB gro\u00df sein.",
      unavailable: "Der Chat ist auf dieser Seite nicht verf\u00fcgbar.", assistant: "KI-Assistent", you: "Sie",
      sources: "Quellen", interrupted: "Unterbrochen", reply: "Neue Antwort von {name}: {text}",
      uploading: "Wird hochgeladen\u2026", status_open: "Offen", status_escalated: "Bei unserem Team",
      status_resolved: "Gel\u00f6st", status_closed: "Geschlossen", waitingPerson: "Warten auf eine Person",
      joined: "{name} ist jetzt dabei", backToAi: "Wieder beim KI-Assistenten",
    },
    es: {
      open: "Abrir el chat", close: "Cerrar el chat", placeholder: "Escribe un mensaje\u2026", send: "Enviar",
      attach: "Adjuntar un archivo", remove: "Quitar {name}", history: "Tus conversaciones",
      newChat: "Nueva conversaci\u00f3n", back: "Volver", none: "A\u00fan no hay conversaciones.",
      typingAi: "El asistente est\u00e1 escribiendo\u2026", typingAgent: "{name} est\u00e1 escribiendo\u2026", seen: "Visto",
      sending: "Enviando\u2026", waiting: "Esperando la conexi\u00f3n\u2026", failed: "No enviado", retry: "Reintentar",
      helped: "Me ha ayudado", resolved: "\u00a1Nos alegra haber ayudado! Esta conversaci\u00f3n est\u00e1 resuelta.",
      closed: "Esta conversaci\u00f3n est\u00e1 cerrada.", escalated: "Una persona de nuestro equipo responder\u00e1 aqu\u00ed.",
      rate: "\u00bfC\u00f3mo valorar\u00edas esta conversaci\u00f3n?", star: "{n} de 5 estrellas",
      comment: "\u00bfAlgo m\u00e1s? (opcional)", submit: "Enviar valoraci\u00f3n", change: "Cambiar", thanks: "\u00a1Gracias por tu opini\u00f3n!",
      reconnecting: "Conexi\u00f3n perdida. Reconectando\u2026", powered: "Con la tecnolog\u00eda de",
      uploadFailed: "No se pudo subir el archivo.", tooBig: "Los archivos pueden tener 10 MB como m\u00e1ximo.",
      unavailable: "El chat no est\u00e1 disponible en esta p\u00e1gina.", assistant: "Asistente de IA", you: "T\u00fa",
      sources: "Fuentes", interrupted: "Interrumpido", reply: "Nueva respuesta de {name}: {text}",
      uploading: "Subiendo\u2026", status_open: "Abierta", status_escalated: "Con nuestro equipo",
      status_resolved: "Resuelta", status_closed: "Cerrada", waitingPerson: "Esperando a una persona",
      joined: "{name} se ha unido", backToAi: "De nuevo con el asistente de IA",
    },
    pt: {
      open: "Abrir o chat", close: "Fechar o chat", placeholder: "Escreva uma mensagem\u2026", send: "Enviar",
      attach: "Anexar um arquivo", remove: "Remover {name}", history: "Suas conversas",
      newChat: "Nova conversa", back: "Voltar", none: "Ainda n\u00e3o h\u00e1 conversas.",
      typingAi: "O assistente est\u00e1 digitando\u2026", typingAgent: "{name} est\u00e1 digitando\u2026", seen: "Visto",
      sending: "Enviando\u2026", waiting: "Aguardando a conex\u00e3o\u2026", failed: "N\u00e3o enviado", retry: "Tentar de novo",
      helped: "Isso ajudou", resolved: "Que bom que ajudamos! Esta conversa est\u00e1 resolvida.",
      closed: "Esta conversa est\u00e1 encerrada.", escalated: "Uma pessoa da nossa equipe responder\u00e1 aqui.",
      rate: "Como voc\u00ea avalia esta conversa?", star: "{n} de 5 estrelas",
      comment: "Algo a acrescentar? (opcional)", submit: "Enviar avalia\u00e7\u00e3o", change: "Alterar", thanks: "Obrigado pela sua opini\u00e3o!",
      reconnecting: "Conex\u00e3o perdida. Reconectando\u2026", powered: "Desenvolvido por",
      uploadFailed: "N\u00e3o foi poss\u00edvel enviar o arquivo.", tooBig: "Os arquivos podem ter no m\u00e1ximo 10 MB.",
      unavailable: "O chat n\u00e3o est\u00e1 dispon\u00edvel nesta p\u00e1gina.", assistant: "Assistente de IA", you: "Voc\u00ea",
      sources: "Fontes", interrupted: "Interrompido", reply: "Nova resposta de {name}: {text}",
      uploading: "Enviando\u2026", status_open: "Aberta", status_escalated: "Com a nossa equipe",
      status_resolved: "Resolvida", status_closed: "Encerrada", waitingPerson: "Aguardando uma pessoa",
      joined: "{name} entrou na conversa", backToAi: "De volta ao assistente de IA",
    },
    nl: {
      open: "Chat openen", close: "Chat sluiten", placeholder: "Typ een bericht\u2026", send: "Versturen",
      attach: "Bestand bijvoegen", remove: "{name} verwijderen", history: "Je gesprekken",
      newChat: "Nieuw gesprek", back: "Terug", none: "Nog geen gesprekken.",
      typingAi: "De assistent typt\u2026", typingAgent: "{name} typt\u2026", seen: "Gelezen",
      sending: "Versturen\u2026", waiting: "Wachten op verbinding\u2026", failed: "Niet verstuurd", retry: "Opnieuw",
      helped: "Dat hielp", resolved: "Fijn dat we konden helpen! Dit gesprek is opgelost.",
      closed: "Dit gesprek is gesloten.", escalated: "Iemand van ons team antwoordt hier.",
      rate: "Hoe beoordeel je dit gesprek?", star: "{n} van 5 sterren",
      comment: "Nog iets toe te voegen? (optioneel)", submit: "Beoordeling versturen", change: "Wijzigen", thanks: "Bedankt voor je feedback!",
      reconnecting: "Verbinding verbroken. Opnieuw verbinden\u2026", powered: "Mogelijk gemaakt door",
      uploadFailed: "Het bestand kon niet worden ge\u00fcpload.", tooBig: "Bestanden mogen hoogstens 10 MB zijn.",
      unavailable: "De chat is niet beschikbaar op deze pagina.", assistant: "AI-assistent", you: "Jij",
      sources: "Bronnen", interrupted: "Onderbroken", reply: "Nieuw antwoord van {name}: {text}",
      uploading: "Uploaden\u2026", status_open: "Open", status_escalated: "Bij ons team",
      status_resolved: "Opgelost", status_closed: "Gesloten", waitingPerson: "Wachten op een medewerker",
      joined: "{name} is erbij gekomen", backToAi: "Terug bij de AI-assistent",
    },
  };
  let lang = "en";
  function t(id, vars) {
    const text = (STRINGS[lang] && STRINGS[lang][id]) || STRINGS.en[id] || id;
    return text.replace(/\{(\w+)\}/g, (_, name) => (vars && vars[name] != null ? String(vars[name]) : ""));
  }

  /* ---------- storage: per public key, and never fatal (private modes throw) ---------- */

  const memory = {};
  const store = {
    get(name) {
      try {
        const raw = window.localStorage.getItem("chatassist:" + KEY + ":" + name);
        return raw == null ? memory[name] : JSON.parse(raw);
      } catch (error) {
        return memory[name];
      }
    },
    set(name, value) {
      memory[name] = value;
      try {
        if (value == null) window.localStorage.removeItem("chatassist:" + KEY + ":" + name);
        else window.localStorage.setItem("chatassist:" + KEY + ":" + name, JSON.stringify(value));
      } catch (error) {
        /* memory only */
      }
    },
  };

  /* ---------- DOM helpers ---------- */

  // el("p", {class: "x", text: "...", onclick: fn, "aria-label": "..."}, child, "text", ...)
  function el(tag, attrs, ...children) {
    const node = document.createElement(tag);
    for (const name in attrs || {}) {
      const value = attrs[name];
      if (value == null || value === false) continue;
      if (name === "text") node.textContent = value;
      else if (name.startsWith("on")) node.addEventListener(name.slice(2), value);
      else node.setAttribute(name, value === true ? "" : value);
    }
    for (const child of children) if (child != null && child !== false) node.append(child);
    return node;
  }

  const ICONS = {
    chat: "M4 5.5A2.5 2.5 0 0 1 6.5 3h11A2.5 2.5 0 0 1 20 5.5v8a2.5 2.5 0 0 1-2.5 2.5H10l-4.2 3.6A.5.5 0 0 1 5 19.2V16h-.5A.5.5 0 0 1 4 15.5z",
    close: "M6 6l12 12M18 6L6 18",
    send: "M4 12l16-8-6 16-2.5-6.5z",
    clip: "M16.5 6.5l-7.8 7.8a2 2 0 0 0 2.8 2.8l7.8-7.8a4 4 0 0 0-5.7-5.7l-7.8 7.8a6 6 0 0 0 8.5 8.5l6.4-6.4",
    list: "M8 6h12M8 12h12M8 18h12M4 6h.01M4 12h.01M4 18h.01",
    back: "M15 6l-6 6 6 6",
    plus: "M12 5v14M5 12h14",
    check: "M5 12.5l4.5 4.5L19 7.5",
    star: "M12 3.5l2.6 5.3 5.9.9-4.3 4.1 1 5.8L12 16.9l-5.2 2.7 1-5.8-4.3-4.1 5.9-.9z",
    file: "M7 3h7l5 5v13H7zM14 3v5h5",
  };
  function icon(name) {
    const ns = "http://www.w3.org/2000/svg";
    const svg = document.createElementNS(ns, "svg");
    svg.setAttribute("viewBox", "0 0 24 24");
    svg.setAttribute("aria-hidden", "true");
    svg.setAttribute("focusable", "false");
    const path = document.createElementNS(ns, "path");
    path.setAttribute("d", ICONS[name]);
    svg.append(path);
    return svg;
  }

  function safeUrl(raw, protocols) {
    try {
      const url = new URL(raw, BASE + "/");
      return protocols.includes(url.protocol) ? url.href : null;
    } catch (error) {
      return null;
    }
  }

  function link(href, label) {
    const url = safeUrl(href, ["http:", "https:", "mailto:"]);
    // A relative or javascript: link is not followed: its label is shown as plain text.
    if (!url || !/^(https?|mailto):/i.test(href)) return document.createTextNode(label);
    return el("a", { href: url, target: "_blank", rel: "noopener noreferrer nofollow", text: label });
  }

  /* ---------- safe Markdown: builds nodes, never parses HTML ---------- */

  // Inline: `code`, [label](url), **bold**, __bold__, *italic*, _italic_, bare http(s) URLs.
  // Underscores only count at word edges, as in CommonMark: snake_case and obj.__x__y stay text.
  const INLINE_SOURCE =
    "`([^`\\n]+)`|\\[([^\\]\\n]+)\\]\\(\\s*<?([^()\\s<>]+)>?\\s*\\)|\\*\\*(\\S(?:[\\s\\S]*?\\S)?)\\*\\*" +
    "|\\b__(\\S(?:[\\s\\S]*?\\S)?)__(?!\\w)|\\*(\\S(?:[^*\\n]*?\\S)?)\\*|\\b_(\\S(?:[^_\\n]*?\\S)?)_\\b" +
    "|(https?:\\/\\/[^\\s<>\"]*[^\\s<>\".,;:!?)\\]'])";

  function inline(parent, text) {
    const pattern = new RegExp(INLINE_SOURCE, "g"); // one per call: recursion must not share lastIndex
    let last = 0;
    let match;
    while ((match = pattern.exec(text))) {
      if (match.index > last) parent.append(text.slice(last, match.index));
      if (match[1] != null) parent.append(el("code", { text: match[1] }));
      else if (match[2] != null) parent.append(link(match[3], match[2]));
      else if (match[4] != null || match[5] != null) inline(parent.appendChild(el("strong")), match[4] || match[5]);
      else if (match[6] != null || match[7] != null) inline(parent.appendChild(el("em")), match[6] || match[7]);
      else parent.append(link(match[8], match[8]));
      last = pattern.lastIndex;
    }
    if (last < text.length) parent.append(text.slice(last));
    return parent;
  }

  const LIST_ITEM = /^(\s*)([-*+]|\d{1,9}[.)])\s+(.*)$/;
  const FENCE = /^\s*(```|~~~)/;
  const TABLE_ROW = /^\s*\|.*\|\s*$/;

  function list(lines, index, parent) {
    const first = LIST_ITEM.exec(lines[index]);
    const indent = first[1].length;
    const ordered = /\d/.test(first[2]);
    const node = el(ordered ? "ol" : "ul");
    if (ordered && parseInt(first[2], 10) !== 1) node.setAttribute("start", parseInt(first[2], 10));
    let item = null;
    while (index < lines.length) {
      const line = lines[index];
      const match = LIST_ITEM.exec(line);
      if (match && match[1].length <= indent + 1 && match[1].length >= indent && /\d/.test(match[2]) === ordered) {
        item = inline(node.appendChild(el("li")), match[3]);
        index++;
      } else if (match && match[1].length > indent + 1 && item) {
        index = list(lines, index, item);
      } else if (!match && item && /^\s+\S/.test(line)) {
        item.append(el("br"));
        inline(item, line.trim());
        index++;
      } else if (!line.trim() && LIST_ITEM.test(lines[index + 1] || "")) {
        index++; // a blank line between items keeps the list going
      } else break;
    }
    parent.append(node);
    return index;
  }

  function table(rows) {
    const node = el("table");
    rows
      .filter((row) => !/^\s*\|[\s:|-]+\|\s*$/.test(row))
      .forEach((row, number) => {
        const cells = row.trim().replace(/^\||\|$/g, "").split("|");
        const tr = node.appendChild(el("tr"));
        cells.forEach((cell) => inline(tr.appendChild(el(number ? "td" : "th")), cell.trim()));
      });
    return el("div", { class: "table" }, node);
  }

  // Blocks: paragraphs (single newlines kept), headings, fenced code, lists, quotes, tables, rules.
  // A stream is re-rendered as it grows, so an unclosed fence simply runs to the end for now.
  function markdown(text) {
    const fragment = document.createDocumentFragment();
    const lines = String(text || "").replace(/\r\n?/g, "\n").split("\n");
    let index = 0;
    const startsBlock = (line) =>
      FENCE.test(line) || LIST_ITEM.test(line) || /^#{1,6}\s/.test(line) || /^\s*>/.test(line) || TABLE_ROW.test(line);
    while (index < lines.length) {
      const line = lines[index];
      if (!line.trim()) {
        index++;
      } else if (FENCE.test(line)) {
        const fence = FENCE.exec(line)[1];
        const code = [];
        index++;
        while (index < lines.length && !lines[index].trim().startsWith(fence)) code.push(lines[index++]);
        index++;
        fragment.append(el("pre", {}, el("code", { text: code.join("\n") })));
      } else if (/^#{1,6}\s/.test(line)) {
        fragment.append(inline(el("p", { class: "heading" }), line.replace(/^#+\s+/, "").replace(/\s#+\s*$/, "")));
        index++;
      } else if (/^\s*([-*_])(\s*\1){2,}\s*$/.test(line)) {
        fragment.append(el("hr"));
        index++;
      } else if (LIST_ITEM.test(line)) {
        index = list(lines, index, fragment);
      } else if (TABLE_ROW.test(line)) {
        const rows = [];
        while (index < lines.length && TABLE_ROW.test(lines[index])) rows.push(lines[index++]);
        fragment.append(table(rows));
      } else if (/^\s*>/.test(line)) {
        const quoted = [];
        while (index < lines.length && /^\s*>/.test(lines[index])) quoted.push(lines[index++].replace(/^\s*>\s?/, ""));
        fragment.append(el("blockquote", {}, markdown(quoted.join("\n"))));
      } else {
        const paragraph = el("p");
        let first = true;
        while (index < lines.length && lines[index].trim() && (first || !startsBlock(lines[index]))) {
          if (!first) paragraph.append(el("br"));
          inline(paragraph, lines[index++]);
          first = false;
        }
        fragment.append(paragraph);
      }
    }
    return fragment;
  }

  /* ---------- state ---------- */

  const state = {
    config: null,
    open: false,
    view: "chat", // or "history"
    ready: false,
    fatal: "", // a sentence when the chat cannot work here (unknown key, refused identity)
    visitorToken: store.get("visitor") || "",
    identity: null, // {user_id, user_hash, email, name} or {token}
    profile: {}, // unverified {name, email}
    contact: null,
    past: [], // ready.conversations, kept fresh by updates
    conversations: new Map(), // id -> conversation; the draft (not started yet) has id null
    draft: null,
    activeId: store.get("active") || null,
    outbox: store.get("outbox") || [], // [{client_id, text, conversation_id, attachment_ids, attachments, not_before}]
    inFlight: null, // the client id sent and not yet answered: the outbox goes one by one, in order
    failed: new Map(), // client id -> {item, detail}
    pending: [], // attachments uploaded for the next message
    unread: 0,
  };
  const handlers = {};
  function emit(name, payload) {
    for (const handler of handlers[name] || []) {
      try {
        handler(payload);
      } catch (error) {
        console.error(error);
      }
    }
  }

  function newConversation(id) {
    return {
      id: id,
      status: "open",
      lastSeq: 0,
      csat: null,
      messages: new Map(), // seq -> {message, row}
      rows: new Map(), // client id -> row of a message not stored yet
      streams: new Map(), // stream id -> {text, row, done}
      finished: new Set(), // stream ids already stored: late deltas of theirs are ignored
      typing: {}, // sender -> {name, until}
      readUpTo: 0,
      readSent: 0,
      catchingUp: false,
      list: el("div", { class: "messages" }),
    };
  }

  function conversation(id) {
    if (id == null) {
      if (!state.draft) state.draft = newConversation(null);
      return state.draft;
    }
    if (!state.conversations.has(id)) state.conversations.set(id, newConversation(id));
    return state.conversations.get(id);
  }

  function active() {
    return conversation(state.activeId);
  }

  function setActive(id) {
    state.activeId = id;
    store.set("active", id);
    if (transport && transport.watch) transport.watch(id);
    render();
  }

  /* ---------- transports ---------- */

  function headers(extra) {
    const result = { "X-ChatAssist-Key": KEY };
    if (state.visitorToken) result["X-ChatAssist-Visitor"] = state.visitorToken;
    return Object.assign(result, extra);
  }

  function api(path, options) {
    // No cookies: the widget is the visitor's, whatever the page's own session is.
    return fetch(BASE + path, Object.assign({ credentials: "omit", mode: "cors" }, options));
  }

  async function apiError(response) {
    let body = {};
    try {
      body = await response.json();
    } catch (error) {
      /* not JSON */
    }
    const retry = body.retry_after != null ? body.retry_after : parseInt(response.headers.get("Retry-After") || "", 10);
    return {
      type: "error",
      code: body.code || "http_" + response.status,
      detail: body.detail || response.statusText,
      client_id: body.client_id,
      retry_after: isNaN(retry) ? undefined : retry,
      status: response.status,
    };
  }

  // Server-Sent Events over fetch, because EventSource cannot send our headers.
  async function readEvents(response, onFrame, onId) {
    const reader = response.body.getReader();
    const decoder = new TextDecoder();
    let buffer = "";
    for (;;) {
      const { done, value } = await reader.read();
      if (done) return;
      buffer += decoder.decode(value, { stream: true }).replace(/\r\n?/g, "\n");
      let end;
      while ((end = buffer.indexOf("\n\n")) >= 0) {
        const block = buffer.slice(0, end);
        buffer = buffer.slice(end + 2);
        let event = "message";
        const data = [];
        for (const line of block.split("\n")) {
          if (!line || line[0] === ":") continue; // keep-alive comments
          const colon = line.indexOf(":");
          const field = colon < 0 ? line : line.slice(0, colon);
          const value = colon < 0 ? "" : line.slice(colon + 1).replace(/^ /, "");
          if (field === "event") event = value;
          else if (field === "data") data.push(value);
          else if (field === "id" && onId) onId(value);
        }
        if (!data.length) continue;
        try {
          const frame = JSON.parse(data.join("\n"));
          if (!frame.type) frame.type = event;
          onFrame(frame);
        } catch (error) {
          /* a torn frame: the next resume repairs it */
        }
      }
    }
  }

  // The socket. Two failures to reach `ready` and we move to HTTP for the rest of the page.
  function SocketTransport() {
    let socket = null;
    let pinger = null;
    let lastHeard = 0;
    let gotReady = false;
    const self = {
      name: "ws",
      connect() {
        gotReady = false;
        let url = state.config.socket_url || BASE.replace(/^http/, "ws") + "/ws/widget/";
        url = safeUrl(url, ["ws:", "wss:", "http:", "https:"]).replace(/^http/, "ws");
        if (!/[?&]key=/.test(url)) url += (url.includes("?") ? "&" : "?") + "key=" + encodeURIComponent(KEY);
        try {
          socket = new WebSocket(url);
        } catch (error) {
          return setTimeout(() => down(false), 0); // blocked by a content security policy
        }
        socket.onopen = () => {
          lastHeard = Date.now();
          self.send(helloFrame());
          pinger = setInterval(() => {
            // A dead connection may never say so: no frame for a minute means it is gone.
            if (Date.now() - lastHeard > 60000) socket.close();
            else self.send({ type: "ping" });
          }, 25000);
        };
        socket.onmessage = (event) => {
          lastHeard = Date.now();
          let frame;
          try {
            frame = JSON.parse(event.data);
          } catch (error) {
            return;
          }
          if (frame.type === "ready") gotReady = true;
          onFrame(frame);
        };
        socket.onclose = (event) => {
          clearInterval(pinger);
          socket = null;
          if (event.code === 4401 || event.code === 4403) return fail(t("unavailable"));
          // 4503: the server is up but its database is not; sockets still work, so this does
          // not count towards the move to HTTP. Reconnect with the back-off.
          down(gotReady || event.code === 4503);
        };
      },
      send(frame) {
        if (socket && socket.readyState === 1) socket.send(JSON.stringify(frame));
      },
      sendMessage(item) {
        self.send(messageFrame(item));
      },
      frame(frame) {
        self.send(frame);
      },
      resume(conv) {
        catchUp(conv);
        self.send({ type: "resume", conversation_id: conv.id, after_seq: conv.lastSeq });
      },
      close() {
        if (socket) {
          socket.onclose = null;
          socket.close();
          socket = null;
        }
        clearInterval(pinger);
      },
    };
    return self;
  }

  // HTTP + SSE: the same frames. One events stream follows the conversation on screen.
  function HttpTransport() {
    let watcher = null; // {id, controller}
    let closed = false;
    const self = {
      name: "http",
      async connect() {
        closed = false;
        let response;
        try {
          response = await api("/api/chat/hello", {
            method: "POST",
            headers: headers({ "Content-Type": "application/json" }),
            body: JSON.stringify(helloFrame()),
          });
        } catch (error) {
          return down(false);
        }
        if (closed) return;
        if (!response.ok) {
          const error = await apiError(response);
          if (response.status === 401 || response.status === 403) return fail(error.detail || t("unavailable"));
          onFrame(error);
          return response.status >= 500 || response.status === 429 ? down(false) : null;
        }
        const body = await response.json();
        body.type = "ready";
        onFrame(body);
      },
      async post(path, frame) {
        const response = await api(path, {
          method: "POST",
          headers: headers({ "Content-Type": "application/json", Accept: "application/json" }),
          body: JSON.stringify(frame),
        });
        if (!response.ok) {
          const error = await apiError(response);
          if (frame.client_id && !error.client_id) error.client_id = frame.client_id;
          return onFrame(error);
        }
        const body = await response.json();
        (body.frames || []).forEach(onFrame);
      },
      async sendMessage(item) {
        const frame = messageFrame(item);
        try {
          const response = await api("/api/chat", {
            method: "POST",
            headers: headers({ "Content-Type": "application/json", Accept: "text/event-stream" }),
            body: JSON.stringify(frame),
          });
          if (!response.ok) {
            const error = await apiError(response);
            error.client_id = error.client_id || item.client_id;
            return onFrame(error);
          }
          await readEvents(response, onFrame);
        } catch (error) {
          // Network gone mid-way: the outbox still has it; the same client id makes it safe.
          if (state.inFlight === item.client_id) state.inFlight = null;
          if (!closed) down(true);
        }
      },
      frame(frame) {
        self.post("/api/chat/frame", frame).catch(() => {});
      },
      resume(conv) {
        catchUp(conv);
        self
          .post("/api/chat/frame", { type: "resume", conversation_id: conv.id, after_seq: conv.lastSeq })
          .catch(() => {})
          .then(() => {
            conv.catchingUp = false;
          });
      },
      watch(id) {
        if (watcher && watcher.id === id) return;
        if (watcher) watcher.controller.abort();
        watcher = null;
        if (id == null || closed || !state.ready) return;
        const mine = { id: id, controller: new AbortController(), attempt: 0 };
        watcher = mine;
        const follow = async () => {
          if (watcher !== mine) return;
          const conv = conversation(id);
          try {
            const response = await api("/api/chat/conversations/" + id + "/events?after_seq=" + conv.lastSeq, {
              headers: headers({ Accept: "text/event-stream", "Last-Event-ID": String(conv.lastSeq) }),
              signal: mine.controller.signal,
            });
            if (!response.ok) {
              onFrame(await apiError(response));
              if (response.status < 500) return;
            } else {
              mine.attempt = 0;
              await readEvents(response, onFrame);
            }
          } catch (error) {
            if (mine.controller.signal.aborted) return;
          }
          if (watcher === mine) setTimeout(follow, backoff(mine.attempt++));
        };
        follow();
      },
      close() {
        closed = true;
        if (watcher) watcher.controller.abort();
        watcher = null;
      },
    };
    return self;
  }

  let transport = null;
  let socketFailures = 0; // opens that never reached `ready`; two and we use HTTP for this page
  let useHttp = FORCED_TRANSPORT === "http" || !("WebSocket" in window);
  let attempt = 0;
  let reconnectTimer = null;

  // Messages replayed by a resume are history: not announced, not counted as unread. The
  // conversation.updated that ends the replay clears this; the timer is in case it never comes.
  function catchUp(conv) {
    conv.catchingUp = true;
    clearTimeout(conv.catchUpTimer);
    conv.catchUpTimer = setTimeout(() => (conv.catchingUp = false), 5000);
  }

  function backoff(n) {
    return Math.min(30000, 1000 * 2 ** n) * (0.5 + Math.random() / 2);
  }

  function helloFrame() {
    const frame = { type: "hello", locale: navigator.language || lang };
    if (state.visitorToken) frame.visitor_token = state.visitorToken;
    if (state.identity) frame.identity = state.identity;
    if (state.profile.name) frame.name = state.profile.name;
    if (state.profile.email) frame.email = state.profile.email;
    return frame;
  }

  function messageFrame(item) {
    const frame = { type: "message.send", client_id: item.client_id, text: item.text };
    if (item.conversation_id != null) frame.conversation_id = item.conversation_id;
    if (item.attachment_ids && item.attachment_ids.length) frame.attachment_ids = item.attachment_ids;
    return frame;
  }

  function connect() {
    if (transport || state.fatal || !state.config) return;
    transport = useHttp ? HttpTransport() : SocketTransport();
    transport.connect();
  }

  // The connection went away. Before `ready` it counts against the socket.
  function down(wasReady) {
    if (!transport) return;
    const name = transport.name;
    if (name === "ws" && !wasReady && ++socketFailures >= 2 && FORCED_TRANSPORT !== "ws") useHttp = true;
    transport.close();
    transport = null;
    state.ready = false;
    // A message whose sending keeps costing the connection (a server that fails on it) is set
    // aside as not sent after three tries, so that the messages behind it go out; the count
    // survives a reload with the outbox.
    const stuck = wasReady && state.inFlight && outboxItem(state.inFlight);
    if (stuck) {
      stuck.drops = (stuck.drops || 0) + 1;
      if (stuck.drops >= 3) setAside(stuck, "");
      else saveOutbox();
    }
    state.inFlight = null;
    // Streams die with their connection; the stored replies come back with the resume.
    for (const conv of state.conversations.values()) {
      for (const stream of conv.streams.values()) stream.row.remove();
      conv.streams.clear();
    }
    renderBanner();
    clearTimeout(reconnectTimer);
    // The second socket try, and the first HTTP one, go at once; then back off.
    const quick = name === "ws" && !wasReady && socketFailures <= 2;
    reconnectTimer = setTimeout(connect, quick ? 200 : backoff(attempt++));
  }

  function fail(sentence) {
    state.fatal = sentence;
    state.ready = false;
    if (transport) transport.close();
    transport = null;
    render();
  }

  function reconnect() {
    clearTimeout(reconnectTimer);
    if (transport) transport.close();
    transport = null;
    state.ready = false;
    state.fatal = "";
    attempt = 0;
    connect();
  }

  function sendFrame(frame) {
    if (transport && state.ready) transport.frame(frame);
  }

  /* ---------- frames from the server ---------- */

  function onFrame(frame) {
    switch (frame.type) {
      case "ready":
        return onReady(frame);
      case "message.created":
      case "completed":
        return onMessage(frame.conversation_id, frame.message, frame.stream_id);
      case "delta":
        return onDelta(frame);
      case "typing": {
        const conv = conversation(frame.conversation_id);
        conv.typing[frame.sender] = frame.on ? { name: frame.name, until: Date.now() + 30000 } : null;
        return renderFoot(conv);
      }
      case "status": {
        const conv = conversation(frame.conversation_id);
        if (frame.status === "read") conv.readUpTo = Math.max(conv.readUpTo, frame.up_to_seq);
        return renderReceipt(conv);
      }
      case "conversation.updated":
        return onConversation(frame.conversation);
      case "error":
        return onError(frame);
    }
  }

  function onReady(frame) {
    state.ready = true;
    state.everReady = true;
    state.fatal = "";
    if (transport.name === "ws") socketFailures = 0;
    attempt = 0;
    state.visitorToken = frame.visitor_token || state.visitorToken;
    store.set("visitor", state.visitorToken);
    state.contact = frame.contact || null;
    state.past = frame.conversations || [];
    const known = new Set(state.past.map((item) => item.id));
    if (state.activeId != null && !known.has(state.activeId)) {
      state.activeId = null; // another visitor's, or gone
      store.set("active", null);
    }
    for (const item of state.past) {
      if (state.conversations.has(item.id) || item.id === state.activeId) {
        const conv = conversation(item.id);
        conv.status = item.status;
        transport.resume(conv);
      }
    }
    if (transport.watch) transport.watch(state.activeId);
    render();
    emit("ready", { contact: state.contact, conversations: state.past });
    flush();
  }

  function ensureRow(conv, message) {
    const record = conv.messages.get(message.seq);
    if (record) return record.row;
    // A message of ours that was waiting, or the bubble its stream has been growing in.
    let row = message.client_id && conv.rows.get(message.client_id);
    if (!row && state.draft && message.client_id && state.draft.rows.has(message.client_id)) {
      row = state.draft.rows.get(message.client_id);
    }
    return row || el("div", { class: "row" });
  }

  // Activity in a conversation while the visitor looks at an empty new one: show it.
  function follow(id) {
    const draft = state.draft;
    if (state.activeId == null && id != null && (!draft || (!draft.rows.size && !draft.streams.size))) setActive(id);
  }

  function onMessage(id, message, streamId, quiet) {
    if (!message || id == null) return;
    if (state.draft && message.client_id && state.draft.rows.has(message.client_id)) adoptDraft(id);
    follow(id);
    const conv = conversation(id);
    const live = !conv.catchingUp && !quiet;
    const fresh = !conv.messages.has(message.seq);
    let row = ensureRow(conv, message);
    const stream = streamId && conv.streams.get(streamId);
    if (streamId) conv.finished.add(streamId);
    if (stream) {
      stream.done = true;
      if (fresh) {
        row.remove();
        row = stream.row;
      } else stream.row.remove();
      conv.streams.delete(streamId);
    }
    if (message.client_id) {
      conv.rows.delete(message.client_id);
      removeFromOutbox(message.client_id);
    }
    conv.messages.set(message.seq, { message: message, row: row });
    const gap = message.seq > conv.lastSeq + 1 && conv.lastSeq > 0;
    conv.lastSeq = Math.max(conv.lastSeq, message.seq);
    drawMessage(row, message);
    place(conv, row, message.seq);
    if (message.sender === "ai" || message.sender === "agent") conv.typing[message.sender] = null;
    if (gap && !conv.catchingUp) fillGap(conv);
    if (message.client_id && state.inFlight === message.client_id) {
      state.inFlight = null;
      flush();
    }
    touchPast(conv, message);
    renderFoot(conv);
    renderReceipt(conv);
    if (fresh && live && !message.partial) {
      if (message.sender === "ai" || message.sender === "agent") {
        announce(t("reply", { name: authorName(message), text: message.text.slice(0, 600) }));
        if (!state.open || document.visibilityState !== "visible") {
          state.unread++;
          renderBadge();
        }
      }
      emit("message", message);
    }
    markRead(conv);
    scrollDown(conv);
  }

  function onDelta(frame) {
    follow(frame.conversation_id);
    const conv = conversation(frame.conversation_id);
    if (conv.finished.has(frame.stream_id)) return;
    let stream = conv.streams.get(frame.stream_id);
    if (!stream) {
      stream = { text: "", row: el("div", { class: "row" }), done: false };
      conv.streams.set(frame.stream_id, stream);
      conv.list.append(stream.row);
    }
    if (stream.done || frame.offset > stream.text.length) return; // lost a coalesced update: wait for the stored one
    const text = stream.text.slice(0, frame.offset) + frame.text;
    // A watcher's whole-text snapshot can trail our own token stream (HTTP fallback): keep the longer.
    if (text.length < stream.text.length && stream.text.startsWith(text)) return;
    stream.text = text;
    conv.typing.ai = null;
    if (!stream.scheduled) {
      // Re-render once per frame, not once per token.
      stream.scheduled = true;
      requestAnimationFrame(() => {
        stream.scheduled = false;
        if (stream.done) return;
        drawMessage(stream.row, { sender: "ai", text: stream.text, streaming: true });
        renderFoot(conv);
        scrollDown(conv);
      });
    }
  }

  function onConversation(data) {
    if (!data) return;
    const conv = conversation(data.id);
    const before = handling(conv);
    conv.status = data.status || conv.status;
    conv.csat = data.csat_score != null ? data.csat_score : conv.csat;
    if (data.csat_score != null) {
      conv.csatComment = data.csat_comment || "";
      if (conv.csatSent) conv.csatEditing = conv.csatSent = false;
    }
    conv.csatUntil = Date.parse(data.csat_editable_until) || conv.csatUntil;
    conv.assignee = data.assignee_name || conv.assignee;
    conv.state = data.state;
    conv.agent = data.assignee_name;
    conv.wait = data.wait_expectation;
    conv.back = data.handed_back;
    // Who handles it changed while the visitor was here (not replayed by a resume): say so.
    const now = handling(conv);
    if (!conv.catchingUp && now.join() !== before.join() && conv === active()) announce(now.join(". "));
    conv.catchingUp = false;
    renderState(conv);
    const entry = state.past.find((item) => item.id === data.id);
    if (entry) entry.status = conv.status;
    // The record says there is more than we have: ask for it once the dust has settled.
    if (data.last_seq > conv.lastSeq) setTimeout(() => data.last_seq > conv.lastSeq && fillGap(conv), 1500);
    renderFoot(conv);
    if (state.view === "history") renderHistory();
  }

  function onError(frame) {
    emit("error", { code: frame.code, detail: frame.detail, client_id: frame.client_id });
    if (/^identity_(invalid|expired|unavailable)$/.test(frame.code)) return fail(frame.detail);
    const item = frame.client_id && outboxItem(frame.client_id);
    if (!item) {
      if (frame.code === "conversation_not_found" && state.activeId != null) setActive(null);
      return showNotice(frame.detail);
    }
    if (state.inFlight === item.client_id) state.inFlight = null;
    if (frame.code === "rate_limited") {
      // Kept, in order, and tried again when the server said.
      item.not_before = Date.now() + (frame.retry_after || 5) * 1000;
      saveOutbox();
    } else {
      setAside(item, frame.detail);
    }
    renderPending(item);
    flush();
  }

  // Refused: shown as not sent, with the reason; the outbox goes on with the next message.
  function setAside(item, detail) {
    removeFromOutbox(item.client_id);
    state.failed.set(item.client_id, { item: item, detail: detail });
    renderPending(item);
  }

  async function fillGap(conv) {
    if (conv.filling || conv.id == null || !state.visitorToken) return;
    conv.filling = true;
    try {
      let after = 0;
      // From the start: a gap can be anywhere, and seq-keyed rendering ignores what we have.
      for (let page = 0; page < 10; page++) {
        const response = await api("/api/chat/conversations/" + conv.id + "/messages?after_seq=" + after, {
          headers: headers({ Accept: "application/json" }),
        });
        if (!response.ok) break;
        const body = await response.json();
        const messages = body.messages || body.results || [];
        for (const message of messages) if (!conv.messages.has(message.seq)) onMessage(conv.id, message, null, true);
        if (!body.next_after_seq || !messages.length) break;
        after = body.next_after_seq;
      }
    } catch (error) {
      /* the next resume will do */
    }
    conv.filling = false;
  }

  /* ---------- the outbox ---------- */

  function outboxItem(clientId) {
    return state.outbox.find((item) => item.client_id === clientId);
  }

  function saveOutbox() {
    store.set("outbox", state.outbox.length ? state.outbox : null);
  }

  function removeFromOutbox(clientId) {
    const before = state.outbox.length;
    state.outbox = state.outbox.filter((item) => item.client_id !== clientId);
    if (state.outbox.length !== before) saveOutbox();
  }

  function clientId() {
    const random = crypto.getRandomValues ? crypto.getRandomValues(new Uint32Array(2)).join("") : Math.random();
    return "w-" + Date.now().toString(36) + "-" + String(random).slice(0, 12);
  }

  function enqueue(text, attachments) {
    const conv = active();
    const item = {
      client_id: clientId(),
      text: text,
      conversation_id: conv.id,
      attachment_ids: attachments.map((attachment) => attachment.id),
      attachments: attachments,
    };
    state.outbox.push(item);
    saveOutbox();
    renderPending(item);
    scrollDown(conv, true);
    flush();
  }

  // One at a time, in order: the first message of a new conversation must be stored before
  // the next one can name its conversation.
  function flush() {
    if (!state.ready || state.inFlight || !transport) return;
    const item = state.outbox[0];
    if (!item) return;
    const wait = (item.not_before || 0) - Date.now();
    if (wait > 0) {
      clearTimeout(flush.timer);
      flush.timer = setTimeout(flush, wait);
      return;
    }
    if (item.conversation_id == null && state.draft && state.draft.id != null) item.conversation_id = state.draft.id;
    state.inFlight = item.client_id;
    item.not_before = 0;
    renderPending(item);
    transport.sendMessage(item);
  }

  // The server answered the first message of the draft: it is a conversation now.
  function adoptDraft(id) {
    const draft = state.draft;
    if (!draft || id == null) return;
    state.draft = null;
    const existing = state.conversations.get(id);
    if (existing && existing !== draft) {
      // A frame about it came first: move our waiting rows over.
      for (const [key, row] of draft.rows) {
        existing.rows.set(key, row);
        existing.list.append(row);
      }
    } else {
      draft.id = id;
      state.conversations.set(id, draft);
    }
    for (const item of state.outbox) if (item.conversation_id == null) item.conversation_id = id;
    saveOutbox();
    if (!state.past.some((entry) => entry.id === id)) state.past.unshift({ id: id, status: "open", preview: "" });
    if (state.activeId == null) setActive(id);
  }

  /* ---------- rendering ---------- */

  let root;
  let ui = {};

  function authorName(message) {
    if (message.sender === "agent") return message.author_name || (state.config && state.config.name) || "";
    if (message.sender === "ai") return t("assistant");
    return t("you");
  }

  function time(value) {
    try {
      return new Date(value).toLocaleTimeString(lang, { hour: "2-digit", minute: "2-digit" });
    } catch (error) {
      return "";
    }
  }

  function size(bytes) {
    return bytes >= 1048576 ? (bytes / 1048576).toFixed(1) + " MB" : Math.max(1, Math.round(bytes / 1024)) + " KB";
  }

  function attachmentNode(attachment, preview) {
    const url = safeUrl(attachment.url || "", ["http:", "https:"]);
    const image = /^image\//.test(attachment.content_type || "") && (preview || url);
    const label = el("span", { class: "name", text: attachment.file_name || "" });
    if (image) {
      return el(
        "a",
        { class: "image", href: url, target: "_blank", rel: "noopener noreferrer nofollow" },
        el("img", { src: preview || url, alt: attachment.file_name || "", loading: "lazy" }),
      );
    }
    const meta = attachment.size ? el("span", { class: "meta", text: size(attachment.size) }) : null;
    return url
      ? el("a", { class: "chip", href: url, target: "_blank", rel: "noopener noreferrer nofollow" }, icon("file"), label, meta)
      : el("span", { class: "chip" }, icon("file"), label, meta);
  }

  function drawMessage(row, message) {
    row.textContent = "";
    row.className = "row " + message.sender + (message.streaming ? " streaming" : "");
    row.dataset.sender = message.sender;
    if (message.seq != null) row.dataset.seq = message.seq;
    if (message.sender === "system") {
      row.append(el("p", { class: "system", text: message.text }));
      return;
    }
    if (message.sender !== "customer") row.append(el("span", { class: "author", text: authorName(message) }));
    const bubble = el("div", { class: "bubble" });
    if (message.sender === "customer") bubble.append(el("p", { class: "plain", text: message.text }));
    else bubble.append(markdown(message.text));
    if (!message.text) bubble.classList.add("empty");
    row.append(bubble);
    const attachments = message.attachments || [];
    if (attachments.length) row.append(el("div", { class: "files" }, ...attachments.map((a) => attachmentNode(a))));
    const citations = (message.citations || []).filter((citation) => citation.document_title);
    if (citations.length) {
      const sources = el("details", { class: "sources" }, el("summary", { text: t("sources") }));
      const items = el("ol");
      for (const citation of citations) {
        items.append(el("li", { text: citation.document_title + (citation.section ? " \u203a " + citation.section : "") }));
      }
      sources.append(items);
      row.append(sources);
    }
    if (message.partial) row.append(el("span", { class: "meta", text: t("interrupted") }));
    if (message.created_at) row.title = time(message.created_at);
  }

  function place(conv, row, seq) {
    // Stored messages in seq order, then ours still waiting, then streams still growing.
    for (const child of conv.list.children) {
      const other = child.dataset.seq;
      if (child !== row && (other == null || Number(other) > seq)) {
        if (row.nextSibling !== child) conv.list.insertBefore(row, child);
        return;
      }
    }
    if (row.parentNode !== conv.list || row.nextSibling) conv.list.append(row);
  }

  // A message of ours that is not stored yet: waiting, sending, rate-limited or refused.
  function renderPending(item) {
    const conv = conversation(item.conversation_id);
    let row = conv.rows.get(item.client_id);
    if (!row) {
      row = el("div", { class: "row" });
      conv.rows.set(item.client_id, row);
      conv.list.append(row);
    }
    drawMessage(row, { sender: "customer", text: item.text, attachments: item.attachments });
    row.classList.add("pending");
    const failure = state.failed.get(item.client_id);
    const receipt = el("p", { class: "receipt" });
    if (failure) {
      row.classList.add("failed");
      receipt.append(
        el("span", { class: "error", text: t("failed") + (failure.detail ? " \u00b7 " + failure.detail : "") }),
        el("button", { class: "link retry", type: "button", text: t("retry"), onclick: () => retry(item.client_id) }),
      );
    } else {
      receipt.textContent = state.ready && state.inFlight === item.client_id ? t("sending") : t("waiting");
    }
    row.append(receipt);
    renderSuggestions(conv);
  }

  function retry(id) {
    const failure = state.failed.get(id);
    if (!failure) return;
    state.failed.delete(id);
    failure.item.drops = 0;
    state.outbox.push(failure.item);
    saveOutbox();
    renderPending(failure.item);
    flush();
  }

  function lastCustomerSeq(conv) {
    let last = 0;
    for (const [seq, record] of conv.messages) if (record.message.sender === "customer" && seq > last) last = seq;
    return last;
  }

  function renderReceipt(conv) {
    if (!conv.receipt) conv.receipt = el("p", { class: "receipt seen", text: t("seen") });
    const seq = lastCustomerSeq(conv);
    const record = conv.messages.get(seq);
    const read = record && (conv.readUpTo >= seq || record.message.status === "read");
    if (read) record.row.append(conv.receipt);
    else conv.receipt.remove();
  }

  function markRead(conv) {
    // Only what the visitor can actually see counts as read.
    if (!state.open || state.view !== "chat" || document.visibilityState !== "visible") return;
    if (conv.id == null || conv !== active()) return;
    let last = 0;
    for (const [seq, record] of conv.messages) if (record.message.sender !== "customer" && seq > last) last = seq;
    if (last > conv.readSent && state.ready) {
      conv.readSent = last;
      sendFrame({ type: "read", conversation_id: conv.id, seq: last });
    }
  }

  function touchPast(conv, message) {
    const entry = state.past.find((item) => item.id === conv.id);
    if (entry) {
      entry.preview = message.text.slice(0, 140);
      entry.last_message_at = message.created_at;
      entry.last_seq = Math.max(entry.last_seq || 0, message.seq);
    }
  }

  function lastMessage(conv) {
    let last = null;
    for (const [seq, record] of conv.messages) if (!last || seq > last.seq) last = record.message;
    return last;
  }

  // ai, waiting, human, resolved or closed; from the status when a server sends no state.
  function stateOf(conv) {
    return conv.state || { escalated: conv.agent ? "human" : "waiting", open: "ai" }[conv.status] || conv.status;
  }

  // Who is handling the conversation: [what the header says, when a person will reply].
  function handling(conv) {
    const state = stateOf(conv);
    if (state === "waiting") return conv.wait ? [t("waitingPerson"), conv.wait] : [t("waitingPerson")];
    if (state === "human") return [t("joined", { name: conv.agent || conv.assignee })];
    if (state === "resolved" || state === "closed") return [t("status_" + state)];
    return [t(conv.back ? "backToAi" : "assistant")];
  }

  function renderState(conv) {
    if (conv !== active() || !ui.state) return;
    const [label, detail] = handling(conv);
    ui.state.textContent = label;
    ui.state.dataset.state = stateOf(conv);
    ui.wait.textContent = detail || "";
    ui.wait.hidden = !detail;
  }

  // Below the messages: who is typing, "That helped", the stars, or a closing note. The foot is
  // redrawn every few seconds (typing indicators expire); the rating form is kept in place, so
  // the stars, the comment being typed and its focus survive that.
  function renderFoot(conv) {
    if (conv !== active() || !ui.foot) return;
    const stick = nearBottom();
    const rated = conv.status === "resolved" || conv.status === "closed";
    if (!rated || (conv.csat && !conv.csatEditing)) conv.csatForm = null;
    else if (!conv.csatForm) conv.csatForm = csatForm(conv);
    const kept = conv.csatForm;
    for (const child of [...ui.foot.children]) if (child !== kept) child.remove();
    const foot = document.createDocumentFragment();
    const now = Date.now();
    for (const sender of ["agent", "ai"]) {
      const typing = conv.typing[sender];
      if (!typing || typing.until < now) continue;
      if (sender === "ai" && [...conv.streams.values()].some((stream) => stream.text)) continue;
      const words = sender === "agent" ? t("typingAgent", { name: typing.name || conv.assignee || "" }) : t("typingAi");
      foot.append(el("p", { class: "typing" }, el("span", { class: "dots", "aria-hidden": "true" }), words));
    }
    const last = lastMessage(conv);
    const streaming = [...conv.streams.values()].some((stream) => !stream.done);
    if ((conv.status === "open" || conv.status === "escalated") && last && !streaming) {
      if ((last.sender === "ai" || last.sender === "agent") && !last.partial) {
        const helped = el("button", {
          class: "helped",
          type: "button",
          onclick: () => sendFrame({ type: "resolve", conversation_id: conv.id }),
        });
        helped.append(icon("check"), t("helped"));
        foot.append(helped);
      }
    }
    if (conv.status === "escalated") foot.append(el("p", { class: "note", text: t("escalated") }));
    if (rated) {
      foot.append(el("p", { class: "note", text: conv.status === "closed" ? t("closed") : t("resolved") }));
      if (!kept) foot.append(thanks(conv));
    }
    ui.foot.insertBefore(foot, kept && kept.parentNode === ui.foot ? kept : null);
    if (kept && kept.parentNode !== ui.foot) ui.foot.append(kept);
    ui.composer.hidden = conv.status === "closed";
    ui.restart.hidden = conv.status !== "closed";
    if (stick) ui.scroller.scrollTop = ui.scroller.scrollHeight;
  }

  // The rating sent, with "Change" while the server still takes a new one (CSAT_EDIT_MINUTES).
  function thanks(conv) {
    const score = conv.csat;
    const stars = el("div", { class: "stars done", role: "img", "aria-label": t("star", { n: score }) });
    for (let n = 1; n <= 5; n++) stars.append(el("span", { class: n <= score ? "on" : "" }, icon("star")));
    const box = el("div", { class: "csat" }, stars, el("p", { text: t("thanks") }));
    if (Date.now() < conv.csatUntil) {
      const edit = () => ((conv.csatEditing = true), renderFoot(conv));
      box.append(el("button", { type: "button", class: "link", text: t("change"), onclick: edit }));
    }
    return box;
  }

  // Five stars as a radio group: arrows move and choose, Tab leaves, as screen readers expect.
  function csatForm(conv) {
    let score = 0; // when changing a rating, the one sent is chosen below
    const group = el("div", { class: "stars", role: "radiogroup", "aria-label": t("rate") });
    const stars = [];
    const choose = (n, focus) => {
      score = n;
      stars.forEach((star, index) => {
        star.setAttribute("aria-checked", String(index + 1 === n));
        star.tabIndex = index + 1 === (n || 1) ? 0 : -1;
        star.classList.toggle("on", index < n);
      });
      submit.disabled = !n;
      if (focus) stars[n - 1].focus();
    };
    for (let n = 1; n <= 5; n++) {
      const star = el("button", {
        type: "button",
        class: "star",
        role: "radio",
        "aria-checked": "false",
        "aria-label": t("star", { n: n }),
        tabindex: n === 1 ? "0" : "-1",
        onclick: () => choose(n),
        onkeydown: (event) => {
          const step = { ArrowRight: 1, ArrowUp: 1, ArrowLeft: -1, ArrowDown: -1 }[event.key];
          if (step) {
            event.preventDefault();
            choose(Math.min(5, Math.max(1, (score || n) + step)), true);
          } else if (event.key === "Home" || event.key === "End") {
            event.preventDefault();
            choose(event.key === "Home" ? 1 : 5, true);
          }
        },
      });
      star.append(icon("star"));
      stars.push(star);
      group.append(star);
    }
    const comment = el("textarea", { class: "comment", rows: "2", maxlength: "1000", "aria-label": t("comment"), placeholder: t("comment") });
    if (conv.csatEditing) comment.value = conv.csatComment || "";
    const submit = el("button", {
      type: "submit",
      class: "primary",
      text: t("submit"),
      disabled: true,
    });
    const form = el(
      "form",
      {
        class: "csat",
        onsubmit: (event) => {
          event.preventDefault();
          if (!score) return;
          const frame = { type: "csat", conversation_id: conv.id, score: score };
          if (comment.value.trim()) frame.comment = comment.value.trim().slice(0, 1000);
          sendFrame(frame);
          submit.disabled = conv.csatSent = true; // thanked once the server has stored it
        },
      },
      el("p", { class: "question", text: t("rate") }),
      group,
      comment,
      submit,
    );
    if (conv.csatEditing) choose(conv.csat);
    return form;
  }

  function renderSuggestions(conv) {
    if (!ui.suggestions || conv !== active()) return;
    ui.suggestions.textContent = "";
    const empty = !conv.messages.size && !conv.rows.size && !conv.streams.size;
    const suggestions = (state.config && state.config.suggestions) || [];
    ui.suggestions.hidden = !empty || !suggestions.length;
    if (ui.suggestions.hidden) return;
    for (const text of suggestions) {
      ui.suggestions.append(el("button", { type: "button", class: "suggestion", text: text, onclick: () => enqueue(text, []) }));
    }
  }

  function renderBanner() {
    if (!ui.banner) return;
    const text = state.fatal || (!state.ready && state.everReady ? t("reconnecting") : "");
    ui.banner.textContent = text;
    ui.banner.hidden = !text;
    ui.banner.classList.toggle("error", !!state.fatal);
    for (const item of state.outbox) renderPending(item);
  }

  function renderBadge() {
    if (!ui.badge) return;
    ui.badge.textContent = state.unread > 9 ? "9+" : String(state.unread);
    ui.badge.hidden = !state.unread;
  }

  function showNotice(text) {
    if (!ui.banner || !text) return;
    ui.banner.textContent = text;
    ui.banner.hidden = false;
    clearTimeout(showNotice.timer);
    showNotice.timer = setTimeout(renderBanner, 6000);
  }

  // Screen readers hear a reply once, when it is complete, not token by token. What comes
  // together (a person joined, then their reply) is said together.
  const said = [];
  function announce(text) {
    if (!ui.live) return;
    said.push(text);
    ui.live.textContent = "";
    clearTimeout(announce.timer);
    announce.timer = setTimeout(() => (ui.live.textContent = said.splice(0).join(" ")), 50);
  }

  function nearBottom() {
    const scroller = ui.scroller;
    return scroller.scrollHeight - scroller.scrollTop - scroller.clientHeight < 120;
  }

  function scrollDown(conv, force) {
    if (!ui.scroller || conv !== active()) return;
    if (force || nearBottom() || scrollDown.stick) ui.scroller.scrollTop = ui.scroller.scrollHeight;
  }

  function renderHistory() {
    const list = ui.history;
    list.textContent = "";
    list.append(
      el("button", { type: "button", class: "primary new", onclick: () => startNew() }, icon("plus"), t("newChat")),
    );
    if (!state.past.length) list.append(el("p", { class: "note", text: t("none") }));
    const items = el("ul");
    for (const entry of state.past) {
      const when = entry.last_message_at ? new Date(entry.last_message_at) : null;
      items.append(
        el(
          "li",
          {},
          el(
            "button",
            { type: "button", class: "past", "data-conversation": entry.id, onclick: () => openConversation(entry.id) },
            el("span", { class: "preview", text: entry.preview || "\u2026" }),
            el(
              "span",
              { class: "meta" },
              t("status_" + entry.status) + (when && !isNaN(when) ? " \u00b7 " + when.toLocaleDateString(lang) : ""),
            ),
          ),
        ),
      );
    }
    list.append(items);
  }

  function showView(view) {
    state.view = view;
    ui.chat.hidden = view !== "chat";
    ui.history.hidden = view !== "history";
    ui.historyButton.hidden = view !== "chat";
    ui.backButton.hidden = view === "chat";
    if (view === "history") {
      renderHistory();
      const first = ui.history.querySelector("button");
      if (first) first.focus();
    } else {
      markRead(active());
    }
  }

  function openConversation(id) {
    const conv = conversation(id);
    const fresh = !conv.messages.size;
    setActive(id);
    showView("chat");
    if (fresh && transport && state.ready) transport.resume(conv);
    focusInput();
  }

  function startNew() {
    setActive(null);
    showView("chat");
    focusInput();
  }

  function render() {
    if (!ui.panel) return;
    const conv = active();
    // The scroller holds the welcome, the messages and the foot, so all three scroll together.
    if (ui.scroller.children[1] !== conv.list) ui.scroller.replaceChildren(ui.welcome, conv.list, ui.foot);
    renderSuggestions(conv);
    renderState(conv);
    renderFoot(conv);
    renderReceipt(conv);
    renderBanner();
    ui.panel.hidden = !state.open;
    ui.launcher.setAttribute("aria-expanded", String(state.open));
    root.classList.toggle("is-open", state.open);
    ui.launcher.setAttribute("aria-label", state.open ? t("close") : t("open"));
    ui.launcher.replaceChildren(icon(state.open ? "close" : "chat"), ui.badge);
  }

  function focusInput() {
    setTimeout(() => {
      if (!ui.composer.hidden) ui.input.focus();
      else ui.restart.focus();
    }, 0);
  }

  function openPanel() {
    if (!ui.panel) return (state.openWhenReady = true);
    if (state.open) return;
    state.open = true;
    state.unread = 0;
    renderBadge();
    connect();
    render();
    scrollDown.stick = true;
    scrollDown(active(), true);
    scrollDown.stick = false;
    if (state.view === "history") showView("history");
    else focusInput();
    markRead(active());
    emit("open");
  }

  function closePanel() {
    if (!state.open) return;
    state.open = false;
    render();
    ui.launcher.focus();
    emit("close");
  }

  /* ---------- composer ---------- */

  let typingSent = 0;
  let typingTimer = null;

  function typing() {
    const conv = active();
    if (conv.id == null || !state.ready) return;
    if (Date.now() - typingSent > 3000) {
      typingSent = Date.now();
      sendFrame({ type: "typing", conversation_id: conv.id, on: true });
    }
    clearTimeout(typingTimer);
    typingTimer = setTimeout(stopTyping, 4000);
  }

  function stopTyping() {
    clearTimeout(typingTimer);
    if (!typingSent) return;
    typingSent = 0;
    const conv = active();
    if (conv.id != null) sendFrame({ type: "typing", conversation_id: conv.id, on: false });
  }

  function submitComposer(event) {
    if (event) event.preventDefault();
    const text = ui.input.value.trim();
    const ready = state.pending.filter((entry) => entry.attachment);
    if (!text && !ready.length) return;
    if (text.length > MAX_TEXT) return showNotice(text.length + " / " + MAX_TEXT);
    if (state.pending.some((entry) => !entry.attachment && !entry.error)) return; // still uploading
    stopTyping();
    enqueue(text, ready.map((entry) => entry.attachment));
    ui.input.value = "";
    autosize();
    clearPending();
  }

  function autosize() {
    ui.input.style.height = "auto";
    ui.input.style.height = Math.min(140, ui.input.scrollHeight) + "px";
  }

  function clearPending() {
    for (const entry of state.pending) if (entry.preview) URL.revokeObjectURL(entry.preview);
    state.pending = [];
    renderUploads();
  }

  async function upload(file) {
    const entry = { file: file, preview: /^image\//.test(file.type) ? URL.createObjectURL(file) : null };
    state.pending.push(entry);
    if (file.size > MAX_UPLOAD) entry.error = t("tooBig");
    else if (!state.ready || !state.visitorToken) entry.error = t("waiting");
    renderUploads();
    if (entry.error) return;
    const body = new FormData();
    body.append("file", file, file.name);
    if (active().id != null) body.append("conversation_id", String(active().id));
    try {
      const response = await api("/api/chat/attachments", { method: "POST", headers: headers(), body: body });
      if (!response.ok) entry.error = (await apiError(response)).detail || t("uploadFailed");
      else entry.attachment = (await response.json()).attachment;
      if (entry.attachment && !entry.attachment.url && entry.preview) entry.attachment.preview = entry.preview;
    } catch (error) {
      entry.error = t("uploadFailed");
    }
    renderUploads();
  }

  function renderUploads() {
    ui.uploads.textContent = "";
    ui.uploads.hidden = !state.pending.length;
    for (const entry of state.pending) {
      const name = entry.file.name;
      const chip = el(
        "div",
        { class: "upload" + (entry.error ? " failed" : "") },
        entry.preview ? el("img", { src: entry.preview, alt: "" }) : icon("file"),
        el("span", { class: "name", text: name }),
        el("span", {
          class: "meta",
          text: entry.error || (entry.attachment ? size(entry.file.size) : t("uploading")),
        }),
        el(
          "button",
          {
            type: "button",
            class: "icon small",
            "aria-label": t("remove", { name: name }),
            onclick: () => {
              state.pending = state.pending.filter((other) => other !== entry);
              renderUploads();
              ui.input.focus();
            },
          },
          icon("close"),
        ),
      );
      ui.uploads.append(chip);
    }
  }

  /* ---------- building the widget ---------- */

  function contrastText(hex) {
    const value = parseInt(hex.slice(1), 16);
    const channel = (shift) => {
      const c = ((value >> shift) & 255) / 255;
      return c <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4;
    };
    const luminance = 0.2126 * channel(16) + 0.7152 * channel(8) + 0.0722 * channel(0);
    return luminance > 0.45 ? "#111318" : "#ffffff";
  }

  function lighten(hex, amount) {
    const value = parseInt(hex.slice(1), 16);
    const mix = (shift) => Math.round(((value >> shift) & 255) * (1 - amount) + 255 * amount);
    return "#" + ((1 << 24) + (mix(16) << 16) + (mix(8) << 8) + mix(0)).toString(16).slice(1);
  }

  function build() {
    const config = state.config;
    lang = STRINGS[script.dataset.language] ? script.dataset.language : STRINGS[config.language] ? config.language : "en";
    const color = /^#[0-9a-f]{6}$/i.test(config.color || "") ? config.color : "#4f46e5";
    const title = script.dataset.title || config.name || "Chat";

    const host = document.createElement("chatassist-widget");
    // The page's own CSS must not hide or move us; inside the shadow root it cannot reach.
    host.style.setProperty("all", "initial", "important");
    host.style.setProperty("display", "block", "important");
    const shadow = host.attachShadow({ mode: "open" });
    try {
      const sheet = new CSSStyleSheet();
      sheet.replaceSync(CSS);
      shadow.adoptedStyleSheets = [sheet]; // allowed by strict style-src policies
    } catch (error) {
      shadow.append(el("style", { text: CSS }));
    }
    root = el("div", {
      class: "root",
      lang: lang,
      onkeydown: (event) => {
        if (event.key === "Escape" && state.open) {
          event.preventDefault();
          closePanel();
        }
      },
    });
    root.style.setProperty("--accent", color);
    root.style.setProperty("--accent-text", contrastText(color));
    root.style.setProperty("--accent-light", lighten(color, 0.45));
    shadow.append(root);

    ui.badge = el("span", { class: "badge", "aria-hidden": "true", hidden: true });
    ui.launcher = el("button", {
      type: "button",
      class: "launcher",
      "aria-controls": "chatassist-panel",
      "aria-expanded": "false",
      "aria-haspopup": "dialog",
      onclick: () => (state.open ? closePanel() : openPanel()),
    });
    ui.live = el("div", { class: "visually-hidden", "aria-live": "polite", "aria-atomic": "true" });
    ui.banner = el("p", { class: "banner", role: "status", hidden: true });
    ui.historyButton = el(
      "button",
      { type: "button", class: "icon", "aria-label": t("history"), title: t("history"), onclick: () => showView("history") },
      icon("list"),
    );
    ui.backButton = el(
      "button",
      { type: "button", class: "icon", "aria-label": t("back"), title: t("back"), hidden: true, onclick: () => showView("chat") },
      icon("back"),
    );
    ui.state = el("p", { class: "subtitle state" });
    ui.wait = el("p", { class: "subtitle wait", hidden: true });
    ui.welcome = el("div", { class: "row ai welcome" });
    if (config.welcome_message) {
      ui.welcome.append(el("span", { class: "author", text: title }), el("div", { class: "bubble" }, markdown(config.welcome_message)));
    }
    ui.scroller = el("div", { class: "scroller" });
    ui.foot = el("div", { class: "foot" });
    ui.suggestions = el("div", { class: "suggestions", hidden: true });
    ui.uploads = el("div", { class: "uploads", hidden: true });
    ui.file = el("input", {
      type: "file",
      class: "visually-hidden",
      tabindex: "-1",
      "aria-hidden": "true",
      accept: "image/png,image/jpeg,image/gif,image/webp,application/pdf,text/plain",
      multiple: true,
      onchange: () => {
        for (const file of ui.file.files) upload(file);
        ui.file.value = "";
      },
    });
    ui.input = el("textarea", {
      class: "input",
      rows: "1",
      maxlength: String(MAX_TEXT),
      placeholder: t("placeholder"),
      "aria-label": t("placeholder"),
      oninput: () => {
        autosize();
        typing();
      },
      onkeydown: (event) => {
        if (event.key === "Enter" && !event.shiftKey && !event.isComposing) submitComposer(event);
      },
    });
    ui.composer = el(
      "form",
      { class: "composer", onsubmit: submitComposer },
      el(
        "button",
        { type: "button", class: "icon attach", "aria-label": t("attach"), title: t("attach"), onclick: () => ui.file.click() },
        icon("clip"),
      ),
      ui.input,
      el("button", { type: "submit", class: "icon send", "aria-label": t("send"), title: t("send") }, icon("send")),
    );
    ui.restart = el("button", { type: "button", class: "primary restart", hidden: true, onclick: startNew }, t("newChat"));
    ui.chat = el(
      "div",
      { class: "chat" },
      ui.scroller,
      el("div", { class: "bottom" }, ui.suggestions, ui.uploads, ui.composer, ui.restart, ui.file),
    );
    ui.history = el("div", { class: "history", hidden: true });
    ui.panel = el(
      "div",
      {
        id: "chatassist-panel",
        class: "panel",
        role: "dialog",
        "aria-modal": "false",
        "aria-labelledby": "chatassist-title",
        hidden: true,
      },
      el(
        "header",
        {},
        ui.backButton,
        el(
          "div",
          { class: "titles" },
          el("h2", { id: "chatassist-title", text: title }),
          ui.state,
          ui.wait,
        ),
        ui.historyButton,
        el("button", { type: "button", class: "icon", "aria-label": t("close"), title: t("close"), onclick: closePanel }, icon("close")),
      ),
      ui.banner,
      ui.chat,
      ui.history,
      config.show_branding
        ? el(
            "p",
            { class: "branding" },
            t("powered") + " ",
            el("a", { href: "https://github.com/chatassist", target: "_blank", rel: "noopener noreferrer nofollow", text: "ChatAssist" }),
          )
        : null,
    );
    root.append(ui.launcher, ui.panel, ui.live);
    document.body.append(host);

    for (const item of state.outbox) renderPending(item);
    render();
    // Re-render the foot when typing indicators expire.
    setInterval(() => renderFoot(active()), 5000);
    document.addEventListener("visibilitychange", () => markRead(active()));
    window.addEventListener("online", () => !state.ready && reconnect());
    if (state.openWhenReady || script.dataset.open === "true") openPanel();
    // A returning visitor connects at once: replies that arrived, and messages waiting to go.
    else if (state.visitorToken || state.outbox.length) connect();
  }

  async function loadConfig(tries) {
    try {
      const response = await api("/api/chat/config?key=" + encodeURIComponent(KEY), { headers: { Accept: "application/json" } });
      if (response.status === 401 || response.status === 403 || response.status === 404) {
        console.warn("ChatAssist: " + ((await apiError(response)).detail || "this key is not valid here."));
        return;
      }
      if (!response.ok) throw new Error(String(response.status));
      state.config = await response.json();
    } catch (error) {
      if (tries < 6) setTimeout(() => loadConfig(tries + 1), backoff(tries));
      return;
    }
    if (document.body) build();
    else document.addEventListener("DOMContentLoaded", build);
  }

  /* ---------- the page's API ---------- */

  const api_ = {
    loaded: true,
    open: openPanel,
    close: closePanel,
    toggle: () => (state.open ? closePanel() : openPanel()),
    // {user_id, timestamp, user_hash, email?, name?} or {token}: signed by the company's backend.
    // {name, email} alone: shown to agents, not trusted. null: forget the identity.
    identify(identity) {
      const verified = identity && (identity.token || (identity.user_id != null && identity.user_hash));
      const next = verified
        ? identity.token
          ? { token: identity.token }
          : { user_id: String(identity.user_id), timestamp: identity.timestamp, user_hash: identity.user_hash, email: identity.email, name: identity.name }
        : null;
      const profile = identity && !verified ? { name: identity.name, email: identity.email } : {};
      const changed = JSON.stringify(next) !== JSON.stringify(state.identity) || JSON.stringify(profile) !== JSON.stringify(state.profile);
      state.identity = next;
      state.profile = profile;
      if (changed && (transport || state.fatal) && state.config) reconnect();
    },
    on(name, handler) {
      (handlers[name] = handlers[name] || []).push(handler);
      if (name === "ready" && state.ready) handler({ contact: state.contact, conversations: state.past });
    },
    off(name, handler) {
      handlers[name] = (handlers[name] || []).filter((other) => other !== handler);
    },
  };
  Object.defineProperty(api_, "transport", { get: () => (transport ? transport.name : "") });

  // Calls made before this script arrived: window.ChatAssist = {q: [["identify", [..]], ...]}.
  const queued = (window.ChatAssist && window.ChatAssist.q) || [];
  window.ChatAssist = api_;
  for (const entry of queued) {
    const method = entry[0];
    const args = Array.prototype.slice.call(entry[1] || []);
    if (typeof api_[method] === "function") api_[method].apply(api_, args);
  }
  loadConfig(0);

  /* ---------- styles ---------- */

  const CSS = `
:host{all:initial}
*,*::before,*::after{box-sizing:border-box}
[hidden]{display:none!important}
.root{--bg:#fff;--fg:#1b1f24;--muted:#5b6676;--subtle:#f1f3f6;--border:#dde2e8;--bubble:#f1f3f6;--link:var(--accent);--ring:var(--accent);--error:#c92a2a;
font:15px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,"Helvetica Neue",Arial,sans-serif;color:var(--fg);-webkit-font-smoothing:antialiased}
@media (prefers-color-scheme:dark){.root{--bg:#16191e;--fg:#e8ebef;--muted:#a3adb9;--subtle:#222730;--border:#333a45;--bubble:#242a33;--link:var(--accent-light);--ring:var(--accent-light);--error:#ff8787}}
button,textarea,input{font:inherit;color:inherit}
button{cursor:pointer}
:focus-visible{outline:2px solid var(--ring);outline-offset:2px}
.visually-hidden{position:absolute!important;width:1px;height:1px;overflow:hidden;clip:rect(0 0 0 0);white-space:nowrap;border:0;padding:0;margin:-1px}
.launcher{position:fixed;right:20px;bottom:20px;z-index:2147483000;width:58px;height:58px;border-radius:50%;border:0;background:var(--accent);color:var(--accent-text);box-shadow:0 6px 20px rgba(0,0,0,.25);display:grid;place-items:center;transition:transform .15s}
.launcher:hover{transform:scale(1.05)}
.launcher svg{width:28px;height:28px;fill:none;stroke:currentColor;stroke-width:1.8;stroke-linecap:round;stroke-linejoin:round}
.launcher svg path{fill:currentColor;fill-opacity:.15}
.badge{position:absolute;top:-3px;right:-3px;min-width:20px;height:20px;padding:0 5px;border-radius:10px;background:#e03131;color:#fff;font-size:12px;font-weight:600;line-height:20px;text-align:center}
.panel{position:fixed;right:20px;bottom:90px;z-index:2147483000;width:384px;height:min(660px,calc(100vh - 110px));display:flex;flex-direction:column;overflow:hidden;background:var(--bg);border:1px solid var(--border);border-radius:16px;box-shadow:0 16px 48px rgba(0,0,0,.28)}
header{display:flex;align-items:center;gap:4px;padding:12px 8px 12px 16px;background:var(--accent);color:var(--accent-text)}
header .titles{flex:1;min-width:0}
header h2{margin:0;font-size:16px;font-weight:650;white-space:nowrap;overflow:hidden;text-overflow:ellipsis}
header .subtitle{margin:0;font-size:12.5px;opacity:.85}
header .state::before{content:"";display:inline-block;width:7px;height:7px;margin-right:6px;border-radius:50%;background:#4ade80;vertical-align:1px}
header .state[data-state=waiting]::before{background:#fbbf24}
header .state[data-state=resolved]::before,header .state[data-state=closed]::before{display:none}
header :focus-visible{outline-color:var(--accent-text)}
.icon{display:inline-grid;place-items:center;width:36px;height:36px;padding:0;border:0;border-radius:8px;background:transparent;color:inherit}
.icon:hover{background:rgba(127,127,127,.18)}
.icon svg{width:20px;height:20px;fill:none;stroke:currentColor;stroke-width:2;stroke-linecap:round;stroke-linejoin:round}
.icon.small{width:24px;height:24px}.icon.small svg{width:14px;height:14px}
.banner{margin:0;padding:8px 16px;font-size:13px;background:var(--subtle);color:var(--muted);border-bottom:1px solid var(--border)}
.banner.error{color:var(--error)}
.chat{flex:1;display:flex;flex-direction:column;min-height:0}
.scroller{flex:1;overflow-y:auto;padding:16px 14px 8px;overscroll-behavior:contain}
.row{display:flex;flex-direction:column;align-items:flex-start;margin:0 0 12px;max-width:100%}
.row.customer{align-items:flex-end}
.author{font-size:12px;color:var(--muted);margin:0 0 3px 4px}
.bubble{max-width:88%;padding:9px 13px;border-radius:16px 16px 16px 4px;background:var(--bubble);overflow-wrap:anywhere;min-width:0}
.customer .bubble{background:var(--accent);color:var(--accent-text);border-radius:16px 16px 4px 16px}
.pending .bubble{opacity:.75}
.failed .bubble{opacity:1;outline:1px solid var(--error)}
.bubble.empty{display:none}
.streaming .bubble>:last-child::after{content:"\u258d";animation:blink 1s steps(2) infinite;margin-left:1px}
@keyframes blink{50%{opacity:0}}
.bubble p{margin:0 0 8px}.bubble>:last-child{margin-bottom:0}
.bubble .plain{white-space:pre-wrap}
.bubble .heading{font-weight:650}
.bubble ul,.bubble ol{margin:0 0 8px;padding-left:22px}
.bubble li{margin:2px 0}
.bubble a{color:var(--link);text-decoration:underline;text-underline-offset:2px}
.customer .bubble a{color:inherit}
.bubble code{font:13px/1.4 ui-monospace,SFMono-Regular,Menlo,Consolas,monospace;background:rgba(127,127,127,.16);padding:1px 4px;border-radius:4px}
.bubble pre{margin:0 0 8px;padding:8px 10px;background:rgba(127,127,127,.14);border-radius:8px;overflow-x:auto}
.bubble pre code{background:none;padding:0;white-space:pre}
.bubble blockquote{margin:0 0 8px;padding-left:10px;border-left:3px solid var(--border);color:var(--muted)}
.bubble hr{border:0;border-top:1px solid var(--border);margin:8px 0}
.bubble .table{overflow-x:auto;margin:0 0 8px}
.bubble table{border-collapse:collapse;font-size:13px}
.bubble th,.bubble td{border:1px solid var(--border);padding:3px 6px;text-align:left;vertical-align:top}
.system{margin:4px auto;font-size:12.5px;color:var(--muted);text-align:center}
.meta{font-size:12px;color:var(--muted)}
.receipt{margin:3px 4px 0;font-size:12px;color:var(--muted)}
.receipt .error{color:var(--error)}
.link{border:0;background:none;padding:0 0 0 6px;color:var(--link);text-decoration:underline;font-size:12px}
.files{display:flex;flex-wrap:wrap;gap:6px;margin-top:6px;max-width:88%}
.customer .files{justify-content:flex-end}
.files .image img{display:block;max-width:220px;max-height:180px;border-radius:10px;border:1px solid var(--border)}
.chip{display:inline-flex;align-items:center;gap:6px;max-width:100%;padding:6px 10px;border:1px solid var(--border);border-radius:10px;background:var(--bg);color:var(--fg);text-decoration:none;font-size:13px}
.chip svg,.upload>svg{flex:none;width:16px;height:16px;fill:none;stroke:currentColor;stroke-width:2}
.chip .name,.upload .name{overflow:hidden;text-overflow:ellipsis;white-space:nowrap;min-width:0}
.sources{margin:4px 4px 0;font-size:12.5px;color:var(--muted);max-width:88%}
.sources summary{cursor:pointer}
.sources ol{margin:4px 0 0;padding-left:20px}
.foot{padding:0 0 4px}
.typing{display:flex;align-items:center;gap:8px;margin:0 0 10px 4px;font-size:13px;color:var(--muted)}
.dots{width:26px;height:8px;background:radial-gradient(circle,var(--muted) 3px,transparent 3.5px) 0 50%/9px 8px repeat-x;animation:pulse 1.2s infinite}
@keyframes pulse{50%{opacity:.35}}
.helped{display:inline-flex;align-items:center;gap:6px;margin:0 0 10px 4px;padding:6px 12px;border:1px solid var(--border);border-radius:999px;background:var(--bg);font-size:13.5px}
.helped:hover{border-color:var(--accent)}
.helped svg{width:16px;height:16px;fill:none;stroke:var(--link);stroke-width:2.4;stroke-linecap:round;stroke-linejoin:round}
.note{margin:4px 4px 10px;font-size:13px;color:var(--muted)}
.csat{margin:0 0 10px;padding:12px;border:1px solid var(--border);border-radius:12px;background:var(--subtle)}
.csat .question,.csat p{margin:0 0 6px;font-size:13.5px}
.stars{display:flex;gap:2px;margin:0 0 8px}
.stars button,.stars span{display:inline-grid;place-items:center;width:36px;height:36px;border:0;border-radius:8px;background:none;padding:0;color:#c2c8d0}
.stars svg{width:26px;height:26px;fill:currentColor}
.stars .on{color:#f59f00}
.stars button:hover{background:rgba(127,127,127,.14)}
.comment{display:block;width:100%;margin:0 0 8px;padding:8px;border:1px solid var(--border);border-radius:8px;background:var(--bg);resize:vertical;font-size:14px}
.primary{display:inline-flex;align-items:center;gap:6px;padding:8px 14px;border:0;border-radius:8px;background:var(--accent);color:var(--accent-text);font-weight:600;font-size:14px}
.primary:disabled{opacity:.5;cursor:default}
.primary svg{width:16px;height:16px;fill:none;stroke:currentColor;stroke-width:2.4;stroke-linecap:round}
.bottom{padding:8px 12px 10px;border-top:1px solid var(--border)}
.suggestions{display:flex;flex-wrap:wrap;gap:6px;margin:0 0 8px}
.suggestion{padding:6px 12px;border:1px solid var(--accent);border-radius:999px;background:var(--bg);color:var(--link);font-size:13.5px;text-align:left}
.suggestion:hover{background:var(--subtle)}
.uploads{display:flex;flex-wrap:wrap;gap:6px;margin:0 0 8px}
.upload{display:flex;align-items:center;gap:6px;max-width:100%;padding:4px 4px 4px 8px;border:1px solid var(--border);border-radius:10px;font-size:13px}
.upload img{width:32px;height:32px;object-fit:cover;border-radius:6px}
.upload.failed{border-color:var(--error)}.upload.failed .meta{color:var(--error)}
.composer{display:flex;align-items:flex-end;gap:4px;padding:4px;border:1px solid var(--border);border-radius:14px;background:var(--bg)}
.composer:focus-within{border-color:var(--accent)}
.input{flex:1;min-width:0;border:0;outline:0;resize:none;background:transparent;padding:8px 4px;max-height:140px;font-size:16px;line-height:1.35}
.send{color:var(--link)}
.attach{color:var(--muted)}
.restart{width:100%;justify-content:center}
.history{flex:1;overflow-y:auto;padding:14px}
.history ul{list-style:none;margin:12px 0 0;padding:0}
.history .new{width:100%;justify-content:center}
.past{display:block;width:100%;text-align:left;margin:0 0 8px;padding:10px 12px;border:1px solid var(--border);border-radius:10px;background:var(--bg)}
.past:hover{border-color:var(--accent)}
.past .preview{display:block;overflow:hidden;text-overflow:ellipsis;white-space:nowrap;margin-bottom:2px}
.branding{margin:0;padding:0 0 8px;text-align:center;font-size:11.5px;color:var(--muted)}
.branding a{color:inherit;font-weight:600;text-decoration:none}
@media (max-width:480px){.panel{inset:0;width:100%;height:100%;max-height:none;border:0;border-radius:0}.is-open .launcher{display:none}.files .image img{max-width:180px}}
@media (prefers-reduced-motion:reduce){*{animation:none!important;transition:none!important}}
`;
})();
