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
  } else if (status === 503 && event.detail.requestConfig.verb !== "get") {
    event.detail.shouldSwap = false;
    sendAgainLater(event.detail);
  } else if (status >= 400) {
    event.detail.shouldSwap = true;
    event.detail.isError = false;
  }
});
// A write that found the database busy (an import holds it) changed nothing: the form stays as
// the user filled it, the server's words say so above it, and it is sent again after the wait
// the server names (Retry-After).
function sendAgainLater(detail) {
  var config = detail.requestConfig;
  var source = config.elt;
  var anchor = source.closest("form") || source;
  var notice = anchor.previousElementSibling;
  if (!notice || !notice.classList.contains("busy-notice")) {
    notice = document.createElement("div");
    notice.className = "busy-notice";
    notice.setAttribute("role", "status");
    anchor.parentNode.insertBefore(notice, anchor);
  }
  notice.innerHTML = detail.xhr.responseText;
  var seconds = parseInt(detail.xhr.getResponseHeader("Retry-After"), 10) || 5;
  window.setTimeout(function () {
    if (document.body.contains(source)) {
      htmx.trigger(source, config.triggeringEvent ? config.triggeringEvent.type : "submit");
    }
  }, seconds * 1000);
}
document.addEventListener("htmx:afterRequest", function (event) {
  if (event.detail.successful) {
    var anchor = event.detail.elt.closest("form") || event.detail.elt;
    var notice = anchor.previousElementSibling;
    if (notice && notice.classList.contains("busy-notice")) {
      notice.remove();
    }
  }
});
// A page's form that came back from a busy database (errors/busy.html) sends itself again.
document.querySelectorAll("form[data-send-after]").forEach(function (form) {
  window.setTimeout(function () {
    form.submit();
  }, (parseInt(form.dataset.sendAfter, 10) || 5) * 1000);
});
// hx-confirm asks first; when the answer is no, a choice goes back to what it was
// (select[data-was]) instead of showing a value that was never saved.
document.addEventListener("htmx:confirm", function (event) {
  if (!event.detail.question) {
    return;
  }
  event.preventDefault();
  if (window.confirm(event.detail.question)) {
    event.detail.issueRequest(true);
  } else {
    event.target.querySelectorAll("select[data-was]").forEach(function (select) {
      select.value = select.dataset.was;
    });
  }
});
// The ID document follows the customer kind (resident ID for a person, credit code for a
// company), unless another one was chosen by hand.
document.addEventListener("change", function (event) {
  var kind = event.target;
  if (!kind.matches || !kind.matches("select[data-id-types]")) {
    return;
  }
  var usual = JSON.parse(kind.dataset.idTypes);
  var idType = kind.form && kind.form.querySelector("select[name=id_type]");
  var defaults = Object.keys(usual).map(function (k) { return usual[k]; });
  if (idType && (idType.value === "" || defaults.indexOf(idType.value) >= 0)) {
    idType.value = usual[kind.value] || "";
  }
});
// A policy's end date follows its start date: one year of cover (start + 1 year - 1 day),
// until the end date is typed by hand.
document.addEventListener("input", function (event) {
  var start = event.target;
  if (!start.matches || !start.matches("input[data-fills-end]")) {
    return;
  }
  var end = start.form && start.form.querySelector("input[name=" + start.dataset.fillsEnd + "]");
  var match = /^(\d{4})[-\/.](\d{1,2})[-\/.](\d{1,2})$/.exec(start.value.trim());
  if (!end || !match || (end.value && end.dataset.filled !== end.value)) {
    return;
  }
  var year = +match[1] + 1, month = +match[2] - 1, day = +match[3];
  var next = new Date(Date.UTC(year, month, day));
  if (next.getUTCMonth() !== month) {  // 29 February: the year ends on 28 February
    next = new Date(Date.UTC(year, month + 1, 1));
  }
  next.setUTCDate(next.getUTCDate() - 1);
  end.value = next.toISOString().slice(0, 10);
  end.dataset.filled = end.value;
});
// No inline script (the Content-Security-Policy allows none): a button[data-print] prints the
// page, and a form[data-confirm] that htmx does not send asks its question before it is sent.
document.addEventListener("click", function (event) {
  var button = event.target.closest && event.target.closest("[data-print]");
  if (button) {
    window.print();
  }
});
document.addEventListener("submit", function (event) {
  var form = event.target;
  if (form.matches && form.matches("form[data-confirm]") && !window.confirm(form.dataset.confirm)) {
    event.preventDefault();
  }
});
