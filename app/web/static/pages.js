// Small behaviours of the staff pages, in a file rather than inline handlers: the pages'
// Content-Security-Policy runs no inline script.
//   <button data-print>              prints the page
//   <form data-confirm="Question?">  asks before it is sent
//   <a href="/" data-back>           goes back a page when there is one, else follows href
//   <div data-progress-events="url"> follows work in the background (server-sent events)
document.addEventListener("click", function (event) {
  if (!event.target.closest) return;
  if (event.target.closest("[data-print]")) {
    window.print();
  } else if (event.target.closest("[data-back]") && window.history.length > 1) {
    event.preventDefault();
    window.history.back();
  }
});
document.addEventListener("submit", function (event) {
  var question = event.target.getAttribute && event.target.getAttribute("data-confirm");
  if (question && !window.confirm(question)) {
    event.preventDefault();
  }
});

// A progress box (macros.html progress_box): the bar, the percentage and the phase follow
// the server's "progress" events until the work is finished, then the link to the result
// shows. Nothing reloads the page.
(function () {
  var boxes = document.querySelectorAll("[data-progress-events]");
  Array.prototype.forEach.call(boxes, function (box) {
    if (box.getAttribute("data-finished") || !window.EventSource) return;
    var labels = JSON.parse(box.getAttribute("data-labels") || "{}");
    var bar = box.querySelector("progress");
    var percent = box.querySelector(".percent");
    var phase = box.querySelector(".phase");
    var result = box.querySelector("a.result");
    var source = new EventSource(box.getAttribute("data-progress-events"));
    source.addEventListener("progress", function (event) {
      var p = JSON.parse(event.data);
      bar.value = p.percent;
      bar.textContent = percent.textContent = p.percent + "%";
      var key = p.status === "running" ? (p.pages ? "pages" : "converting") : p.status;
      phase.textContent = (labels[key] || p.error || p.status)
        .replace("{pages}", p.pages).replace("{total}", p.total);
      if (p.error) phase.textContent += " · " + p.error;
      box.setAttribute("data-status", p.status);
      if (p.result_url) {
        result.href = p.result_url;
        result.hidden = false;
      }
      if (p.finished) {
        box.setAttribute("data-finished", "1");
        source.close();
      }
    });
  });
})();
