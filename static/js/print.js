// Buttons marked data-print print the page: no inline onclick, so the Content-Security-Policy
// can forbid inline script everywhere.
document.addEventListener("click", function (event) {
  var button = event.target.closest("[data-print]");
  if (button) {
    event.preventDefault();
    window.print();
  }
});
