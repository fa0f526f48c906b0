/* The browser phone: rings the line's own webhooks and does with their TwiML what Twilio does.
 *
 * It knows no menus. Each document the line returns is followed verb by verb, as Twilio's
 * documentation describes them: <Say>, <Play> and <Pause> (alone or inside <Gather>), <Gather>
 * (keys stop its prompts at once; after them it waits `timeout` seconds, then falls through to
 * the next verb unless actionOnEmptyResult), <Redirect>, <Dial>, <Hangup>, and the end of a
 * document, which ends the call. From the server it takes only what TwiML does not carry: the
 * words of each recording (for the captions), a copy each browser plays, the names of places,
 * and, for a <Dial>, the advisers' side, played by /phone/advisers for an outcome the person picks.
 */
"use strict";

(() => {
  const phone = document.getElementById("phone");
  const audio = document.getElementById("line-audio");
  const ui = {
    where: document.getElementById("where"),
    caption: document.getElementById("caption"),
    voiceNote: document.getElementById("voice-note"),
    transcript: document.getElementById("transcript"),
    call: document.getElementById("call"),
    hangup: document.getElementById("hangup"),
    skip: document.getElementById("skip"),
    keys: [...document.querySelectorAll(".key")],
    dialog: document.getElementById("adviser-choice"),
    outcomes: document.getElementById("outcomes"),
    choiceHangup: document.getElementById("choice-hangup"),
  };
  const KEYS = "0123456789*#";
  const WORDS_PER_SECOND = 2.4; // about 145 words a minute, as the line speaks
  let line = null; // what /phone/line.json says
  let call = null; // the call in progress

  // -- Small helpers ----------------------------------------------------------------------

  const resolve = (url, base) => new URL(url, base).href; // Twilio resolves relative URLs the same way

  function sleep(seconds, signal) {
    return new Promise((done) => {
      if (signal && signal.aborted) return done();
      const timer = setTimeout(done, Math.max(0, seconds) * 1000);
      if (signal) signal.addEventListener("abort", () => { clearTimeout(timer); done(); }, { once: true });
    });
  }

  function note(text, kind) {
    const item = document.createElement("li");
    item.className = kind;
    item.textContent = text;
    ui.transcript.append(item);
    ui.transcript.scrollTop = ui.transcript.scrollHeight; // the list scrolls, never the page
  }

  function show(text, kind = "line", browserVoice = false) {
    ui.caption.textContent = text;
    ui.voiceNote.hidden = !browserVoice;
    note(text, kind + (browserVoice ? " browser-voice" : ""));
  }

  function setState(state) { phone.dataset.state = state; }

  function setWhere(text) { if (ui.where.textContent !== text) ui.where.textContent = text; }

  // -- Speaking: recordings, or the browser's own voice for words with no recording -------------

  let voices = [];
  if ("speechSynthesis" in window) {
    const load = () => { voices = speechSynthesis.getVoices(); };
    load();
    speechSynthesis.addEventListener("voiceschanged", load);
  }

  function browserSay(text, language, signal) {
    // With no voice in this browser the words stay on screen for as long as saying them takes.
    const seconds = Math.max(1.5, text.split(/\s+/).length / WORDS_PER_SECOND);
    if (!voices.length) return sleep(seconds, signal);
    return new Promise((done) => {
      const utterance = new SpeechSynthesisUtterance(text);
      utterance.lang = language || "en-GB";
      utterance.rate = 0.95;
      const finish = () => { clearTimeout(guard); done(); };
      const guard = setTimeout(finish, (seconds * 2 + 3) * 1000); // some voices never say they ended
      utterance.onend = finish;
      utterance.onerror = finish;
      if (signal) signal.addEventListener("abort", () => { speechSynthesis.cancel(); finish(); }, { once: true });
      speechSynthesis.speak(utterance);
    });
  }

  function playFile(src, signal) {
    return new Promise((done) => {
      if (signal && signal.aborted) return done("stopped");
      const finish = (how) => {
        audio.onended = audio.onerror = null;
        done(how);
      };
      audio.onended = () => finish("ended");
      audio.onerror = () => finish("error");
      if (signal) {
        signal.addEventListener("abort", () => { audio.pause(); finish("stopped"); }, { once: true });
      }
      audio.src = src;
      audio.play().catch(() => finish("error"));
    });
  }

  function times(verb) {
    const loop = parseInt(verb.getAttribute("loop") || "1", 10);
    return loop === 0 ? 1000 : Math.max(1, loop || 1); // loop="0": until hung up (Twilio stops at 1000)
  }

  async function speak(verb, base, signal) {
    if (verb.tagName === "Pause") {
      return sleep(Number(verb.getAttribute("length") || 1), signal);
    }
    for (let n = 0; n < times(verb) && !(signal && signal.aborted); n++) {
      if (verb.tagName === "Say") {
        const text = verb.textContent.trim();
        show(text, "line", true);
        await browserSay(text, verb.getAttribute("language"), signal);
      } else if (verb.tagName === "Play") {
        const url = resolve(verb.textContent.trim(), base);
        const known = line.audio[new URL(url).pathname.split("/").pop()];
        const words = known ? known.words : "(a sound)";
        show(words, "line", !(known && known.browser));
        const how = known && known.browser ? await playFile(known.browser, signal) : "error";
        if (how === "error") { // no copy this browser can play: its own voice says the words
          ui.voiceNote.hidden = false;
          await browserSay(words, document.documentElement.lang, signal);
        }
      }
    }
  }

  // -- The UK ringing tone, made here (400 Hz and 450 Hz; 0.4 s on, 0.2 off, 0.4 on, 2 off) ------

  const RINGS = {
    uk: { hz: [400, 450], on: [[0, 0.4], [0.6, 1.0]], every: 3 },
    us: { hz: [440, 480], on: [[0, 2]], every: 6 },
  };
  let tones = null;

  function ring(kind, seconds) {
    const pattern = RINGS[kind] || RINGS.uk;
    try {
      const context = (tones = tones || new AudioContext());
      const gain = context.createGain();
      gain.gain.value = 0;
      gain.connect(context.destination);
      const start = context.currentTime + 0.05;
      for (let t = 0; t < seconds; t += pattern.every) {
        for (const [on, off] of pattern.on) {
          gain.gain.setValueAtTime(0.12, start + t + on);
          gain.gain.setValueAtTime(0, start + t + off);
        }
      }
      const oscillators = pattern.hz.map((hz) => {
        const osc = context.createOscillator();
        osc.frequency.value = hz;
        osc.connect(gain);
        osc.start(start);
        return osc;
      });
      return () => { oscillators.forEach((o) => o.stop()); gain.disconnect(); };
    } catch (error) {
      return () => {}; // no Web Audio here: the captions still say it is ringing
    }
  }

  // -- The verbs ------------------------------------------------------------------------------

  function gather(verb, base, c) {
    const numDigits = parseInt(verb.getAttribute("numDigits") || "0", 10) || Infinity;
    const finishOnKey = verb.hasAttribute("finishOnKey") ? verb.getAttribute("finishOnKey") : "#";
    const timeout = Number(verb.getAttribute("timeout") || 5);
    const action = resolve(verb.getAttribute("action") || base, base);
    const method = (verb.getAttribute("method") || "POST").toUpperCase();
    const onEmpty = verb.getAttribute("actionOnEmptyResult") === "true";
    const prompts = new AbortController();
    let digits = "";
    let timer = null;
    return new Promise((done) => {
      const submit = (finishedOnKey) => {
        clearTimeout(timer);
        c.onKey = null;
        if (digits || onEmpty) done({ url: action, method, params: { Digits: digits, FinishedOnKey: finishedOnKey } });
        else done(null); // nothing pressed: Twilio goes on with the next verb
      };
      const wait = () => { clearTimeout(timer); setState("waiting"); timer = setTimeout(() => submit(""), timeout * 1000); };
      c.onKey = (key) => {
        prompts.abort(); // a key stops the prompt at once
        if (finishOnKey && key === finishOnKey) return submit(key);
        digits += key;
        if (digits.length >= numDigits) return submit("");
        wait();
      };
      c.stop = () => { prompts.abort(); clearTimeout(timer); done(null); };
      (async () => {
        setState("playing");
        for (const nested of verb.children) {
          if (prompts.signal.aborted) break;
          await speak(nested, base, prompts.signal);
        }
        if (!prompts.signal.aborted) wait(); // the timeout starts once the prompts are over
      })();
    });
  }

  async function dial(verb, base, c) {
    // The advisers' side: the page only plays the plan; /phone/advisers decides it.
    const plan = await post(phone.dataset.advisers, JSON.stringify({
      dial: new XMLSerializer().serializeToString(verb), url: base, outcome: c.outcome, call: c.sid,
    }), { "Content-Type": "application/json", "X-CSRFToken": phone.dataset.csrf }).then((r) => r.json());
    const stopRinging = ring(verb.getAttribute("ringTone"), plan.ring + 1);
    const phase = { controller: new AbortController(), reason: null };
    const end = (reason) => { phase.reason = reason; phase.controller.abort(); };
    const onStar = verb.getAttribute("hangupOnStar") === "true";
    c.onKey = (key) => { if (key === "*" && onStar) end("star"); }; // other keys do nothing while it rings
    c.stop = () => end("hung up");
    ui.skip.hidden = false;
    ui.skip.onclick = () => end("skip");
    setState("ringing");
    setWhere("Ringing the advisers");
    show("(Ringing.)", "adviser-side");
    let clock = 0;
    const events = [...plan.events];
    const until = async (t) => {
      while (events.length && events[0].at <= t) {
        const event = events.shift();
        if (!phase.reason) await sleep(event.at - clock, phase.controller.signal);
        if (phase.reason === "star" || phase.reason === "hung up") return;
        clock = Math.max(clock, event.at);
        show(event.text, "adviser-side");
      }
      if (!phase.reason) await sleep(t - clock, phase.controller.signal);
      clock = t;
    };
    await until(plan.ring);
    stopRinging();
    if (phase.reason === "star" || phase.reason === "hung up") return finishDial(phase.reason === "star" ? plan.on_star : null, c);
    if (plan.talk > 0) {
      phase.reason = null;
      phase.controller = new AbortController();
      c.onKey = (key) => { if (key === "*" && onStar) end("star"); }; // star hangs up on the adviser
      setState("talking");
      setWhere("Talking to an adviser");
      await until(plan.ring + plan.talk);
      if (phase.reason === "hung up") return finishDial(null, c);
    }
    return finishDial(plan.next, c);
  }

  function finishDial(step, c) {
    ui.skip.hidden = true;
    c.onKey = null;
    return step && { url: step.url, method: step.method, params: step.params };
  }

  async function run(doc, base, c) {
    // Where the caller is: the place the document's keypad (or ringing) belongs to.
    const keypad = doc.querySelector("Response > Gather");
    if (keypad) setWhere(place(resolve(keypad.getAttribute("action") || base, base)));
    for (const verb of doc.documentElement.children) {
      if (c.ended) return null;
      switch (verb.tagName) {
        case "Say": case "Play": case "Pause":
          setState("playing");
          c.onKey = null; // keys outside a <Gather> are not collected, as on Twilio
          await speak(verb, base, c.signal);
          break;
        case "Gather": {
          const next = await gather(verb, base, c);
          if (next) return next;
          break;
        }
        case "Redirect":
          return { url: resolve(verb.textContent.trim(), base), method: (verb.getAttribute("method") || "POST").toUpperCase(), params: {} };
        case "Dial": {
          const next = await dial(verb, base, c);
          if (next) return next;
          break;
        }
        case "Hangup":
          return null;
        default:
          show(`(The line sent <${verb.tagName}>, which this phone does not follow yet.)`, "adviser-side");
      }
    }
    return null; // no verbs left: Twilio ends the call
  }

  function place(url) {
    const u = new URL(url);
    const places = line.places[u.searchParams.get("lang")] || Object.values(line.places)[0] || {};
    return line.steps[u.pathname] || places[u.searchParams.get("node")] || "The line";
  }

  // -- The call -----------------------------------------------------------------------------------

  function post(url, body, headers) {
    return fetch(url, { method: "POST", body, headers, credentials: "same-origin" });
  }

  function twilioFields(c, extra) {
    // What Twilio sends with every webhook (the line reads only Digits and the Dial fields).
    return new URLSearchParams({
      CallSid: c.sid, AccountSid: "AC" + "0".repeat(32), From: "client:browser-phone", To: "line",
      CallStatus: "in-progress", Direction: "inbound", ApiVersion: "2010-04-01", ...extra,
    });
  }

  async function fetchTwiml(c, step, clock) {
    const url = resolve(step.url, location.href);
    const headers = { [phone.dataset.clockHeader]: clock || "open" };
    const init = { method: step.method, headers, credentials: "same-origin" };
    let target = url;
    if (step.method === "GET") target += (url.includes("?") ? "&" : "?") + twilioFields(c, step.params);
    else init.body = twilioFields(c, step.params);
    const response = await fetch(target, init);
    if (!response.ok) throw new Error(`the line answered ${response.status}`);
    return { doc: new DOMParser().parseFromString(await response.text(), "text/xml"), url };
  }

  function chooseOutcome() {
    return new Promise((done) => {
      ui.outcomes.replaceChildren(...line.outcomes.map((outcome) => {
        const button = document.createElement("button");
        button.type = "button";
        button.textContent = outcome.label;
        button.dataset.outcome = outcome.id;
        button.onclick = () => { ui.dialog.close(); done(outcome); };
        return button;
      }));
      ui.choiceHangup.onclick = () => { ui.dialog.close(); done(null); };
      ui.dialog.oncancel = (event) => event.preventDefault(); // a choice, or hang up: never half a call
      ui.dialog.showModal();
      ui.outcomes.querySelector("button").focus();
    });
  }

  async function talk(c, first) {
    let step = first;
    try {
      while (step && !c.ended) {
        let { doc, url } = await fetchTwiml(c, step);
        if (doc.querySelector("Response > Dial")) {
          // The line is about to ring the advisers: the person chooses what their side does.
          const outcome = await chooseOutcome();
          if (!outcome) return endCall(c, "You hung up.");
          note(`(Chosen: ${outcome.label.toLowerCase()}.)`, "adviser-side");
          c.outcome = outcome.id;
          if (outcome.clock) ({ doc, url } = await fetchTwiml(c, step, outcome.clock)); // the same key, at another time
        }
        step = await run(doc, url, c);
      }
    } catch (error) {
      if (!c.ended) show(`The phone stopped: ${error.message}. Is the line still running?`, "adviser-side");
    }
    endCall(c, "The line hung up.");
  }

  function startCall() {
    call = { sid: "CA" + [...crypto.getRandomValues(new Uint8Array(16))].map((b) => b.toString(16).padStart(2, "0")).join(""),
             ended: false, onKey: null, stop: null, outcome: null, controller: new AbortController() };
    call.signal = call.controller.signal;
    ui.transcript.replaceChildren();
    ui.call.disabled = true;
    ui.hangup.disabled = false;
    ui.keys.forEach((k) => { k.disabled = false; });
    setWhere("Ringing the line");
    ui.keys[0].focus(); // the keypad, for the keyboard: Enter presses a key, never hangs up
    talk(call, { url: phone.dataset.answer, method: "POST", params: { CallStatus: "ringing" } });
  }

  function endCall(c, message) {
    if (c.ended) return;
    c.ended = true;
    c.controller.abort();
    if (c.stop) c.stop();
    if (c !== call) return; // an old call, ended while a new one runs: the screen is the new one's
    audio.pause();
    if ("speechSynthesis" in window) speechSynthesis.cancel();
    if (message) show(message, "adviser-side");
    // Twilio tells the status callback how the call ended; the line logs only that.
    post(phone.dataset.status, twilioFields(c, { CallStatus: "completed" })).catch(() => {});
    setState("ended");
    setWhere("The call has ended");
    ui.skip.hidden = true;
    ui.call.disabled = false;
    ui.hangup.disabled = true;
    ui.keys.forEach((k) => { k.disabled = true; });
    ui.call.focus();
  }

  function press(key) {
    if (!call || call.ended || ui.dialog.open) return;
    const button = ui.keys.find((k) => k.dataset.key === key);
    if (button) {
      button.classList.add("pressed");
      setTimeout(() => button.classList.remove("pressed"), 150);
    }
    note(key === "*" ? "star" : key === "#" ? "hash" : key, "you");
    if (call.onKey) call.onKey(key);
  }

  // -- Wiring ----------------------------------------------------------------------------------

  ui.call.addEventListener("click", startCall);
  ui.hangup.addEventListener("click", () => call && endCall(call, "You hung up."));
  ui.keys.forEach((k) => k.addEventListener("click", () => press(k.dataset.key)));
  document.addEventListener("keydown", (event) => {
    if (event.ctrlKey || event.metaKey || event.altKey) return;
    if (KEYS.includes(event.key)) {
      event.preventDefault();
      press(event.key);
    }
  });
  fetch(phone.dataset.line, { credentials: "same-origin" }).then((r) => r.json()).then((data) => {
    line = data;
    ui.call.disabled = false;
    phone.dataset.ready = "true";
  });
})();
