/* Embeds the credit check widget where this script tag stands:
     <script src="https://平台地址/static/jrp/widget-embed.js" data-token="令牌" data-query="申请人代码" data-auto="1" async></script>
   The token comes from the acceptance system's server (POST /api/jrp/channels/widget-token); the page never
   holds an API key. The widget runs in an iframe of the platform; the token travels in the URL fragment,
   which browsers do not send to servers. */
(function () {
  "use strict";
  var script = document.currentScript;
  if (!script) { return; }
  var base = new URL(script.src, window.location.href);
  var fragment = new URLSearchParams();
  fragment.set("token", script.getAttribute("data-token") || "");
  if (script.getAttribute("data-query")) { fragment.set("q", script.getAttribute("data-query")); }
  if (script.getAttribute("data-auto") === "1") { fragment.set("auto", "1"); }
  var frame = document.createElement("iframe");
  frame.src = base.origin + "/jrp/widget/#" + fragment.toString();
  frame.title = "联合奖惩信用核查";
  frame.className = "xinyong-check-widget";
  frame.setAttribute("width", script.getAttribute("data-width") || "100%");
  frame.setAttribute("height", "320");
  frame.setAttribute("referrerpolicy", "no-referrer");
  frame.setAttribute("sandbox", "allow-scripts allow-same-origin allow-forms");
  script.parentNode.insertBefore(frame, script.nextSibling);
  window.addEventListener("message", function (event) {
    if (event.origin !== base.origin || event.source !== frame.contentWindow) { return; }
    if (event.data && event.data.type === "xinyong-widget-height") {
      frame.setAttribute("height", String(Math.min(Math.max(event.data.height + 4, 160), 2000)));
    }
  });
})();
