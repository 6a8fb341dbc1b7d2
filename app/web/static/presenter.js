/* The presenter's screen: buttons and arrow keys call the lectures API; every window showing
   the lecture follows the server-sent events, so a second presenter window stays in step.
   Running time per statutory area comes from the server's timeline and ticks here between. */
(function () {
  "use strict";

  var root = document.getElementById("presenter");
  if (!root) return;
  var id = root.getAttribute("data-lecture");
  var api = "/api/v1/lectures/" + id;
  var token = (document.querySelector('meta[name="csrf-token"]') || {}).content || "";
  var labels = JSON.parse(root.getAttribute("data-labels"));
  var state = JSON.parse(root.getAttribute("data-state"));
  var stage = document.getElementById("stage");
  var banner = document.getElementById("banner");
  var message = document.getElementById("message");
  var pollPanel = document.getElementById("poll");
  var pollBars = document.getElementById("poll-bars");
  var pollCount = document.getElementById("poll-count");
  var busy = false;
  var wanted = 0;
  var shownKey = slideKey(state);
  var areaSeconds = {};
  var syncedAt = Date.now();
  var pollTimer = null;
  var resultsInFlight = false;
  var resultsAgain = false;

  function slideKey(s) {
    return (s.module || "") + "|" + (s.position === null || s.position === undefined ? "" : s.position);
  }

  function call(method, path, body) {
    return fetch(api + path, {
      method: method,
      headers: { "X-CSRF-Token": token, "Content-Type": "application/json" },
      credentials: "same-origin",
      body: body === undefined ? undefined : JSON.stringify(body),
    });
  }

  function showMessage(text) {
    message.textContent = text || "";
    message.hidden = !text;
  }

  // --- running time per area -------------------------------------------------------------

  function readStageData() {
    var data = stage.querySelector(".stage-data");
    if (!data) return;
    try {
      areaSeconds = JSON.parse(data.getAttribute("data-area-seconds")) || {};
    } catch (e) {
      areaSeconds = {};
    }
    syncedAt = Date.now();
  }

  function clock(seconds) {
    seconds = Math.max(0, Math.floor(seconds));
    var h = Math.floor(seconds / 3600);
    var m = Math.floor((seconds % 3600) / 60);
    var s = seconds % 60;
    return h + ":" + (m < 10 ? "0" : "") + m + ":" + (s < 10 ? "0" : "") + s;
  }

  function tick() {
    var extra = state.status === "live" ? (Date.now() - syncedAt) / 1000 : 0;
    var total = 0;
    var rows = document.querySelectorAll(".area-timer[data-area]");
    for (var i = 0; i < rows.length; i++) {
      var code = rows[i].getAttribute("data-area");
      var seconds = (areaSeconds[code] || 0) + (code === state.area ? extra : 0);
      var minimum = Number(rows[i].getAttribute("data-minimum")) * 60;
      rows[i].querySelector(".elapsed").textContent = clock(seconds);
      rows[i].querySelector(".meter span").style.width =
        (minimum ? Math.min(100, (100 * seconds) / minimum) : 100) + "%";
      rows[i].classList.toggle("met", minimum > 0 && seconds >= minimum);
      rows[i].classList.toggle("now", code === state.area && state.status === "live");
      total += seconds;
    }
    for (var key in areaSeconds) {
      if (!document.querySelector('.area-timer[data-area="' + key + '"]')) total += areaSeconds[key];
    }
    document.getElementById("running").textContent = clock(total);
  }

  /* Before ending: the areas taught in this lecture that are still short of their minimum
     (a lecture need not cover every area, so untaught areas are not listed). */
  function endQuestion() {
    var short = [];
    var rows = document.querySelectorAll(".area-timer[data-area]");
    for (var i = 0; i < rows.length; i++) {
      var seconds = areaSeconds[rows[i].getAttribute("data-area")] || 0;
      var minimum = Number(rows[i].getAttribute("data-minimum")) * 60;
      if (seconds > 0 && seconds < minimum) {
        short.push("・" + rows[i].querySelector(".name").textContent + " " +
          rows[i].querySelector(".elapsed").textContent);
      }
    }
    return labels.confirm_end + (short.length ? "\n\n" + labels.short_areas + "\n" + short.join("\n") : "");
  }

  // --- who is in the room ----------------------------------------------------------------

  function room() {
    if (state.status === "ended") return;
    fetch(api + "/room", { credentials: "same-origin" })
      .then(function (response) { return response.ok ? response.json() : null; })
      .then(function (data) {
        if (!data) return;
        document.getElementById("room-count").textContent = labels.following
          .replace("{following}", data.following).replace("{expected}", data.expected);
        var list = document.getElementById("room-list");
        list.innerHTML = "";
        data.trainees.forEach(function (trainee) {
          if (trainee.state === "following") return;
          var item = document.createElement("li");
          item.className = "room-" + trainee.state;
          item.textContent = trainee.name + " · " + (labels[trainee.state] || trainee.state);
          list.appendChild(item);
        });
      })
      .catch(function () {});
  }

  // --- the state on screen ---------------------------------------------------------------

  function loadStage(key) {
    var ticket = ++wanted;
    var url = "/lectures/" + id + "/slide-fragment?module=" + encodeURIComponent(state.module) +
      "&position=" + encodeURIComponent(state.position);
    fetch(url, { credentials: "same-origin" })
      .then(function (response) { return response.ok ? response.text() : null; })
      .then(function (html) {
        if (html === null || ticket !== wanted) return;
        stage.innerHTML = html;
        shownKey = key;
        readStageData();
        tick();
      })
      .catch(function () { banner.hidden = false; });
  }

  function showButtons() {
    var s = state.status;
    var visible = {
      start: s === "scheduled",
      prev: s === "live" || s === "paused",
      next: s === "live" || s === "paused",
      pause: s === "live",
      resume: s === "paused",
      end: s === "live" || s === "paused",
      "poll-open": s === "live" && state.kind === "quiz" && !state.poll,
      "poll-close": !!state.poll,
    };
    var buttons = document.querySelectorAll("button[data-action]");
    for (var i = 0; i < buttons.length; i++) {
      var action = buttons[i].getAttribute("data-action");
      buttons[i].hidden = !visible[action];
      buttons[i].disabled = busy;
    }
    document.getElementById("to-sheet").hidden = s !== "ended";
  }

  function apply(next) {
    var hadPoll = state.poll;
    // Whatever ran until now stays with its area; from now on the new state's area runs.
    var now = Date.now();
    if (state.status === "live" && state.area) {
      areaSeconds[state.area] = (areaSeconds[state.area] || 0) + (now - syncedAt) / 1000;
    }
    syncedAt = now;
    state = next;
    var status = document.getElementById("status");
    status.textContent = labels[state.status] || state.status;
    status.className = "badge lecture-" + state.status;
    document.getElementById("counter").textContent =
      (state.index === null || state.index === undefined ? "–" : state.index + 1) + " / " + state.count;
    showButtons();
    var key = slideKey(state);
    if (state.module && key !== shownKey) {
      if (!state.poll) pollPanel.hidden = true; // the last poll's chart belongs to its slide
      loadStage(key);
    }
    if (!state.answers) showCountdown(state.poll);
    if (state.poll) {
      pollPanel.hidden = false;
      if (!hadPoll || hadPoll.id !== state.poll.id) results();
      if (pollTimer === null) pollTimer = window.setInterval(results, 2000);
    } else {
      if (pollTimer !== null) {
        window.clearInterval(pollTimer);
        pollTimer = null;
      }
      if (hadPoll) results(); // the final count, now with the right answer marked
    }
    tick();
  }

  function pollSeconds() {
    var chosen = document.getElementById("poll-seconds");
    return chosen && chosen.value ? { seconds: Number(chosen.value) } : undefined;
  }

  var pollCountdown = document.getElementById("poll-countdown");
  var stopCountdown = null;
  function showCountdown(poll) {
    if (stopCountdown) stopCountdown();
    stopCountdown = null;
    pollCountdown.hidden = !(poll && poll.remaining !== null && poll.remaining !== undefined);
    if (!pollCountdown.hidden && window.koshuCountdown) {
      stopCountdown = window.koshuCountdown(pollCountdown, poll.remaining);
    }
  }

  function act(action) {
    var requests = {
      start: ["POST", "/start"],
      prev: ["POST", "/slide", { step: -1 }],
      next: ["POST", "/slide", { step: 1 }],
      pause: ["POST", "/pause"],
      resume: ["POST", "/resume"],
      end: ["POST", "/end"],
      "poll-open": ["POST", "/poll", pollSeconds()],
      "poll-close": ["DELETE", "/poll"],
    };
    var request = requests[action];
    if (!request || busy) return;
    if (action === "end" && !window.confirm(endQuestion())) return;
    busy = true;
    showButtons();
    call(request[0], request[1], request[2])
      .then(function (response) {
        return response.json().then(function (data) {
          if (response.ok) {
            showMessage("");
            apply(data);
          } else {
            showMessage((data.error && data.error.message) || response.statusText);
          }
        });
      })
      .catch(function () { banner.hidden = false; })
      .then(function () {
        busy = false;
        showButtons();
      });
  }

  // --- the live poll ---------------------------------------------------------------------

  function drawResults(data) {
    pollBars.innerHTML = "";
    if (!data || !data.poll) return;
    var counts = data.counts || {};
    var most = 0;
    for (var label in counts) most = Math.max(most, counts[label]);
    Object.keys(counts).sort().forEach(function (label) {
      var row = document.createElement("div");
      row.className = "bar-row" + (!data.open && label === data.answer ? " right" : "");
      var name = document.createElement("span");
      name.className = "bar-label";
      name.textContent = label;
      var track = document.createElement("span");
      track.className = "bar-track";
      var fill = document.createElement("span");
      fill.className = "bar-fill";
      fill.style.width = (most ? (100 * counts[label]) / most : 0) + "%";
      track.appendChild(fill);
      var count = document.createElement("span");
      count.className = "bar-count";
      count.textContent = counts[label];
      row.appendChild(name);
      row.appendChild(track);
      row.appendChild(count);
      pollBars.appendChild(row);
    });
    pollCount.textContent = labels.answered.replace("{count}", data.answered);
  }

  function results() {
    if (resultsInFlight) {
      resultsAgain = true;
      return;
    }
    resultsInFlight = true;
    fetch(api + "/poll/results", { credentials: "same-origin" })
      .then(function (response) { return response.ok ? response.json() : null; })
      .then(drawResults)
      .catch(function () {})
      .then(function () {
        resultsInFlight = false;
        if (resultsAgain) {
          resultsAgain = false;
          results();
        }
      });
  }

  // --- following the lecture from every window -------------------------------------------

  var source = null;
  function connect() {
    source = new EventSource(api + "/events");
    source.addEventListener("state", function (event) {
      banner.hidden = true;
      var data = JSON.parse(event.data);
      if (data.answers) {
        results();
        return;
      }
      apply(data);
    });
    source.onopen = function () { banner.hidden = true; };
    source.onerror = function () {
      banner.hidden = false;
      if (source.readyState === EventSource.CLOSED) {
        source.close();
        window.setTimeout(connect, 5000);
      }
    };
  }

  document.addEventListener("click", function (event) {
    var button = event.target.closest("button[data-action]");
    if (button) act(button.getAttribute("data-action"));
  });

  document.addEventListener("keydown", function (event) {
    if (event.altKey || event.ctrlKey || event.metaKey) return;
    var target = event.target;
    if (target && /^(INPUT|SELECT|TEXTAREA|BUTTON)$/.test(target.tagName)) return;
    if (state.status !== "live" && state.status !== "paused") return;
    // Presentation clickers send PageDown/PageUp; keyboards the arrows.
    if (event.key === "ArrowRight" || event.key === "PageDown" || event.key === " ") {
      event.preventDefault();
      act("next");
    } else if (event.key === "ArrowLeft" || event.key === "PageUp") {
      event.preventDefault();
      act("prev");
    }
  });

  readStageData();
  apply(state);
  window.setInterval(tick, 1000);
  room();
  window.setInterval(room, 10000);
  connect();
})();
