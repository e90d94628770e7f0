/* The attendant console page: sign-in, the lane grid, alerts on top with a sound, the lane sheet with its actions,
   acks as toasts, and the audit log for supervisors.

   Data flow: GET /api/lanes once (me, CSRF token), then a WebSocket (/api/ws) that starts with a snapshot and
   pushes every lane state, alert and ack; it reconnects when it drops and ends with code 4401 when the session
   does. Commands are POST /api/command with the CSRF token; their outcome arrives as an ack on the WebSocket.
   Everything shown from a lane goes through textContent: nothing a lane sends is ever parsed as HTML. */
"use strict";

(function () {
  const TEXTS = window.CONSOLE_TEXTS;
  const LANG = pickLang();
  const LOCALES = { de: "de-DE", en: "en-IE", nl: "nl-NL" };
  const LOCALE = LOCALES[LANG] || "en-IE";
  const SIGNED_OUT = 4401;
  const ACK_WAIT_MS = 10000;
  const PING_EVERY_MS = 60000;

  const S = {
    me: null,
    csrf: null,
    store: "",
    lanes: new Map(),        // lane id -> {state, alerts: Map(alert id -> alert), offset}
    skew: 0,                 // browser clock - console clock, seconds
    ws: null,
    wsOpened: false,
    wantWs: false,
    retry: 0,
    retryTimer: null,
    sent: new Map(),         // command id -> {id, lane, command, status, reason}
    early: new Map(),        // acks that arrived before the POST's answer (an in-process lane is that fast)
    openLane: null,
    focusAlert: null,
    idChecked: new Set(),    // "lane/alert": the attendant ticked "ID checked"
    beeped: new Set(),       // "lane/alert": alerts already announced
    beeps: 0,
    audio: null,
    lastPing: 0,
    imgs: new Map(),         // "lane/alert" -> <img>, kept so re-rendering does not reload the still
  };

  const $ = (id) => document.getElementById(id);

  // ------------------------------------------------------------------------------------------------------ texts

  function pickLang() {
    const wanted = (navigator.languages && navigator.languages.length ? navigator.languages : [navigator.language || "en"]);
    for (const l of wanted) {
      const k = String(l).slice(0, 2).toLowerCase();
      if (TEXTS[k]) return k;
    }
    return "en";
  }

  function t(key, vars) {
    let s = TEXTS[LANG][key];
    if (s === undefined) s = TEXTS.en[key];
    if (s === undefined) s = key;
    if (vars) s = s.replace(/\{(\w+)\}/g, (m, k) => (k in vars ? String(vars[k]) : m));
    return s;
  }

  function tn(key, count, vars) {
    return t(key + (count === 1 ? "_one" : "_other"), Object.assign({ count: count }, vars || {}));
  }

  function money(cents, currency) {
    try {
      return new Intl.NumberFormat(LOCALE, { style: "currency", currency: currency || "EUR" }).format(cents / 100);
    } catch (e) {
      return (cents / 100).toFixed(2) + " " + (currency || "EUR");
    }
  }

  function grams(g) {
    return new Intl.NumberFormat(LOCALE, { maximumFractionDigits: 0 }).format(g);
  }

  function kindText(kind, part) {
    const key = "kind." + kind + "." + part;
    return TEXTS.en[key] !== undefined ? t(key) : t("kind.other." + part, { kind: kind });
  }

  function reasonText(code) {
    if (!code) return "";
    const key = "rsn." + code;
    return TEXTS.en[key] !== undefined ? t(key) : code;
  }

  function commandLabel(command) {
    return t("act." + command);
  }

  function duration(seconds) {
    const s = Math.max(0, Math.floor(seconds));
    const h = Math.floor(s / 3600), m = Math.floor((s % 3600) / 60), r = s % 60;
    const two = (n) => String(n).padStart(2, "0");
    return h ? h + ":" + two(m) + ":" + two(r) : m + ":" + two(r);
  }

  function applyStaticTexts() {
    document.documentElement.lang = LANG;
    document.title = t("title");
    for (const el of document.querySelectorAll("[data-t]")) el.textContent = t(el.dataset.t);
  }

  // ------------------------------------------------------------------------------------------------------ DOM

  function el(tag, cls, text) {
    const e = document.createElement(tag);
    if (cls) e.className = cls;
    if (text !== undefined && text !== null) e.textContent = text;
    return e;
  }

  function button(label, onClick, cls) {
    const b = el("button", cls || "", label);
    b.type = "button";
    b.addEventListener("click", onClick);
    return b;
  }

  function show(id, yes) {
    $(id).hidden = !yes;
  }

  // ------------------------------------------------------------------------------------------------------ HTTP

  async function api(path, options) {
    const opts = Object.assign({ credentials: "same-origin", cache: "no-store" }, options || {});
    const r = await fetch(path, opts);
    let data = {};
    try { data = await r.json(); } catch (e) { data = {}; }
    return { status: r.status, data: data };
  }

  async function post(path, body) {
    const headers = { "Content-Type": "application/json" };
    if (S.csrf) headers["X-CSRF-Token"] = S.csrf;
    return api(path, { method: "POST", headers: headers, body: JSON.stringify(body || {}) });
  }

  // ------------------------------------------------------------------------------------------------------ sign-in

  function showSignIn(message) {
    S.wantWs = false;
    closeWs();
    S.me = null;
    S.csrf = null;
    S.lanes.clear();
    S.openLane = null;
    show("console", false);
    show("sheet", false);
    show("audit", false);
    show("confirm", false);
    show("signin", true);
    $("signin-error").textContent = message || "";
    $("signin-pin").value = "";
    $("signin-button").disabled = false;
    $("signin-button").textContent = t("signin.button");
    (($("signin-id").value ? $("signin-pin") : $("signin-id"))).focus();
  }

  async function signIn(ev) {
    ev.preventDefault();
    unlockAudio();          // inside the click: browsers allow sound from here on
    const id = $("signin-id").value.trim();
    const pin = $("signin-pin").value;
    if (!id || !pin) {
      $("signin-error").textContent = t("signin.bad_request");
      return;
    }
    $("signin-button").disabled = true;
    $("signin-button").textContent = t("signin.busy");
    $("signin-error").textContent = "";
    let r;
    try {
      r = await post("/login", { attendant: id, pin: pin });
    } catch (e) {
      return showSignIn(t("signin.offline"));
    }
    if (r.status !== 200) {
      const err = r.data.error;
      let msg;
      if (err === "locked") msg = t("signin.locked", { minutes: Math.max(1, Math.ceil((r.data.retry_after || 60) / 60)) });
      else if (err === "rate_limited") msg = t("signin.rate_limited", { seconds: Math.max(1, r.data.retry_after || 1) });
      else if (err && TEXTS.en["signin." + err] !== undefined) msg = t("signin." + err);
      else msg = t("signin.failed", { status: r.status });
      return showSignIn(msg);
    }
    S.csrf = r.data.csrf;
    await loadConsole();
  }

  async function loadConsole() {
    let r;
    try {
      r = await api("/api/lanes");
    } catch (e) {
      return showSignIn(t("signin.offline"));
    }
    if (r.status === 401) return showSignIn("");
    if (r.status !== 200) return showSignIn(t("signin.failed", { status: r.status }));
    S.me = r.data.me;
    S.csrf = r.data.csrf;
    S.store = r.data.store || "";
    S.lastPing = Date.now();
    applySnapshot(r.data);
    show("signin", false);
    show("console", true);
    renderHeader();
    renderAll();
    S.wantWs = true;
    S.retry = 0;
    connectWs();
  }

  async function signOut() {
    try { await post("/logout"); } catch (e) { /* signed out locally either way */ }
    showSignIn(t("signin.signed_out"));
  }

  function sessionEnded() {
    showSignIn(t("signin.expired"));
  }

  // ------------------------------------------------------------------------------------------------------ WebSocket

  function connectWs() {
    if (!S.wantWs || S.ws) return;
    clearTimeout(S.retryTimer);
    const ws = new WebSocket((location.protocol === "https:" ? "wss://" : "ws://") + location.host + "/api/ws");
    S.ws = ws;
    S.wsOpened = false;
    ws.onopen = () => { S.wsOpened = true; S.retry = 0; setConn(true); };
    ws.onmessage = (ev) => {
      let msg;
      try { msg = JSON.parse(ev.data); } catch (e) { return; }
      handle(msg);
    };
    ws.onclose = (ev) => {
      if (S.ws === ws) S.ws = null;
      setConn(false);
      if (!S.wantWs) return;
      if (ev.code === SIGNED_OUT) return sessionEnded();
      if (!S.wsOpened) {
        // Refused before it opened: the session may have ended while we were away.
        api("/api/ping?peek=1").then((r) => {
          if (r.status === 401) sessionEnded(); else retryWs();
        }).catch(retryWs);
      } else {
        retryWs();
      }
    };
  }

  function retryWs() {
    if (!S.wantWs) return;
    const delay = Math.min(10000, 500 * Math.pow(2, S.retry++));
    S.retryTimer = setTimeout(connectWs, delay);
  }

  function closeWs() {
    clearTimeout(S.retryTimer);
    if (S.ws) {
      const ws = S.ws;
      S.ws = null;
      ws.onclose = null;
      ws.close();
    }
    setConn(false);
  }

  function setConn(live) {
    const c = $("conn");
    c.textContent = live ? t("hdr.connected") : t("hdr.connecting");
    c.classList.toggle("live", live);
    document.body.dataset.live = live ? "1" : "0";
  }

  // ------------------------------------------------------------------------------------------------------ messages

  function laneEntry(id) {
    let e = S.lanes.get(id);
    if (!e) {
      e = { state: { lane: id, online: true, mode: "welcome", light: "green", items: 0, total_cents: 0,
                     currency: "EUR", lines: [], alerts: [] }, alerts: new Map(), offset: null };
      S.lanes.set(id, e);
    }
    return e;
  }

  function setBroker(up) {
    // The console's own link to the lanes (the broker): while it is down, the lanes' tiles are as last heard.
    $("no-broker").hidden = up !== false;
    document.body.dataset.broker = up === false ? "0" : "1";
  }

  function applySnapshot(snap) {
    if (typeof snap.now === "number") S.skew = Date.now() / 1000 - snap.now;
    setBroker(snap.broker);
    S.lanes.clear();
    for (const lane of snap.lanes || []) {
      const e = laneEntry(lane.lane);
      e.state = lane;
      e.offset = lane.offset;
      e.alerts = new Map((lane.alerts || []).map((a) => [a.id, a]));
    }
  }

  function handle(msg) {
    if (msg.type === "snapshot") {
      applySnapshot(msg);
    } else if (msg.type === "state") {
      const e = laneEntry(msg.lane);
      e.state = msg;
      if (msg.offset !== null && msg.offset !== undefined) e.offset = msg.offset;
      if (msg.online) {
        const next = new Map();
        for (const a of msg.alerts || []) {
          const prev = e.alerts.get(a.id);
          a.has_still = prev ? !!prev.has_still : false;
          next.set(a.id, a);
        }
        e.alerts = next;
      }
    } else if (msg.type === "alert") {
      const e = laneEntry(msg.lane);
      if (msg.offset !== null && msg.offset !== undefined) e.offset = msg.offset;
      const a = msg.alert;
      if (msg.event === "resolved" || a.status === "resolved") {
        e.alerts.delete(a.id);
        S.idChecked.delete(msg.lane + "/" + a.id);
        S.imgs.delete(msg.lane + "/" + a.id);
      } else {
        const prev = e.alerts.get(a.id);
        a.has_still = !!(a.has_still || msg.has_still || (prev && prev.has_still));
        if (msg.has_still) S.imgs.delete(msg.lane + "/" + a.id);   // a newer still: load it again
        e.alerts.set(a.id, a);
      }
    } else if (msg.type === "ack") {
      onAck(msg);
      return;
    } else if (msg.type === "broker") {
      setBroker(msg.connected);
      return;
    } else if (msg.type === "signed_out") {
      S.wantWs = false;
      return sessionEnded();
    } else {
      return;
    }
    renderAll();
  }

  function onAck(ack) {
    const c = S.sent.get(ack.id);
    if (!c) {
      S.early.set(ack.id, ack);
      if (S.early.size > 200) S.early.delete(S.early.keys().next().value);
      return;
    }
    if (c.status !== "sent" && ack.status === "duplicate") return;   // a repeat keeps the first outcome
    c.status = ack.status;
    c.reason = ack.reason || "";
    const vars = { command: commandLabel(c.command), lane: c.lane, reason: reasonText(c.reason) };
    toast(t("cmd." + ack.status, vars), ack.status);
    renderSheet();
  }

  // ------------------------------------------------------------------------------------------------------ commands

  async function send(lane, command, extra) {
    const body = Object.assign({ lane: lane, command: command }, extra || {});
    let r;
    try {
      r = await post("/api/command", body);
    } catch (e) {
      toast(t("cmd.failed", { command: commandLabel(command), reason: t("signin.offline") }), "failed");
      return;
    }
    if (r.status === 401) return sessionEnded();
    if (r.status !== 202) {
      toast(t("cmd.failed", { command: commandLabel(command), reason: reasonText(r.data.error || String(r.status)) }),
            "failed");
      return;
    }
    S.lastPing = Date.now();
    const c = { id: r.data.id, lane: lane, command: command, status: "sent", reason: "" };
    S.sent.set(c.id, c);
    if (S.sent.size > 500) S.sent.delete(S.sent.keys().next().value);
    const early = S.early.get(c.id);
    if (early) {
      S.early.delete(c.id);
      onAck(early);
    } else {
      toast(t("cmd.sent", { command: commandLabel(command), lane: lane }), "sent");
      setTimeout(() => {
        if (c.status === "sent") toast(t("cmd.no_answer", { command: commandLabel(command), lane: lane }), "failed");
      }, ACK_WAIT_MS);
    }
    renderSheet();
  }

  function confirmThen(text, action) {
    $("confirm-text").textContent = text;
    show("confirm", true);
    const yes = $("confirm-yes"), no = $("confirm-no");
    const done = (go) => {
      show("confirm", false);
      yes.onclick = no.onclick = null;
      if (go) action();
    };
    yes.onclick = () => done(true);
    no.onclick = () => done(false);
    no.focus();
  }

  function may(command) {
    return !!(S.me && S.me.actions.indexOf(command) >= 0);
  }

  // ------------------------------------------------------------------------------------------------------ sound

  function unlockAudio() {
    try {
      const Ctx = window.AudioContext || window.webkitAudioContext;
      if (!S.audio && Ctx) S.audio = new Ctx();
      if (S.audio && S.audio.state === "suspended") S.audio.resume();
    } catch (e) { /* no sound on this device */ }
    updateSoundButton();
  }

  function updateSoundButton() {
    const running = !!(S.audio && S.audio.state === "running");
    $("sound-button").hidden = running || !S.me;
  }

  function beep() {
    S.beeps += 1;
    document.body.dataset.beeps = String(S.beeps);
    const ctx = S.audio;
    if (!ctx || ctx.state !== "running") { updateSoundButton(); return; }
    const t0 = ctx.currentTime + 0.01;
    [880, 1175].forEach((f, i) => {
      const osc = ctx.createOscillator();
      const gain = ctx.createGain();
      const start = t0 + i * 0.22;
      osc.frequency.value = f;
      gain.gain.setValueAtTime(0.0001, start);
      gain.gain.exponentialRampToValueAtTime(0.35, start + 0.02);
      gain.gain.exponentialRampToValueAtTime(0.0001, start + 0.2);
      osc.connect(gain).connect(ctx.destination);
      osc.start(start);
      osc.stop(start + 0.22);
    });
  }

  // ------------------------------------------------------------------------------------------------------ time

  function consoleNow() {
    return Date.now() / 1000 - S.skew;
  }

  function sinceText(laneId, t0) {
    const e = S.lanes.get(laneId);
    const offset = e && typeof e.offset === "number" ? e.offset : 0;
    return duration(consoleNow() - offset - t0);
  }

  function sinceEl(laneId, t0) {
    const s = el("span", "since", sinceText(laneId, t0));
    s.dataset.lane = laneId;
    s.dataset.t0 = String(t0);
    return s;
  }

  function tick() {
    for (const s of document.querySelectorAll(".since[data-t0]")) {
      s.textContent = sinceText(s.dataset.lane, Number(s.dataset.t0));
    }
  }

  function alertT0(a) {
    return a.t_alerted !== null && a.t_alerted !== undefined ? a.t_alerted : a.t_raised;
  }

  // ------------------------------------------------------------------------------------------------------ rendering

  function sortedLanes() {
    return Array.from(S.lanes.values()).sort((a, b) =>
      a.state.lane.localeCompare(b.state.lane, undefined, { numeric: true }));
  }

  function openAlerts(e) {
    return Array.from(e.alerts.values()).sort((a, b) => a.id - b.id);
  }

  function renderHeader() {
    $("store-name").textContent = S.store;
    $("me").textContent = S.me ? S.me.name + " · " + t("role." + S.me.role) : "";
    $("audit-button").hidden = !(S.me && S.me.audit);
    updateSoundButton();
  }

  function renderAll() {
    renderLanes();
    renderStack();
    renderSheet();
  }

  function modeText(st) {
    if (!st.online) return t("lane.offline");
    if (!st.in_service && st.mode !== "out_of_service") return t("lane.out_of_service");
    return t("mode." + st.mode);
  }

  function renderLanes() {
    const main = $("lanes");
    main.replaceChildren();
    const lanes = sortedLanes();
    $("no-lanes").hidden = lanes.length > 0;
    for (const e of lanes) {
      const st = e.state;
      const alerts = openAlerts(e);
      const tile = el("button", "lane");
      tile.type = "button";
      tile.dataset.lane = st.lane;
      tile.dataset.mode = st.online ? st.mode : "offline";
      tile.dataset.alerts = String(alerts.length);
      if (!st.online) tile.classList.add("offline");
      if (st.online && alerts.some((a) => a.status === "alerted")) tile.classList.add("attention");
      const head = el("div", "head");
      head.append(el("span", "dot " + (st.online ? st.light : "off")), el("span", "id", st.lane),
                  el("span", "mode", modeText(st)));
      head.firstChild.title = t("light." + (st.online ? st.light : "off"));
      const figures = el("div", "figures");
      figures.append(el("span", "items", tn("lane.items", st.items || 0)),
                     el("span", "total", money(st.total_cents || 0, st.currency)));
      tile.append(head);
      if (st.online) tile.append(figures);          // an offline lane's figures are not known
      for (const a of alerts.slice(0, 3)) {
        const badge = el("div", "badge" + (a.status === "nudge" ? " nudge" : ""));
        badge.append(el("span", "", kindText(a.kind, "title") + " · "), sinceEl(st.lane, alertT0(a)));
        tile.append(badge);
      }
      if (alerts.length > 3) tile.append(el("div", "muted", tn("lane.alerts", alerts.length)));
      tile.addEventListener("click", () => openLane(st.lane, null));
      main.append(tile);
    }
  }

  function renderStack() {
    const stack = $("alert-stack");
    const items = [];
    for (const e of S.lanes.values()) {
      for (const a of e.alerts.values()) {
        if (a.status === "alerted") items.push([e.state.lane, a]);
      }
    }
    items.sort((x, y) => alertT0(x[1]) - alertT0(y[1]));
    const now = new Set(items.map(([lane, a]) => lane + "/" + a.id));
    const fresh = items.filter(([lane, a]) => !S.beeped.has(lane + "/" + a.id));
    S.beeped = new Set([...S.beeped].filter((k) => now.has(k)));
    stack.replaceChildren();
    for (const [lane, a] of items) {
      const key = lane + "/" + a.id;
      const b = el("button", "alert-banner");
      b.type = "button";
      b.dataset.lane = lane;
      b.dataset.alert = String(a.id);
      b.dataset.kind = a.kind;
      if (fresh.some(([l, x]) => l === lane && x.id === a.id)) b.classList.add("fresh");
      const what = el("span", "what", t("lane.title", { lane: lane }) + " · " + kindText(a.kind, "title"));
      b.append(el("span", "dot amber"), what);
      if (a.item) b.append(el("span", "item muted", a.item));
      b.append(sinceEl(lane, alertT0(a)));
      b.addEventListener("click", () => openLane(lane, a.id));
      stack.append(b);
      S.beeped.add(key);
    }
    if (fresh.length) beep();
  }

  function openLane(lane, alertId) {
    S.openLane = lane;
    S.focusAlert = alertId;
    show("sheet", true);
    renderSheet();
    const target = alertId !== null ? document.querySelector('.alert-card[data-alert="' + alertId + '"]') : null;
    if (target) target.scrollIntoView({ block: "nearest" });
  }

  function closeLane() {
    S.openLane = null;
    show("sheet", false);
  }

  function renderSheet() {
    if (!S.openLane) return;
    const e = S.lanes.get(S.openLane);
    if (!e) return closeLane();
    const st = e.state;
    const live = !!st.online;
    $("sheet-title").textContent = t("lane.title", { lane: st.lane }) + " · " + modeText(st);
    $("sheet-dot").className = "dot " + (live ? st.light : "off");
    const body = $("sheet-body");
    body.replaceChildren();
    body.dataset.lane = st.lane;

    // What the lane is doing.
    const status = el("section", "card section status");
    const facts = el("ul", "facts");
    facts.append(el("li", "", t("light." + (live ? st.light : "off"))));
    facts.append(el("li", "", st.txn !== null && st.txn !== undefined ? t("lane.txn", { number: st.txn }) : t("lane.no_txn")));
    facts.append(el("li", "", tn("lane.items", st.items || 0) + " · " + money(st.total_cents || 0, st.currency)));
    if (st.attendant) facts.append(el("li", "", t("lane.attendant", { name: st.attendant })));
    if (st.devices_down && st.devices_down.length) {
      facts.append(el("li", "error", t("lane.devices_down", { devices: st.devices_down.join(", ") })));
    }
    status.append(facts);
    body.append(status);

    // Its open alerts, each with what happened and what may be done.
    for (const a of openAlerts(e)) body.append(alertCard(st, a, live));

    // The basket, to void a line.
    if (st.txn !== null && st.txn !== undefined) {
      const basket = el("section", "card section basket");
      basket.append(el("h3", "", t("lane.basket")));
      const lines = st.lines || [];
      if (!lines.length) basket.append(el("p", "muted", t("lane.basket_empty")));
      const ul = el("ul", "lines");
      for (const line of lines) {
        const li = el("li");
        li.dataset.line = String(line.id);
        const name = line.kind === "deposit" ? t("lane.deposit", { name: line.name }) : line.name;
        li.append(el("span", "name", line.qty + " × " + name), el("span", "amount", money(line.amount_cents, st.currency)));
        if (may("void_line") && line.kind !== "deposit") {   // a deposit goes with its item's line
          const b = button(t("act.void_line"), () => confirmThen(t("confirm.void_line", { name: line.name, lane: st.lane }),
                                                                  () => send(st.lane, "void_line", { line: line.id })), "small");
          b.dataset.action = "void_line";
          b.disabled = !live;
          li.append(b);
        }
        ul.append(li);
      }
      basket.append(ul);
      body.append(basket);
    }

    // The lane as a whole.
    const lane = el("section", "card section lane-actions");
    lane.append(el("h3", "", t("lane.actions")));
    const acts = el("div", "actions");
    const add = (command, label, fn, cls) => {
      if (!may(command)) return;
      const b = button(label, fn, cls);
      b.dataset.action = command;
      b.disabled = !live;
      acts.append(b);
    };
    if (st.txn !== null && st.txn !== undefined) {
      add("cancel", t("act.cancel"), () => confirmThen(t("confirm.cancel", { lane: st.lane }), () => send(st.lane, "cancel")), "danger");
    }
    add("reprint", t("act.reprint"), () => send(st.lane, "reprint"));
    if (st.in_service) {
      add("close_lane", t("act.close_lane"), () => confirmThen(t("confirm.close_lane", { lane: st.lane }), () => send(st.lane, "close_lane")));
    } else {
      add("open_lane", t("act.open_lane"), () => send(st.lane, "open_lane"), "primary");
    }
    add("restart", t("act.restart"), () => confirmThen(t("confirm.restart", { lane: st.lane }), () => send(st.lane, "restart")), "danger");
    lane.append(acts);
    body.append(lane);

    // What became of this attendant's commands to this lane.
    const mine = Array.from(S.sent.values()).filter((c) => c.lane === st.lane).slice(-5).reverse();
    if (mine.length) {
      const sec = el("section", "card section");
      sec.append(el("h3", "", t("lane.commands")));
      const ul = el("ul", "outcomes");
      for (const c of mine) {
        const text = c.status === "sent" ? t("cmd.sent", { command: commandLabel(c.command), lane: c.lane })
          : t("cmd." + c.status, { command: commandLabel(c.command), lane: c.lane, reason: reasonText(c.reason) });
        const li = el("li", c.status, text);
        li.dataset.command = c.id;
        li.dataset.status = c.status;
        ul.append(li);
      }
      sec.append(ul);
      body.append(sec);
    }
  }

  function alertCard(st, a, live) {
    const key = st.lane + "/" + a.id;
    const card = el("section", "card section alert-card" + (a.status === "nudge" ? " nudge" : ""));
    card.dataset.alert = String(a.id);
    card.dataset.kind = a.kind;
    card.append(el("h3", "", kindText(a.kind, "title")));
    const status = el("div", "status");
    status.append(el("span", "", t("status." + a.status) + " · "), sinceEl(st.lane, alertT0(a)));
    card.append(status);
    const plain = kindText(a.kind, "text");
    if (plain) card.append(el("p", "plain", plain));
    const facts = el("ul", "facts");
    if (a.item) facts.append(el("li", "", t("alert.item", { item: a.item })));
    const hasE = typeof a.expected_g === "number", hasM = typeof a.measured_g === "number";
    if (hasE && hasM) {
      facts.append(el("li", "weight", t("alert.weight", { expected: grams(a.expected_g), measured: grams(a.measured_g),
                                                           difference: grams(a.measured_g - a.expected_g) })));
    } else if (hasE) {
      facts.append(el("li", "weight", t("alert.weight_expected", { expected: grams(a.expected_g) })));
    } else if (hasM) {
      facts.append(el("li", "weight", t("alert.weight_measured", { measured: grams(a.measured_g) })));
    }
    if (a.kind === "age_check" && /^\d+$/.test(a.detail || "")) facts.append(el("li", "", t("alert.age", { age: a.detail })));
    else if (a.detail) facts.append(el("li", "", t("alert.detail", { detail: a.detail })));
    if (a.risk || (a.reasons && a.reasons.length)) {
      const score = new Intl.NumberFormat(LOCALE, { maximumFractionDigits: 1 }).format(a.risk || 0);
      const reasons = (a.reasons || []).map((r) => {
        const [k, n] = String(r).split(":");
        const rk = "reason." + k;
        return TEXTS.en[rk] !== undefined ? t(rk, { count: n || 1 }) : r;
      });
      facts.append(el("li", "risk", reasons.length ? t("alert.risk_reasons", { score: score, reasons: reasons.join(", ") })
                                                   : t("alert.risk", { score: score })));
    }
    card.append(facts);
    if (a.has_still) {
      let img = S.imgs.get(key);
      if (!img) {
        img = el("img", "still");
        img.alt = t("alert.still");
        img.src = "/api/still/" + encodeURIComponent(st.lane) + "/" + a.id;
        img.addEventListener("error", () => { img.hidden = true; });
        S.imgs.set(key, img);
      }
      card.append(img);
    }

    const acts = el("div", "actions");
    const add = (command, label, fn, cls) => {
      if (!may(command)) return null;
      const b = button(label, fn, cls);
      b.dataset.action = command;
      b.disabled = !live;
      acts.append(b);
      return b;
    };
    if (a.kind === "age_check") {
      if (may("verify_age")) {
        const label = el("label", "check");
        const box = el("input");
        box.type = "checkbox";
        box.dataset.action = "id_checked";
        box.checked = S.idChecked.has(key);
        box.disabled = !live;
        label.append(box, el("span", "", t("act.id_checked")));
        acts.append(label);
        const verify = add("verify_age", t("act.verify_age"), () => {
          const extra = { intervention: a.id };
          if (/^\d+$/.test(a.detail || "")) extra.arg = a.detail;
          send(st.lane, "verify_age", extra);
        }, "primary");
        verify.disabled = !live || !box.checked;
        box.addEventListener("change", () => {
          if (box.checked) S.idChecked.add(key); else S.idChecked.delete(key);
          verify.disabled = !live || !box.checked;
        });
      }
      add("reject_age", t("act.reject_age"), () => confirmThen(t("confirm.reject_age", { lane: st.lane }),
                                                               () => send(st.lane, "reject_age", { intervention: a.id })));
    } else if (a.kind === "rescan_audit") {
      const ok = add("audit_done", t("act.audit_ok"), () => send(st.lane, "audit_done", { intervention: a.id, arg: "ok" }), "primary");
      if (ok) ok.dataset.arg = "ok";
      const found = add("audit_done", t("act.audit_found"), () => send(st.lane, "audit_done", { intervention: a.id, arg: "found" }));
      if (found) found.dataset.arg = "found";
    } else if (a.kind === "cancel_request") {
      add("approve", t("act.approve_cancel"), () => confirmThen(t("confirm.approve_cancel", { lane: st.lane }),
                                                                () => send(st.lane, "approve", { intervention: a.id })), "danger");
    } else {
      add("approve", t("act.approve"), () => send(st.lane, "approve", { intervention: a.id }), "primary");
    }
    if (acts.childNodes.length) card.append(acts);
    return card;
  }

  // ------------------------------------------------------------------------------------------------------ audit

  async function openAudit() {
    let r;
    try { r = await api("/api/audit?limit=200"); } catch (e) { return; }
    if (r.status === 401) return sessionEnded();
    if (r.status !== 200) return toast(t("cmd.failed", { command: t("hdr.audit"), reason: reasonText(r.data.error) }), "failed");
    S.lastPing = Date.now();
    const table = $("audit-table");
    table.replaceChildren();
    const head = el("tr");
    for (const k of ["audit.time", "audit.event", "audit.who", "audit.lane", "audit.what", "audit.outcome", "audit.from"]) {
      head.append(el("th", "", t(k)));
    }
    table.append(head);
    const rows = r.data.rows || [];
    if (!rows.length) {
      const tr = el("tr");
      const td = el("td", "muted", t("audit.empty"));
      td.colSpan = 7;
      tr.append(td);
      table.append(tr);
    }
    const fmt = new Intl.DateTimeFormat(LOCALE, { dateStyle: "short", timeStyle: "medium" });
    for (const row of rows) {
      const tr = el("tr");
      tr.dataset.event = row.event;
      const who = [row.attendant, row.role ? t("role." + row.role) : ""].filter(Boolean).join(" · ");
      const what = [row.command ? commandLabel(row.command) : "", row.target || ""].filter(Boolean).join(" · ");
      const outcome = [row.status || "", row.detail ? reasonText(row.detail) : ""].filter(Boolean).join(": ");
      tr.append(el("td", "", fmt.format(new Date(row.t * 1000))), el("td", "", t("ev." + row.event)),
                el("td", "", who), el("td", "", row.lane || ""), el("td", "", what), el("td", "", outcome),
                el("td", "", row.remote || ""));
      table.append(tr);
    }
    show("audit", true);
  }

  // ------------------------------------------------------------------------------------------------------ toasts

  function toast(text, kind) {
    const box = $("toasts");
    const n = el("div", "toast " + (kind || ""), text);
    n.setAttribute("role", "status");
    box.append(n);
    while (box.childNodes.length > 4) box.firstChild.remove();
    setTimeout(() => n.remove(), 6000);
  }

  // ------------------------------------------------------------------------------------------------------ activity

  function activity() {
    unlockAudio();
    if (!S.me || Date.now() - S.lastPing < PING_EVERY_MS) return;
    S.lastPing = Date.now();
    api("/api/ping").then((r) => { if (r.status === 401) sessionEnded(); }).catch(() => {});
  }

  // ------------------------------------------------------------------------------------------------------ start

  function start() {
    applyStaticTexts();
    $("signin-form").addEventListener("submit", signIn);
    $("signout-button").addEventListener("click", signOut);
    $("audit-button").addEventListener("click", openAudit);
    $("audit-close").addEventListener("click", () => show("audit", false));
    $("sheet-close").addEventListener("click", closeLane);
    $("sound-button").addEventListener("click", unlockAudio);
    $("sheet").addEventListener("click", (ev) => { if (ev.target === $("sheet")) closeLane(); });
    document.addEventListener("pointerdown", activity, true);
    document.addEventListener("keydown", (ev) => {
      activity();
      if (ev.key === "Escape" && !$("confirm").hidden) $("confirm-no").click();
      else if (ev.key === "Escape") { closeLane(); show("audit", false); }
    });
    if (window.ResizeObserver) {
      new ResizeObserver(() => {
        document.documentElement.style.setProperty("--top-h", $("top").offsetHeight + "px");
      }).observe($("top"));
    }
    setInterval(tick, 1000);
    setConn(false);
    loadConsole();
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
