// InsCRM: send the CSRF token with every htmx request, as a header.
document.addEventListener("htmx:configRequest", function (event) {
  var meta = document.querySelector('meta[name="csrf-token"]');
  if (meta) {
    event.detail.headers["X-CSRFToken"] = meta.content;
  }
});
// Show error pages that htmx requests receive (4xx/5xx) instead of silently dropping them.
document.addEventListener("htmx:beforeSwap", function (event) {
  var status = event.detail.xhr.status;
  if (status === 401) {
    window.location.reload();
  } else if (status >= 400) {
    event.detail.shouldSwap = true;
    event.detail.isError = false;
  }
});
