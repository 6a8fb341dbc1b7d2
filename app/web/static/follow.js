/* A trainee's phone: follow a live lecture (server-sent events), answer its polls, say
   "still here" while the page is visible; and, on a self-study page, answer module quizzes
   and count the time spent. The server's clock decides every time; the phone only pings. */
(function () {
  "use strict";

  var PING_MS = 15000;
  var token = (document.querySelector('meta[name="csrf-token"]') || {}).content || "";

  function post(url, body, keepalive) {
    return fetch(url, {
      method: "POST",
      headers: { "X-CSRF-Token": token, "Content-Type": "application/json" },
      credentials: "same-origin",
      body: JSON.stringify(body || {}),
      keepalive: !!keepalive,
    });
  }

  function errorText(response) {
    return response
      .json()
      .then(function (data) { return (data && data.error && data.error.message) || ""; })
      .catch(function () { return ""; });
  }

  function toLogin() {
    window.location.href = "/t/login?next=" + encodeURIComponent(window.location.pathname);
  }

  /* A random id for this page (kept across reloads of the tab): when the same page pings
     again after going quiet, the server may credit the quiet stretch as a bridged gap. */
  var device = (function () {
    var made = Math.random().toString(36).slice(2) + Date.now().toString(36);
    try {
      var kept = window.sessionStorage.getItem("koshu-device");
      if (kept) return kept;
      window.sessionStorage.setItem("koshu-device", made);
    } catch (e) { /* private mode: this page load is the device */ }
    return made;
  })();

  /* Ping while the page is visible, at once when it becomes visible again or the network
     comes back, and "leaving" only when the page is closed or left. A hidden page (the
     screen went to sleep, another app came up) is not leaving: it just goes quiet. */
  function keepPinging(url, stopped) {
    var left = false;
    function ping(leaving) {
      // Once the page is being left, nothing may follow the "leaving" ping: a late
      // ordinary ping would reopen the presence the server has just closed.
      if (stopped() || left) return;
      left = !!leaving;
      post(url, { leaving: !!leaving, device: device }, leaving)
        .then(function (response) { if (response.status === 401) toLogin(); })
        .catch(function () { /* offline: the next ping after reconnecting counts again */ });
    }
    window.setInterval(function () {
      if (document.visibilityState === "visible") ping(false);
    }, PING_MS);
    // Only coming back counts: going hidden is also what leaving the page does first.
    document.addEventListener("visibilitychange", function () {
      if (document.visibilityState === "visible") ping(false);
    });
    window.addEventListener("online", function () { ping(false); });
    window.addEventListener("pagehide", function () { ping(true); });
    // Back to a page kept in the browser's back/forward cache: it is here again.
    window.addEventListener("pageshow", function (event) {
      if (event.persisted) { left = false; ping(false); }
    });
    if (document.visibilityState === "visible") ping(false);
  }

  /* Keep the screen on while following a lecture (Screen Wake Lock API); a lock is lost
     whenever the page is hidden, so take it again when it comes back. Where the browser
     cannot, ask the trainee to keep the screen on. */
  function keepAwake(hint, stopped) {
    var lock = null;
    function request() {
      if (stopped() || lock || document.visibilityState !== "visible") return;
      if (!("wakeLock" in navigator)) { hint.hidden = false; return; }
      navigator.wakeLock.request("screen").then(function (sentinel) {
        lock = sentinel;
        hint.hidden = true;
        lock.addEventListener("release", function () { lock = null; });
      }).catch(function () { hint.hidden = false; });
    }
    document.addEventListener("visibilitychange", request);
    document.addEventListener("click", request); // some browsers want a tap first
    request();
  }

  // --- following a live lecture ----------------------------------------------------------

  function follow(root) {
    var id = root.getAttribute("data-lecture");
    var api = "/api/v1/lectures/" + id;
    var slideBox = document.getElementById("slide");
    var banner = document.getElementById("banner");
    var counter = document.getElementById("counter");
    var status = root.getAttribute("data-status");
    var shownKey = keyOfFragment();
    var wanted = 0;
    var source = null;
    var retry = null;

    function keyOfFragment() {
      var fragment = slideBox.querySelector(".follow-slide");
      return fragment ? fragment.getAttribute("data-key") : "||";
    }

    function keyOf(state) {
      var poll = state.poll;
      var pollHere = poll && poll.module === state.module && poll.position === state.position;
      return [
        state.module || "",
        state.position === null || state.position === undefined ? "" : state.position,
        pollHere ? poll.id : "",
      ].join("|");
    }

    function showStatus(value) {
      status = value;
      root.setAttribute("data-status", value);
      var spans = document.querySelectorAll("#status [data-when]");
      for (var i = 0; i < spans.length; i++) {
        spans[i].hidden = spans[i].getAttribute("data-when") !== value;
      }
    }

    function loadSlide(state, key) {
      var ticket = ++wanted;
      var url = "/t/lectures/" + id + "/slide?module=" + encodeURIComponent(state.module) +
        "&position=" + encodeURIComponent(state.position);
      fetch(url, { credentials: "same-origin" })
        .then(function (response) {
          if (response.status === 401) { toLogin(); return null; }
          return response.ok ? response.text() : null;
        })
        .then(function (html) {
          if (html === null || ticket !== wanted) return; // a newer slide was asked for meanwhile
          slideBox.innerHTML = html;
          shownKey = key;
          startCountdown();
        })
        .catch(function () { /* the stream's next state or a reconnect fetches it again */ });
    }

    /* A poll with a countdown: show the time left and lock the buttons at zero; the server
       refuses later answers anyway and its closing state brings the outcome. */
    var stopCountdown = null;
    function startCountdown() {
      if (stopCountdown) stopCountdown();
      stopCountdown = null;
      var poll = slideBox.querySelector(".poll[data-remaining]");
      var shown = poll && poll.querySelector(".countdown");
      if (!shown || !window.koshuCountdown) return;
      stopCountdown = window.koshuCountdown(
        shown, Number(poll.getAttribute("data-remaining")), function () {
          var buttons = poll.querySelectorAll("button[data-choice]");
          for (var i = 0; i < buttons.length; i++) buttons[i].disabled = true;
        });
    }

    function apply(state) {
      showStatus(state.status);
      counter.textContent = state.index === null || state.index === undefined
        ? "" : (state.index + 1) + " / " + state.count;
      var key = keyOf(state);
      if (key !== shownKey) {
        if (state.module) {
          loadSlide(state, key);
        } else {
          slideBox.innerHTML = "";
          shownKey = key;
        }
      }
      if (state.status === "ended" && source) {
        source.close(); // nothing will change any more
        source = null;
      }
    }

    function refresh() {
      fetch(api + "/state", { credentials: "same-origin" })
        .then(function (response) {
          if (response.status === 401) { toLogin(); return null; }
          return response.ok ? response.json() : null;
        })
        .then(function (state) {
          if (!state) return;
          banner.hidden = true; // the server answered; the stream shows the banner if it fails
          apply(state);
        })
        .catch(function () { banner.hidden = false; });
    }

    function connect() {
      if (ended()) return;
      retry = null;
      source = new EventSource(api + "/events");
      source.addEventListener("state", function (event) {
        banner.hidden = true;
        apply(JSON.parse(event.data));
      });
      source.onopen = function () {
        banner.hidden = true;
        refresh();
      };
      source.onerror = function () {
        if (ended()) return;
        banner.hidden = false;
        // The browser retries by itself unless the stream was refused; then try again here.
        if (source && source.readyState === EventSource.CLOSED && retry === null) {
          source.close();
          retry = window.setTimeout(connect, 5000);
        }
      };
    }

    slideBox.addEventListener("click", function (event) {
      var button = event.target.closest("button[data-choice]");
      if (!button) return;
      var poll = button.closest(".poll");
      var message = poll.querySelector(".poll-message");
      var buttons = poll.querySelectorAll("button[data-choice]");
      for (var i = 0; i < buttons.length; i++) buttons[i].disabled = true;
      button.classList.add("chosen");
      post(api + "/answers", {
        poll_id: Number(poll.getAttribute("data-poll")),
        choice: button.getAttribute("data-choice"),
      })
        .then(function (response) {
          if (response.ok) {
            message.textContent = "✓ " + poll.getAttribute("data-sent");
            message.className = "poll-message sent";
            return;
          }
          if (response.status === 401) { toLogin(); return; }
          return errorText(response).then(function (text) {
            message.textContent = text;
            message.className = "poll-message error";
            if (response.status !== 409) { // not refused for good: let them try again
              for (var j = 0; j < buttons.length; j++) buttons[j].disabled = false;
              button.classList.remove("chosen");
            }
          });
        })
        .catch(function () {
          message.textContent = banner.textContent;
          message.className = "poll-message error";
          for (var j = 0; j < buttons.length; j++) buttons[j].disabled = false;
          button.classList.remove("chosen");
        });
    });

    window.addEventListener("online", function () {
      refresh();
      if (!source || source.readyState === EventSource.CLOSED) connect();
    });
    window.addEventListener("offline", function () {
      if (!ended()) banner.hidden = false;
    });

    function ended() { return status === "ended" || status === "cancelled"; }
    startCountdown();
    keepPinging(api + "/ping", ended);
    keepAwake(document.getElementById("awake-hint"), ended);
    connect();
  }

  // --- self-study ------------------------------------------------------------------------

  function study(root) {
    var base = "/api/v1/study/" + encodeURIComponent(root.getAttribute("data-course")) +
      "/modules/" + encodeURIComponent(root.getAttribute("data-module"));

    root.addEventListener("click", function (event) {
      var button = event.target.closest("button[data-choice]");
      if (!button) return;
      var quiz = button.closest(".study-quiz");
      var result = quiz.querySelector(".result");
      var buttons = quiz.querySelectorAll("button[data-choice]");
      for (var i = 0; i < buttons.length; i++) {
        buttons[i].classList.remove("chosen", "right", "wrong");
      }
      button.classList.add("chosen");
      post(base + "/quiz/" + quiz.getAttribute("data-position"), {
        choice: button.getAttribute("data-choice"),
        revision: Number(root.getAttribute("data-revision")) || null,
      })
        .then(function (response) {
          if (response.status === 401) { toLogin(); return null; }
          if (!response.ok) {
            return errorText(response).then(function (text) {
              result.hidden = false;
              result.className = "result error";
              result.textContent = text;
              return null;
            });
          }
          return response.json();
        })
        .then(function (answer) {
          if (!answer) return;
          button.classList.add(answer.correct ? "right" : "wrong");
          result.hidden = false;
          result.className = "result " + (answer.correct ? "right" : "wrong");
          result.textContent = result.getAttribute(answer.correct ? "data-right" : "data-wrong");
          // The explanation in the trainee's language, when the page has it; else the server's.
          var template = quiz.querySelector("template.explanation");
          var explanation = template ? template.content.textContent : answer.explanation;
          if (explanation) {
            var note = document.createElement("span");
            note.className = "explanation";
            note.textContent = explanation;
            result.appendChild(document.createElement("br"));
            result.appendChild(note);
          }
        })
        .catch(function () { /* offline: the button can be pressed again */ });
    });

    keepPinging(base + "/ping", function () { return false; });
  }

  var lecture = document.getElementById("follow");
  if (lecture) follow(lecture);
  var studying = document.getElementById("study");
  if (studying) study(studying);
})();
