// Factoría pages work without JavaScript; this file only enhances them.
// On a narrow screen the filters fold behind their summary, so the results come first.
(function () {
  "use strict";
  if (!window.matchMedia || !window.matchMedia("(max-width: 48rem)").matches) { return; }
  document.querySelectorAll("details[data-collapse-narrow]").forEach(function (details) {
    details.open = false;
  });
})();
// Search as you type: the challenge search form refreshes its results while typing,
// using the same server-rendered results the form would show.
(function () {
  "use strict";
  var form = document.querySelector("form[data-live-search]");
  if (!form || !window.fetch) { return; }
  var results = document.getElementById("results");
  var status = document.getElementById("results-status");
  var timer = null;
  var latest = 0;
  function refresh() {
    var params = new URLSearchParams(new FormData(form));
    params.set("partial", "1");
    var ticket = ++latest;
    fetch(form.getAttribute("action") + "?" + params.toString(), { headers: { "Accept": "text/html" } })
      .then(function (response) { return response.ok ? response.text() : null; })
      .then(function (html) {
        if (html === null || ticket !== latest) { return; }
        results.innerHTML = html;
        var count = results.querySelector("[data-count]");
        if (status && count) { status.textContent = count.getAttribute("data-count"); }
        params.delete("partial");
        history.replaceState(null, "", form.getAttribute("action") + "?" + params.toString());
      })
      .catch(function () { /* the form still works by submitting it */ });
  }
  form.addEventListener("input", function () {
    clearTimeout(timer);
    timer = setTimeout(refresh, 250);
  });
}());
