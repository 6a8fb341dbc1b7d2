// Small behaviours of the staff pages, in a file rather than inline handlers: the pages'
// Content-Security-Policy runs no inline script.
//   <button data-print>              prints the page
//   <form data-confirm="Question?">  asks before it is sent
//   <a href="/" data-back>           goes back a page when there is one, else follows href
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
