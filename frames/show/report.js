/* frames report: frame filters and the "why" panel. Without it, every detail is in the page's <details>. */
(function () {
  "use strict";
  var body = document.body;
  document.documentElement.classList.add("js");
  var filters = document.getElementById("filters");
  if (filters) {
    filters.hidden = false;
    filters.addEventListener("change", function (event) {
      var box = event.target;
      if (box.type === "checkbox") body.classList.toggle("off-" + box.value, !box.checked);
    });
  }
  var panel = document.getElementById("why"), text = document.getElementById("text"), current = null;
  // A link to #x12 opens sentence 12's details; a link to #s12 shows it in the panel.
  function openTarget() {
    var target = location.hash && document.getElementById(location.hash.slice(1));
    if (target && target.tagName === "DETAILS") target.open = true;
    if (target && panel && target.classList.contains("s")) show(target);
  }
  window.addEventListener("hashchange", openTarget);
  if (!panel || !text) return openTarget();
  panel.hidden = false;
  function show(sentence) {
    if (sentence === current) return;
    var details = document.getElementById("x" + sentence.getAttribute("data-i"));
    if (!details) return;
    if (current) current.classList.remove("current");
    current = sentence;
    sentence.classList.add("current");
    var heading = document.createElement("h2");
    heading.textContent = "Sentence " + sentence.getAttribute("data-i");
    var quote = document.createElement("p");
    quote.className = "quote";
    quote.textContent = sentence.textContent;
    panel.replaceChildren(heading, quote);
    var table = details.querySelector("table");
    if (table) panel.appendChild(table.cloneNode(true));
  }
  function pick(event) {
    var sentence = event.target.closest ? event.target.closest(".s") : null;
    if (sentence) show(sentence);
    return sentence;
  }
  openTarget();
  if (!current) {  // until the reader picks one, the panel explains the first highlighted sentence
    var first = text.querySelector("a.s");
    if (first) show(first);
  }
  text.addEventListener("mouseover", pick);
  text.addEventListener("focusin", pick);
  text.addEventListener("click", function (event) {
    var sentence = pick(event);
    var box = panel.getBoundingClientRect();
    // With the panel in view, a click shows the sentence there; otherwise the link opens its details below.
    if (sentence && sentence.tagName === "A" && box.top < window.innerHeight && box.bottom > 0) event.preventDefault();
  });
})();
