// The guest page: a partner class joins the conference from a browser (docs/invitations.md).
// World protocol: MessagePack arrays [type, ...fields] over a binary WebSocket at /ws (docs/protocol.md);
// conference signalling and its two peer connections: docs/conference.md. No framework, no build step.
//
// States (document.body.dataset.state):
//   invalid -> (terminal: the server said why the code cannot be used)
//   name -> joining (POST /auth/guest) -> connecting (WebSocket, HELLO) -> lobby | conference
//   lobby <-> conference (ROOM), any connected state -> lost (connection lost: rejoin) | left (BYE: rejoin)
//   | ended (4012: removed or the invitation ended) | name (4001: the session expired)
"use strict";

(() => {
  const boot = JSON.parse(document.getElementById("boot").textContent);
  const S = boot.strings;
  const $ = (id) => document.getElementById(id);

  // --- message codes (protocol/messages.py, conference.py, teacher.py, invitation.py) -------------
  const T = {
    HELLO: 1, SAY: 5, BYE: 8, WELCOME: 2, FRAME: 16, CHAT: 19, ROOM: 20, PRESENCE: 22, ERROR: 23, CLOSING: 24,
    CONF_PUBLISH: 64, CONF_SUBSCRIBE_ANSWER: 65, CONF_FLOOR: 67, CONF_MUTE: 68, CONF_REMOVE: 69,
    CONF_PUBLISH_ANSWER: 80, CONF_SUBSCRIBE_OFFER: 81, CONF_TRACKS: 82, CONF_ROLE: 83, CONF_MUTED: 84,
    CONF_LEFT: 85, CONF_RECORDING: 86, CONF_ICE: 87, HAND: 112, ROOM_STATE: 128,
  };
  const ERRORS = {
    3: "INVALID_FIELD", 5: "RATE_LIMITED", 10: "UNEXPECTED_MESSAGE", 14: "ACCESS_DENIED", 16: "UNKNOWN_AVATAR",
    17: "CHAT_FORBIDDEN", 18: "MUTED", 19: "RESUME_FAILED", 21: "INTERNAL",
  };
  const LOBBY = "lobby";
  const ICE_WAIT_MS = 8000;
  const WELCOME_WAIT_MS = 15000;

  function t(key, values) {
    let text = S[key] || key;
    for (const [name, value] of Object.entries(values || {})) text = text.split(`{${name}}`).join(String(value));
    return text;
  }

  // --- state ----------------------------------------------------------------------------------------
  const app = {
    state: document.body.dataset.state || "name",
    token: null, resume: null, me: null, myName: "", room: null, ws: null, welcomed: false,
    members: new Map(), // id -> {name, role}
    roles: new Map(), // participant -> "host" | "speaker" | "audience"
    mutedBy: new Set(), // "participant:kind" muted by a host
    hands: [],
    recording: false,
    iceServers: [],
    local: null, // MediaStream of my camera and microphone
    pub: null, // {pc, answered}
    sub: null, // RTCPeerConnection answering the server's offers
    subChain: Promise.resolve(),
    tracksByMid: new Map(), // mid -> MediaStreamTrack
    trackMap: [], // [[mid, participant, kind]] from CONF_TRACKS
    levels: new Map(), // participant -> smoothed audio level
    energy: new Map(), // audio track id -> {energy, duration} at the last reading
    big: null, // participant shown big
    timers: [],
    mediaRuns: 0,
    subscribeConnections: 0, // how many subscribe connections this page opened (restarts included)
  };
  window.cybercollege = app; // for tests and curious teachers: read-only use

  function setState(state) {
    app.state = state;
    document.body.dataset.state = state;
    const visible = {
      invalid: "error-step", name: "name-step", joining: "name-step", connecting: "lobby-step",
      lobby: "lobby-step", conference: "conference-step", lost: "ended-step", left: "ended-step",
      ended: "ended-step",
    }[state];
    for (const id of ["error-step", "name-step", "lobby-step", "conference-step", "ended-step"]) {
      $(id).hidden = id !== visible;
    }
    $("join-button").disabled = state === "joining";
    $("rejoin-button").hidden = state === "ended";
    if (state === "connecting") $("lobby-message").textContent = t("web.connecting");
    if (state === "lobby") $("lobby-message").textContent = t("web.lobby_wait");
    if (!["lobby", "conference", "connecting"].includes(state)) $("recording").hidden = true;
  }

  function status(text) {
    $("status").textContent = text || "";
  }

  // --- step 1: the name -----------------------------------------------------------------------------
  function showInvitation() {
    const inv = boot.invitation;
    if (!inv) return;
    const until = new Date(inv.valid_until * 1000);
    let text;
    try {
      text = new Intl.DateTimeFormat(boot.lang, {
        year: "numeric", month: "long", day: "numeric", hour: "2-digit", minute: "2-digit", timeZoneName: "short",
      }).format(until);
    } catch (e) {
      text = until.toLocaleString();
    }
    $("invitation-until").textContent = text;
    if (!inv.school) $("invitation-school").textContent = "—";
  }

  async function submitName(event) {
    event.preventDefault();
    const name = $("name-input").value.trim().split(/\s+/).join(" ");
    $("name-error").textContent = "";
    if (!name) {
      $("name-error").textContent = t("web.error.guest_name_invalid");
      $("name-input").focus();
      return;
    }
    setState("joining");
    status(t("web.joining"));
    try {
      const response = await fetch("/auth/guest", {
        method: "POST", headers: { "Content-Type": "application/json" },
        body: JSON.stringify({ code: boot.code, name }),
      });
      const body = await response.json().catch(() => ({}));
      if (!response.ok) {
        const key = `web.error.${body.error}`;
        refuseName(S[key] ? key : "web.error.generic", body.error);
        return;
      }
      app.token = body.access_token;
      app.myName = body.name || name;
      app.resume = null;
      connect();
    } catch (e) {
      refuseName("web.error.network");
    }
  }

  function refuseName(key, code) {
    status("");
    const terminal = ["invitation_unknown", "invitation_expired", "invitation_not_yet", "invitation_full"];
    if (terminal.includes(code)) {
      $("invitation-error").textContent = t(key);
      setState("invalid");
      return;
    }
    setState("name");
    $("name-error").textContent = t(key);
    $("name-input").focus();
  }

  // --- the world connection --------------------------------------------------------------------------
  function send(message) {
    if (app.ws && app.ws.readyState === WebSocket.OPEN) app.ws.send(MessagePack.encode(message));
  }

  function connect() {
    setState("connecting");
    status(t("web.connecting"));
    app.welcomed = false;
    const scheme = location.protocol === "https:" ? "wss:" : "ws:";
    const ws = new WebSocket(`${scheme}//${location.host}/ws`);
    ws.binaryType = "arraybuffer";
    app.ws = ws;
    const timer = setTimeout(() => { if (!app.welcomed) ws.close(); }, WELCOME_WAIT_MS);
    ws.onopen = () => {
      const hello = [T.HELLO, [1], app.token, "cybercollege-web"];
      if (app.resume) hello.push(app.resume);
      ws.send(MessagePack.encode(hello));
    };
    ws.onmessage = (event) => {
      let message;
      try {
        message = MessagePack.decode(new Uint8Array(event.data));
      } catch (e) {
        return; // not MessagePack: ignored
      }
      handleTop(message);
    };
    ws.onclose = (event) => {
      clearTimeout(timer);
      if (app.ws === ws) closed(event.code);
    };
  }

  function handleTop(message) {
    if (!Array.isArray(message)) return;
    if (message[0] === T.WELCOME) {
      if (app.welcomed || !Array.isArray(message[2]) || typeof message[3] !== "string") return;
      app.welcomed = true;
      const you = message[2];
      app.me = you[0];
      app.myName = you[1] || app.myName;
      app.resume = message[4];
      status("");
      enterRoom(message[3]);
    } else if (message[0] === T.FRAME) {
      for (const event of Array.isArray(message[2]) ? message[2] : []) handle(event);
    } else {
      handle(message);
    }
  }

  function closed(code) {
    app.ws = null;
    app.room = null;
    stopConference();
    if (app.state === "left") return;
    if (code === 4001) {
      app.token = null;
      setState("name");
      status("");
      $("name-error").textContent = t("web.session_expired");
    } else if (code === 4012 || code === 4011) {
      showEnded("ended", "web.removed");
    } else if (code === 4010) {
      showEnded("ended", "web.replaced");
    } else {
      showEnded("lost", "web.lost");
    }
  }

  function showEnded(state, key) {
    status("");
    setState(state);
    $("ended-message").textContent = t(key);
    if (state !== "ended") $("rejoin-button").focus();
  }

  function leave() {
    setState("left");
    $("ended-message").textContent = t("web.left");
    send([T.BYE]);
    app.resume = null;
    stopConference();
    setTimeout(() => app.ws && app.ws.close(), 500);
  }

  function rejoin() {
    if (app.token) connect();
    else setState("name");
  }

  // --- world events ------------------------------------------------------------------------------------
  function handle(event) {
    if (!Array.isArray(event)) return;
    try {
      handleEvent(event);
    } catch (e) {
      console.warn("ignored a message", event[0], e); // never let one message break the page
    }
  }

  const isId = (v) => Number.isInteger(v) && v >= 0;
  const isText = (v) => typeof v === "string";
  const isList = Array.isArray;

  function handleEvent(m) {
    const inConference = app.state === "conference";
    switch (m[0]) { // each message's fields are checked: anything unexpected is dropped
      case T.ROOM: enterRoom(m[1]); break;
      case T.PRESENCE: if (isList(m[1]) && isList(m[2])) presence(m[1], m[2]); break;
      case T.CHAT: if (isText(m[2]) && isText(m[4])) chatLine(m[2], m[4], m[1] === app.me); break;
      case T.ERROR: if (isId(m[1])) refused(m[1], m[3]); break;
      case T.CLOSING: status(t("web.closing")); break;
      case T.ROOM_STATE: if (isList(m[1])) { app.hands = m[1]; renderPeople(); renderHand(); } break;
      case T.CONF_ICE: if (isList(m[1])) ice(m[1], m[2], m[3]); break;
      case T.CONF_ROLE: if (inConference && isId(m[1]) && isText(m[2])) role(m[1], m[2]); break;
      case T.CONF_PUBLISH_ANSWER: if (inConference && isText(m[1])) publishAnswer(m[1]); break;
      case T.CONF_SUBSCRIBE_OFFER:
        if (inConference && isId(m[1]) && isText(m[2])) subscribeOffer(m[1], m[2], m[3] === true);
        break;
      case T.CONF_TRACKS:
        if (inConference && isList(m[1])) {
          app.trackMap = m[1].filter((x) => isList(x) && x.length >= 3);
          renderStage();
        }
        break;
      case T.CONF_MUTED:
        if (inConference && isId(m[1]) && isText(m[2])) mutedByHost(m[1], m[2], m[3] === true);
        break;
      case T.CONF_LEFT: if (inConference && isId(m[1])) participantLeft(m[1], m[2] === true); break;
      case T.CONF_RECORDING:
        if (inConference) {
          app.recording = m[1] === true;
          $("recording").hidden = !app.recording;
        }
        break;
      default: break; // anything else (LOBBY, polls, boards...) is not for this page
    }
  }

  function ice(urls, username, credential) {
    const valid = urls.filter(isText);
    app.iceServers = valid.length ? [{ urls: valid, username: isText(username) && username ? username : undefined,
      credential: isText(credential) && credential ? credential : undefined }] : [];
  }

  function enterRoom(room) {
    if (typeof room !== "string") return;
    const wasConference = app.state === "conference";
    const same = room === app.room && app.state === (room === LOBBY ? "lobby" : "conference");
    app.room = room;
    app.members.clear(); // a full PRESENCE follows
    if (same) { // WELCOME then the first FRAME's ROOM: one room, entered once
      renderPeople();
      return;
    }
    if (room === LOBBY) {
      stopConference();
      setState("lobby");
      if (wasConference) status(t("web.sent_back"));
    } else {
      stopConference();
      setState("conference");
      status("");
      startMedia();
    }
    renderPeople();
  }

  function presence(joined, left) {
    for (const id of left) app.members.delete(id);
    for (const member of joined) {
      if (isList(member) && isId(member[0]) && isText(member[1])) {
        app.members.set(member[0], { name: member[1], role: member[2] });
      }
    }
    renderPeople();
    renderFloor();
    renderStage();
  }

  function nameOf(id) {
    if (id === app.me) return app.myName;
    const member = app.members.get(id);
    return member ? member.name : t("web.someone");
  }

  function refused(code, ref) {
    const name = ERRORS[code] || "REFUSED";
    const text = t(S[`web.error.${name}`] ? `web.error.${name}` : "web.error.REFUSED");
    if (ref === T.SAY) $("chat-error").textContent = text;
    else if (name !== "RESUME_FAILED") status(text);
  }

  // --- chat and hand ------------------------------------------------------------------------------------
  function chatLine(name, text, mine) {
    const item = document.createElement("li");
    const who = document.createElement("span");
    who.className = "who";
    who.textContent = t("web.says", { name: `${name}${mine ? " " + t("web.you") : ""}` });
    item.append(who, document.createTextNode(" " + String(text)));
    $("chat-log").append(item);
    item.scrollIntoView({ block: "nearest" });
  }

  function sendChat(event) {
    event.preventDefault();
    const text = $("chat-input").value.trim();
    $("chat-error").textContent = "";
    if (!text) return;
    send([T.SAY, text.slice(0, 500)]);
    $("chat-input").value = "";
  }

  function renderHand() {
    const up = app.hands.includes(app.me);
    $("hand-button").textContent = t(up ? "web.hand_down" : "web.hand_up");
    $("hand-button").setAttribute("aria-pressed", String(up));
  }

  // --- people, floor, host controls -------------------------------------------------------------------
  function renderFloor() {
    const speakers = [...app.roles].filter(([, r]) => r === "speaker" || r === "host").map(([id]) => nameOf(id));
    $("floor-status").textContent = speakers.length ? t("web.floor_speakers", { names: speakers.join(", ") })
      : t("web.floor_nobody");
    const mine = app.roles.get(app.me);
    $("my-floor").textContent = t(mine === "host" ? "web.floor_host" : mine === "speaker" ? "web.floor_you"
      : "web.floor_audience");
  }

  function renderPeople() {
    const list = $("people");
    list.replaceChildren();
    const iHost = app.roles.get(app.me) === "host";
    for (const [id, member] of app.members) {
      const item = document.createElement("li");
      item.dataset.participant = String(id);
      item.dataset.testid = "person";
      const name = document.createElement("span");
      name.textContent = member.name + (id === app.me ? " " + t("web.you") : "");
      item.append(name);
      const role = app.roles.get(id);
      if (role === "host" || role === "speaker") item.append(badge(t(`web.role_${role}`)));
      if (app.hands.includes(id)) item.append(badge(t("web.hand_raised")));
      if (app.mutedBy.has(`${id}:audio`)) item.append(badge(t("web.muted")));
      if (iHost && member.role === "guest" && id !== app.me) hostControls(item, id, role);
      list.append(item);
    }
  }

  function badge(text) {
    const span = document.createElement("span");
    span.className = "badge";
    span.textContent = text;
    return span;
  }

  function hostControls(item, id, role) {
    const speaking = role === "speaker" || role === "host";
    const muted = app.mutedBy.has(`${id}:audio`);
    const buttons = [
      [speaking ? "web.take_floor" : "web.give_floor", "floor", () => send([T.CONF_FLOOR, id, !speaking])],
      [muted ? "web.unmute_person" : "web.mute_person", "mute", () => send([T.CONF_MUTE, id, "audio", !muted])],
      ["web.to_lobby", "remove", () => send([T.CONF_REMOVE, id])],
    ];
    for (const [key, action, onClick] of buttons) {
      const button = document.createElement("button");
      button.type = "button";
      button.className = "small";
      button.dataset.action = action;
      button.textContent = t(key);
      button.setAttribute("aria-label", `${t(key)} : ${nameOf(id)}`);
      button.addEventListener("click", onClick);
      item.append(button);
    }
  }

  function role(participant, value) {
    app.roles.set(participant, value);
    renderFloor();
    renderPeople();
    if (participant === app.me) {
      if (value === "host" || value === "speaker") publish();
      else unpublish();
    }
  }

  function mutedByHost(participant, kind, muted) {
    const key = `${participant}:${kind}`;
    if (muted) app.mutedBy.add(key);
    else app.mutedBy.delete(key);
    if (participant === app.me) status(t(`web.${muted ? "muted" : "unmuted"}_${kind}_by_host`));
    renderPeople();
  }

  function participantLeft(participant, removed) {
    if (participant === app.me) {
      stopConference();
      if (removed) status(t("web.sent_back"));
      return;
    }
    app.roles.delete(participant);
    app.levels.delete(participant);
    renderFloor();
    renderPeople();
  }

  // --- my camera and microphone -------------------------------------------------------------------------
  async function startMedia(constraints) {
    const run = ++app.mediaRuns; // a later call (or leaving) makes this one's stream useless
    $("media-error").hidden = true;
    $("media-retry").hidden = true;
    if (!navigator.mediaDevices || !navigator.mediaDevices.getUserMedia) {
      mediaError("web.media_unsupported");
      return;
    }
    const wanted = constraints || { audio: true, video: { width: { ideal: 640 }, height: { ideal: 480 } } };
    let stream = null;
    try {
      stream = await navigator.mediaDevices.getUserMedia(wanted);
    } catch (e) {
      if (e.name === "NotFoundError" || e.name === "OverconstrainedError") {
        stream = await navigator.mediaDevices.getUserMedia({ audio: true }).catch(() => null)
          || await navigator.mediaDevices.getUserMedia({ video: true }).catch(() => null);
      }
      if (!stream) {
        mediaError(e.name === "NotAllowedError" || e.name === "SecurityError" ? "web.media_denied" : "web.media_none");
        return;
      }
    }
    if (app.state !== "conference" || run !== app.mediaRuns) {
      stream.getTracks().forEach((track) => track.stop());
      return;
    }
    useStream(stream);
    await listDevices();
  }

  function useStream(stream) {
    if (app.local) {
      for (const track of app.local.getTracks()) {
        if (stream.getTracks().some((n) => n.kind === track.kind)) track.stop();
        else stream.addTrack(track);
      }
    }
    app.local = stream;
    $("preview").srcObject = stream;
    applyLocalMutes();
    if (app.pub) replaceTracks();
    else if (["host", "speaker"].includes(app.roles.get(app.me))) publish();
  }

  function mediaError(key) {
    $("media-error").textContent = t(key);
    $("media-error").hidden = false;
    $("media-retry").hidden = false;
  }

  async function listDevices() {
    const devices = await navigator.mediaDevices.enumerateDevices().catch(() => []);
    fillSelect($("camera-select"), devices.filter((d) => d.kind === "videoinput"), "video");
    fillSelect($("mic-select"), devices.filter((d) => d.kind === "audioinput"), "audio");
  }

  function fillSelect(select, devices, kind) {
    const current = app.local && app.local.getTracks().find((track) => track.kind === kind);
    const currentId = current && current.getSettings ? current.getSettings().deviceId : "";
    select.replaceChildren();
    devices.forEach((device, index) => {
      const option = document.createElement("option");
      option.value = device.deviceId;
      option.textContent = device.label || `${t(kind === "video" ? "web.camera" : "web.microphone")} ${index + 1}`;
      option.selected = device.deviceId === currentId;
      select.append(option);
    });
    if (!devices.length) {
      const option = document.createElement("option");
      option.textContent = t("web.no_device");
      select.append(option);
    }
    select.disabled = devices.length < 2;
  }

  async function chooseDevice(kind, deviceId) {
    if (!deviceId) return;
    const constraints = kind === "video" ? { video: { deviceId: { exact: deviceId } } }
      : { audio: { deviceId: { exact: deviceId } } };
    try {
      useStream(await navigator.mediaDevices.getUserMedia(constraints));
    } catch (e) {
      mediaError("web.media_none");
    }
  }

  function toggleLocal(kind) {
    const tracks = app.local ? app.local.getTracks().filter((track) => track.kind === kind) : [];
    const off = !tracks.every((track) => !track.enabled);
    app[kind === "audio" ? "micOff" : "camOff"] = off;
    applyLocalMutes();
  }

  function applyLocalMutes() {
    for (const track of app.local ? app.local.getTracks() : []) {
      track.enabled = !(track.kind === "audio" ? app.micOff : app.camOff);
    }
    $("mic-button").textContent = t(app.micOff ? "web.mic_on" : "web.mic_off");
    $("mic-button").setAttribute("aria-pressed", String(!!app.micOff));
    $("cam-button").textContent = t(app.camOff ? "web.cam_on" : "web.cam_off");
    $("cam-button").setAttribute("aria-pressed", String(!!app.camOff));
  }

  // --- peer connections ------------------------------------------------------------------------------
  function newPeerConnection() {
    return new RTCPeerConnection({ iceServers: app.iceServers, bundlePolicy: "max-bundle" });
  }

  function gathered(pc) {
    // Non-trickle ICE: candidates travel inside the SDP, so wait until gathering is complete.
    if (pc.iceGatheringState === "complete") return Promise.resolve();
    return new Promise((resolve) => {
      const done = () => { if (pc.iceGatheringState === "complete") { clearTimeout(timer); resolve(); } };
      const timer = setTimeout(resolve, ICE_WAIT_MS);
      pc.addEventListener("icegatheringstatechange", done);
    });
  }

  function preferCodecs(transceiver, kind) {
    // The server forwards without transcoding: VP8 and Opus first (docs/conference.md).
    if (!transceiver.setCodecPreferences || !RTCRtpSender.getCapabilities) return;
    const capabilities = RTCRtpSender.getCapabilities(kind);
    if (!capabilities) return;
    const first = kind === "video" ? "video/vp8" : "audio/opus";
    const codecs = [...capabilities.codecs].sort((a, b) =>
      Number(b.mimeType.toLowerCase() === first) - Number(a.mimeType.toLowerCase() === first));
    try { transceiver.setCodecPreferences(codecs); } catch (e) { /* keep the browser's order */ }
  }

  async function publish() {
    if (app.pub || !app.local || app.state !== "conference") return;
    const pc = newPeerConnection();
    const pub = { pc, answered: false };
    app.pub = pub;
    for (const track of app.local.getTracks()) {
      const transceiver = pc.addTransceiver(track, { direction: "sendonly", streams: [app.local] });
      preferCodecs(transceiver, track.kind);
    }
    try {
      await pc.setLocalDescription(await pc.createOffer());
      await gathered(pc);
      if (app.pub !== pub) return;
      send([T.CONF_PUBLISH, pc.localDescription.sdp]);
    } catch (e) {
      console.warn("publish failed", e);
      unpublish();
    }
  }

  async function publishAnswer(sdp) {
    const pub = app.pub;
    if (!pub || pub.answered) return;
    pub.answered = true;
    try {
      await pub.pc.setRemoteDescription({ type: "answer", sdp });
    } catch (e) {
      console.warn("publish answer refused", e);
    }
  }

  function replaceTracks() {
    for (const sender of app.pub.pc.getSenders()) {
      const track = sender.track && app.local.getTracks().find((n) => n.kind === sender.track.kind);
      if (track && track !== sender.track) sender.replaceTrack(track);
    }
  }

  function unpublish() {
    // The server closes its side when the floor is taken back: nothing to send.
    if (app.pub) app.pub.pc.close();
    app.pub = null;
  }

  function subscribeOffer(version, sdp, restart) {
    app.subChain = app.subChain.then(() => answer(version, sdp, restart)).catch((e) => console.warn(e));
  }

  async function answer(version, sdp, restart) {
    if (app.state !== "conference") return;
    if (restart && app.sub) {
      app.sub.close();
      app.sub = null;
    }
    if (!app.sub) {
      app.subscribeConnections += 1;
      app.sub = newPeerConnection();
      app.tracksByMid.clear();
      app.sub.ontrack = (event) => {
        app.tracksByMid.set(event.transceiver.mid, event.track);
        renderStage();
      };
    }
    const pc = app.sub;
    await pc.setRemoteDescription({ type: "offer", sdp });
    await pc.setLocalDescription(await pc.createAnswer());
    await gathered(pc);
    if (pc === app.sub) send([T.CONF_SUBSCRIBE_ANSWER, version, pc.localDescription.sdp]);
  }

  function stopConference() {
    unpublish();
    if (app.sub) app.sub.close();
    app.sub = null;
    app.subChain = Promise.resolve();
    app.tracksByMid.clear();
    app.trackMap = [];
    app.roles.clear();
    app.mutedBy.clear();
    app.levels.clear();
    app.energy.clear();
    app.big = null;
    app.mediaRuns += 1;
    app.recording = false;
    $("recording").hidden = true;
    if (app.local) app.local.getTracks().forEach((track) => track.stop());
    app.local = null;
    $("preview").srcObject = null;
    $("stage").querySelectorAll(".tile").forEach((tile) => tile.remove());
    $("stage-empty").hidden = false;
  }

  // --- what I receive: the active-speaker layout -------------------------------------------------
  function speakersOnStage() {
    const byParticipant = new Map();
    for (const [mid, participant, kind] of app.trackMap) {
      const track = app.tracksByMid.get(mid);
      if (!track || participant === app.me) continue;
      const entry = byParticipant.get(participant) || {};
      entry[kind] = track;
      entry[`${kind}Mid`] = mid;
      byParticipant.set(participant, entry);
    }
    return byParticipant;
  }

  function renderStage() {
    const stage = $("stage");
    const wanted = speakersOnStage();
    for (const tile of stage.querySelectorAll(".tile")) {
      if (!wanted.has(Number(tile.dataset.participant))) tile.remove();
    }
    for (const [participant, tracks] of wanted) {
      let tile = stage.querySelector(`.tile[data-participant="${participant}"]`);
      if (!tile) {
        tile = document.createElement("figure");
        tile.className = "tile";
        tile.dataset.participant = String(participant);
        tile.dataset.testid = "tile";
        const video = document.createElement("video");
        video.autoplay = true;
        video.playsInline = true;
        tile.append(video, document.createElement("figcaption"));
        stage.append(tile);
      }
      tile.querySelector("figcaption").textContent = nameOf(participant);
      const video = tile.querySelector("video");
      const current = video.srcObject ? video.srcObject.getTracks() : [];
      const next = [tracks.video, tracks.audio].filter(Boolean);
      if (current.length !== next.length || next.some((track) => !current.includes(track))) {
        video.srcObject = new MediaStream(next);
        video.muted = false;
        video.play().catch((e) => { if (e.name === "NotAllowedError") $("sound-button").hidden = false; });
      }
    }
    if (!wanted.has(app.big)) app.big = wanted.size ? firstSpeaker(wanted) : null;
    layout();
    $("stage-empty").hidden = wanted.size > 0;
  }

  function firstSpeaker(wanted) {
    const ids = [...wanted.keys()];
    return ids.find((id) => app.roles.get(id) === "host" && wanted.get(id).video)
      || ids.find((id) => wanted.get(id).video) || ids[0];
  }

  function layout() {
    for (const tile of $("stage").querySelectorAll(".tile")) {
      const id = Number(tile.dataset.participant);
      tile.classList.toggle("big", id === app.big);
      tile.dataset.speaking = String((app.levels.get(id) || 0) > 0.02);
    }
  }

  async function measureLevels() {
    // Each speaker's loudness over the last interval, from the subscribe connection's inbound-rtp stats:
    // the energy received since the last reading (the RTP audio-level extension is not forwarded).
    const pc = app.sub;
    if (!pc || app.measuring) return;
    app.measuring = true;
    try {
      const owner = new Map(); // track id -> participant
      for (const [mid, participant, kind] of app.trackMap) {
        const track = app.tracksByMid.get(mid);
        if (track && kind === "audio") owner.set(track.id, participant);
      }
      const report = await pc.getStats();
      report.forEach((entry) => {
        if (entry.type !== "inbound-rtp" || entry.kind !== "audio") return;
        const participant = owner.get(entry.trackIdentifier);
        if (participant === undefined) return;
        const last = app.energy.get(entry.trackIdentifier);
        let level = entry.audioLevel || 0;
        if (typeof entry.totalAudioEnergy === "number" && last && entry.totalSamplesDuration > last.duration) {
          level = Math.sqrt(Math.max(0, entry.totalAudioEnergy - last.energy)
            / (entry.totalSamplesDuration - last.duration));
        }
        app.energy.set(entry.trackIdentifier, { energy: entry.totalAudioEnergy || 0,
          duration: entry.totalSamplesDuration || 0 });
        app.levels.set(participant, Math.max(level, (app.levels.get(participant) || 0) * 0.6));
      });
    } catch (e) {
      return;
    } finally {
      app.measuring = false;
    }
    const [loudest, level] = [...app.levels].reduce((best, entry) => (entry[1] > best[1] ? entry : best), [null, 0]);
    const bigLevel = app.levels.get(app.big) || 0;
    if (loudest !== null && loudest !== app.big && level > 0.02 && level > bigLevel * 2
        && $("stage").querySelector(`.tile[data-participant="${loudest}"]`)) {
      app.big = loudest;
    }
    layout();
  }

  async function stats() {
    // For tests: what the subscribe connection decoded (getStats inbound-rtp).
    const result = { framesDecoded: 0, totalAudioEnergy: 0, videos: [], connections: app.subscribeConnections,
      state: app.sub ? app.sub.connectionState : null };
    if (app.sub) {
      (await app.sub.getStats()).forEach((report) => {
        if (report.type !== "inbound-rtp") return;
        if (report.kind === "video") result.framesDecoded += report.framesDecoded || 0;
        if (report.kind === "audio") result.totalAudioEnergy += report.totalAudioEnergy || 0;
      });
    }
    for (const video of $("stage").querySelectorAll("video")) {
      result.videos.push({ width: video.videoWidth, muted: video.muted, paused: video.paused });
    }
    return result;
  }
  app.stats = stats;
  app.receive = handleTop; // for tests: feed a decoded server message as if it came from the WebSocket

  // --- wiring -------------------------------------------------------------------------------------------
  $("name-form").addEventListener("submit", submitName);
  $("chat-form").addEventListener("submit", sendChat);
  $("hand-button").addEventListener("click", () => send([T.HAND, !app.hands.includes(app.me)]));
  $("mic-button").addEventListener("click", () => toggleLocal("audio"));
  $("cam-button").addEventListener("click", () => toggleLocal("video"));
  $("leave-button").addEventListener("click", leave);
  $("rejoin-button").addEventListener("click", rejoin);
  $("media-retry").addEventListener("click", () => startMedia());
  $("camera-select").addEventListener("change", (e) => chooseDevice("video", e.target.value));
  $("mic-select").addEventListener("change", (e) => chooseDevice("audio", e.target.value));
  $("sound-button").addEventListener("click", () => {
    $("stage").querySelectorAll("video").forEach((video) => { video.muted = false; video.play().catch(() => {}); });
    $("sound-button").hidden = true;
  });
  app.timers.push(setInterval(measureLevels, 400));
  showInvitation();
  applyLocalMutes();
  renderHand();
  setState(app.state);
  if (app.state === "name") $("name-input").focus();
})();
