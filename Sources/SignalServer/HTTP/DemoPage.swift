import Hummingbird
import NIOCore

/// `GET /demo`: a self-contained HTML + JavaScript page (no build step, no external assets)
/// that joins a room through `/signal`, opens an `RTCPeerConnection` and a data channel to
/// every peer, and chats over them. Turned off with `DEMO_PAGE=false`.
///
/// The page takes its token from the URL fragment (`/demo#token=…&nodeId=…`, which never
/// reaches a server log) or a pasted field, or needs none when auth is disabled. It exposes
/// `window.__state` (signal state, peers, per-peer channel state, messages, candidate count) for
/// the browser test in `Tests/browser`.
enum DemoPage {
    /// The page as a response: HTML, not cached, with a policy that allows nothing but the
    /// inline script and style and connections to this origin.
    static func response() -> Response {
        var headers = HTTPFields()
        headers[.contentType] = "text/html; charset=utf-8"
        headers[.cacheControl] = "no-store"
        headers[.contentSecurityPolicy] =
            "default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; connect-src 'self'; "
            + "img-src data:; base-uri 'none'; form-action 'none'; frame-ancestors 'none'"
        headers[.xContentTypeOptions] = "nosniff"
        return Response(status: .ok, headers: headers, body: ResponseBody(byteBuffer: body))
    }

    private static let body = ByteBuffer(string: html)

