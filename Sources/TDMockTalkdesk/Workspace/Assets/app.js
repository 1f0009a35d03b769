// The tdmock workspace: one small script, no framework. Every view is drawn from the agent API
// (/tdmock/v1), the contact API (/connect/v1), the event stream (/tdmock/v1/events) and, for the Tests
// view, Connect's test-case API at AWS's paths (docs/connect-tests.md).
// Every string from a customer, a caller or an integration reaches the page through text nodes
// (h() below), never as HTML.
"use strict";

const API = "/tdmock/v1";
const PAGE_SIZE = 100;
// The events that change a conversation's row (its activity, status, agent or count), and the rest of its own.
const ACTIVITY_EVENTS = ["conversation_created", "contact_message", "contact_left", "conversation_started",
  "message_created", "conversation_ended"];
const CONVERSATION_EVENTS = [...ACTIVITY_EVENTS, "callback_delivered", "callback_failed"];
const QUESTION_EVENTS = ["question_created", "question_answered", "question_expired"];
const CALL_EVENTS = ["call_started", "caller_utterance", "lambda_invoked", "call_ended"];
const AWS_EVENTS = ["function_invoked", "websocket_connected", "websocket_disconnected"];

// ---- DOM ---------------------------------------------------------------------------------------

/** An element: `props` sets attributes (class, data-*, ...), `on*` functions become listeners;
 *  children are nodes, or strings that become text nodes. */
function h(tag, props, ...children) {
  const element = document.createElement(tag);
  for (const [key, value] of Object.entries(props || {})) {
    if (value === null || value === undefined || value === false) continue;
    if (key.startsWith("on") && typeof value === "function") element.addEventListener(key.slice(2), value);
    else if (key === "value") element.value = value;
    else element.setAttribute(key, value === true ? "" : String(value));
  }
  append(element, children);
  return element;
}

