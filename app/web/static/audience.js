/* The projector's window: follows the lecture's server-sent events like every other window,
   shows the slide on screen, the join QR code until the lecture starts, and a closed poll's
   chart. Opened from the presenter's screen; the presenter's notes never reach it. */
(function () {
  "use strict";

  var root = document.getElementById("audience");
  if (!root) return;
  var id = root.getAttribute("data-lecture");
  var screen = document.getElementById("screen");
  var join = document.getElementById("join");
  var wanted = 0;

  function shownKey() {
    var slide = screen.querySelector(".audience-slide");
    return slide ? slide.getAttribute("data-key") : "";
  }

  function load(state) {
    var ticket = ++wanted;
    var url = "/lectures/" + id + "/audience-fragment";
    if (state.module) {
      url += "?module=" + encodeURIComponent(state.module) +
        "&position=" + encodeURIComponent(state.position);
    }
    fetch(url, { credentials: "same-origin" })
      .then(function (response) { return response.ok ? response.text() : null; })
      .then(function (html) {
        if (html !== null && ticket === wanted) screen.innerHTML = html;
      })
      .catch(function () { /* the next state, or a reconnect, fetches it again */ });
  }

  var countdown = document.getElementById("countdown");
  var stopCountdown = null;
  function showCountdown(poll) {
    if (stopCountdown) stopCountdown();
    stopCountdown = null;
    countdown.hidden = !(poll && poll.remaining !== null && poll.remaining !== undefined);
    if (!countdown.hidden && window.koshuCountdown) {
      stopCountdown = window.koshuCountdown(countdown, poll.remaining);
    }
  }

  function apply(state) {
    root.setAttribute("data-status", state.status);
    showCountdown(state.poll);
    join.hidden = state.status !== "scheduled";
    var slideKey = (state.module || "") + "|" + (state.position === null ? "" : state.position);
    // A poll closing on the same slide changes what is shown too (its chart appears).
    if (shownKey().indexOf(slideKey + "|") !== 0 || !state.poll) load(state);
  }

  function connect() {
    var source = new EventSource("/api/v1/lectures/" + id + "/events");
    source.addEventListener("state", function (event) {
      var state = JSON.parse(event.data);
      if (state.answers) return; // counts are for the presenter until the poll closes
      apply(state);
    });
    source.onerror = function () {
      if (source.readyState === EventSource.CLOSED) window.setTimeout(connect, 5000);
    };
  }

  document.getElementById("fullscreen").addEventListener("click", function () {
    var page = document.documentElement;
    if (document.fullscreenElement) document.exitFullscreen();
    else if (page.requestFullscreen) page.requestFullscreen();
  });

  connect();
})();
