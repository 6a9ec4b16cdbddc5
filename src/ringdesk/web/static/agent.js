// Agent page (C9): receive screen pops over server-sent events and show them.
"use strict";
(() => {
  const root = document.getElementById("agent");
  const ext = root.dataset.extension;
  const key = root.dataset.key;
  const conn = document.getElementById("conn");
  const autoOpen = document.getElementById("auto-open");
  const recentKey = "ringdesk.recent." + ext;
  const pops = new Map();
  autoOpen.checked = localStorage.getItem("ringdesk.autoOpen") === "1";
  autoOpen.addEventListener("change", () => localStorage.setItem("ringdesk.autoOpen", autoOpen.checked ? "1" : "0"));

  const el = (tag, attrs, text) => {
    const node = document.createElement(tag);
    Object.entries(attrs || {}).forEach(([k, v]) => node.setAttribute(k, v));
    if (text !== undefined) node.textContent = text;
    return node;
  };
  const safeUrl = (url) => { if (!url) return ""; try { const u = new URL(url, location.href); return ["http:", "https:"].includes(u.protocol) ? u.href : ""; } catch (e) { return ""; } };

  function show(pop) {
    const card = document.getElementById("pop");
    document.getElementById("waiting").hidden = true;
    card.hidden = false;
    card.classList.toggle("unmatched", !pop.matched);
    document.getElementById("pop-title").textContent = pop.matched ? "Incoming call" : "Unknown caller";
    document.getElementById("pop-name").textContent = pop.name || (pop.matched ? "" : "Not in the helpdesk");
    document.getElementById("pop-number").textContent = pop.number || "";
    document.getElementById("pop-company").textContent = pop.company || "";
    document.getElementById("pop-integration").textContent = pop.integration ? "via " + pop.integration : "";
    const actions = document.getElementById("pop-actions");
    actions.replaceChildren();
    const url = safeUrl(pop.popup_url || "");
    if (url) actions.append(el("a", { href: url, target: "_blank", rel: "noopener", class: "button primary", id: "open-helpdesk" }, "Open in helpdesk"));
    (pop.actions || []).forEach((a) => {
      let href = safeUrl(a.url || "");
      const own = href && new URL(href).origin === location.origin && new URL(href).pathname.startsWith("/agent/");
      if (own) {  // ringdesk's own action pages: they need this agent's extension and key
        const u = new URL(href);
        u.searchParams.set("ext", ext);
        u.searchParams.set("key", key);
        href = u.href;
      }
      if (href) actions.append(el("a", { href, target: "_blank", rel: "noopener", class: "button", "data-action": a.action || "" }, a.label || a.action));
    });
    if (url && autoOpen.checked && !pops.has(pop.call_id + url)) window.open(url, "_blank", "noopener");
    pops.set(pop.call_id + url, true);
  }

  function recent(pop) {
    let items = [];
    try { items = JSON.parse(localStorage.getItem(recentKey) || "[]"); } catch (e) { items = []; }
    items = items.filter((i) => i.call_id !== pop.call_id);
    items.unshift({ call_id: pop.call_id, name: pop.name || "", number: pop.number || "", url: safeUrl(pop.popup_url || ""), at: Date.now() });
    items = items.slice(0, 20);
    localStorage.setItem(recentKey, JSON.stringify(items));
    renderRecent(items);
  }

  function renderRecent(items) {
    const list = document.getElementById("recent");
    list.replaceChildren(...items.map((i) => {
      const li = el("li");
      li.append(el("time", {}, new Date(i.at).toLocaleTimeString()));
      li.append(el("strong", {}, i.name || "Unknown"));
      li.append(el("span", {}, i.number));
      if (i.url) li.append(el("a", { href: i.url, target: "_blank", rel: "noopener" }, "Open"));
      return li;
    }));
  }

  try { renderRecent(JSON.parse(localStorage.getItem(recentKey) || "[]")); } catch (e) { renderRecent([]); }

  const source = new EventSource("/api/v1/agents/" + encodeURIComponent(ext) + "/events?key=" + encodeURIComponent(key));
  source.onopen = () => { conn.textContent = "Connected"; conn.className = "conn live"; };
  source.onerror = () => { conn.textContent = "Reconnecting…"; conn.className = "conn down"; };
  source.addEventListener("pop", (event) => {
    let pop;
    try { pop = JSON.parse(event.data); } catch (e) { return; }
    show(pop);
    recent(pop);
  });
})();