    static let html = #"""
        <!doctype html>
        <html lang="en">
        <head>
        <meta charset="utf-8">
        <meta name="viewport" content="width=device-width, initial-scale=1">
        <title>signal-server demo</title>
        <style>
          :root { --fg: #1d2330; --muted: #667085; --line: #e4e7ec; --bg: #f6f7f9; --ok: #12805c; --wait: #b54708; --bad: #b42318; }
          * { box-sizing: border-box; }
          body { margin: 0; font: 15px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; color: var(--fg); background: var(--bg); }
          header { display: flex; align-items: center; gap: 12px; padding: 14px 24px; background: #fff; border-bottom: 1px solid var(--line); }
          h1 { font-size: 18px; margin: 0; }
          h2 { font-size: 13px; text-transform: uppercase; letter-spacing: .05em; color: var(--muted); margin: 0 0 10px; }
          main { display: grid; grid-template-columns: minmax(300px, 380px) 1fr; gap: 16px; padding: 16px 24px; max-width: 1200px; }
          .card { background: #fff; border: 1px solid var(--line); border-radius: 10px; padding: 14px 16px; }
          .stack { display: grid; gap: 16px; align-content: start; }
          label { display: block; font-size: 13px; color: var(--muted); margin-bottom: 8px; }
          input, textarea { width: 100%; font: 13px ui-monospace, SFMono-Regular, Menlo, monospace; padding: 6px 8px; border: 1px solid #d0d5dd; border-radius: 6px; color: var(--fg); }
          textarea { resize: vertical; }
          button { font: inherit; padding: 6px 14px; border-radius: 6px; border: 1px solid #155eef; background: #155eef; color: #fff; cursor: pointer; }
          button.secondary { background: #fff; color: #155eef; }
          button:disabled { opacity: .45; cursor: default; }
          .badge { display: inline-block; padding: 1px 9px; border-radius: 999px; font-size: 12px; font-weight: 600; background: #eaecf0; color: var(--muted); }
          .badge.open, .badge.connected, .badge.completed { background: #d1fadf; color: var(--ok); }
          .badge.connecting, .badge.new, .badge.checking { background: #fef0c7; color: var(--wait); }
          .badge.closed, .badge.failed, .badge.disconnected { background: #fee4e2; color: var(--bad); }
          .muted { color: var(--muted); font-size: 13px; }
          table { width: 100%; border-collapse: collapse; font-size: 14px; }
          th { text-align: left; font-size: 12px; color: var(--muted); font-weight: 500; padding: 4px 6px; border-bottom: 1px solid var(--line); }
          td { padding: 6px; border-bottom: 1px solid var(--line); }
          td.id, .who { font-family: ui-monospace, SFMono-Regular, Menlo, monospace; }
          #messages { list-style: none; margin: 0 0 10px; padding: 0; min-height: 120px; max-height: 300px; overflow-y: auto; }
          #messages li { padding: 4px 0; border-bottom: 1px dashed var(--line); }
          #messages li.mine .who { color: #155eef; }
          .who { font-weight: 600; margin-right: 6px; }
          form.chat { display: flex; gap: 8px; }
          #log { list-style: none; margin: 0; padding: 0; max-height: 200px; overflow-y: auto; font: 12px ui-monospace, SFMono-Regular, Menlo, monospace; color: var(--muted); }
          .row { display: flex; gap: 8px; }
          .row > * { flex: 1; }
        </style>
        </head>
        <body>
        <header>
          <h1>signal-server demo</h1>
          <span class="muted">signaling</span> <span id="signal-state" class="badge">idle</span>
          <span class="muted" id="whoami"></span>
        </header>
        <main>
          <div class="stack">
            <section class="card">
              <h2>Connect</h2>
              <p class="muted" id="auth-note">Checking the server…</p>
              <label>Room token <textarea id="token" rows="3" placeholder="paste a token from POST /token, or open /demo#token=…"></textarea></label>
              <div class="row">
                <label>Room <input id="room" placeholder="the token's subject"></label>
                <label>Node ID <input id="node-id" placeholder="random"></label>
              </div>
              <button id="connect">Connect</button>
              <button id="disconnect" class="secondary" disabled>Disconnect</button>
              <p class="muted" id="close-note"></p>
            </section>
            <section class="card">
              <h2>Log</h2>
              <ol id="log"></ol>
            </section>
          </div>
          <div class="stack">
            <section class="card">
              <h2>Peers <span id="peer-count" class="muted"></span></h2>
              <table>
                <thead><tr><th>Node ID</th><th>Peer connection</th><th>ICE</th><th>Data channel</th></tr></thead>
                <tbody id="peers"><tr><td colspan="4" class="muted">No peers yet.</td></tr></tbody>
              </table>
              <p class="muted" id="candidate-note"></p>
            </section>
            <section class="card">
              <h2>Chat over the data channels</h2>
              <ol id="messages"></ol>
              <form class="chat" id="chat-form">
                <input id="chat-input" autocomplete="off" placeholder="Type a message; Enter sends it to every open data channel">
                <button id="send" type="submit">Send</button>
              </form>
            </section>
          </div>
        </main>
        <script>
        'use strict';
        (() => {
          const $ = (id) => document.getElementById(id);
          // Everything the page knows, for people (rendered below) and for test drivers.
          const state = window.__state = {
            auth: null, signal: 'idle', nodeId: null, room: null, registered: false,
            closeCode: null, closeReason: null,
            peers: [], channels: {}, connections: {}, ice: {},
            messages: [], candidates: 0, remoteCandidates: 0, replacedConnections: 0, errors: [], log: [],
          };
          const peers = new Map(); // nodeId -> { id, pc, channel, pending }
          let ws = null;

          function log(line) {
            const entry = new Date().toISOString().slice(11, 23) + ' ' + line;
            state.log.push(entry);
            if (state.log.length > 300) state.log.shift();
            const li = document.createElement('li');
            li.textContent = entry;
            $('log').prepend(li);
            while ($('log').childElementCount > 100) $('log').lastChild.remove();
          }
          function error(line) { state.errors.push(line); log('error: ' + line); }

          function badge(text) {
            const span = document.createElement('span');
            span.className = 'badge ' + text;
            span.textContent = text;
            return span;
          }

          function render() {
            const signal = $('signal-state');
            signal.className = 'badge ' + state.signal;
            signal.textContent = state.signal + (state.registered && state.signal === 'open' ? ', registered' : '');
            $('whoami').textContent = state.nodeId ? `you are ${state.nodeId} in room ${state.room}` : '';
            $('connect').disabled = ws !== null;
            $('disconnect').disabled = ws === null;
            const body = $('peers');
            body.replaceChildren();
            for (const id of state.peers) {
              const row = document.createElement('tr');
              const cell = document.createElement('td');
              cell.className = 'id';
              cell.textContent = id;
              row.append(cell);
              for (const value of [state.connections[id], state.ice[id], state.channels[id]]) {
                const td = document.createElement('td');
                td.append(badge(value || 'new'));
                row.append(td);
              }
              body.append(row);
            }
            if (state.peers.length === 0) {
              body.innerHTML = '<tr><td colspan="4" class="muted">No peers yet.</td></tr>';
            }
            const open = Object.values(state.channels).filter((s) => s === 'open').length;
            $('peer-count').textContent = `${open} of ${state.peers.length} data channels open`;
            $('candidate-note').textContent =
              `ICE candidates: ${state.candidates} gathered here, ${state.remoteCandidates} received from peers.`;
          }

          function addMessage(from, text, mine) {
            state.messages.push({ from, text, mine, at: new Date().toISOString() });
            const li = document.createElement('li');
            if (mine) li.className = 'mine';
            const who = document.createElement('span');
            who.className = 'who';
            who.textContent = from;
            li.append(who, document.createTextNode(text));
            $('messages').append(li);
            $('messages').scrollTop = $('messages').scrollHeight;
          }

          function send(frame) {
            if (ws && ws.readyState === WebSocket.OPEN) ws.send(JSON.stringify(frame));
          }

          // The payload fields pass through the server unchanged; accept both a description
          // object ({type, sdp}, as aikofy/client-db sends) and a bare SDP string.
          const description = (sdp, type) => (typeof sdp === 'string' ? { type, sdp } : sdp);
          const isCurrent = (peer) => peers.get(peer.id) === peer;

          function retire(id) {
            const old = peers.get(id);
            if (!old) return;
            peers.delete(id);
            old.pc.close();
          }

          function newPeer(id) {
            if (peers.has(id)) {
              state.replacedConnections += 1;
              log(`${id} connects again: the old peer connection is replaced`);
            }
            retire(id);
            const pc = new RTCPeerConnection({ iceServers: [] });
            const peer = { id, pc, channel: null, pending: [] };
            peers.set(id, peer);
            if (!state.peers.includes(id)) state.peers.push(id);
            state.channels[id] = 'connecting';
            state.connections[id] = pc.connectionState;
            state.ice[id] = pc.iceConnectionState;
            pc.onicecandidate = (event) => {
              if (!isCurrent(peer) || !event.candidate) return;
              state.candidates += 1;
              send({ type: 'ice-candidate', to: id, candidate: event.candidate });
              render();
            };
            pc.onconnectionstatechange = () => {
              if (!isCurrent(peer)) return;
              state.connections[id] = pc.connectionState;
              if (pc.connectionState === 'failed') error(`peer connection to ${id} failed`);
              render();
            };
            pc.oniceconnectionstatechange = () => {
              if (!isCurrent(peer)) return;
              state.ice[id] = pc.iceConnectionState;
              render();
            };
            render();
            return peer;
          }

          function wireChannel(peer, channel) {
            peer.channel = channel;
            const set = (value) => {
              if (!isCurrent(peer)) return;
              state.channels[peer.id] = value;
              render();
            };
            channel.onopen = () => { set('open'); log(`data channel to ${peer.id} open`); };
            channel.onclose = () => { if (isCurrent(peer)) log(`data channel to ${peer.id} closed`); set('closed'); };
            channel.onmessage = (event) => {
              if (typeof event.data !== 'string') return;
              let text = event.data;
              try {
                const message = JSON.parse(event.data);
                if (message && message.type === 'chat') text = String(message.text);
              } catch (_) { /* plain text */ }
              addMessage(peer.id, text, false);
            };
          }

          function drain(peer) {
            const pending = peer.pending;
            peer.pending = [];
            for (const candidate of pending) {
              peer.pc.addIceCandidate(candidate).catch((e) => fail(peer, e));
            }
          }

          function fail(peer, e) {
            if (isCurrent(peer)) error(`${peer.id}: ${e && e.message ? e.message : e}`);
          }

          // The newcomer offers to everyone in its peer-list; it creates the data channel.
          function offerTo(id) {
            const peer = newPeer(id);
            wireChannel(peer, peer.pc.createDataChannel('chat', { ordered: true }));
            peer.pc.createOffer()
              .then((offer) => peer.pc.setLocalDescription(offer))
              .then(() => { if (isCurrent(peer)) send({ type: 'offer', to: id, sdp: peer.pc.localDescription }); })
              .catch((e) => fail(peer, e));
          }

          // An offer from a peer we already know means it reconnected: start over with it.
          function answer(id, sdp) {
            const peer = newPeer(id);
            peer.pc.ondatachannel = (event) => { if (isCurrent(peer)) wireChannel(peer, event.channel); };
            peer.pc.setRemoteDescription(description(sdp, 'offer'))
              .then(() => { drain(peer); return peer.pc.createAnswer(); })
              .then((answer) => peer.pc.setLocalDescription(answer))
              .then(() => { if (isCurrent(peer)) send({ type: 'answer', to: id, sdp: peer.pc.localDescription }); })
              .catch((e) => fail(peer, e));
          }

          function handle(frame) {
            switch (frame.type) {
              case 'peer-list':
                state.registered = true;
                log(`registered; peers: ${frame.peers.length ? frame.peers.join(', ') : 'none yet'}`);
                for (const id of frame.peers) if (id !== state.nodeId) offerTo(id);
                break;
              case 'offer':
                log(`offer from ${frame.from}`);
                answer(frame.from, frame.sdp);
                break;
              case 'answer': {
                const peer = peers.get(frame.from);
                if (!peer || peer.pc.signalingState !== 'have-local-offer') break;
                log(`answer from ${frame.from}`);
                peer.pc.setRemoteDescription(description(frame.sdp, 'answer'))
                  .then(() => drain(peer))
                  .catch((e) => fail(peer, e));
                break;
              }
              case 'ice-candidate': {
                const peer = peers.get(frame.from);
                if (!peer || !frame.candidate) break;
                state.remoteCandidates += 1;
                const candidate = typeof frame.candidate === 'string'
                  ? { candidate: frame.candidate, sdpMid: frame.sdpMid ?? '0', sdpMLineIndex: frame.sdpMLineIndex ?? 0 }
                  : frame.candidate;
                // Candidates can overtake the description they belong to: queue them until it is set.
                if (peer.pc.remoteDescription) {
                  peer.pc.addIceCandidate(candidate).catch((e) => fail(peer, e));
                } else {
                  peer.pending.push(candidate);
                }
                break;
              }
              case 'error':
                log(`server says ${frame.code}: ${frame.message}`);
                break;
              case 'auth-err':
                error(`server refused: ${frame.message}`);
                break;
            }
            render();
          }

          function tokenSubject(token) {
            try {
              const part = token.split('.')[1].replace(/-/g, '+').replace(/_/g, '/');
              const bytes = Uint8Array.from(atob(part + '==='.slice((part.length + 3) % 4)), (c) => c.charCodeAt(0));
              const sub = JSON.parse(new TextDecoder().decode(bytes)).sub;
              return typeof sub === 'string' ? sub : null;
            } catch (_) {
              return null;
            }
          }

          function randomId() {
            const bytes = new Uint8Array(4);
            crypto.getRandomValues(bytes);
            return 'peer-' + Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');
          }

          function closeAllPeers() {
            for (const id of [...peers.keys()]) {
              retire(id);
              state.channels[id] = 'closed';
              state.connections[id] = 'closed';
            }
          }

          function connect() {
            if (ws) return;
            const token = $('token').value.trim();
            const room = $('room').value.trim();
            if (!$('node-id').value.trim()) $('node-id').value = randomId();
            const nodeId = $('node-id').value.trim();
            const query = new URLSearchParams();
            if (token) query.set('token', token);
            if (room) query.set('room', room);
            query.set('nodeId', nodeId);
            state.nodeId = nodeId;
            state.room = room || (token && tokenSubject(token)) || 'default';
            state.registered = false;
            state.closeCode = null;
            state.closeReason = null;
            $('close-note').textContent = '';
            const scheme = location.protocol === 'https:' ? 'wss://' : 'ws://';
            const socket = new WebSocket(`${scheme}${location.host}/signal?${query}`);
            ws = socket;
            state.signal = 'connecting';
            log(`connecting to ${scheme}${location.host}/signal as ${nodeId}`);
            socket.onopen = () => {
              if (ws !== socket) return;
              state.signal = 'open';
              send({ type: 'register', role: 'normal', serveConsumers: false });
              render();
            };
            socket.onmessage = (event) => {
              if (ws !== socket) return;
              let frame;
              try { frame = JSON.parse(event.data); } catch (_) { return; }
              if (frame && typeof frame === 'object') handle(frame);
            };
            socket.onclose = (event) => {
              if (ws !== socket) return;
              ws = null;
              state.signal = 'closed';
              state.registered = false;
              state.closeCode = event.code;
              state.closeReason = event.reason;
              log(`signaling closed: ${event.code} ${event.reason}`);
              $('close-note').textContent = `Signaling closed ${event.code}${event.reason ? ': ' + event.reason : ''}.`;
              // Replaced by the same nodeId elsewhere: that page owns the peer connections now.
              if (event.code === 1000 && event.reason === 'replaced by new connection') closeAllPeers();
              render();
            };
            render();
          }

          function disconnect() {
            if (!ws) return;
            ws.close(1000, 'bye');
            closeAllPeers();
          }

          $('connect').onclick = connect;
          $('disconnect').onclick = disconnect;
          $('chat-form').onsubmit = (event) => {
            event.preventDefault();
            const text = $('chat-input').value.trim();
            if (!text) return;
            let sent = 0;
            for (const peer of peers.values()) {
              if (peer.channel && peer.channel.readyState === 'open') {
                peer.channel.send(JSON.stringify({ type: 'chat', text }));
                sent += 1;
              }
            }
            if (sent === 0) log('no open data channel: message not sent');
            else addMessage(state.nodeId || 'me', text, true);
            $('chat-input').value = '';
          };

          fetch('/health', { cache: 'no-store' })
            .then((response) => response.json())
            .then((health) => {
              state.auth = health.auth;
              $('auth-note').textContent = health.auth === 'enabled'
                ? 'Auth is on: paste a room token (your backend mints it with POST /token), or open this page as /demo#token=…&nodeId=… so the token never reaches a server log.'
                : 'Auth is off: pick a room and connect; no token needed.';
            })
            .catch(() => { $('auth-note').textContent = 'Could not reach /health.'; });

          // #token=…&room=…&nodeId=… fills the form (the fragment is never sent to the server) and connects.
          const fragment = new URLSearchParams(location.hash.replace(/^#/, ''));
          if (fragment.get('token')) $('token').value = fragment.get('token');
          if (fragment.get('room')) $('room').value = fragment.get('room');
          if (fragment.get('nodeId')) $('node-id').value = fragment.get('nodeId');
          // Keep the token out of the address bar and the history once it is in the form.
          if (location.hash) history.replaceState(null, '', location.pathname + location.search);
          render();
          if (fragment.get('token') || fragment.get('room')) connect();
        })();
        </script>
        </body>
        </html>
        """#
}
