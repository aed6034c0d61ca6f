// Enter (or a click) on a roadmap stop moves the keyboard focus to that stage's card, so
// the next Tab continues from the card and a screen reader reads it.
document.addEventListener("click", function (event) {
  var stop = event.target.closest && event.target.closest("svg.roadmap a");
  if (!stop) return;
  var href = stop.getAttribute("href") || "";
  if (href.charAt(0) !== "#") return;
  var card = document.getElementById(href.slice(1));
  if (!card) return;
  event.preventDefault();
  history.replaceState(null, "", href);
  card.focus();
  card.scrollIntoView({ block: "start" });
});
