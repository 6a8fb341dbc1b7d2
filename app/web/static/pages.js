// Small behaviours of the staff pages, in a file rather than inline handlers: the pages'
// Content-Security-Policy runs no inline script.
//   <button data-print>              prints the page
//   <form data-confirm="Question?">  asks before it is sent
//   <a href="/" data-back>           goes back a page when there is one, else follows href
//   <div data-progress-events="url"> follows work in the background (server-sent events)
//   <form data-upload-progress>      shows how much of its file is sent, then the result
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
      var count = p.written !== undefined ? p.written : p.pages;  // an export's, a rendering's
      var key = p.status === "running" ? (count ? "pages" : "converting") : p.status;
      phase.textContent = (labels[key] || p.error || p.status)
        .replace("{pages}", count).replace("{written}", count).replace("{total}", p.total);
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

// A form that uploads a large file: the bar shows how much is sent, then that the server is
// reading it; the answer (the import report) then replaces the page as a normal post would.
// Without script the form posts as usual.
document.addEventListener("submit", function (event) {
  var form = event.target;
  if (!form.hasAttribute || !form.hasAttribute("data-upload-progress") || event.defaultPrevented) {
    return;
  }
  var box = form.querySelector(".upload-progress");
  if (!box || !window.XMLHttpRequest || !window.FormData) return;
  event.preventDefault();
  var bar = box.querySelector("progress");
  var percent = box.querySelector(".percent");
  var phase = box.querySelector(".phase");
  var button = form.querySelector("button[type=submit]");
  box.hidden = false;
  if (button) button.disabled = true;
  phase.textContent = box.getAttribute("data-sending");
  var request = new XMLHttpRequest();
  request.open("POST", form.action);
  request.upload.addEventListener("progress", function (progress) {
    if (!progress.lengthComputable) return;
    var share = Math.round((100 * progress.loaded) / progress.total);
    bar.value = share;
    bar.textContent = percent.textContent = share + "%";
    if (share >= 100) phase.textContent = box.getAttribute("data-checking");
  });
  request.addEventListener("load", function () {
    if (request.responseURL && request.responseURL !== form.action) {
      window.location.href = request.responseURL; // the import's report, after a redirect
    } else {
      document.open();
      document.write(request.responseText); // the report of a rejected deck
      document.close();
    }
  });
  request.addEventListener("error", function () {
    if (button) button.disabled = false;
    box.hidden = true;
  });
  request.send(new FormData(form));
});
