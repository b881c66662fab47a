/*! cxmonitor embed: shows a touchpoint survey in an iframe, inline or behind a feedback button.
 * <script src="https://HOST/embed.js" data-touchpoint="KEY" data-mode="inline|button"
 *         data-lang="de|en|tr|…" async></script>
 * Further data-* attributes (e.g. data-store="berlin") are passed on to the survey page,
 * which keeps only the segment attributes it knows.
 */
(function (win, doc) {
  "use strict";

  var TEXT = {
    de: { button: "Feedback", close: "Schließen", title: "Kundenbefragung" },
    en: { button: "Feedback", close: "Close", title: "Customer survey" }
  };
  var OWN = { touchpoint: 1, mode: 1, lang: 1, "cxm-ready": 1 };
  var CSS =
    ":host{all:initial;display:block}" +
    ".f{display:block;width:100%;height:460px;border:0;margin:0;padding:0;background:transparent;color-scheme:light}" +
    ".b,.x{font:600 16px/1.2 system-ui,-apple-system,'Segoe UI',Roboto,Arial,sans-serif;cursor:pointer;border:0}" +
    ".b{position:fixed;right:20px;bottom:20px;z-index:2147483000;padding:14px 22px;border-radius:28px;" +
    "background:#0b5cad;color:#fff;box-shadow:0 3px 12px rgba(0,0,0,.3)}" +
    ".b:hover{background:#08457f}" +
    ".b:focus-visible,.x:focus-visible{outline:3px solid #ffbf47;outline-offset:2px}" +
    ".p{position:fixed;right:20px;bottom:84px;z-index:2147483001;width:420px;max-width:calc(100vw - 40px);" +
    "max-height:calc(100vh - 110px);overflow:auto;background:#fff;border-radius:12px;" +
    "box-shadow:0 10px 40px rgba(0,0,0,.35)}" +
    ".p[hidden]{display:none}" +
    ".h{display:flex;justify-content:flex-end;padding:10px 10px 0}" +
    ".x{padding:8px 14px;border-radius:18px;background:#eef1f5;color:#1a1a1a;font-size:14px}" +
    "@media (max-width:480px){.p{left:0;right:0;bottom:0;width:auto;max-width:none;" +
    "max-height:92vh;border-radius:12px 12px 0 0}}";

  var frames = [];
  // Only set while this file runs for the first time, so it is read right away.
  var current = doc.currentScript;

  function originOf(src) {
    var a = doc.createElement("a");
    a.href = src;
    // IE-era browsers report default ports; browsers never put them in event.origin.
    var host = a.host.replace(/:(80|443)$/, "");
    return a.protocol + "//" + host;
  }

  function el(name, className) {
    var node = doc.createElement(name);
    if (className) {
      node.className = className;
    }
    return node;
  }

  // A closed shadow root keeps the host page's CSS out; "all: initial" stops inheritance.
  function shadowHost() {
    var host = el("cxmonitor-survey");
    host.style.cssText = "all:initial !important;display:block !important";
    var root = host.attachShadow ? host.attachShadow({ mode: "closed" }) : host;
    var style = el("style");
    style.textContent = CSS;
    root.appendChild(style);
    return { host: host, root: root };
  }

  function surveyFrame(url, key, origin, text) {
    var frame = el("iframe", "f");
    frame.src = url;
    frame.title = text.title;
    frame.setAttribute("loading", "lazy");
    // Our own page, but it has no business navigating the host page or opening windows.
    frame.setAttribute("sandbox", "allow-scripts allow-forms allow-same-origin");
    frames.push({ frame: frame, key: key, origin: origin });
    return frame;
  }

  function query(script, lang) {
    var parts = ["mode=embed", "channel=embed"];
    if (lang) {
      parts.push("lang=" + lang);
    }
    var attrs = script.attributes;
    for (var i = 0; i < attrs.length; i++) {
      var name = attrs[i].name;
      if (name.indexOf("data-") === 0 && !OWN[name.slice(5)]) {
        parts.push(encodeURIComponent(name.slice(5)) + "=" + encodeURIComponent(attrs[i].value));
      }
    }
    return parts.join("&");
  }

  function inline(script, frame) {
    var parts = shadowHost();
    parts.root.appendChild(frame);
    if (script.parentNode && script.parentNode !== doc.head) {
      script.parentNode.insertBefore(parts.host, script.nextSibling);
    } else {
      doc.body.appendChild(parts.host);
    }
  }

  function button(frame, text) {
    var parts = shadowHost();
    var root = parts.root;
    var open = el("button", "b");
    var panel = el("div", "p");
    var head = el("div", "h");
    var close = el("button", "x");
    open.type = close.type = "button";
    open.textContent = text.button;
    close.textContent = text.close;
    open.setAttribute("aria-expanded", "false");
    panel.setAttribute("role", "dialog");
    panel.setAttribute("aria-label", text.title);
    panel.hidden = true;
    head.appendChild(close);
    panel.appendChild(head);
    root.appendChild(panel);
    root.appendChild(open);

    function toggle(show) {
      if (show && !frame.parentNode) {
        frame.removeAttribute("loading");
        panel.appendChild(frame); // first opening loads the survey, not the host page's visit
      }
      panel.hidden = !show;
      open.setAttribute("aria-expanded", show ? "true" : "false");
      (show ? close : open).focus();
    }
    open.addEventListener("click", function () {
      toggle(panel.hidden);
    });
    close.addEventListener("click", function () {
      toggle(false);
    });
    panel.addEventListener("keydown", function (event) {
      if (event.key === "Escape" || event.keyCode === 27) {
        toggle(false);
      }
    });
    doc.body.appendChild(parts.host);
  }

  function setup(script) {
    var key = script.getAttribute("data-touchpoint");
    if (!key || script.getAttribute("data-cxm-ready")) {
      return;
    }
    script.setAttribute("data-cxm-ready", "1");
    var lang = script.getAttribute("data-lang");
    // Any ISO 639 code: the page knows the organisation's languages and falls back itself.
    lang = /^[a-z]{2,3}$/.test(lang || "") ? lang : "";
    var text = TEXT[lang || (doc.documentElement.lang || "").slice(0, 2)] || TEXT.de;
    var origin = originOf(script.src);
    var url = origin + "/s/" + encodeURIComponent(key) + "/?" + query(script, lang);
    var frame = surveyFrame(url, key, origin, text);
    if (script.getAttribute("data-mode") === "button") {
      button(frame, text);
    } else {
      inline(script, frame);
    }
  }

  // Only the survey page in our own iframe may resize it.
  win.addEventListener("message", function (event) {
    var data = event.data;
    if (!data || data.type !== "cxmonitor:height") {
      return;
    }
    for (var i = 0; i < frames.length; i++) {
      var entry = frames[i];
      if (
        event.source === entry.frame.contentWindow &&
        event.origin === entry.origin &&
        data.key === entry.key
      ) {
        var height = Math.ceil(Number(data.height));
        if (height > 0 && height < 20000) {
          entry.frame.style.height = height + "px";
        }
      }
    }
  });

  function start() {
    if (current) {
      setup(current);
    }
    // Tags that ran before this copy (or share its cached file) and are not set up yet.
    var tags = doc.querySelectorAll("script[data-touchpoint]");
    for (var i = 0; i < tags.length; i++) {
      if (/\/embed\.js(\?|#|$)/.test(tags[i].src)) {
        setup(tags[i]);
      }
    }
  }

  if (doc.body) {
    start();
  } else {
    doc.addEventListener("DOMContentLoaded", start);
  }
})(window, document);
