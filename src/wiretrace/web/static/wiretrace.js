// wiretrace web: the only script the pages load (the Content-Security-Policy forbids inline script).
// Checks an upload's size and type before it is sent, so a too-large file fails fast; the server checks again.
"use strict";
document.addEventListener("DOMContentLoaded", function () {
  var form = document.getElementById("check-form");
  var input = document.getElementById("check-file");
  var error = document.getElementById("file-error");
  if (!form || !input || !error) return;
  var max = parseInt(form.getAttribute("data-max-upload") || "0", 10);
  var ok = /\.(txt|text|md|html?)$/i;
  input.addEventListener("change", function () {
    var f = input.files && input.files[0];
    var msg = "";
    if (f && max && f.size > max) msg = "file too large (at most " + Math.floor(max / 1048576) + " MB)";
    else if (f && !ok.test(f.name)) msg = "upload a .txt, .md or .html file";
    error.textContent = msg;
    error.hidden = !msg;
    if (msg) input.value = "";
  });
});
