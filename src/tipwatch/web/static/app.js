// tipwatch workspace: all first-party script (the CSP allows no inline script). Each page says what it is in
// <body data-page="...">; data comes in <script type="application/json"> blocks and data- attributes.
"use strict";

(function () {
  function jsonBlock(id) {
    const el = document.getElementById(id);
    return el ? JSON.parse(el.textContent) : null;
  }
  window.tipwatch = { jsonBlock: jsonBlock };
})();
