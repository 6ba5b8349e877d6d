// tipwatch workspace: all first-party script (the CSP allows no inline script). Each page says what it is in
// <body data-page="...">; data comes in <script type="application/json"> blocks and data- attributes.
"use strict";

(function () {
  function jsonBlock(id) {
    const el = document.getElementById(id);
    return el ? JSON.parse(el.textContent) : null;
  }

  function typing(event) {
    const t = event.target;
    return t && (t.isContentEditable || ["INPUT", "TEXTAREA", "SELECT"].includes(t.tagName));
  }

  // Review queue: j/k select the next/previous post of the list, e/d/n ask for a reason, Enter submits the form.
  function reviewPage() {
    const items = Array.from(document.querySelectorAll("#qlist .qitem"));
    const form = document.getElementById("decide-form");
    const postField = document.getElementById("decide-post");
    const decisionField = document.getElementById("decide-decision");
    const reasonRow = document.getElementById("reason-row");
    const reason = document.getElementById("decide-reason");
    const label = document.getElementById("reason-label");
    const target = document.getElementById("decide-target");
    const names = { escalate: "Escalate", dismiss: "Dismiss", needs_info: "Needs info" };
    let current = 0;

    function select(i) {
      if (!items.length) return;
      current = Math.max(0, Math.min(items.length - 1, i));
      items.forEach(function (el, n) {
        el.classList.toggle("selected", n === current);
        el.setAttribute("aria-selected", n === current ? "true" : "false");
      });
      const id = items[current].dataset.postId;
      postField.value = id;
      target.textContent = id;
      document.body.dataset.selected = id;
      items[current].scrollIntoView({ block: "nearest" });
    }

    function ask(decision) {
      if (!postField.value) return;
      decisionField.value = decision;
      label.textContent = names[decision] + " — reason:";
      reasonRow.hidden = false;
      reason.required = true;
      reason.focus();
    }

    function cancel() {
      reasonRow.hidden = true;
      reason.value = "";
      decisionField.value = "";
      reason.blur();
    }

    form.addEventListener("submit", function (event) {
      if (!decisionField.value || !reason.value.trim()) {
        event.preventDefault();
        reason.focus();
      }
    });
    reason.addEventListener("keydown", function (event) {
      if (event.key === "Escape") cancel();
    });
    document.querySelectorAll("button.decide[data-decision]").forEach(function (b) {
      b.addEventListener("click", function () { ask(b.dataset.decision); });
    });
    items.forEach(function (el, n) {
      el.addEventListener("click", function () { select(n); });
    });
    document.addEventListener("keydown", function (event) {
      if (typing(event) || event.ctrlKey || event.metaKey || event.altKey) return;
      const keys = { e: "escalate", d: "dismiss", n: "needs_info" };
      if (event.key === "j") { select(current + 1); event.preventDefault(); }
      else if (event.key === "k") { select(current - 1); event.preventDefault(); }
      else if (event.key === "o" && items.length) { window.location.href = items[current].dataset.href; }
      else if (keys[event.key]) { ask(keys[event.key]); event.preventDefault(); }
    });
    select(0);
  }

  // Network graph: Cytoscape.js over the elements in <script type="application/json" id="graph-data">.
  function networkPage() {
    const box = document.getElementById("graph");
    const elements = jsonBlock("graph-data");
    if (!box || !elements || typeof window.cytoscape !== "function") return;
    const cy = window.cytoscape({
      container: box,
      elements: elements,
      wheelSensitivity: 0.3,
      style: [
        { selector: "node", style: { "font-size": 8, "text-wrap": "ellipsis", "text-max-width": 90, "color": "#1d232b" } },
        {
          selector: "node[kind = 'post']",
          style: {
            "shape": "ellipse", "width": 14, "height": 14, "label": "",
            "background-color": "mapData(risk, 0, 1, #9fc3ea, #a33b1f)"
          }
        },
        {
          selector: "node[kind = 'entity']",
          style: { "shape": "round-rectangle", "width": 12, "height": 12, "background-color": "#f2b84b", "label": "data(label)" }
        },
        { selector: "edge", style: { "width": 1, "line-color": "#b9c2cc", "curve-style": "haystack" } },
        { selector: "node:selected", style: { "border-width": 2, "border-color": "#1f5fa8" } }
      ],
      layout: { name: "cose", animate: false, randomize: false, nodeRepulsion: function () { return 9000; } }
    });
    cy.on("tap", "node[kind = 'post']", function (event) {
      const id = event.target.data("post_id");
      if (id) window.location.href = "/posts/" + id.split("/").map(encodeURIComponent).join("/");
    });
    cy.on("mouseover", "node[kind = 'post']", function (event) { event.target.style("label", event.target.data("label")); });
    cy.on("mouseout", "node[kind = 'post']", function (event) { event.target.style("label", ""); });
    box.dataset.renderedNodes = String(cy.nodes().length);
    box.dataset.ready = "true";
    window.tipwatchGraph = cy;
  }

  // Post pictures are placeholders carrying the picture's address in data-src: nothing is requested (and so nothing
  // is logged as viewed, "media.view") until the analyst clicks one. The first click (or Enter/Space on the button)
  // loads and shows it; later clicks blur it and show it again without another request. Restricted pictures have
  // no button, no address and no <img> at all.
  function pictures() {
    document.querySelectorAll("button.picture[data-src]").forEach(function (button) {
      const src = button.dataset.src || "";
      if (!src.startsWith("/media/")) return;  // only the app's own picture route
      button.setAttribute("aria-pressed", "false");
      button.addEventListener("click", function () {
        let img = button.querySelector("img");
        if (!img) {
          img = document.createElement("img");
          img.alt = button.dataset.alt || "";
          img.src = src;
          const placeholder = button.querySelector(".placeholder");
          if (placeholder) placeholder.hidden = true;
          button.appendChild(img);
          button.setAttribute("aria-pressed", "true");
          return;
        }
        const shown = img.classList.toggle("blurred") === false;
        button.setAttribute("aria-pressed", shown ? "true" : "false");
      });
    });
  }

  function start() {
    const page = document.body.dataset.page;
    if (page === "post") pictures();
    if (page === "review") reviewPage();
    if (page === "network") networkPage();
  }

  window.tipwatch = { jsonBlock: jsonBlock };
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
