/** The product's mark: two linked nodes on the accent colour; the favicon and the sidebar's logo. */
export const FAVICON = `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 32 32"><rect width="32" height="32" rx="7" fill="#1d4ed8"/><path d="M10 10 22 16 10 22" fill="none" stroke="#fff" stroke-width="2.5"/><circle cx="10" cy="10" r="3.5" fill="#fff"/><circle cx="22" cy="16" r="3.5" fill="#fff"/><circle cx="10" cy="22" r="3.5" fill="#fff"/></svg>`;

/**
 * The console's only stylesheet and script, served by the worker as files so the Content-Security-Policy
 * can allow 'self' and nothing inline. The script is progressive: every form works without it.
 */
export const STYLESHEET = `
:root{--accent:#1d4ed8;--accent-dark:#1e3a8a;--text:#111827;--muted:#4b5563;--line:#d1d5db;--bg:#f3f4f6;
--panel:#fff;--danger:#b91c1c;--danger-bg:#fef2f2;--warn:#92400e;--warn-bg:#fffbeb;--ok:#166534;--ok-bg:#f0fdf4;
font-family:system-ui,-apple-system,"Segoe UI",Roboto,"Helvetica Neue",Arial,sans-serif;color:var(--text);background:var(--bg)}
*{box-sizing:border-box}body{margin:0;line-height:1.5}
a{color:var(--accent)}a:hover{color:var(--accent-dark)}
:focus-visible{outline:3px solid var(--accent);outline-offset:2px}
.skip{position:absolute;left:-999px;top:0;background:var(--panel);padding:.5rem 1rem;z-index:10}.skip:focus{left:.5rem}
.shell{display:flex;min-height:100vh}
.sidebar{width:15rem;flex:none;background:#111827;color:#f9fafb;padding:1rem;display:flex;flex-direction:column;gap:1rem}
.sidebar a{color:#f9fafb;text-decoration:none;display:block;padding:.45rem .6rem;border-radius:.375rem}
.sidebar a:hover{background:#1f2937;color:#fff}.sidebar a[aria-current=page]{background:var(--accent);color:#fff}
.sidebar :focus-visible{outline-color:#93c5fd}
.sidebar .count{display:inline-block;min-width:1.4em;margin-left:.4rem;padding:0 .35rem;border-radius:999px;background:#f59e0b;color:#111827;font-size:.8rem;font-weight:700;text-align:center}
.sidebar ul{list-style:none;margin:0;padding:0;display:flex;flex-direction:column;gap:.15rem}
.org-name{font-weight:700;font-size:1.05rem;word-break:break-word}.org-switch{font-size:.875rem}
.who{margin-top:auto;font-size:.875rem;color:#d1d5db;display:flex;flex-direction:column;gap:.5rem}
.who button{background:transparent;color:#f9fafb;border:1px solid #6b7280}
main{flex:1;min-width:0;padding:1.5rem 2rem;max-width:72rem;overflow-wrap:anywhere}
.sidebar .brand{display:flex;align-items:center;gap:.5rem;font-weight:700;padding:0}
table time,th,.status,.tag,.locked{white-space:nowrap}
h1{font-size:1.5rem;margin:.25rem 0 1rem}h2{font-size:1.15rem;margin:0 0 .75rem}
.panel{background:var(--panel);border:1px solid var(--line);border-radius:.5rem;padding:1rem 1.25rem;margin-bottom:1.25rem}
label{display:block;font-weight:600;font-size:.9rem;margin-bottom:.2rem}
input,select,textarea{font:inherit;color:var(--text);background:#fff;border:1px solid #6b7280;border-radius:.375rem;padding:.45rem .6rem;max-width:100%}
input[readonly]{background:#f9fafb}
.field{margin-bottom:.75rem;min-width:0}.field input,.field select,.field textarea{width:100%}
.row{display:flex;flex-wrap:wrap;gap:.75rem;align-items:flex-end}.row .field{flex:1 1 12rem;margin-bottom:0}
.hint{color:var(--muted);font-size:.875rem;margin:.25rem 0 0}
button,.button{font:inherit;font-weight:600;cursor:pointer;border-radius:.375rem;padding:.45rem .9rem;border:1px solid var(--accent);
background:var(--accent);color:#fff;text-decoration:none;display:inline-block;line-height:1.5}
button:hover,.button:hover{background:var(--accent-dark);color:#fff}
.secondary{background:#fff;color:var(--accent)}.secondary:hover{background:#eff6ff;color:var(--accent-dark)}
.danger{background:var(--danger);border-color:var(--danger)}.danger:hover{background:#7f1d1d}
.inline{display:inline}
.error{color:var(--danger);background:var(--danger-bg);border:1px solid #fca5a5;border-radius:.375rem;padding:.5rem .75rem;margin:.5rem 0}
.notice{background:#eff6ff;border:1px solid #93c5fd;border-radius:.375rem;padding:.6rem .8rem;margin-bottom:1rem}
.warning{color:var(--warn);background:var(--warn-bg);border:1px solid #fcd34d;border-radius:.375rem;padding:.6rem .8rem;margin:.5rem 0}
.success{color:var(--ok);background:var(--ok-bg);border:1px solid #86efac;border-radius:.375rem;padding:.6rem .8rem;margin:.5rem 0}
.table-wrap{overflow-x:auto;margin-bottom:1.25rem;background:var(--panel);border:1px solid var(--line);border-radius:.5rem}
table{border-collapse:collapse;width:100%}th,td{text-align:left;padding:.6rem .75rem;border-bottom:1px solid #e5e7eb;vertical-align:middle}
th{font-size:.8rem;text-transform:uppercase;letter-spacing:.03em;color:var(--muted);background:#f9fafb}
tr:last-child td{border-bottom:0}
.person{display:flex;align-items:center;gap:.6rem}.person small{display:block;color:var(--muted)}
.avatar{position:relative;flex:none;width:2.25rem;height:2.25rem;border-radius:50%;background:#dbeafe;color:#1e3a8a;
display:flex;align-items:center;justify-content:center;font-weight:700;font-size:.85rem}
.avatar .badge{position:absolute;right:-.3rem;bottom:-.3rem;background:#fff;border-radius:50%;padding:1px;display:flex;border:1px solid var(--line)}
.status{font-size:.8rem;font-weight:600;border-radius:999px;padding:.1rem .55rem;display:inline-block}
.status.active{background:#dcfce7;color:#14532d}.status.deactivated{background:#e5e7eb;color:#374151}
.tag{display:inline-flex;align-items:center;gap:.3rem;font-size:.85rem}
.locked{color:var(--muted);font-size:.875rem;display:inline-flex;gap:.3rem;align-items:center}
.pager{display:flex;gap:.75rem;justify-content:flex-end;margin:.75rem 0}
.providers{list-style:none;margin:0;padding:0}.providers li{display:flex;align-items:center;gap:.75rem;padding:.75rem 0;border-bottom:1px solid #e5e7eb;flex-wrap:wrap}
.providers li:last-child{border-bottom:0}.providers .name{flex:1;font-weight:600;display:flex;align-items:center;gap:.6rem}
.switch{display:inline-flex;align-items:center;gap:.5rem;background:#fff;color:var(--text);border:1px solid #6b7280;padding:.3rem .6rem}
.switch:hover{background:#f3f4f6;color:var(--text)}
.switch .track{width:2.4rem;height:1.3rem;border-radius:999px;background:#6b7280;position:relative;flex:none}
.switch .track::after{content:"";position:absolute;top:.15rem;left:.15rem;width:1rem;height:1rem;border-radius:50%;background:#fff}
.switch[aria-checked=true] .track{background:var(--accent)}.switch[aria-checked=true] .track::after{left:1.25rem}
.reveal{border:2px solid var(--accent);background:#f8fafc}
.copy{display:flex;gap:.5rem}.copy input{flex:1;min-width:0;font-family:ui-monospace,Menlo,Consolas,monospace;font-size:.85rem}
dialog.confirm{border:1px solid var(--line);border-radius:.5rem;padding:1.25rem;width:32rem;max-width:calc(100vw - 2rem);color:var(--text)}
dialog.confirm::backdrop{background:rgb(17 24 39/.55)}dialog.confirm h2{margin-top:0}
.actions{display:flex;flex-wrap:wrap;gap:.5rem;justify-content:flex-end;align-items:center}
.actions-row{display:flex;flex-wrap:wrap;gap:.75rem;align-items:center;margin-top:1rem}
.actions-row .apart{margin-left:auto;display:flex;flex-wrap:wrap;gap:.5rem}.section-end{margin-top:1rem}
button:disabled{opacity:.5;cursor:not-allowed}
details summary{cursor:pointer;color:var(--accent)}
.changes{margin:.35rem 0 0;padding-left:1.1rem;font-size:.875rem}.changes code{background:#f3f4f6;padding:0 .2rem;border-radius:.2rem;word-break:break-all}
.sign-in{max-width:26rem;margin:10vh auto;padding:0 1rem}
.muted{color:var(--muted)}
.alert{border-radius:.5rem;padding:.6rem .9rem;margin:0 0 1rem;display:flex;flex-wrap:wrap;gap:.5rem 1rem;align-items:center;justify-content:space-between}
.alert p{margin:0}.alert.danger{background:var(--danger-bg);border:1px solid #fca5a5;color:var(--danger)}.alert.warning{background:var(--warn-bg);border:1px solid #fcd34d;color:var(--warn)}
.timeline{list-style:none;margin:0;padding:0}.timeline li{padding:.45rem 0 .45rem .75rem;border-left:3px solid var(--line);margin-left:.25rem}
.timeline li.failed{border-left-color:var(--danger);color:var(--danger)}.timeline time{color:var(--muted);font-size:.85rem;margin-right:.35rem}
td small{display:block;margin-top:.25rem}
.sr-only{position:absolute;width:1px;height:1px;overflow:hidden;clip:rect(0 0 0 0);white-space:nowrap}
dl{display:grid;grid-template-columns:minmax(0,max-content) minmax(0,1fr);gap:.25rem 1rem}dt{font-weight:600}dd{margin:0}.pushed .phone{display:block}
code{overflow-wrap:anywhere}
@media (max-width:640px){.shell{flex-direction:column}.sidebar{width:auto;gap:.5rem;padding:.75rem}
.sidebar ul{flex-direction:row;flex-wrap:wrap}.who{margin-top:0;flex-direction:row;flex-wrap:wrap;align-items:center;justify-content:space-between}
main{padding:1rem}.hide-narrow{display:none}
.table-wrap{overflow-x:visible}table,tbody,tr,td{display:block;width:100%}thead{position:absolute;width:1px;height:1px;overflow:hidden;clip:rect(0 0 0 0)}
tr{padding:.5rem 0;border-bottom:1px solid #e5e7eb}tr:last-child{border-bottom:0}td{border:0;padding:.25rem .75rem}
dl{grid-template-columns:minmax(0,1fr)}dd{margin-bottom:.35rem}}
`;

