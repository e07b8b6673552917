/*! Agent Factory chat widget: a chat bubble for an agent's share link.
 * On a page of a site among the link's "Allowed sites":
 *   <script src="https://ORIGIN/embed.js" data-link="SHARE_TOKEN" async></script>
 * Signed-in users: add data-user-token="JWT" (HS256, signed by your backend with the
 * link's embed secret). Your own button may call AgentFactoryChat.open() / .close().
 */
(() => {
  const script = document.currentScript; // null after this first run
  if (!script || window.AgentFactoryChat) return;
  const { link, userToken } = script.dataset;
  const origin = new URL(script.src).origin;
  const chat = `${origin}/c/${encodeURIComponent(link || '')}`;
  const warn = (why) => console.warn(`Agent Factory: ${why}`);
  let wanted = false;
  let toggle = (open) => { wanted = open; }; // until the bubble is there
  window.AgentFactoryChat = { open: () => toggle(true), close: () => toggle(false) };
  if (!link) return warn('the script tag has no data-link.');

  // Without a user token: a random visitor id this browser keeps for the link.
  const visitor = () => {
    const key = `agf-visitor:${link}`;
    const bytes = crypto.getRandomValues(new Uint8Array(32));
    const id = btoa(String.fromCharCode(...bytes)).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
    try {
      const kept = localStorage.getItem(key);
      if (/^[\w-]{43}$/.test(kept || '')) return kept;
      localStorage.setItem(key, id);
    } catch { /* storage blocked: an id for this page only */ }
    return id;
  };

  const el = (tag, attrs = {}, ns) => {
    const node = ns ? document.createElementNS(ns, tag) : document.createElement(tag);
    for (const [k, v] of Object.entries(attrs)) node.setAttribute(k, v);
    return node;
  };
  const CSS = `:host{all:initial}
button{position:fixed;right:16px;bottom:16px;z-index:2147483647;width:56px;height:56px;padding:0;border:0;border-radius:50%;background:#4f46e5;color:#fff;cursor:pointer;display:grid;place-items:center;box-shadow:0 4px 14px #0004}
button:hover{background:#4338ca}
button:focus-visible{outline:3px solid #a5b4fc;outline-offset:2px}
section{position:fixed;right:16px;bottom:88px;z-index:2147483647;width:380px;height:600px;max-width:calc(100vw - 32px);max-height:calc(100vh - 112px);background:#fff;border-radius:12px;box-shadow:0 12px 40px #0005;overflow:hidden}
section[hidden]{display:none}
iframe{display:block;width:100%;height:100%;border:0}
@media (max-width:480px){section{top:0;left:0;right:0;width:auto;height:auto;max-width:none;max-height:none;border-radius:0 0 12px 12px}}`;

  const mount = ({ name, signed_users_only: signedOnly }) => {
    if (signedOnly && !userToken) return warn('this chat is only for signed-in users: add data-user-token to the script tag.');
    name = String(name || 'us');
    const session = userToken || visitor();
    const host = el('div', { id: 'agf-chat' });
    const root = host.attachShadow({ mode: 'open' });
    const style = el('style');
    style.textContent = CSS;
    const button = el('button', { type: 'button', 'aria-label': `Chat with ${name}`, 'aria-expanded': 'false', 'aria-controls': 'agf-panel' });
    const svg = 'http://www.w3.org/2000/svg';
    const icon = el('svg', { viewBox: '0 0 24 24', width: 28, height: 28, fill: 'none', stroke: 'currentColor', 'stroke-width': 2, 'stroke-linejoin': 'round', 'aria-hidden': 'true' }, svg);
    icon.append(el('path', { d: 'M21 12c0 4.4-4 8-9 8a9.9 9.9 0 0 1-4.3-.9L3 20l1.4-3.7A7.4 7.4 0 0 1 3 12c0-4.4 4-8 9-8s9 3.6 9 8z' }, svg));
    button.append(icon);
    const panel = el('section', { id: 'agf-panel', 'aria-label': name });
    panel.hidden = true;
    root.append(style, button, panel);

    let frame; // made on first open: nothing more loads before
    toggle = (open, refocus) => {
      if (open && !frame) {
        frame = el('iframe', { title: name, allow: 'clipboard-write', referrerpolicy: 'origin' });
        frame.src = `${chat}?session=${encodeURIComponent(session)}`;
        panel.append(frame);
      }
      if (!open && (refocus || root.activeElement === frame)) button.focus();
      panel.hidden = !open;
      button.setAttribute('aria-expanded', String(open));
    };
    button.addEventListener('click', () => toggle(panel.hidden));
    root.addEventListener('keydown', (e) => e.key === 'Escape' && !panel.hidden && toggle(false, true));
    // The chat page may ask to close (Escape pressed inside it).
    addEventListener('message', (e) => {
      if (e.origin === origin && e.source === frame?.contentWindow && e.data === 'agf:close') toggle(false, true);
    });
    const attach = () => { document.body.append(host); if (wanted) toggle(true); };
    document.body ? attach() : addEventListener('DOMContentLoaded', attach, { once: true });
  };

  fetch(`${chat}/embed.json`, { credentials: 'omit' })
    .then((r) => { if (!r.ok) throw new Error(r.status); return r.json(); })
    .then(mount, () => warn(`this site may not embed this chat (is ${location.origin} among the link's "Allowed sites"?).`));
})();
