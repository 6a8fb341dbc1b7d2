/* A poll's countdown on any screen. The server sends the seconds left with each state; the
   page counts down from there on its own monotonic clock (a phone's wall clock may be
   wrong), and the server closes the poll at the deadline whatever the page shows. */
(function () {
  "use strict";

  function format(seconds) {
    var s = Math.max(0, Math.ceil(seconds));
    return Math.floor(s / 60) + ":" + (s % 60 < 10 ? "0" : "") + (s % 60);
  }

  /* Show the time left in `element` (its [data-left] child, if any) from `seconds` on; call
     `done` once at zero. Returns a function that stops the countdown. */
  window.koshuCountdown = function (element, seconds, done) {
    var shown = element.querySelector("[data-left]") || element;
    var until = performance.now() + seconds * 1000;
    var timer = null;
    function tick() {
      var left = (until - performance.now()) / 1000;
      shown.textContent = format(left);
      element.classList.toggle("ending", left <= 5);
      if (left <= 0) {
        stop();
        if (done) done();
      }
    }
    function stop() {
      if (timer !== null) window.clearInterval(timer);
      timer = null;
    }
    element.hidden = false;
    tick();
    if (seconds > 0) timer = window.setInterval(tick, 250);
    return stop;
  };
})();