function append(element, children) {
  for (const child of children.flat(Infinity)) {
    if (child === null || child === undefined || child === false) continue;
    element.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
}

function replace(element, ...children) {
  element.replaceChildren();
  append(element, children);
}

const view = () => document.getElementById("view");

// One formatter each, made once: Date's toLocaleString makes a new one on every call, which made
// drawing the inbox's rows slow.
// The agent's locale, with the year and the month by name: 6 Dec 2026 is never 12/6/26's ambiguity.
const dateFormat = new Intl.DateTimeFormat(undefined, { dateStyle: "medium", timeStyle: "medium" });
const numberFormat = new Intl.NumberFormat("en-US");

function time(text) {
  if (!text) return "";
  const date = new Date(text);
  return isNaN(date) ? text : dateFormat.format(date);
}

/** Marks a view drawn: `data-ready` on <body>, and a performance mark `tdmock:<view>` (the bench reads it). */
function ready(name) {
  document.body.dataset.ready = name;
  performance.mark(`tdmock:${name}`);
}

const number = (value) => numberFormat.format(Number(value));
const badge = (status) => h("span", { class: `badge ${status}` }, status);

/** A list of facts, `[label, value]` pairs (those without a value left out), as a <dl>. */
function facts(pairs, id) {
  return h("dl", { class: "facts", id }, pairs.filter(([, value]) => value !== null && value !== undefined && value !== "")
    .map(([label, value]) => [h("dt", { class: "text" }, label), h("dd", { class: "text" }, value)]));
}

/** A titled list of a map's entries (context parameters, attributes), nothing when it is empty. */
function entries(title, map, id) {
  const pairs = Object.entries(map || {}).map(([key, value]) => [key, typeof value === "string" ? value : JSON.stringify(value)]);
  return pairs.length ? [h("h2", {}, title), facts(pairs, id)] : null;
}

function showNotice(text, kind) {
  const notice = document.getElementById("notice");
  notice.textContent = text;
  notice.className = kind === "info" ? "notice info" : "notice";
  notice.hidden = !text;
}

// ---- The API -----------------------------------------------------------------------------------

class SignInNeeded extends Error {}

/** Calls tdmock; state-changing calls send JSON. Answers the parsed body and the response. */
async function call(method, path, body) {
  const options = { method, credentials: "same-origin", headers: {} };
  if (method !== "GET") {
    options.headers["Content-Type"] = "application/json";
    options.body = JSON.stringify(body || {});
  }
  let response;
  try {
    response = await fetch(path, options);
  } catch {
    throw new Error("tdmock does not answer: is tdmock serve running? The page picks up by itself when it is back.");
  }
  const text = await response.text();
  let data = null;
  try { data = text ? JSON.parse(text) : null; } catch { data = null; }
  if (response.status === 401) throw new SignInNeeded((data && data.message) || "sign in");
  // tdmock's own APIs say `message`; AWS's (the test-case API) say `Message`.
  if (!response.ok) throw new Error(forThePage((data && (data.message || data.Message)) || `${method} ${path} answered ${response.status}`));
  return { data, response };
}

const get = async (path) => (await call("GET", path)).data;

/** A refusal written for the terminal, said for the page: the page's agent is the name at the top right. */
function forThePage(message) {
  return message.replace(/ \(pass --agent .+, or set TDMOCK_AGENT\)$/, " (to act as them, put their name in Agent, top right)");
}

const agentName = () => document.getElementById("agent-name").value.trim() || "agent";

/** Runs a state change from a button; shows what went wrong instead of throwing. */
async function act(work) {
  try {
    showNotice("");
    await work();
  } catch (error) {
    if (error instanceof SignInNeeded) return showSignIn();
    showNotice(error.message);
  }
}

// ---- Signals: what is new, what failed ---------------------------------------------------------
// The header says how many callbacks failed (a link to them); the inbox marks the conversations with a
// failed callback and those with messages the agent has not seen; the tab's title counts what waits.

const signals = {
  failed: 0,
  failedConversations: new Set(),
  waiting: 0,
  /** Reads the failed callbacks again (the count from /info, the conversations only when there are some). */
  async refresh() {
    try {
      const info = await get(`${API}/info`);
      this.failed = info.failed_callbacks;
      const failed = this.failed > 0 ? await get(`${API}/callbacks?status=failed`) : [];
      this.failedConversations = new Set(failed.map((d) => d.conversation_id));
    } catch (error) {
      if (error instanceof SignInNeeded) throw error;
      return;
    }
    const link = document.getElementById("failed-callbacks");
    link.hidden = this.failed === 0;
    link.textContent = `${number(this.failed)} failed callback${this.failed === 1 ? "" : "s"}`;
    this.title();
  },
  /** The tab's title: how many conversations on the page have unseen messages, and questions waiting. */
  title() {
    document.title = this.waiting > 0 ? `(${this.waiting}) tdmock workspace` : "tdmock workspace";
  },
};

// The messages of each conversation the agent has seen (its count when last opened), kept in the browser.
const seen = {
  all: JSON.parse(localStorage.getItem("tdmock.seen") || "{}"),
  unseen(conversation) { return conversation.message_count > (this.all[conversation.id] || 0); },
  mark(id, count) {
    if ((this.all[id] || 0) === count) return;
    this.all[id] = count;
    localStorage.setItem("tdmock.seen", JSON.stringify(this.all));
  },
};

// ---- Views -------------------------------------------------------------------------------------
// Each view draws itself into <main> and answers the events it cares about.

let current = null;

function route() {
  const [, name, id, sub] = (location.hash.slice(1) || "/").split("/").map(decodeURIComponent);
  for (const link of document.querySelectorAll("[data-nav]")) {
    const section = name === "conversations" || name === "questions" || !name ? "inbox" : name;
    if (link.dataset.nav === section) link.setAttribute("aria-current", "page"); else link.removeAttribute("aria-current");
    link.classList.toggle("current", link.dataset.nav === section);
  }
  showNotice("");
  switch (name) {
    case "conversations": return new ConversationView(id);
    case "questions": return new QuestionView(id);
    case "calls": return id ? new CallView(id) : new CallsView();
    case "faults": return new FaultsView();
    case "requests": return new RequestsView();
    case "functions": return new FunctionsView();
    case "tests": return id ? new TestCaseView(id, sub) : new TestsView();
    case "callbacks": return new CallbacksView();
    default: return new InboxView();
  }
}

async function show() {
  if (current && current.leave) current.leave();
  current = route();
  await current.load();
}

/** Runs `load` once at a time: events that arrive while it runs ask for one more run after it. */
function coalesced(load) {
  let running = null;
  let again = false;
  return async function run() {
    if (running) { again = true; return running; }
    running = (async () => {
      do {
        again = false;
        try { await load(); } catch (error) {
          if (error instanceof SignInNeeded) return showSignIn();
          showNotice(error.message);
        }
      } while (again);
    })();
    try { await running; } finally { running = null; }
  };
}

class InboxView {
  constructor() {
    const saved = JSON.parse(sessionStorage.getItem("tdmock.inbox") || "{}");
    this.status = saved.status || "all";
    this.search = saved.search || "";
    this.offset = saved.offset || 0;
    this.questionStatus = saved.questionStatus || "queued";
    this.rows = [];
    this.total = 0;
    this.questions = [];
    this.refresh = coalesced(() => this.fetchPage());
    this.refreshQuestions = coalesced(() => this.fetchQuestions());
  }

  save() {
    sessionStorage.setItem("tdmock.inbox", JSON.stringify({
      status: this.status, search: this.search, offset: this.offset, questionStatus: this.questionStatus }));
  }

  async load() {
    this.questionTable = h("div");
    this.table = h("div");
    this.pager = h("span", { class: "pager" });
    const statusSelect = h("select", { "aria-label": "Status", onchange: (event) => {
      this.status = event.target.value; this.offset = 0; this.save(); this.refresh();
    } }, ["all", "queued", "assigned", "ended"].map((s) => h("option", { value: s, selected: s === this.status }, s)));
    let timer = null;
    const searchBox = h("input", { type: "search", placeholder: "Search id, contact or subject", value: this.search,
      "aria-label": "Search", oninput: (event) => {
        clearTimeout(timer);
        timer = setTimeout(() => {
          this.search = event.target.value.trim(); this.offset = 0; this.save(); this.refresh(); this.drawQuestions();
        }, 200);
      } });
    const questionSelect = h("select", { "aria-label": "Question status", onchange: (event) => {
      this.questionStatus = event.target.value; this.save(); this.refreshQuestions();
    } }, ["queued", "answered", "expired", "all"].map((s) => h("option", { value: s, selected: s === this.questionStatus }, s)));
    replace(view(), h("h1", {}, "Inbox"),
      h("section", { id: "questions", "aria-labelledby": "questions-heading" },
        h("div", { class: "controls" }, h("h2", { id: "questions-heading" }, "Questions"), questionSelect), this.questionTable),
      h("section", { id: "conversations", "aria-labelledby": "conversations-heading" },
        h("h2", { id: "conversations-heading" }, "Conversations"),
        h("div", { class: "controls" }, statusSelect, searchBox, this.pager),
        this.table));
    await Promise.all([this.refresh(), this.refreshQuestions()]);
    ready("inbox");
    // The failed callbacks' marks come after the first rows, which they do not hold up.
    signals.refresh().then(() => { if (current === this && signals.failedConversations.size) this.draw(); });
  }

  async fetchPage() {
    const query = new URLSearchParams({ limit: PAGE_SIZE, offset: this.offset, status: this.status });
    if (this.search) query.set("q", this.search);
    const { data, response } = await call("GET", `${API}/conversations?${query}`);
    const total = Number(response.headers.get("X-Total-Count") || data.length);
    // The same rows as shown (as after updates in place): only the count may need drawing.
    const fields = (row) => [row.id, row.status, row.agent, row.message_count, row.last_activity_at, row.subject].join("\u0000");
    const same = this.body && this.body.isConnected && data.length === this.rows.length &&
      data.every((row, index) => fields(row) === fields(this.rows[index]));
    this.rows = data;
    this.total = total;
    if (same) this.drawPager(); else this.draw();
  }

  async fetchQuestions() {
    const query = this.questionStatus === "all" ? "" : `?status=${this.questionStatus}`;
    this.questions = await get(`${API}/questions${query}`);
    this.drawQuestions();
  }

  drawPager() {
    const first = this.total === 0 ? 0 : this.offset + 1;
    const last = Math.min(this.offset + this.rows.length, this.total);
    replace(this.pager,
      h("span", { class: "count" }, `${number(first)}–${number(last)} of ${number(this.total)}`),
      h("button", { type: "button", disabled: this.offset === 0, onclick: () => this.move(-PAGE_SIZE) }, "Newer"),
      h("button", { type: "button", disabled: this.offset + PAGE_SIZE >= this.total, onclick: () => this.move(PAGE_SIZE) }, "Older"));
  }

  draw() {
    this.drawPager();
    if (this.rows.length === 0) {
      replace(this.table, h("p", { class: "empty" }, this.search || this.status !== "all"
        ? "No conversation matches." : "No conversations yet: start one with POST /digital-connect/conversations."));
      this.count();
      return;
    }
    this.body = h("tbody", {}, this.rows.map((row) => this.row(row)));
    const columns = ["contact", "subject", "status", "agent", "count", "time", "id"];
    replace(this.table, h("table", { class: "inbox" },
      h("colgroup", {}, columns.map((name) => h("col", { class: name }))),
      h("thead", {}, h("tr", {}, ["Contact", "Subject", "Status", "Agent", "Messages", "Last activity", "Id"].map((t, i) => h("th", { class: `c-${columns[i]}` }, t)))),
      this.body));
    this.count();
  }

  /** The tab's title: conversations on this page with unseen messages, and questions waiting. */
  count() {
    signals.waiting = this.rows.filter((row) => seen.unseen(row)).length + this.questions.filter((q) => q.status === "queued").length;
    signals.title();
  }

  /** Puts one conversation's row where the inbox's order puts it (newest activity first, then id), or
   *  takes it out when it no longer matches, touching no other row. */
  upsert(conversation) {
    const index = this.rows.findIndex((row) => row.id === conversation.id);
    if (index >= 0) this.rows.splice(index, 1);
    const before = (a, b) => a.last_activity_at > b.last_activity_at || (a.last_activity_at === b.last_activity_at && a.id < b.id);
    let position = this.rows.findIndex((row) => before(conversation, row));
    if (position < 0) position = this.rows.length;
    const shown = this.matches(conversation) && position < PAGE_SIZE;
    if (shown) {
      this.rows.splice(position, 0, conversation);
      if (this.rows.length > PAGE_SIZE) this.rows.length = PAGE_SIZE;
    }
    if (!this.body || !this.body.isConnected || this.rows.length === 0) return this.draw();
    const old = [...this.body.children].find((tr) => tr.dataset.id === conversation.id);
    if (old) old.remove();
    if (shown) this.body.insertBefore(this.row(conversation), this.body.children[position] || null);
    while (this.body.children.length > PAGE_SIZE) this.body.lastElementChild.remove();
    this.drawPager();
    this.count();
  }

  /** A conversation's row: the contact's name is its link (what Tab reaches and a screen reader says), with
   *  a mark for unseen messages and one for a failed callback. */
  row(conversation) {
    const contact = conversation.contact_person || {};
    const href = `#/conversations/${encodeURIComponent(conversation.id)}`;
    const unseen = seen.unseen(conversation);
    const failed = signals.failedConversations.has(conversation.id);
    return h("tr", { class: `row${unseen ? " unseen" : ""}`, "data-id": conversation.id, onclick: (event) => {
      if (!event.target.closest("a")) location.hash = href;
    } },
      h("td", { class: "c-contact" }, h("a", { href, class: "text" }, contact.name || contact.email || "Unnamed contact"),
        contact.name ? h("div", { class: "sub" }, contact.email) : null,
        unseen ? h("span", { class: "badge new" }, "new messages") : null,
        failed ? h("span", { class: "badge failed" }, "callback failed") : null),
      h("td", { class: "text c-subject" }, conversation.subject || ""),
      h("td", { class: "c-status" }, badge(conversation.status)),
      h("td", { class: "c-agent" }, conversation.agent || ""),
      h("td", { class: "num c-count" }, conversation.message_count),
      h("td", { class: "c-time" }, time(conversation.last_activity_at)),
      h("td", { class: "id c-id" }, conversation.id));
  }

  move(step) {
    this.offset = Math.max(0, this.offset + step);
    this.save();
    this.refresh();
  }

  matches(conversation) {
    if (this.status !== "all" && conversation.status !== this.status) return false;
    if (!this.search) return true;
    const needle = this.search.toLowerCase();
    const contact = conversation.contact_person || {};
    return [conversation.id, contact.name, contact.email, conversation.subject]
      .some((field) => field && field.toLowerCase().includes(needle));
  }

  drawQuestions() {
    const needle = this.search.toLowerCase();
    const matching = this.questions.filter((q) => !needle || [q.id, q.session_id, q.question].some((f) => f && f.toLowerCase().includes(needle)));
    const shown = matching.slice(0, PAGE_SIZE);
    if (shown.length === 0) {
      replace(this.questionTable, h("p", { class: "empty" }, this.questionStatus === "queued" ? "No question is waiting." : "No questions."));
      this.count();
      return;
    }
    replace(this.questionTable, h("table", { class: "questions" },
      h("thead", {}, h("tr", {}, ["Question", "Status", "Session", "Asked", "Id"].map((t) => h("th", { class: `c-${t.toLowerCase()}` }, t)))),
      h("tbody", {}, shown.map((q) => h("tr", { class: "row", "data-id": q.id, onclick: (event) => {
        if (!event.target.closest("a")) location.hash = `#/questions/${encodeURIComponent(q.id)}`;
      } },
        h("td", {}, h("a", { href: `#/questions/${encodeURIComponent(q.id)}`, class: "text" }, q.question)),
        h("td", {}, badge(q.status)),
        h("td", { class: "id c-session" }, q.session_id),
        h("td", {}, time(q.created_at)),
        h("td", { class: "id c-id" }, q.id))))),
      matching.length > shown.length ? h("p", { class: "sub" }, `and ${number(matching.length - shown.length)} more (tdmock questions lists them all)`) : null);
    this.count();
  }

  /** A conversation's event updates its row in place, from one read of that conversation, on the first
   *  page of the whole inbox, where that is exact (the row moves up to its activity's place, the count
   *  grows by the new ones); filtered, searched and further pages are read again. Callbacks change no row. */
  async onEvent(event) {
    if (QUESTION_EVENTS.includes(event.event)) return this.refreshQuestions();
    if (event.event === "callback_failed" || event.event === "callback_delivered") {
      await signals.refresh();
      if (current === this) this.draw();
      return;
    }
    if (!event.conversation_id || !ACTIVITY_EVENTS.includes(event.event)) return;
    if (this.offset > 0) return this.refresh();
    let detail;
    try { detail = await get(`${API}/conversations/${encodeURIComponent(event.conversation_id)}`); } catch { return this.refresh(); }
    if (current !== this) return;
    const exact = this.status === "all" && !this.search;
    if (exact && event.event === "conversation_created") this.total += 1;
    this.upsert(detail);
    if (!exact) this.settle();
  }

  /** Reads the page again once events pause (400 ms, or 2 s into a burst): the count and the rows an
   *  update in place cannot know (one that left a filtered page, one from further back). */
  settle() {
    const now = Date.now();
    this.burstStart = this.burstStart || now;
    clearTimeout(this.settleTimer);
    const wait = Math.max(0, Math.min(400, this.burstStart + 2000 - now));
    this.settleTimer = setTimeout(() => { this.burstStart = 0; if (current === this) this.refresh(); }, wait);
  }

  leave() { clearTimeout(this.settleTimer); }

  async reconnected() { await Promise.all([this.refresh(), this.refreshQuestions()]); }
}

/** A view of one conversation, question or call: drawn by its `fetch()`, read again on its events and
 *  after a reconnection. */
class ItemView {
  constructor(id, name) {
    this.id = id;
    this.name = name;
    this.refresh = coalesced(() => this.fetch());
  }

  async load() {
    replace(view(), h("p", { class: "empty" }, "Loading…"));
    await this.refresh();
    ready(this.name);
  }

  reconnected() { return this.refresh(); }
}

/** The most an agent's reply carries: what a Digital Connect message does (the server holds to it too). */
const REPLY_LIMIT = 1600;
const characters = (text) => [...text].length;

class ConversationView extends ItemView {
  constructor(id) {
    super(id, "conversation");
    this.draftKey = `tdmock.draft.${id}`;
  }

  async fetch() {
    let detail;
    try {
      detail = await get(`${API}/conversations/${encodeURIComponent(this.id)}`);
    } catch (error) {
      if (error instanceof SignInNeeded) throw error;
      this.replyBox = null;
      replace(view(), h("h1", {}, "Conversation not found"), h("p", { class: "empty" }, error.message), h("a", { href: "#/" }, "Back to the inbox"));
      return;
    }
    if (current !== this) return;
    this.draw(detail);
  }

  /** Draws the conversation; the reply box is made once and kept, so that what the agent is typing
   *  (its text, the caret, the focus) is never touched by an update, and kept in the browser as a draft
   *  until it is sent: a customer leaving, a reload or another view loses none of it. */
  draw(detail) {
    const contact = detail.contact_person || {};
    const name = contact.name || contact.email || "the contact";
    const first = !this.replyBox;
    if (first) {
      this.top = h("div");
      this.status = h("p", { id: "reply-status", class: "reply-status", role: "status" });
      this.counter = h("span", { id: "reply-count", class: "hint" });
      this.textarea = h("textarea", { id: "reply", rows: 3, "aria-describedby": "reply-count reply-keys reply-status",
        oninput: () => this.typed(),
        onkeydown: (event) => {
          if (event.key === "Enter" && !event.shiftKey && !event.isComposing) { event.preventDefault(); this.send(); }
        } });
      this.textarea.value = sessionStorage.getItem(this.draftKey) || "";
      this.label = h("label", { for: "reply" });
      this.sendButton = h("button", { type: "button", class: "primary", id: "send", onclick: () => this.send() }, "Send");
      this.replyBox = h("div", { class: "reply" }, this.label, this.textarea,
        h("div", { class: "reply-bar" }, this.sendButton, h("span", { class: "hint", id: "reply-keys" }, "Enter sends, Shift+Enter starts a new line"), this.counter),
        this.status);
      this.bottom = h("div");
      replace(view(), this.top, this.replyBox, this.bottom);
    }
    const ended = detail.status === "ended";
    const others = detail.agent && detail.agent !== agentName() ? detail.agent : null;
    const failed = detail.callbacks.filter((d) => d.status === "failed");
    this.mine = detail.agent === agentName();
    this.confirming = false;
    replace(this.top,
      h("div", { class: "head" },
        h("div", {}, h("h1", { class: "text", id: "contact-name" }, contact.name || contact.email || detail.id), h("a", { href: "#/" }, "← Inbox")),
        this.actions = h("div", { class: "actions" }, this.buttons(ended, others, name))),
      failed.length ? h("p", { class: "warning", id: "failed-warning" }, `${failed.length === 1 ? "A callback" : `${failed.length} callbacks`} to your integration failed: `,
        h("a", { href: "#callbacks", onclick: (event) => { event.preventDefault(); this.bottom.querySelector("button.redeliver")?.focus(); this.bottom.scrollIntoView(); } },
          "see the callbacks and redeliver")) : null,
      facts([
        ["Status", badge(detail.status)], ["Agent", detail.agent || "nobody yet"], ["Email", contact.email],
        ["Subject", detail.subject], ["Touchpoint", detail.touchpoint_id], ["Started", time(detail.created_at)],
        ["Ended", detail.ended_at ? `${time(detail.ended_at)} by the ${detail.ended_by}` : null], ["Id", h("span", { class: "id" }, detail.id)],
      ]),
      entries("Context parameters", detail.context_parameters, "context"),
      h("h2", { id: "transcript-heading" }, `Transcript (${detail.messages.length})`),
      // A log: a screen reader says each message as it arrives.
      h("div", { id: "transcript-log", role: "log", "aria-live": "polite", "aria-labelledby": "transcript-heading" },
        h("ol", { class: "transcript", id: "transcript" }, detail.messages.map((m) => this.message(m, contact)))),
      detail.messages.length ? null : h("p", { class: "empty" }, "No messages yet."));
    this.label.textContent = `Your reply to ${name}`;
    this.ended = ended;
    this.others = others;
    this.textarea.readOnly = ended || Boolean(others);
    if (ended) {
      this.status.textContent = `The conversation has ended (by the ${detail.ended_by || "contact"}${detail.ended_at ? ` at ${time(detail.ended_at)}` : ""}): nothing more can be sent.`
        + (this.textarea.value.trim() ? " Your draft is kept here to copy." : "");
    } else if (others) {
      this.status.textContent = `${others} holds this conversation: only ${others} can reply or close it. To act as ${others}, put that name in Agent, top right.`;
    } else {
      this.status.textContent = "";
    }
    this.typed();
    replace(this.bottom, h("h2", { id: "callbacks" }, `Callbacks (${detail.callbacks.length})`), this.callbacks(detail.callbacks));
    seen.mark(this.id, detail.messages.length);
    const last = this.top.querySelector("#transcript > li:last-child");
    if (first) {
      // Opening a conversation: the newest message in sight and the reply box ready to type in.
      if (last) last.scrollIntoView({ block: "nearest" });
      if (!this.textarea.readOnly) this.textarea.focus({ preventScroll: true });
    } else if (last && document.activeElement === this.textarea) {
      last.scrollIntoView({ block: "nearest" });
    }
  }

  /** Assign and Close, or Close's confirmation: Close asks first (Escape or "Keep it open" cancels). */
  buttons(ended, others, name) {
    if (this.confirming) {
      const keep = h("button", { type: "button", id: "close-cancel", onclick: () => this.confirm(false) }, "Keep it open");
      return [h("span", { class: "confirm", id: "close-question" }, `Close the conversation with ${name}? The integration is told it ended.`),
        h("button", { type: "button", id: "close-confirm", class: "danger", onclick: () => act(() => this.post("close")) }, "Close it"), keep];
    }
    return [
      h("button", { type: "button", id: "assign", disabled: ended || Boolean(others) || this.mine,
        onclick: () => act(() => this.post("assign")) }, "Assign to me"),
      h("button", { type: "button", id: "close", class: "danger", disabled: ended || Boolean(others), onclick: () => this.confirm(true) }, "Close"),
    ];
  }

  confirm(asking) {
    this.confirming = asking;
    replace(this.actions, this.buttons(false, null, this.label.textContent.replace(/^Your reply to /, "")));
    const target = this.actions.querySelector(asking ? "#close-confirm" : "#close");
    if (target) target.focus();
    if (asking) {
      this.actions.onkeydown = (event) => { if (event.key === "Escape") { event.preventDefault(); this.confirm(false); } };
    }
  }

  /** The counter and the Send button follow what is typed; the draft is kept. */
  typed() {
    const text = this.textarea.value;
    const count = characters(text);
    if (text) sessionStorage.setItem(this.draftKey, text); else sessionStorage.removeItem(this.draftKey);
    this.counter.textContent = `${number(count)} / ${number(REPLY_LIMIT)} characters`;
    this.counter.classList.toggle("over", count > REPLY_LIMIT);
    this.sendButton.disabled = this.ended || Boolean(this.others) || count > REPLY_LIMIT || !text.trim();
  }

  message(message, contact) {
    const who = message.author === "agent" ? message.author_name || "agent"
      : message.author === "contact" ? contact.name || contact.email || "contact" : message.author;
    return h("li", { class: `message ${message.author}`, "data-id": message.message_id },
      h("div", { class: "who" }, who, " · ", time(message.created_at)),
      h("div", { class: "text content" }, message.content),
      (message.attachments || []).map((a) => h("div", { class: "sub text attachment" }, "attachment: ",
        // The file opens as a download (the server says Content-Disposition: attachment): never rendered here.
        a.id ? h("a", { href: `/tdmock/v1/attachments/${encodeURIComponent(a.id)}/content`, download: a.name || "" }, a.name || a.id)
          : (a.name || "file"),
        [a.type, a.size === undefined || a.size === null ? null : `${a.size} bytes`].filter((x) => x).map((x) => ` · ${x}`).join(""))));
  }

  callbacks(deliveries) {
    if (deliveries.length === 0) return h("p", { class: "empty" }, "No callbacks yet.");
    return h("table", { class: "callbacks" },
      h("thead", {}, h("tr", {}, ["Event", "Status", "Attempts", "Created", "Action"].map((t) => h("th", {}, t)))),
      h("tbody", {}, deliveries.map((d) => h("tr", { "data-id": d.delivery_id },
        h("td", { class: "nowrap" }, d.event_type, h("div", { class: "id" }, d.delivery_id)),
        h("td", {}, badge(d.status), d.waiting ? h("div", { class: "sub text" }, d.waiting) : null),
        h("td", {}, h("ol", { class: "attempts" }, (d.journal || []).map((a) => h("li", {},
          `${time(a.started_at)}: `, a.status_code ? String(a.status_code) : "", a.error ? h("span", { class: "text" }, `${a.status_code ? " " : ""}${a.error}`) : (a.status_code ? "" : "no answer"),
          ` in ${Number(a.latency_ms).toFixed(1)} ms`)))),
        h("td", {}, time(d.created_at)),
        h("td", {}, d.status === "failed" ? redeliverButton(d, () => this.refresh()) : null)))));
  }

  async post(verb, body) {
    const { data } = await call("POST", `${API}/conversations/${encodeURIComponent(this.id)}/${verb}`, { agent: agentName(), ...body });
    if (current === this) this.draw(data);
  }

  send() {
    const content = this.textarea.value;
    if (!content.trim() || this.sendButton.disabled) return;
    act(async () => {
      this.textarea.value = "";
      try {
        await this.post("messages", { content });
        sessionStorage.removeItem(this.draftKey);
      } catch (error) {
        if (!this.textarea.value) this.textarea.value = content; // not sent: given back to edit
        throw error;
      } finally {
        this.typed();
      }
    });
  }

  onEvent(event) { if (event.conversation_id === this.id) return this.refresh(); }
}

class QuestionView extends ItemView {
  constructor(id) { super(id, "question"); }

  async fetch() {
    const { question: detail, session } = await get(`${API}/questions/${encodeURIComponent(this.id)}`);
    if (current !== this) return;
    this.sessionId = detail.session_id;
    const children = [
      h("div", { class: "head" }, h("div", {}, h("h1", {}, "Question"), h("a", { href: "#/" }, "← Inbox"))),
      facts([["Session", h("span", { class: "id" }, detail.session_id)], ["Status", badge(detail.status)],
        ["Asked", time(detail.created_at)], ["Id", h("span", { class: "id" }, detail.id)]]),
      entries("Caller's attributes", detail.attributes, "attributes"),
      h("h2", {}, "The session"),
      h("ol", { class: "transcript", id: "session" }, session.map((q) => [
        h("li", { class: `message contact${q.id === detail.id ? " current" : ""}`, "data-id": q.id },
          h("div", { class: "who" }, "caller · ", time(q.created_at)), h("div", { class: "text content" }, q.question)),
        q.answer ? h("li", { class: "message agent" }, h("div", { class: "who" }, `${q.answered_by || "agent"} · ${q.answer.type} · `, time(q.answered_at)),
          h("div", { class: "text content" }, q.answer.text || q.answer.reason || "")) :
          q.status === "expired" ? h("li", { class: "message system" }, "no answer in time: the Lambda took the failed branch") : null,
      ])),
    ];
    if (detail.status === "queued") {
      const text = h("textarea", { id: "answer-text", rows: 3, placeholder: "What the caller hears" });
      const reason = h("input", { id: "fail-reason", placeholder: "no_answer" });
      const answer = (type) => act(async () => {
        const body = { agent: agentName(), type };
        if (type === "failed") body.reason = reason.value; else body.text = text.value;
        await call("POST", `${API}/questions/${encodeURIComponent(this.id)}/answer`, body);
        await this.refresh();
      });
      text.addEventListener("keydown", (event) => {
        if (event.key === "Enter" && !event.shiftKey && !event.isComposing) { event.preventDefault(); answer("speak"); }
      });
      children.push(h("h2", {}, "Answer"), h("div", { class: "answer-form" }, h("label", { for: "answer-text" }, "What the caller hears"), text, h("div", { class: "buttons" },
        h("button", { type: "button", class: "primary", id: "speak", onclick: () => answer("speak") }, "Speak"),
        h("button", { type: "button", id: "disconnect", onclick: () => answer("disconnect") }, "Disconnect"),
        h("button", { type: "button", id: "fail", class: "danger", onclick: () => answer("failed") }, "Fail"),
        h("label", { for: "fail-reason", class: "sub" }, "Fail's reason"), reason)));
    }
    // What the agent was typing survives a redraw (another question of the session, say).
    const before = { text: document.getElementById("answer-text"), reason: document.getElementById("fail-reason") };
    const focused = document.activeElement && document.activeElement.id;
    replace(view(), ...children);
    for (const [key, id] of [["text", "answer-text"], ["reason", "fail-reason"]]) {
      const field = document.getElementById(id);
      if (field && before[key]) field.value = before[key].value;
    }
    if (focused && document.getElementById(focused)) document.getElementById(focused).focus();
  }

  onEvent(event) { if (event.session_id && event.session_id === this.sessionId) return this.refresh(); }
}

/** A call's state: in progress, or how it ended (the flow's branch, or the caller's hang-up). */
const callStatus = (contact) => contact.status === "ended" ? `ended: ${contact.ended_by || "?"}` : "in call";

class CallsView {
  constructor() { this.refresh = coalesced(() => this.fetch()); }

  async load() {
    this.table = h("div");
    this.coverage = h("div", { id: "coverage" });
    replace(view(), h("h1", {}, "Calls"), h("p", { class: "sub" }, "Each call the contact API (POST /connect/v1/contacts) started, newest first."), this.table,
      h("h2", {}, "Flow coverage"), this.coverage);
    await this.refresh();
    ready("calls");
  }

  async fetch() {
    const [contacts, coverage] = await Promise.all([get("/connect/v1/contacts"), get("/connect/v1/coverage")]);
    if (current !== this) return;
    this.drawCoverage(coverage);
    if (contacts.length === 0) return replace(this.table, h("p", { class: "empty" }, "No calls yet."));
    replace(this.table, h("table", {},
      h("thead", {}, h("tr", {}, ["Caller", "Channel", "Status", "Turns", "Started", "Id"].map((t) => h("th", {}, t)))),
      h("tbody", {}, contacts.map((c) => h("tr", { class: "row", "data-id": c.contact_id, onclick: (event) => {
        if (!event.target.closest("a")) location.hash = `#/calls/${encodeURIComponent(c.contact_id)}`;
      } },
        h("td", {}, h("a", { href: `#/calls/${encodeURIComponent(c.contact_id)}`, class: "text" },
          `${c.channel === "CHAT" ? "Chat" : "Call"} from ${c.caller || "an unknown number"}`)),
        h("td", {}, c.channel || "VOICE"),
        h("td", {}, badge(callStatus(c))),
        h("td", { class: "num" }, c.turn_count),
        h("td", {}, time(c.created_at)),
        h("td", { class: "id" }, c.contact_id))))));
  }

  /** The totals since start or reset, and each flow's actions never run and transitions never taken. */
  drawCoverage(coverage) {
    const t = coverage.totals;
    const gaps = coverage.flows.map((flow) => {
      const never = flow.actions.flatMap((action) => [
        ...(action.runs === 0 ? [`${action.identifier} (${action.type}): never run`] : []),
        ...action.transitions.filter((x) => x.taken === 0).map((x) => `${action.identifier}: ${x.transition} -> ${x.next}: never taken`)]);
      return h("details", { "data-flow": flow.flow }, h("summary", {}, `${flow.flow} (${flow.file}): ${never.length} never run or taken`),
        h("ul", { class: "never" }, never.map((line) => h("li", { class: "text" }, line))));
    });
    replace(this.coverage,
      h("p", {}, `Since ${time(coverage.since)}: ${t.actions_run} of ${t.actions} actions run, ${t.transitions_taken} of ${t.transitions} transitions taken.`),
      gaps);
  }

  onEvent(event) { if (CALL_EVENTS.includes(event.event)) return this.refresh(); }
  reconnected() { return this.refresh(); }
}

/** The actions a stretch of a call ran, in order, each with the way it left (or what it waited for). */
function flowPath(steps, name) {
  if (steps.length === 0) return null;
  return h("ol", { class: "flow-path", "data-path": name }, steps.map((step) => h("li", { "data-action": step.action },
    h("span", { class: "text action" }, step.action), " ", h("span", { class: "sub" }, step.type),
    step.input !== undefined && step.input !== null ? h("span", { class: "sub" }, " · heard “", h("span", { class: "text" }, step.input), "”") : null,
    step.transition ? [" ", h("span", { class: "badge transition" }, step.transition)] : null,
    step.note ? h("span", { class: "sub" }, " · ", h("span", { class: "text" }, step.note)) : null)));
}

class CallView extends ItemView {
  constructor(id) { super(id, "call"); }

  async fetch() {
    const contact = await get(`/connect/v1/contacts/${encodeURIComponent(this.id)}`);
    if (current !== this) return;
    replace(view(),
      h("div", { class: "head" }, h("div", {}, h("h1", { class: "text" }, `${contact.channel === "CHAT" ? "Chat" : "Call"} from ${contact.caller || "unknown"}`), h("a", { href: "#/calls" }, "← Calls"))),
      facts([["Channel", contact.channel || "VOICE"], ["Status", badge(callStatus(contact))], ["Started", time(contact.created_at)],
        ["Ended", time(contact.ended_at)], ["Id", h("span", { class: "id" }, contact.contact_id)]]),
      entries("Session attributes", contact.session_attributes),
      entries("Contact attributes", contact.attributes),
      contact.queue ? facts([["Queue", h("span", { class: "text" }, contact.queue)]]) : null,
      contact.start ? [h("h2", {}, "Start"), h("div", {}, h("strong", {}, "Prompt: "), h("span", { class: "text" }, contact.start.prompt)),
        flowPath(contact.start.path, "start")] : null,
      h("h2", {}, `Turns (${(contact.turns || []).length})`),
      (contact.turns || []).length === 0 ? h("p", { class: "empty" }, "No turns yet: POST /connect/v1/contacts/{id}/utterances.") :
        h("ol", { class: "turns" }, contact.turns.map((turn) => h("li", { "data-turn": turn.turn },
          h("div", {}, h("strong", {}, contact.channel === "CHAT" ? "Customer: " : "Caller: "), h("span", { class: "text" }, turn.utterance)),
          h("div", {}, h("strong", {}, "Prompt: "), h("span", { class: "text" }, turn.prompt), " ", badge(turn.branch)),
          h("div", { class: "sub" }, `Lambda: ${turn.lambda.status_code ?? "no answer"}`,
            turn.lambda.function_error ? ` (${turn.lambda.function_error})` : "", ` in ${Number(turn.lambda.latency_ms).toFixed(1)} ms`,
            turn.note ? h("span", { class: "text" }, ` · ${turn.note}`) : null),
          turn.error ? h("div", { class: "sub" }, h("span", { class: "text" }, `Error: ${turn.error}`)) : null,
          flowPath(turn.path || [], `turn-${turn.turn}`),
          h("details", {}, h("summary", {}, "Lex event"), h("pre", { tabindex: 0 }, JSON.stringify(turn.lex_event, null, 2))),
          h("details", {}, h("summary", {}, "Lambda answer"), h("pre", { tabindex: 0 }, JSON.stringify(turn.lambda.answer ?? null, null, 2)))))));
  }

  onEvent(event) { if (event.contact_id === this.id) return this.refresh(); }
}

class FaultsView {
  async load() {
    this.list = h("div");
    const targets = ["token", "start_conversation", "send_message", "end_conversation", "callback:delay", "callback:duplicate", "callback:drop", "callback:fail"];
    const field = (name, label, placeholder) => h("label", {}, label, h("input", { name, placeholder, inputmode: "numeric" }));
    const form = h("form", { class: "inline", id: "fault-form", onsubmit: (event) => {
      event.preventDefault();
      const data = new FormData(form);
      const fault = { target: data.get("target") };
      for (const key of ["status", "latency_ms", "retry_after"]) if (data.get(key)) fault[key] = Number(data.get(key));
      const remaining = data.get("remaining");
      fault.remaining = remaining === "" ? 1 : remaining === "*" ? null : Number(remaining);
      act(async () => { await call("POST", `${API}/faults`, fault); form.reset(); await this.fetch(); });
    } },
    h("label", {}, "Target", h("select", { name: "target" }, targets.map((t) => h("option", { value: t }, t)))),
    field("status", "Status", "e.g. 503"), field("remaining", "Times (* = until cleared)", "1"),
    field("latency_ms", "Latency ms", ""), field("retry_after", "Retry-After s", ""),
    h("button", { type: "submit", class: "primary" }, "Add fault"));
    replace(view(), h("h1", {}, "Faults"),
      h("p", { class: "sub" }, "A fault makes the Talkdesk surface or the callback deliveries misbehave, to see how the integration copes. "
        + "callback:fail answers your receiver's next callbacks with the status (400: each fails at once, ready to Redeliver; 5xx is retried)."),
      form, this.list,
      h("button", { type: "button", id: "clear-faults", class: "danger", onclick: () => act(async () => { await call("DELETE", `${API}/faults`); await this.fetch(); }) }, "Clear all faults"));
    await this.fetch();
    ready("faults");
  }

  async fetch() {
    const faults = await get(`${API}/faults`);
    if (faults.length === 0) return replace(this.list, h("p", { class: "empty" }, "No faults: everything answers normally."));
    replace(this.list, h("table", { id: "faults" },
      h("thead", {}, h("tr", {}, ["Target", "Status", "Remaining", "Latency ms", "Retry-After", "Id"].map((t) => h("th", {}, t)))),
      h("tbody", {}, faults.map((f) => h("tr", { "data-id": f.id },
        h("td", {}, f.target), h("td", {}, f.status ?? ""), h("td", {}, f.remaining ?? "until cleared"),
        h("td", {}, f.latency_ms ?? ""), h("td", {}, f.retry_after ?? ""), h("td", { class: "id" }, f.id))))));
  }

  onEvent() {}
  reconnected() { return this.fetch(); }
}

class RequestsView {
  constructor() {
    this.failed = false;
    this.refresh = coalesced(() => this.fetch());
  }

  async load() {
    this.table = h("div");
    replace(view(), h("h1", {}, "Requests"),
      h("div", { class: "controls" },
        h("label", {}, h("input", { type: "checkbox", id: "failed-only", onchange: (event) => { this.failed = event.target.checked; this.refresh(); } }), " failed only"),
        h("button", { type: "button", onclick: () => this.refresh() }, "Refresh"),
        h("span", { class: "sub" }, "What your code sent to the Talkdesk surface, the question-response API and the AWS APIs, and what tdmock answered; newest first, read again every 2 s.")),
      this.table);
    await this.refresh();
    this.timer = setInterval(() => { if (!document.hidden) this.refresh(); }, 2000);
    ready("requests");
  }

  leave() { clearInterval(this.timer); }

  async fetch() {
    const entries = await get(`${API}/requests?limit=200&failed=${this.failed}`);
    if (current !== this) return;
    const open = new Set([...this.table.querySelectorAll("details[open]")].map((d) => d.dataset.key));
    if (entries.length === 0) return replace(this.table, h("p", { class: "empty" }, "No requests yet."));
    replace(this.table, h("table", { id: "requests" },
      h("thead", {}, h("tr", {}, ["Time", "Request", "Status", "Latency", "Bodies"].map((t) => h("th", {}, t)))),
      h("tbody", {}, entries.map((entry) => {
        const key = `${entry.time}|${entry.method}|${entry.path}`;
        const bodies = [entry.request_body ? ["Request body", entry.request_body] : null, entry.error_body ? ["Answer", entry.error_body] : null].filter(Boolean);
        return h("tr", {},
          h("td", {}, time(entry.time)),
          h("td", { class: "text" }, `${entry.method} ${entry.path}`),
          h("td", {}, h("span", { class: `badge ${entry.status >= 400 ? "failed" : "delivered"}` }, entry.status)),
          h("td", { class: "num" }, `${Number(entry.latency_ms).toFixed(2)} ms`),
          h("td", {}, bodies.length ? h("details", { "data-key": key, open: open.has(key) }, h("summary", {}, "bodies"),
            bodies.map(([label, text]) => [h("div", { class: "sub" }, label), h("pre", { tabindex: 0 }, typeof text === "string" ? text : JSON.stringify(text, null, 2))])) : null));
      }))));
  }

  onEvent() {}
  reconnected() { return this.refresh(); }
}

class FunctionsView {
  constructor() {
    this.failed = false;
    this.function = "";
    this.refresh = coalesced(() => this.fetch());
  }

  async load() {
    this.table = h("div");
    this.input = h("input", { id: "function-filter", placeholder: "function name", autocomplete: "off", spellcheck: "false",
      onchange: (event) => { this.function = event.target.value.trim(); this.refresh(); } });
    replace(view(), h("h1", {}, "Functions"),
      h("div", { class: "controls" },
        h("label", {}, "Function ", this.input),
        h("label", {}, h("input", { type: "checkbox", id: "failed-invocations", onchange: (event) => { this.failed = event.target.checked; this.refresh(); } }), " failed only"),
        h("span", { class: "sub" }, "What each of your functions got and what it answered, whoever called it (API Gateway, Lex, Connect, the Invoke API); newest first, live.")),
      this.table);
    await this.refresh();
    ready("functions");
  }

  async fetch() {
    const query = `limit=200&failed=${this.failed}` + (this.function ? `&function=${encodeURIComponent(this.function)}` : "");
    const entries = await get(`${API}/invocations?${query}`);
    if (current !== this) return;
    const open = new Set([...this.table.querySelectorAll("details[open]")].map((d) => d.dataset.key));
    if (entries.length === 0) return replace(this.table, h("p", { class: "empty" }, "No invocations yet."));
    const pretty = (value) => h("pre", { tabindex: 0 }, JSON.stringify(value ?? null, null, 2));
    const bytes = (count) => `${Number(count).toLocaleString()} bytes`;
    replace(this.table, h("table", { id: "invocations" },
      h("thead", {}, h("tr", {}, ["Time", "Function", "Caller", "Status", "Latency", "Result", "Event and answer"].map((t) => h("th", {}, t)))),
      h("tbody", {}, entries.map((entry) => h("tr", { "data-id": entry.id },
        h("td", {}, time(entry.time)),
        h("td", { class: "nowrap" }, entry.function),
        h("td", {}, entry.caller),
        h("td", {}, entry.status ?? "-"),
        h("td", { class: "num" }, `${Number(entry.latency_ms).toFixed(2)} ms`),
        h("td", { class: "text" }, entry.failed ? h("span", { class: "badge failed" }, "failed") : h("span", { class: "badge delivered" }, "ok"),
          entry.error ? ` ${entry.error}` : ""),
        h("td", {}, h("details", { "data-key": String(entry.id), open: open.has(String(entry.id)) }, h("summary", {}, "event and answer"),
          h("div", { class: "sub" }, entry.cut ? `Event (${bytes(entry.event_bytes)}; the start of it)` : "Event"), pretty(entry.event),
          h("div", { class: "sub" }, entry.cut && entry.answer_bytes != null ? `Answer (${bytes(entry.answer_bytes)}; the start of it)` : "Answer"),
          pretty(entry.answer))))))));
  }

  onEvent(event) { if (event.event === "function_invoked") return this.refresh(); }
  reconnected() { return this.refresh(); }
}

// ---- Callbacks: the failed ones, to redeliver ------------------------------------------------------

/** A Redeliver button named for what it redelivers; it reads the page again after. */
function redeliverButton(delivery, after) {
  return h("button", { type: "button", class: "redeliver", "aria-label": `Redeliver the ${delivery.event_type} callback ${delivery.delivery_id}`,
    onclick: () => act(async () => {
      await call("POST", `${API}/callbacks/${encodeURIComponent(delivery.delivery_id)}/redeliver`);
      await signals.refresh();
      await after();
    }) }, "Redeliver");
}

class CallbacksView {
  constructor() { this.refresh = coalesced(() => this.fetch()); }

  async load() {
    this.table = h("div", { id: "failed" });
    replace(view(), h("h1", {}, "Failed callbacks"),
      h("p", { class: "sub" }, "Callbacks your receiver refused (or never answered) after every attempt, newest first. Redeliver sends one again; Faults can make the next ones fail."),
      this.table);
    await this.refresh();
    ready("callbacks");
  }

  async fetch() {
    const failed = await get(`${API}/callbacks?status=failed`);
    if (current !== this) return;
    if (failed.length === 0) return replace(this.table, h("p", { class: "empty" }, "No callback has failed."));
    replace(this.table, h("table", {},
      h("thead", {}, h("tr", {}, ["Conversation", "Event", "Last attempt", "Created", "Action"].map((t) => h("th", {}, t)))),
      h("tbody", {}, failed.map((d) => {
        const last = (d.journal || []).at(-1);
        return h("tr", { "data-id": d.delivery_id },
          h("td", {}, h("a", { href: `#/conversations/${encodeURIComponent(d.conversation_id)}` }, `Conversation ${d.conversation_id.slice(0, 8)}…`)),
          h("td", { class: "nowrap" }, d.event_type),
          h("td", {}, last ? [`${time(last.started_at)}: `, last.status_code ? String(last.status_code) : "", last.error ? h("span", { class: "text" }, ` ${last.error}`) : ""] : ""),
          h("td", {}, time(d.created_at)),
          h("td", {}, redeliverButton(d, () => this.refresh())));
      }))));
  }

  onEvent(event) { if (event.event === "callback_failed" || event.event === "callback_delivered") return this.refresh(); }
  reconnected() { return this.refresh(); }
}

// ---- Tests: Connect's test cases and their executions ------------------------------------------

// Any instance id is taken in the test-case API's paths: tdmock is one instance.
const TESTS = "/test-cases";
const INSTANCE = "tdmock";
const seconds = (value) => value === undefined || value === null ? "" : time(new Date(value * 1000).toISOString());
const entryText = (entry) => {
  const parameters = (entry && (entry.VoiceCallEntryPointParameters || entry.ChatEntryPointParameters)) || {};
  return `${entry && entry.Type === "CHAT" ? "chat" : "voice call"} into ${parameters.FlowId || "main"}`;
};

/** Starts an execution and waits (polling its summary) until it has ended; answers the execution's id. */
async function runTestCase(id) {
  const started = (await call("PUT", `${TESTS}/${INSTANCE}/${encodeURIComponent(id)}/start-execution`)).data;
  const execution = started.TestCaseExecutionId;
  for (let tries = 0; tries < 600; tries++) {
    const summary = await get(`${TESTS}/${INSTANCE}/${encodeURIComponent(id)}/${encodeURIComponent(execution)}/summary`);
    if (!["INITIATED", "IN_PROGRESS"].includes(summary.Status)) break;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return execution;
}

class TestsView {
  constructor() { this.refresh = coalesced(() => this.fetch()); }

  async load() {
    this.table = h("div", { id: "test-cases" });
    replace(view(), h("h1", {}, "Tests"),
      h("p", { class: "sub" }, "Connect test cases made with CreateTestCase, each with its last run. tdmock test deletes the cases it made after their run."),
      this.table);
    await this.refresh();
    ready("tests");
  }

  async fetch() {
    const [cases, executions] = await Promise.all([get(`/test-cases-summary/${INSTANCE}?maxResults=1000`),
      get(`/test-case-executions/${INSTANCE}?maxResults=100`)]);
    if (current !== this) return;
    const list = cases.TestCaseSummaryList;
    if (list.length === 0) return replace(this.table, h("p", { class: "empty" }, "No test cases yet: make one with CreateTestCase (docs/connect-tests.md)."));
    const last = {};
    for (const execution of executions.TestCaseExecutions) last[execution.TestCaseId] ??= execution;
    replace(this.table, h("table", {},
      h("thead", {}, h("tr", {}, ["Name", "Status", "Last run", "Result", "Action"].map((t) => h("th", {}, t)))),
      h("tbody", {}, list.map((testCase) => {
        const run = last[testCase.Id];
        return h("tr", { "data-id": testCase.Id },
          h("td", { class: "text" }, h("a", { href: `#/tests/${encodeURIComponent(testCase.Id)}` }, testCase.Name)),
          h("td", {}, testCase.Status),
          h("td", {}, run ? seconds(run.StartTime) : "never"),
          h("td", {}, run ? badge(run.TestCaseExecutionStatus) : ""),
          h("td", {}, h("button", { type: "button", "aria-label": `Run ${testCase.Name}`, onclick: (event) => act(async () => {
            event.target.disabled = true;
            await runTestCase(testCase.Id);
            await this.refresh();
          }) }, "Run")));
      }))));
  }

  onEvent() {}
  reconnected() { return this.refresh(); }
}

class TestCaseView extends ItemView {
  constructor(id, execution) {
    super(id, "test");
    this.execution = execution;
  }

  async fetch() {
    const base = `${TESTS}/${INSTANCE}/${encodeURIComponent(this.id)}`;
    let testCase;
    try {
      testCase = (await get(base)).TestCase;
    } catch (error) {
      if (error instanceof SignInNeeded) throw error;
      replace(view(), h("p", { class: "empty" }, error.message), h("a", { href: "#/tests" }, "Back to the tests"));
      return;
    }
    const executions = (await get(`/test-case-executions/${INSTANCE}?testCaseId=${encodeURIComponent(this.id)}&maxResults=100`)).TestCaseExecutions;
    const shown = executions.find((e) => e.TestCaseExecutionId === this.execution) || executions[0];
    const records = shown ? (await get(`${base}/${encodeURIComponent(shown.TestCaseExecutionId)}/records?maxResults=100`)).ExecutionRecords : [];
    if (current !== this) return;
    const run = h("button", { type: "button", id: "run-test", onclick: (event) => act(async () => {
      event.target.disabled = true;
      const execution = await runTestCase(this.id);
      location.hash = `#/tests/${encodeURIComponent(this.id)}/${encodeURIComponent(execution)}`;
    }) }, "Run");
    replace(view(),
      h("div", { class: "head" }, h("div", {}, h("h1", { class: "text" }, testCase.Name), h("a", { href: "#/tests" }, "← Tests")), run),
      facts([["Entry point", entryText(testCase.EntryPoint)], ["Status", testCase.Status], ["Description", testCase.Description],
        ["Last modified", seconds(testCase.LastModifiedTime)], ["Id", testCase.Id]], "test-facts"),
      h("h2", {}, "Runs"),
      executions.length === 0 ? h("p", { class: "empty" }, "Not run yet.") : h("table", { id: "executions" },
        h("thead", {}, h("tr", {}, ["Started", "Result", "Run"].map((t) => h("th", {}, t)))),
        h("tbody", {}, executions.map((e) => h("tr", { "data-id": e.TestCaseExecutionId, class: e === shown ? "current" : null },
          h("td", {}, seconds(e.StartTime)),
          h("td", {}, badge(e.TestCaseExecutionStatus)),
          h("td", { class: "id" }, h("a", { href: `#/tests/${encodeURIComponent(this.id)}/${encodeURIComponent(e.TestCaseExecutionId)}`,
            "aria-current": e === shown ? "true" : null }, e.TestCaseExecutionId)))))),
      shown ? [h("h2", {}, `Observations of the run of ${seconds(shown.StartTime)}`), this.records(records)] : null);
  }

  /** One block per observation that watched: what it expected, what it saw, its actions, and for a failure why and the flow's path. */
  records(records) {
    const parsed = records.map((item) => {
      try { return { item, record: JSON.parse(item.Record) }; } catch { return { item, record: {} }; }
    });
    const completion = parsed.find(({ record }) => record.Type === "COMPLETION");
    return [completion ? h("p", { id: "completion", class: "text" }, `Ended: ${completion.record.CompletionReason.Message}`) : null,
      h("ol", { id: "records", class: "records" }, parsed.filter(({ record }) => record.Type === "OBSERVATION").map(({ item, record }) =>
      h("li", { "data-observation": item.ObservationId },
        h("div", {}, badge(item.Status), " ", h("strong", { class: "text" }, item.ObservationId), " ",
          h("span", { class: "sub text" }, record.Expected || "")),
        record.Observed ? h("div", { class: "sub" }, "Saw: ", h("span", { class: "text" }, record.Observed)) : null,
        record.Failure ? h("div", { class: "failure text" }, record.Failure) : null,
        (record.Actions || []).length ? h("ul", { class: "actions" }, record.Actions.map((action) => h("li", {},
          badge(action.Status === "FAILED" ? "failed" : "delivered"), " ", h("span", { class: "text" }, action.Identifier), " ",
          h("span", { class: "sub" }, action.Type), action.Detail ? [" · ", h("span", { class: "text" }, action.Detail)] : null))) : null,
        (record.Path || []).length ? h("details", {}, h("summary", {}, "the flow's path"),
          h("ol", { class: "flow-path" }, record.Path.map((step) => h("li", { class: "text" }, step)))) : null)))];
  }

  onEvent() {}
}

// ---- Sign-in -----------------------------------------------------------------------------------

function showSignIn(message) {
  if (current && current.leave) current.leave();
  current = { onEvent() {}, reconnected() {} };
  const input = h("input", { type: "password", id: "token", autocomplete: "current-password", placeholder: "agent token", "aria-label": "Agent token" });
  const form = h("form", { class: "signin", onsubmit: (event) => {
    event.preventDefault();
    (async () => {
      try {
        await call("POST", `${API}/sign-in`, { token: input.value });
      } catch (error) {
        showNotice(error.message); // a wrong token is a 401 too: said here, not answered with this form again
        input.select();
        return;
      }
      showNotice("");
      sessionStorage.setItem("tdmock.signedIn", "yes");
      document.getElementById("sign-out").hidden = false;
      stream.restart();
      await act(show);
      askName();
    })();
  } },
  h("h1", {}, "Sign in"),
  h("p", { class: "sub" }, message || "This tdmock asks for the agent token (tdmock serve --agent-token)."),
  input, h("button", { type: "submit", class: "primary" }, "Sign in"));
  replace(view(), form);
  ready("sign-in");
  input.focus();
}

// ---- Live updates ------------------------------------------------------------------------------

/** The agent API's event stream, opened again after each failure (0.5 s, then up to 5 s apart); after a
 *  reconnection the view reads its state again, for what happened while it was away. */
const stream = {
  source: null,
  delay: 500,
  wasOpen: false,
  start() {
    const source = new EventSource(`${API}/events`, { withCredentials: true });
    this.source = source;
    const live = document.getElementById("live");
    source.onopen = () => {
      live.textContent = "Live";
      live.className = "live on";
      this.delay = 500;
      if (this.wasOpen && current) current.reconnected();
      if (this.wasOpen) signals.refresh().catch(() => {});
      this.wasOpen = true;
    };
    source.onerror = () => {
      live.textContent = "Reconnecting…";
      live.className = "live";
      source.close();
      if (this.source !== source) return;
      setTimeout(() => { if (this.source === source) this.start(); }, this.delay);
      this.delay = Math.min(this.delay * 2, 5000);
    };
    for (const name of ["callback_failed", "callback_delivered"]) {
      source.addEventListener(name, () => { signals.refresh().catch(() => {}); });
    }
    for (const name of [...CONVERSATION_EVENTS, ...QUESTION_EVENTS, ...CALL_EVENTS, ...AWS_EVENTS]) {
      source.addEventListener(name, (message) => {
        let event;
        try { event = JSON.parse(message.data); } catch { return; }
        if (current) current.onEvent(event);
      });
    }
  },
  restart() {
    if (this.source) this.source.close();
    this.source = null;
    this.wasOpen = false;
    this.start();
  },
};

// ---- Who is answering --------------------------------------------------------------------------

/** The first time, once signed in, the page asks the agent's name (it signs the replies); Escape keeps
 *  "agent" for now, and the page asks again next time. */
function askName() {
  if (localStorage.getItem("tdmock.agent") || document.getElementById("token") || document.getElementById("who")) return;
  const input = h("input", { id: "who-name", required: true, autocomplete: "name", spellcheck: "false", placeholder: "Dana" });
  const dialog = h("dialog", { id: "who", "aria-labelledby": "who-heading", "aria-describedby": "who-why" },
    h("form", { method: "dialog", onsubmit: (event) => {
      const name = input.value.trim();
      if (!name) { event.preventDefault(); input.focus(); return; }
      const box = document.getElementById("agent-name");
      box.value = name;
      localStorage.setItem("tdmock.agent", name);
      if (current) current.reconnected();
    } },
    h("h2", { id: "who-heading" }, "Who is answering?"),
    h("p", { id: "who-why" }, "Your name signs your replies (the callbacks' author_name) and says which conversations are yours. "
      + "It is kept in this browser; change it any time in Agent, at the top right."),
    h("label", { for: "who-name" }, "Your name"), input,
    h("div", { class: "buttons" }, h("button", { type: "submit", class: "primary" }, "Start"))));
  dialog.addEventListener("close", () => dialog.remove());
  document.body.append(dialog);
  dialog.showModal();
  input.focus();
}

// ---- Start -------------------------------------------------------------------------------------

document.addEventListener("DOMContentLoaded", () => {
  const name = document.getElementById("agent-name");
  name.value = localStorage.getItem("tdmock.agent") || "agent";
  name.addEventListener("change", () => { localStorage.setItem("tdmock.agent", agentName()); if (current) current.reconnected(); });
  const signOut = document.getElementById("sign-out");
  signOut.hidden = sessionStorage.getItem("tdmock.signedIn") !== "yes";
  signOut.addEventListener("click", () => act(async () => {
    await call("POST", `${API}/sign-out`);
    sessionStorage.removeItem("tdmock.signedIn");
    signOut.hidden = true;
    if (stream.source) stream.source.close();
    showSignIn("Signed out.");
  }));
  window.addEventListener("hashchange", () => act(show));
  stream.start();
  // The header's failed callbacks on whichever view the page opens on (the inbox reads them again for its marks).
  act(show).then(() => { askName(); return signals.refresh(); }).catch(() => {});
});
