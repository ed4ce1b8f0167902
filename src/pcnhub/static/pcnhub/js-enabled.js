// Tell the NHS.UK frontend's styles that JavaScript runs (a file, not an inline script: the CSP allows no inline script).
document.body.className += " js-enabled" + ("noModule" in HTMLScriptElement.prototype ? " nhsuk-frontend-supported" : "");
