// Small helpers for every page. No inline scripts: the Content-Security-Policy forbids them.
document.addEventListener("htmx:responseError", function (evt) {
  var box = document.getElementById("htmx-error");
  if (!box) {
    box = document.createElement("div");
    box.id = "htmx-error";
    box.className = "alert alert-danger position-fixed bottom-0 end-0 m-3";
    box.setAttribute("role", "alert");
    document.body.appendChild(box);
  }
  box.textContent = (document.documentElement.lang === "en" ? "The request failed: " : "操作失败：") + evt.detail.xhr.status;
});
// Auto-submit filter forms on change (htmx swaps the rows).
document.addEventListener("change", function (evt) {
  var form = evt.target.closest("form[data-autosubmit]");
  if (form && window.htmx) { htmx.trigger(form, "submit"); }
});
