/* The browser phone: rings the line's own webhooks and does with their TwiML what Twilio does.
 *
 * It knows no menus. Each document the line returns is followed verb by verb, as Twilio's
 * documentation describes them: <Say>, <Play> and <Pause> (alone or inside <Gather>), <Gather>
 * (keys stop its prompts at once; after them it waits `timeout` seconds, then falls through to
 * the next verb unless actionOnEmptyResult), <Redirect>, <Enqueue> and <Leave>, <Hangup>, and the
 * end of a document, which ends the call. From the server it takes only what TwiML does not
 * carry: the words of each recording (for the captions), a copy each browser plays, the names of
 * places, and, once the caller waits in a queue, Twilio's side of it: the queue and the advisers'
 * phones, played by the preview's switchboard for an outcome the person picks (/phone/queue/...).
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
    const last = ui.transcript.lastElementChild;
    if (kind === "tone" && last && last.className === kind) return; // ring after ring: said once
    const item = document.createElement("li");
    item.className = kind;
    item.textContent = text;
    ui.transcript.append(item);
    ui.transcript.scrollTop = ui.transcript.scrollHeight; // the list scrolls, never the page
  }

  let saying = false; // the line is saying words now: the caption is theirs

  function show(text, kind = "line", browserVoice = false) {
    if (kind !== "adviser-side" || !saying) { // what the advisers' phones do is captioned between words
      ui.caption.textContent = text;
      ui.voiceNote.hidden = !browserVoice;
    }
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
        saying = true;
        await browserSay(text, verb.getAttribute("language"), signal);
      } else if (verb.tagName === "Play") {
        const url = resolve(verb.textContent.trim(), base);
        const known = line.audio[new URL(url).pathname.split("/").pop()];
        const words = known ? known.words : "(a sound)";
        const tone = Boolean(known && known.tone);
        show(words, tone ? "tone" : "line", !(known && known.browser) && !tone);
        saying = !tone;
        const how = known && known.browser ? await playFile(known.browser, signal) : "error";
        if (how === "error" && tone) {
          await sleep(known.seconds, signal); // a tone with no copy to play: its time, in silence
        } else if (how === "error") { // no copy this browser can play: its own voice says the words
          ui.voiceNote.hidden = false;
          await browserSay(words, document.documentElement.lang, signal);
        }
      }
      saying = false;
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

  // -- <Enqueue>: waiting in a queue ------------------------------------------------------------
  // The page plays the caller's side as Twilio does: it requests the waitUrl and plays each wait
  // page (keys live, <Leave> leaves), requests the waitUrl again whenever a page runs out, and once
  // the wait is over requests the action with QueueResult. The queue, the advisers' phones and an
  // adviser's <Dial><Queue> are Twilio's: the preview's switchboard, which the page asks how its
  // wait stands before each waitUrl request and every second (so it learns at once that an adviser
  // took the call, as a caller hears the ringing stop).

  function askQueue(c, step, body) {
    return post(`${phone.dataset.queue}/${step}`, JSON.stringify({ call: c.sid, ...body }),
      { "Content-Type": "application/json" }).then((r) => {
      if (!r.ok) throw new Error(`the advisers' side answered ${r.status}`);
      return r.json();
    });
  }

  function learn(c, wait, standing) {
    // What the advisers' side says of the wait: what happened there, and how the wait stands.
    if (c.ended) return standing;
    standing.events.forEach((text) => show(text, "adviser-side"));
    const STATES = ["waiting", "joining", "talking", "over"];
    if (wait.standing && STATES.indexOf(standing.state) < STATES.indexOf(wait.standing.state)) {
      return standing; // an answer overtaken by a later one: a wait never goes back
    }
    wait.standing = standing;
    const bridged = standing.state === "talking" || standing.fields.QueueResult === "bridged";
    if (standing.state === "joining" || bridged) wait.joined = true;
    if (bridged && !wait.talking) {
      wait.talking = true;
      setState("talking");
      setWhere("Talking to an adviser");
      show(`(You are talking to ${standing.adviser || "an adviser"}. In this preview nobody is there: ` +
           "they hang up after a few seconds.)", "adviser-side");
    }
    if (standing.state !== "waiting" && !wait.over) { // taken by an adviser, or out: the wait page stops
      wait.over = true;
      wait.stop.abort();
      if (c.stop) c.stop();
    }
    if (standing.state === "over") wait.finish();
    return standing;
  }

  async function enqueue(verb, base, c) {
    const request = (url, method) => ({ url: resolve(url, base), method: (method || "POST").toUpperCase() });
    const wait = {
      action: verb.getAttribute("action") && request(verb.getAttribute("action"), verb.getAttribute("method")),
      waitUrl: request(verb.getAttribute("waitUrl") || base, verb.getAttribute("waitUrlMethod")),
      stop: new AbortController(), standing: null, over: false, joined: false, talking: false,
    };
    const finished = new Promise((done) => { wait.finish = done; });
    const ask = (step, body) => askQueue(c, step, body).then((standing) => learn(c, wait, standing));
    const call = c.signal;
    call.addEventListener("abort", () => wait.stop.abort(), { once: true });
    c.signal = wait.stop.signal; // what is said while waiting stops when the wait does
    c.wait = wait;
    let poll = null;
    try {
      await ask("join", { outcome: c.outcome, enqueue: new XMLSerializer().serializeToString(verb) });
      poll = setInterval(() => ask("look").catch(() => {}), 1000);
      ui.skip.hidden = false;
      ui.skip.onclick = () => ask("skip").catch(() => {});
      let step = null;
      while (!wait.over && !c.ended) {
        if (!step) { // the waitUrl, first and whenever a wait page runs out, with the queue's fields
          await ask("look");
          if (wait.over) break;
          step = { ...wait.waitUrl, params: wait.standing.fields };
        }
        const { doc, url } = await fetchTwiml(c, step);
        if (wait.over || c.ended) break;
        step = await run(doc, url, c); // a <Redirect> or a key's request; null: the page ran out
        if (step && step.leave) {
          await ask("leave");
        } else if (step && step.hangup) {
          endCall(c, "The line hung up.");
        }
      }
      if (!c.ended && wait.joined) { // an adviser took the call: joined until one of them hangs up
        c.onKey = null;
        await Promise.race([finished, new Promise((done) => call.addEventListener("abort", done, { once: true }))]);
      }
    } finally {
      clearInterval(poll);
      ui.skip.hidden = true;
      c.signal = call;
      c.wait = null;
    }
    if (c.ended) return null;
    // Out of the queue: Twilio requests the action with QueueResult, or goes on after the <Enqueue>.
    return wait.action ? { ...wait.action, params: wait.standing.fields } : null;
  }

  async function run(doc, base, c) {
    // Where the caller is: the place the document's keypad (or ringing) belongs to.
    const keypad = doc.querySelector("Response > Gather");
    if (keypad) setWhere(place(resolve(keypad.getAttribute("action") || base, base)));
    for (const verb of doc.documentElement.children) {
      if (c.ended || (c.wait && c.wait.over)) return null;
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
        case "Enqueue": {
          const next = await enqueue(verb, base, c);
          if (next) return next;
          break;
        }
        case "Leave": // only in a queue's wait page; elsewhere Twilio has nothing to leave
          if (c.wait) return { leave: true };
          break;
        case "Hangup":
          return c.wait ? { hangup: true } : null;
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
    // keepalive: a hang-up sent as the page closes still arrives.
    return fetch(url, { method: "POST", body, headers: { "X-CSRFToken": phone.dataset.csrf, ...headers },
                        credentials: "same-origin", keepalive: true });
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
    // The token: on the real line's staff phone, its staff gate checks one on every POST.
    const headers = { [phone.dataset.clockHeader]: clock || "open", "X-CSRFToken": phone.dataset.csrf };
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
        if (doc.querySelector("Response > Enqueue")) {
          // The line is about to ring the advisers: the person chooses what their side does.
          if (!line.outcomes.length) { // here, the advisers' side cannot be played (line.json says why)
            show(line.noOutcomes, "adviser-side");
            return endCall(c, "The phone hung up.");
          }
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
             ended: false, onKey: null, stop: null, outcome: null, wait: null, controller: new AbortController() };
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
    // Hung up while waiting: Twilio takes the call out of its queue and requests the action
    // (QueueResult=hangup), so the line stops the advisers' phones; here, the advisers' side does.
    const told = c.wait ? askQueue(c, "hang-up").catch(() => {}) : Promise.resolve();
    // Twilio tells the status callback how the call ended; the line logs only that.
    told.then(() => post(phone.dataset.status, twilioFields(c, { CallStatus: "completed" }))).catch(() => {});
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
  window.addEventListener("pagehide", () => call && endCall(call, null)); // closing the page hangs up
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
