// Region pickers: <input data-region-search="/regions/search/?level=4,5" list="…"> fills its
// <datalist> with the regions whose name contains what was typed, each shown with its path
// (陕西省 › 延安市 › 延川县 › 永坪镇); choosing one puts the path in the input and the server
// resolves it. Without this script the input still takes a name, a path or a code.
// A multiple picker (data-region-add-to="<textarea id>") adds the chosen path as a new line.
(function () {
  "use strict";
  var DELAY = 200;

  function fill(list, results) {
    while (list.firstChild) list.removeChild(list.firstChild);
    results.forEach(function (region) {
      var option = document.createElement("option");
      option.value = region.path;
      option.label = region.code;
      list.appendChild(option);
    });
  }

  function search(input) {
    var list = document.getElementById(input.getAttribute("list"));
    var text = input.value.trim();
    if (!list || !text || text.indexOf("›") !== -1) return;
    var base = input.getAttribute("data-region-search");
    var url = base + (base.indexOf("?") === -1 ? "?" : "&") + "q=" + encodeURIComponent(text);
    fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (response) { return response.ok ? response.json() : { results: [] }; })
      .then(function (data) { if (input.value.trim() === text) fill(list, data.results || []); })
      .catch(function () { /* offline: the typed name is resolved on the server */ });
  }

  function addTo(input) {
    var target = document.getElementById(input.getAttribute("data-region-add-to"));
    var list = document.getElementById(input.getAttribute("list"));
    if (!target || !list) return;
    var chosen = Array.prototype.some.call(list.options, function (option) { return option.value === input.value; });
    if (!chosen) return;
    var lines = target.value.split("\n").map(function (line) { return line.trim(); }).filter(Boolean);
    if (lines.indexOf(input.value) === -1) lines.push(input.value);
    target.value = lines.join("\n");
    input.value = "";
  }

  function enhance(root) {
    Array.prototype.forEach.call(root.querySelectorAll("input[data-region-search]"), function (input) {
      if (input.dataset.regionPicker) return;
      input.dataset.regionPicker = "on";
      input.hidden = false;
      var timer = null;
      input.addEventListener("input", function () {
        if (input.hasAttribute("data-region-add-to")) addTo(input);
        clearTimeout(timer);
        timer = setTimeout(function () { search(input); }, DELAY);
      });
    });
  }

  document.addEventListener("DOMContentLoaded", function () { enhance(document); });
  document.addEventListener("htmx:load", function (event) { enhance(event.target); });
})();
