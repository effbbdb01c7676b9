/*
 * RUC MFA assistant: the intranet chat widget. Plain JavaScript and CSS, no build step.
 *
 *   <script src="https://ASSISTANT/webhooks/webchat/widget.js" defer
 *           data-lang="en" data-title="MFA help"></script>
 *
 * Attributes (all optional):
 *   data-server   the assistant's base URL (default: where this script came from)
 *   data-lang     "en" or "da": the conversation's first language and the widget's
 *                 labels (default: the page's <html lang>, else English); the
 *                 assistant then follows the language the user writes in
 *   data-title    the launcher's and the panel's title
 *   data-timeout  seconds to wait for an answer before saying the server is unreachable (30)
 *
 * Served by the assistant's Rasa server (bot/channels/webchat.py), which writes the
 * servicedesk's phone number from domain.yml into CONTENT below. Messages go to the
 * stateless REST channel (POST {server}/webhooks/rest/webhook), so any of several replicas
 * behind a load balancer can answer. Nothing from a message is ever parsed as HTML: texts
 * become DOM nodes, links must be http(s) or otpauth (an authenticator app's "add this
 * account" link), images http(s) or data:image URLs.
 */
(() => {
  "use strict";

  if (window.RucMfaWidget) return; // the tag is on the page twice
  const script = document.currentScript;
  if (!script) return;

  // Filled in by the server when it serves this file; empty in the source.
  const CONTENT = {/*MFA_CONTENT*/};

  const MAX_ENTRIES = 100; // transcript entries kept in localStorage
  const MAX_STORED_CHARS = 200000; // and at most this much JSON (images are data: URLs)
  const DEFAULT_TIMEOUT_S = 30;

  const TEXTS = {
    en: {
      title: "MFA help",
      close: "Close chat",
      startOver: "Start over",
      inputLabel: "Your message",
      placeholder: "Type your question…",
      send: "Send",
      typing: "The assistant is typing…",
      conversation: "Conversation with the MFA assistant",
      youSaid: "You said:",
      assistantSaid: "The assistant said:",
      choices: "Choices",
      image: "Image from the assistant",
      newTab: "(opens in a new tab)",
      notSent: "Not sent",
      retry: "Try again",
      down: "Sorry, I can't reach the assistant right now.",
      kept: "Your message is kept: try again in a moment.",
      later: "Please try again in a moment.",
      tooLong: "That message is too long for me. Please shorten it and send it again.",
      refused: "The assistant could not take that message.",
      busy: "Too many messages are arriving at the moment.",
      call: "If it's urgent, call RUC's servicedesk on",
      callNoNumber: "If it's urgent, call RUC's servicedesk.",
      hours: (hours) => ` (${hours})`,
      menu: "More",
      deleteConversation: "Delete this conversation",
      confirmDelete:
        "Delete this conversation for good? The assistant forgets what you wrote here; an open ticket stays with the servicedesk without your details.",
      confirmYes: "Delete",
      cancel: "Cancel",
      deleteFailed: "The conversation could not be deleted just now. Please try again.",
    },
    da: {
      title: "MFA-hjælp",
      close: "Luk chatten",
      startOver: "Start forfra",
      inputLabel: "Din besked",
      placeholder: "Skriv dit spørgsmål…",
      send: "Send",
      typing: "Assistenten skriver…",
      conversation: "Samtale med MFA-assistenten",
      youSaid: "Du skrev:",
      assistantSaid: "Assistenten skrev:",
      choices: "Valg",
      image: "Billede fra assistenten",
      newTab: "(åbner i en ny fane)",
      notSent: "Ikke sendt",
      retry: "Prøv igen",
      down: "Beklager, jeg kan ikke få forbindelse til assistenten lige nu.",
      kept: "Din besked er gemt: prøv igen om lidt.",
      later: "Prøv igen om lidt.",
      tooLong: "Beskeden er for lang. Gør den kortere, og send den igen.",
      refused: "Assistenten kunne ikke tage imod beskeden.",
      busy: "Der kommer for mange beskeder lige nu.",
      call: "Haster det, så ring til RUC's servicedesk på",
      callNoNumber: "Haster det, så ring til RUC's servicedesk.",
      hours: (hours) => ` (${hours})`,
      menu: "Mere",
      deleteConversation: "Slet denne samtale",
      confirmDelete:
        "Slet samtalen for altid? Assistenten glemmer, hvad du har skrevet her; en åben sag bliver hos servicedesken uden dine oplysninger.",
      confirmYes: "Slet",
      cancel: "Annuller",
      deleteFailed: "Samtalen kunne ikke slettes lige nu. Prøv igen.",
    },
  };

  // --- configuration from the script tag ---------------------------------------------------
  const data = script.dataset;
  const pageLang = data.lang || document.documentElement.lang || "en";
  const lang = pageLang.toLowerCase().startsWith("da") ? "da" : "en";
  const T = TEXTS[lang];
  const title = (data.title || "").trim() || T.title;
  const scriptUrl = new URL(script.src, document.baseURI);
  const assetBase = new URL(".", scriptUrl); // .../webhooks/webchat/
  const server = serverUrl(data.server, new URL("../../", assetBase));
  const webhookUrl = `${server}/webhooks/rest/webhook`;
  const eraseUrl = `${server}/webhooks/rest/erase`;
  const timeoutMs = (Number(data.timeout) > 0 ? Number(data.timeout) : DEFAULT_TIMEOUT_S) * 1000;
  const storeKey = `ruc-mfa-widget:${server}`;

  function serverUrl(configured, fallback) {
    let url = fallback;
    if (configured) {
      try {
        url = new URL(configured, document.baseURI);
      } catch (_error) {
        url = fallback;
      }
    }
    if (url.protocol !== "http:" && url.protocol !== "https:") url = fallback;
    return url.href.replace(/\/+$/, "");
  }

  // --- conversation state, kept in localStorage across reloads and pages --------------------
  // entries: {who: "user", text, payload?, hidden?, failed?}
  //          {who: "bot", text?, image?, buttons?: [{title, payload}]}
  //          {who: "error", kind: "down" | "busy" | "tooLong" | "refused", kept: the user's words?}
  let state = loadState();
  let busy = false;
  let pending = null; // a message typed while waiting, sent when the answer has come
  let restoring = false;
  let shown = null; // the newest answer {first, image}: kept in view while its image loads
  const memoryOnly = !storageWorks();

  function newSender() {
    const bytes = new Uint8Array(16);
    crypto.getRandomValues(bytes); // unlike randomUUID, also on plain-http intranet pages
    return `web-${Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("")}`;
  }

  function storageWorks() {
    try {
      localStorage.setItem(`${storeKey}:probe`, "1");
      localStorage.removeItem(`${storeKey}:probe`);
      return true;
    } catch (_error) {
      return false; // disabled storage: the conversation lives as long as the page
    }
  }

  function loadState() {
    try {
      const stored = JSON.parse(localStorage.getItem(storeKey) || "null");
      if (stored && typeof stored.sender === "string" && Array.isArray(stored.entries)) {
        return { sender: stored.sender, open: stored.open === true, entries: stored.entries };
      }
    } catch (_error) {
      // unreadable: start afresh
    }
    return { sender: newSender(), open: false, entries: [] };
  }

  function saveState() {
    if (state.entries.length > MAX_ENTRIES) state.entries.splice(0, state.entries.length - MAX_ENTRIES);
    if (memoryOnly) return;
    let json = JSON.stringify(state);
    while (json.length > MAX_STORED_CHARS && state.entries.length > 1) {
      state.entries.splice(0, Math.ceil(state.entries.length / 4));
      json = JSON.stringify(state);
    }
    try {
      localStorage.setItem(storeKey, json);
    } catch (_error) {
      // quota exceeded: keep going in memory
    }
  }

  // --- DOM helpers ----------------------------------------------------------------------------
  function el(tag, attributes, ...children) {
    const node = document.createElement(tag);
    for (const [name, value] of Object.entries(attributes || {})) {
      if (value === false || value === null || value === undefined) continue;
      node.setAttribute(name, value === true ? "" : String(value));
    }
    node.append(...children); // strings become text nodes
    return node;
  }

  function srOnly(text) {
    return el("span", { class: "sr-only" }, text);
  }

  // --- safe formatting: **bold**, [text](url), bare links, lists, line breaks -----------------
  const INLINE = /\*\*(.+?)\*\*|\[([^\]\n]+)\]\(([^)\s]+)\)|((?:https?|otpauth):\/\/[^\s<>"]+)/g;
  const WEB = ["http:", "https:"];
  // otpauth:// opens the authenticator app: the practice QR code's link, for someone chatting
  // on the very phone they would scan with. Every other scheme (javascript:, data:...) is text.
  const LINKABLE = [...WEB, "otpauth:"];

  function safeUrl(candidate, schemes) {
    try {
      const url = new URL(candidate);
      return schemes.includes(url.protocol) ? url.href : null;
    } catch (_error) {
      return null;
    }
  }

  function link(href, text) {
    if (!WEB.includes(new URL(href).protocol)) {
      return el("a", { href }, text); // opens an app, not a tab
    }
    return el(
      "a",
      { href, target: "_blank", rel: "noopener noreferrer" },
      text,
      srOnly(` ${T.newTab}`),
    );
  }

  function appendInline(parent, text) {
    let last = 0;
    for (const match of text.matchAll(INLINE)) {
      parent.append(text.slice(last, match.index));
      last = match.index + match[0].length;
      const [whole, bold, label, target, bare] = match;
      if (bold !== undefined) {
        const strong = el("strong");
        appendInline(strong, bold);
        parent.append(strong);
      } else if (label !== undefined) {
        const href = safeUrl(target, LINKABLE);
        parent.append(href ? link(href, label) : whole);
      } else {
        // A bare URL: trailing punctuation and quotes belong to the sentence, not the address.
        let address = bare.replace(/[.,;:!?']+$/, "");
        if (address.endsWith(")") && !address.includes("(")) address = address.slice(0, -1);
        const href = safeUrl(address, LINKABLE);
        parent.append(href ? link(href, address) : address, bare.slice(address.length));
      }
    }
    parent.append(text.slice(last));
  }

  function renderText(text) {
    const fragment = document.createDocumentFragment();
    let paragraph = null;
    let list = null;
    for (const line of String(text).replace(/\r\n?/g, "\n").split("\n")) {
      const bullet = /^\s*[-*•]\s+(.*)$/.exec(line);
      const numbered = /^\s*(\d{1,3})[.)]\s+(.*)$/.exec(line);
      if (bullet || numbered) {
        const tag = bullet ? "ul" : "ol";
        if (!list || list.tagName.toLowerCase() !== tag) {
          list = el(tag, numbered && numbered[1] !== "1" ? { start: numbered[1] } : {});
          fragment.append(list);
        }
        const item = el("li");
        appendInline(item, bullet ? bullet[1] : numbered[2]);
        list.append(item);
        paragraph = null;
      } else if (line.trim() === "") {
        paragraph = null;
        list = null;
      } else {
        list = null;
        if (paragraph) paragraph.append(el("br"));
        else fragment.append((paragraph = el("p")));
        appendInline(paragraph, line);
      }
    }
    return fragment;
  }

  function safeImageUrl(candidate) {
    if (/^data:image\/(png|jpeg|gif|webp);base64,[A-Za-z0-9+/=\s]+$/.test(candidate)) {
      return candidate;
    }
    return safeUrl(candidate, WEB);
  }

  // --- the widget's DOM, in a shadow root so intranet styles and ours never mix ---------------
  const host = el("div", { id: "ruc-mfa-widget" });
  const shadow = host.attachShadow({ mode: "open" });
  const stylesheet = el("link", {
    rel: "stylesheet",
    href: new URL(`widget.css?v=${encodeURIComponent(CONTENT.cssVersion || "")}`, assetBase).href,
  });
  const launcher = el(
    "button",
    { type: "button", class: "launcher", "aria-expanded": "false", "aria-controls": "mfa-panel" },
    chatIcon(),
    el("span", {}, title),
  );
  const heading = el("h2", { id: "mfa-title", class: "title" }, title);
  const startOverButton = el("button", { type: "button", class: "start-over" }, T.startOver);
  const menuButton = el(
    "button",
    {
      type: "button",
      class: "menu-button",
      "aria-label": T.menu,
      title: T.menu,
      "aria-expanded": "false",
      "aria-controls": "mfa-menu",
    },
    el("span", { "aria-hidden": "true" }, "⋯"),
  );
  const deleteItem = el("button", { type: "button", class: "menu-item" }, T.deleteConversation);
  const menu = el("div", { id: "mfa-menu", class: "menu", hidden: true }, deleteItem);
  // Deleting cannot be undone: asked once more, in the panel (no browser dialog).
  const confirmText = el("p", { id: "mfa-confirm-text" }, T.confirmDelete);
  const confirmYes = el("button", { type: "button", class: "confirm-yes" }, T.confirmYes);
  const confirmNo = el("button", { type: "button", class: "confirm-no" }, T.cancel);
  const confirmBox = el(
    "div",
    {
      class: "confirm",
      role: "alertdialog",
      "aria-label": T.deleteConversation,
      "aria-describedby": "mfa-confirm-text",
      hidden: true,
    },
    confirmText,
    el("div", { class: "confirm-actions" }, confirmYes, confirmNo),
  );
  const closeButton = el(
    "button",
    { type: "button", class: "close", "aria-label": T.close, title: T.close },
    el("span", { "aria-hidden": "true" }, "×"),
  );
  const log = el("div", {
    class: "log",
    role: "log",
    "aria-live": "polite",
    "aria-label": T.conversation,
    tabindex: "0", // scrollable by keyboard
  });
  const typing = el("div", { class: "typing", role: "status" });
  const input = el("input", {
    id: "mfa-input",
    type: "text",
    autocomplete: "off",
    enterkeyhint: "send",
    maxlength: String(CONTENT.maxMessageChars || 2000),
    placeholder: T.placeholder,
  });
  const sendButton = el("button", { type: "submit", class: "send" }, T.send);
  const form = el(
    "form",
    { class: "composer" },
    el("label", { for: "mfa-input", class: "sr-only" }, T.inputLabel),
    input,
    sendButton,
  );
  const panel = el(
    "section",
    { id: "mfa-panel", class: "panel", role: "dialog", "aria-labelledby": "mfa-title", hidden: true },
    el("header", { class: "header" }, heading, startOverButton, menuButton, closeButton),
    menu,
    confirmBox,
    log,
    typing,
    form,
  );
  const root = el("div", { class: "widget", lang, hidden: true }, launcher, panel);
  shadow.append(stylesheet, root);
  // Shown once styled, so the page never flashes unstyled controls.
  const reveal = () => {
    root.removeAttribute("hidden");
    scrollToEnd();
  };
  stylesheet.addEventListener("load", reveal);
  stylesheet.addEventListener("error", reveal);

  function chatIcon() {
    const ns = "http://www.w3.org/2000/svg";
    const svg = document.createElementNS(ns, "svg");
    svg.setAttribute("viewBox", "0 0 24 24");
    svg.setAttribute("aria-hidden", "true");
    svg.setAttribute("focusable", "false");
    const path = document.createElementNS(ns, "path");
    path.setAttribute(
      "d",
      "M4 3h16a2 2 0 0 1 2 2v11a2 2 0 0 1-2 2H9l-5 4v-4H4a2 2 0 0 1-2-2V5a2 2 0 0 1 2-2z",
    );
    svg.append(path);
    return svg;
  }

  // --- rendering entries ----------------------------------------------------------------------
  const nodes = new Map(); // entry -> its node in the log

  function render(entry) {
    let node;
    if (entry.who === "user") {
      if (entry.hidden) return null;
      node = el("div", { class: "msg msg-user" }, srOnly(`${T.youSaid} `), entry.text);
    } else if (entry.who === "bot") {
      node = el("div", { class: "msg msg-bot" }, srOnly(`${T.assistantSaid} `));
      if (entry.text) node.append(renderText(entry.text));
      const src = entry.image && safeImageUrl(entry.image);
      if (src) {
        const image = el("img", { class: "msg-image", src, alt: T.image });
        image.addEventListener("load", () => {
          if (restoring) scrollToEnd();
          else if (shown && shown.image === image) showAnswer();
        });
        node.append(image);
      }
      if (entry.buttons && entry.buttons.length) {
        const group = el("div", { class: "choices", role: "group", "aria-label": T.choices });
        for (const button of entry.buttons) {
          const choice = el("button", { type: "button", class: "choice" }, button.title);
          choice.addEventListener("click", () => choose(button));
          group.append(choice);
        }
        node.append(group);
      }
    } else {
      node = el("div", { class: "msg msg-error" }, ...errorContent(entry));
    }
    nodes.set(entry, node);
    markFailed(entry);
    return node;
  }

  function errorContent(entry) {
    const kind = ["down", "busy", "tooLong", "refused"].includes(entry.kind) ? entry.kind : "down";
    const comeBack = kind === "down" || kind === "busy"; // nothing wrong with the message itself
    const next = !comeBack ? "" : entry.kept ? ` ${T.kept}` : ` ${T.later}`;
    const parts = [el("p", {}, T[kind] + next)];
    const phone = CONTENT.servicedeskPhone;
    if (phone) {
      const hoursText = (CONTENT.servicedeskHours || {})[lang];
      const hours = hoursText ? T.hours(hoursText) : "";
      const tel = `tel:${phone.replace(/[^+\d]/g, "")}`;
      parts.push(el("p", {}, `${T.call} `, el("a", { href: tel, class: "phone" }, phone), `${hours}.`));
    } else {
      parts.push(el("p", {}, T.callNoNumber));
    }
    const retry = el("button", { type: "button", class: "retry" }, T.retry);
    retry.addEventListener("click", retryLast);
    parts.push(retry);
    return parts;
  }

  function markFailed(entry) {
    const node = nodes.get(entry);
    if (!node || entry.who !== "user") return;
    node.classList.toggle("failed", Boolean(entry.failed));
    const note = node.querySelector(".not-sent");
    if (entry.failed && !note) node.append(el("span", { class: "not-sent" }, T.notSent));
    if (!entry.failed && note) note.remove();
  }

  function renderAll() {
    restoring = true; // until the next message, images that load late keep us at the end
    nodes.clear();
    log.setAttribute("aria-live", "off"); // a restored transcript is not news
    log.replaceChildren(...state.entries.map(render).filter(Boolean));
    updateControls();
    scrollToEnd();
    setTimeout(() => log.setAttribute("aria-live", "polite"), 0);
  }

  function append(entry) {
    state.entries.push(entry);
    const node = render(entry);
    if (node) log.append(node);
    return node;
  }

  // Only the newest answer's buttons, the newest error's retry, and nothing while waiting.
  function updateControls() {
    let lastDelivered = -1;
    state.entries.forEach((entry, index) => {
      if (entry.who === "user" && !entry.failed) lastDelivered = index;
    });
    const lastIndex = state.entries.length - 1;
    state.entries.forEach((entry, index) => {
      const node = nodes.get(entry);
      if (!node) return;
      const live = !busy && index > lastDelivered;
      for (const button of node.querySelectorAll("button.choice")) button.disabled = !live;
      const retry = node.querySelector("button.retry");
      if (retry) retry.hidden = busy || index !== lastIndex || !lastFailed();
    });
    sendButton.setAttribute("aria-disabled", String(busy));
  }

  function scrollToEnd() {
    log.scrollTop = log.scrollHeight;
  }

  // A new answer is read from its start (the browser stops at the end if it all fits). One with
  // an image (the practice QR code) shows the whole image if its start leaves room, else the
  // image from its top: the user is to scan it, and on a phone the text would push it out of view.
  function showAnswer() {
    if (!shown) return;
    const margin = 8;
    const start = topInLog(shown.first) - margin;
    let target = start;
    if (shown.image) {
      const imageTop = topInLog(shown.image);
      const wholeImage = imageTop + shown.image.offsetHeight + margin - visibleLogHeight();
      target = Math.min(Math.max(start, wholeImage), imageTop - margin);
    }
    log.scrollTop = target;
  }

  function topInLog(node) {
    return node.getBoundingClientRect().top - log.getBoundingClientRect().top + log.scrollTop;
  }

  // On a phone the on-screen keyboard may cover the bottom of the log.
  function visibleLogHeight() {
    const box = log.getBoundingClientRect();
    const view = window.visualViewport;
    if (!view) return log.clientHeight;
    const bottom = Math.min(box.bottom, view.offsetTop + view.height);
    return Math.max(0, Math.min(log.clientHeight, bottom - Math.max(box.top, view.offsetTop)));
  }

  function setTyping(on) {
    typing.replaceChildren();
    if (on) {
      typing.append(
        el("span", { class: "dots", "aria-hidden": "true" }, el("span"), el("span"), el("span")),
        srOnly(T.typing),
      );
    }
    typing.classList.toggle("on", on);
  }

  // --- talking to the assistant -----------------------------------------------------------------
  async function post(message) {
    const controller = new AbortController();
    const timer = setTimeout(() => controller.abort(), timeoutMs);
    try {
      const response = await fetch(webhookUrl, {
        method: "POST",
        mode: "cors",
        credentials: "omit",
        headers: { "Content-Type": "application/json" },
        body: JSON.stringify({ sender: state.sender, message }),
        signal: controller.signal,
      });
      // 429: too fast (per sender or address); 503: the server has its hands full.
      if (response.status === 429 || response.status === 503) return { ok: false, kind: "busy" };
      if (response.status >= 500) return { ok: false, kind: "down" };
      const body = await response.json().catch(() => null);
      if (response.status === 413) return { ok: false, kind: "tooLong" };
      if (!response.ok) return { ok: false, kind: "refused" };
      if (!Array.isArray(body)) return { ok: false, kind: "down" };
      return { ok: true, replies: body };
    } catch (_error) {
      return { ok: false, kind: "down" }; // no connection, CORS refused, or the timeout
    } finally {
      clearTimeout(timer);
    }
  }

  function botEntry(reply) {
    if (!reply || typeof reply !== "object") return null;
    const entry = { who: "bot" };
    if (typeof reply.text === "string" && reply.text.trim()) entry.text = reply.text;
    if (typeof reply.image === "string" && safeImageUrl(reply.image)) entry.image = reply.image;
    if (Array.isArray(reply.buttons)) {
      entry.buttons = reply.buttons
        .filter((b) => b && typeof b.title === "string" && typeof b.payload === "string")
        .map((b) => ({ title: b.title, payload: b.payload }));
    }
    return entry.text || entry.image || (entry.buttons && entry.buttons.length) ? entry : null;
  }

  async function deliver(entry) {
    busy = true;
    entry.failed = false;
    markFailed(entry);
    setTyping(true);
    updateControls();
    saveState();
    const outcome = await post(entry.payload || entry.text);
    busy = false;
    setTyping(false);
    let first = null;
    let image = null;
    if (outcome.ok) {
      for (const reply of outcome.replies) {
        const next = botEntry(reply);
        const node = next && append(next);
        first = first || node;
        image = image || (node && node.querySelector("img.msg-image"));
      }
    } else {
      entry.failed = true;
      markFailed(entry);
      first = append({ who: "error", kind: outcome.kind, kept: !entry.hidden });
      if (!entry.payload && !input.value.trim()) input.value = entry.text; // to edit or resend
    }
    saveState();
    updateControls();
    shown = first && { first, image };
    showAnswer();
    if (pending) {
      const next = pending;
      pending = null;
      if (outcome.ok) send(next);
      else input.value = [input.value.trim(), next].filter(Boolean).join(" "); // kept, unsent
    }
  }

  function send(text, payload, hidden) {
    if (busy) return;
    restoring = false;
    shown = null;
    const entry = { who: "user", text };
    if (payload) entry.payload = payload;
    if (hidden) entry.hidden = true;
    append(entry);
    scrollToEnd();
    deliver(entry);
  }

  function choose(button) {
    if (busy) return;
    send(button.title, button.payload);
    input.focus(); // the clicked button is disabled now; keep keyboard users in the panel
  }

  function lastFailed() {
    for (let index = state.entries.length - 1; index >= 0; index -= 1) {
      const entry = state.entries[index];
      if (entry.who === "user") return entry.failed ? entry : null;
    }
    return null;
  }

  function retryLast() {
    const entry = lastFailed();
    if (busy || !entry) return;
    const last = state.entries[state.entries.length - 1];
    if (last.who === "error") {
      state.entries.pop();
      nodes.get(last)?.remove();
      nodes.delete(last);
    }
    if (input.value.trim() === entry.text) input.value = "";
    input.focus();
    deliver(entry);
  }

  function greet() {
    // The conversation starts in the page's language; the assistant follows the user after.
    send("", `/greet${JSON.stringify({ language: lang })}`, true);
  }

  // --- opening, closing, starting over ----------------------------------------------------------
  function open(moveFocus = true) {
    panel.hidden = false;
    launcher.setAttribute("aria-expanded", "true");
    root.classList.add("open");
    if (!state.open) {
      state.open = true;
      saveState();
    }
    scrollToEnd();
    if (moveFocus) input.focus();
    if (!state.entries.length && !busy) greet();
  }

  function close() {
    panel.hidden = true;
    launcher.setAttribute("aria-expanded", "false");
    root.classList.remove("open");
    state.open = false;
    saveState();
    launcher.focus();
  }

  function startOver() {
    if (busy) return;
    state = { sender: newSender(), open: true, entries: [] };
    input.value = "";
    renderAll();
    saveState();
    input.focus();
    greet();
  }

  // --- deleting the conversation: the assistant forgets it, and a fresh one starts ------------
  function showMenu(show) {
    menu.hidden = !show;
    menuButton.setAttribute("aria-expanded", String(show));
    if (show) deleteItem.focus();
  }

  function askToDelete() {
    showMenu(false);
    confirmText.textContent = T.confirmDelete;
    confirmBox.hidden = false;
    confirmNo.focus();
  }

  function cancelDelete() {
    confirmBox.hidden = true;
    input.focus();
  }

  async function erase() {
    const controller = new AbortController();
    const timer = setTimeout(() => controller.abort(), timeoutMs);
    try {
      const response = await fetch(eraseUrl, {
        method: "POST",
        mode: "cors",
        credentials: "omit",
        headers: { "Content-Type": "application/json" },
        body: JSON.stringify({ sender: state.sender }),
        signal: controller.signal,
      });
      return response.ok;
    } catch (_error) {
      return false;
    } finally {
      clearTimeout(timer);
    }
  }

  async function deleteConversation() {
    if (busy) return;
    busy = true;
    confirmYes.disabled = true;
    updateControls();
    const erased = await erase();
    busy = false;
    confirmYes.disabled = false;
    if (!erased) {
      confirmText.textContent = T.deleteFailed;
      updateControls();
      return;
    }
    confirmBox.hidden = true;
    startOver();
  }

  launcher.addEventListener("click", () => (panel.hidden ? open() : close()));
  menuButton.addEventListener("click", () => showMenu(menu.hidden));
  deleteItem.addEventListener("click", askToDelete);
  confirmNo.addEventListener("click", cancelDelete);
  confirmYes.addEventListener("click", deleteConversation);
  closeButton.addEventListener("click", close);
  startOverButton.addEventListener("click", startOver);
  root.addEventListener("keydown", (event) => {
    if (event.key === "Escape" && !panel.hidden) {
      event.preventDefault();
      event.stopPropagation();
      if (!menu.hidden) showMenu(false);
      else if (!confirmBox.hidden) cancelDelete();
      else close();
    }
  });
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    const text = input.value.trim();
    if (!text) return;
    input.value = "";
    if (busy) pending = text; // typed while an answer is on its way: sent right after it
    else send(text);
  });
  // Another tab of the intranet talked to the assistant: show the same conversation here.
  window.addEventListener("storage", (event) => {
    if (event.key !== storeKey || busy) return;
    const wasOpen = !panel.hidden;
    state = loadState();
    state.open = wasOpen;
    renderAll();
  });

  function mount() {
    document.body.append(host);
    renderAll();
    if (state.open) open(false); // a new page of the same intranet: open, but leave focus alone
  }

  if (document.body) mount();
  else document.addEventListener("DOMContentLoaded", mount, { once: true });

  window.RucMfaWidget = { open: () => open(), close, startOver };
})();