export const SCRIPT = `
var linkForm = document.querySelector("form[data-link-form]");
if (linkForm && location.hash.length > 1) {
  // A console link's token is its fragment, which the browser never sent: post it, and keep it out of the history.
  linkForm.elements.token.value = location.hash.slice(1);
  history.replaceState(null, "", location.pathname);
  linkForm.submit();
}
document.querySelectorAll("[data-copy]").forEach(function (button) {
  button.hidden = false;
  button.addEventListener("click", function () {
    var field = document.getElementById(button.getAttribute("data-copy"));
    var done = function (text) { button.textContent = text; setTimeout(function () { button.textContent = "Copy"; }, 2000); };
    navigator.clipboard.writeText(field.value).then(function () { done("Copied"); }, function () { field.select(); done("Press Ctrl+C"); });
  });
});
// An action that needs a second look opens its dialog instead of submitting; only the dialog's button
// (name=confirmed) submits, and, where a word must be typed, only once it is.
document.addEventListener("submit", function (event) {
  var form = event.target, dialog = form.querySelector("dialog[data-confirm]");
  if (!dialog || (event.submitter && event.submitter.name === "confirmed")) return;
  event.preventDefault();
  var yes = dialog.querySelector("button[name=confirmed]");
  // Enter in the typed field submits by the form's first button: confirm, if the word is right.
  if (dialog.open) { if (!yes.disabled) form.requestSubmit(yes); return; }
  dialog.showModal();
});
document.querySelectorAll("dialog[data-confirm]").forEach(function (dialog) {
  var yes = dialog.querySelector("button[name=confirmed]"), typed = dialog.querySelector("input[data-expected]");
  dialog.querySelector("[data-cancel]").addEventListener("click", function () { dialog.close(); });
  if (!typed) return;
  var expected = typed.getAttribute("data-expected").trim().toLowerCase();
  var check = function () { yes.disabled = typed.value.trim().toLowerCase() !== expected; };
  check();
  typed.addEventListener("input", check);
  dialog.addEventListener("close", function () { typed.value = ""; check(); });
});
`;
