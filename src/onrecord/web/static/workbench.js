// onrecord workbench: layer toggles, the span panel, review forms, selection -> new span, window slider.
// Everything that comes from documents is put in the page with textContent, never as HTML.
(function () {
  "use strict";
  var store = window.localStorage;

  function el(tag, attrs, text) {
    var node = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (k) { node.setAttribute(k, attrs[k]); });
    if (text !== undefined && text !== null) { node.textContent = String(text); }
    return node;
  }

  function reviewer() {
    var input = document.getElementById("reviewer");
    return input && input.value.trim() ? input.value.trim() : null;
  }

  function api(method, url, body) {
    var options = { method: method, headers: { "X-Onrecord-Write": "1", "Accept": "application/json" }, credentials: "same-origin" };
    if (body !== undefined) {
      options.headers["Content-Type"] = "application/json";
      options.body = JSON.stringify(body);
    }
    return fetch(url, options).then(function (response) {
      return response.json().catch(function () { return {}; }).then(function (data) {
        if (!response.ok) {
          throw new Error((data && data.error && data.error.message) || ("HTTP " + response.status));
        }
        return data;
      });
    });
  }

  function flash(container, message, isError) {
    var p = el("p", { "class": isError ? "error" : "ok", "role": isError ? "alert" : "status" }, message);
    container.prepend(p);
    return p;
  }

  // -- reviewer name ------------------------------------------------------------------------------------
  var who = document.getElementById("reviewer");
  if (who) {
    who.value = store.getItem("onrecord.reviewer") || "";
    who.addEventListener("change", function () { store.setItem("onrecord.reviewer", who.value.trim()); });
  }

  // -- layer toggles --------------------------------------------------------------------------------------
  document.querySelectorAll(".layer-toggle").forEach(function (box) {
    var layer = box.getAttribute("data-layer");
    var key = "onrecord.hide." + layer;
    function apply() { document.body.classList.toggle("hide-" + layer, !box.checked); }
    if (store.getItem(key) === "1") { box.checked = false; }
    apply();
    box.addEventListener("change", function () { store.setItem(key, box.checked ? "0" : "1"); apply(); });
  });

  // -- document page: the span panel ---------------------------------------------------------------------
  var annsNode = document.getElementById("anns");
  var text = document.getElementById("doctext");
  if (annsNode && text) {
    var anns = JSON.parse(annsNode.textContent);
    var review = JSON.parse(document.getElementById("review").textContent);
    var byId = {};
    anns.forEach(function (a) { byId[a.id] = a; });
    var body = document.getElementById("panel-body");
    var empty = document.getElementById("panel-empty");
    var readOnly = !document.getElementById("reviewer");

    function reload() { window.location.reload(); }

    function correctionForm(a) {
      var form = el("form", { "class": "correct-form" });
      var label = el("input", { name: "label", value: a.label, list: "labels-" + a.layer, maxlength: "500", "aria-label": "label" });
      form.append(el("label", {}, "label "), label);
      var fields = review.editable[a.layer] || [];
      var inputs = {};
      if (fields.indexOf("holder") >= 0) {
        inputs.holder = el("input", { name: "holder", value: (a.attrs && a.attrs.holder) || "", list: "holders", "aria-label": "holder" });
        form.append(el("label", {}, " holder "), inputs.holder);
      }
      if (fields.indexOf("polarity") >= 0) {
        inputs.polarity = el("select", { name: "polarity", "aria-label": "polarity" });
        review.polarities.forEach(function (p) {
          var option = el("option", { value: p }, p);
          if (a.attrs && a.attrs.polarity === p) { option.selected = true; }
          inputs.polarity.append(option);
        });
        form.append(el("label", {}, " polarity "), inputs.polarity);
      }
      form.append(el("button", { type: "submit" }, "Save correction"));
      form.addEventListener("submit", function (event) {
        event.preventDefault();
        var attrs = {};
        Object.keys(inputs).forEach(function (k) {
          var v = inputs[k].value.trim();
          if (v && v !== ((a.attrs && a.attrs[k]) || "")) { attrs[k] = v; }
        });
        var payload = { attrs: attrs, by: reviewer() };
        if (label.value.trim() && label.value.trim() !== a.label) { payload.label = label.value.trim(); }
        api("PATCH", "/api/v1/annotations/" + a.id, payload).then(reload, function (e) { flash(form, e.message, true); });
      });
      return form;
    }

    function card(a) {
      var box = el("div", { "class": "card c-" + a.layer, "data-id": String(a.id) });
      var head = el("p", { "class": "card-head" });
      head.append(el("span", { "class": "swatch sw-" + a.layer }, a.layer), " ", el("strong", {}, a.label));
      if (a.verified) { head.append(" ", el("span", { "class": "badge verified" }, "verified")); }
      box.append(head, el("blockquote", {}, a.text));
      var dl = el("dl", {});
      Object.keys(a.attrs || {}).forEach(function (k) {
        if (k === "review") { return; }
        var v = a.attrs[k];
        dl.append(el("dt", {}, k), el("dd", {}, typeof v === "object" ? JSON.stringify(v) : v));
      });
      dl.append(el("dt", {}, "score"), el("dd", {}, a.score === null ? "—" : a.score));
      dl.append(el("dt", {}, "analyzer"), el("dd", {}, a.source));
      dl.append(el("dt", {}, "span"), el("dd", {}, "[" + a.start + ", " + a.end + ")"));
      if (a.attrs && a.attrs.review) {
        dl.append(el("dt", {}, "reviewed"), el("dd", {}, a.attrs.review.action + " by " + a.attrs.review.by + ", " + a.attrs.review.at.slice(0, 16).replace("T", " ")));
      }
      box.append(dl);
      if (!readOnly) {
        var actions = el("p", { "class": "actions" });
        var verify = el("button", { type: "button", "class": "verify" }, "Verify");
        var del = el("button", { type: "button", "class": "delete" }, "Delete");
        var fix = el("button", { type: "button", "class": "correct" }, "Correct…");
        verify.addEventListener("click", function () {
          api("POST", "/api/v1/annotations/" + a.id + "/verify", { by: reviewer() }).then(reload, function (e) { flash(box, e.message, true); });
        });
        del.addEventListener("click", function () {
          if (!window.confirm("Delete this " + a.layer + " span?")) { return; }
          var q = reviewer() ? "?by=" + encodeURIComponent(reviewer()) : "";
          api("DELETE", "/api/v1/annotations/" + a.id + q).then(reload, function (e) { flash(box, e.message, true); });
        });
        fix.addEventListener("click", function () { fix.disabled = true; box.append(correctionForm(a)); });
        actions.append(verify, " ", fix, " ", del);
        box.append(actions);
      }
      return box;
    }

    function show(ids) {
      body.textContent = "";
      var list = ids.map(function (i) { return byId[i]; }).filter(function (a) {
        return a && !document.body.classList.contains("hide-" + a.layer);
      });
      empty.hidden = list.length > 0;
      list.forEach(function (a) { body.append(card(a)); });
    }

    text.addEventListener("click", function (event) {
      var seg = event.target.closest(".seg");
      if (!seg || (window.getSelection && String(window.getSelection()).length)) { return; }
      text.querySelectorAll(".seg.active").forEach(function (s) { s.classList.remove("active"); });
      seg.classList.add("active");
      show(seg.getAttribute("data-ids").split(" ").map(Number));
    });

    // -- selection -> add a span (offsets in code points of the stored text) ----------------------------------
    var addForm = document.getElementById("add-form");
    // A DOM position (UTF-16 units in a text node, or a child index in an element) -> a code point offset.
    function offsetOf(node, offset) {
      var host = node.nodeType === 3 ? node.parentElement : node;
      if (host && host.classList.contains("body") && text.contains(host)) {  // between two segments of a turn
        var next = host.childNodes[offset];
        if (next && next.nodeType === 1 && next.hasAttribute("data-s")) { return Number(next.getAttribute("data-s")); }
        var last = host.childNodes[offset - 1];
        if (last && last.nodeType === 1 && last.hasAttribute("data-s")) {
          return Number(last.getAttribute("data-s")) + Array.from(last.textContent).length;
        }
        return null;
      }
      var span = host && host.closest("[data-s]");
      if (!span || !text.contains(span)) { return null; }
      var range = document.createRange();  // from the segment's start, whatever text nodes the browser split it into
      range.setStart(span, 0);
      range.setEnd(node, offset);
      return Number(span.getAttribute("data-s")) + Array.from(range.toString()).length;
    }
    if (addForm && !readOnly) {
      var layerSelect = addForm.querySelector("[name=layer]");
      var labelInput = addForm.querySelector("[name=label]");
      layerSelect.addEventListener("change", function () { labelInput.setAttribute("list", "labels-" + layerSelect.value); });
      text.addEventListener("mouseup", function () {
        var sel = window.getSelection();
        if (!sel || sel.isCollapsed || !sel.rangeCount) { return; }
        var r = sel.getRangeAt(0);
        var a = offsetOf(r.startContainer, r.startOffset);
        var b = offsetOf(r.endContainer, r.endOffset);
        if (a === null || b === null || b <= a) { return; }
        addForm.querySelector("[name=start]").value = a;
        addForm.querySelector("[name=end]").value = b;
        document.getElementById("add-text").textContent = String(sel).slice(0, 300);
        addForm.hidden = false;
      });
      document.getElementById("add-cancel").addEventListener("click", function () { addForm.hidden = true; });
      addForm.addEventListener("submit", function (event) {
        event.preventDefault();
        var attrs = {};
        var holder = addForm.querySelector("[name=holder]").value.trim();
        var polarity = addForm.querySelector("[name=polarity]").value;
        var layer = layerSelect.value;
        if (holder && (review.editable[layer] || []).indexOf("holder") >= 0) { attrs.holder = holder; }
        if (polarity && (review.editable[layer] || []).indexOf("polarity") >= 0) { attrs.polarity = polarity; }
        api("POST", "/api/v1/documents/" + review.doc_id + "/annotations", {
          start: Number(addForm.querySelector("[name=start]").value), end: Number(addForm.querySelector("[name=end]").value),
          layer: layer, label: labelInput.value.trim(), attrs: attrs, by: reviewer()
        }).then(reload, function (e) { flash(addForm, e.message, true); });
      });
    }

    var focused = text.querySelector(".focus");
    if (focused) { focused.scrollIntoView({ block: "center" }); }
  }

  // -- predictions: resolve forms ----------------------------------------------------------------------------
  document.querySelectorAll(".resolve-form").forEach(function (form) {
    form.addEventListener("submit", function (event) {
      event.preventDefault();
      var data = { outcome: form.outcome.value, by: reviewer() };
      if (form.evidence.value.trim()) { data.evidence = form.evidence.value.trim(); }
      if (form.note.value.trim()) { data.note = form.note.value.trim(); }
      api("POST", "/api/v1/predictions/" + form.getAttribute("data-id") + "/resolve", data)
        .then(function () { window.location.reload(); }, function (e) { flash(form, e.message, true); });
    });
  });

  // -- network: the window slider ----------------------------------------------------------------------------
  var slider = document.getElementById("window-slider");
  if (slider) {
    slider.addEventListener("change", function () {
      window.location.assign(slider.getAttribute("data-href").replace("__W__", slider.value));
    });
  }
})();
