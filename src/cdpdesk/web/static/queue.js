// "Issue all" (the queue): while letters are still to issue, the progress page sends its
// form for the next small batch by itself; without JavaScript the clerk presses its button.
document.addEventListener("DOMContentLoaded", function () {
  var form = document.querySelector("form[data-autosubmit]");
  if (!form) return;
  var button = form.querySelector("button");
  if (button) button.disabled = true;
  window.setTimeout(function () { form.submit(); }, 300);
});
