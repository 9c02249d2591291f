/* The credit check widget: reads its token from the URL fragment (never sent to any server log), calls the
   token-authenticated check endpoint and shows the result card. Builds the card with DOM methods and
   textContent only (no HTML from data), so nothing in an answer can run as script. */
(function () {
  "use strict";
  var root = document.getElementById("xw");
  if (!root) { return; }
  var params = new URLSearchParams(window.location.hash.replace(/^#/, ""));
  var token = params.get("token") || "";
  // The token leaves the address bar at once (it stays in this page's memory only).
  if (window.history && window.history.replaceState) {
    window.history.replaceState(null, "", window.location.pathname);
  }
  var endpoint = root.getAttribute("data-endpoint");
  var form = document.getElementById("xw-form");
  var input = document.getElementById("xw-query");
  var button = document.getElementById("xw-submit");
  var statusBox = document.getElementById("xw-status");
  var card = document.getElementById("xw-card");
  input.value = params.get("q") || "";

  function el(tag, cls, text) {
    var node = document.createElement(tag);
    if (cls) { node.className = cls; }
    if (text !== undefined && text !== null) { node.textContent = String(text); }
    return node;
  }

  function say(text, isError) {
    statusBox.textContent = text || "";
    statusBox.className = "xw-status" + (isError ? " error" : "");
  }

  function resize() {
    if (window.parent !== window) {
      window.parent.postMessage({ type: "xinyong-widget-height", height: document.body.scrollHeight }, "*");
    }
  }

  function period(from, until) {
    if (!from && !until) { return ""; }
    return "（" + (from || "") + " 至 " + (until || "长期") + "）";
  }

  function renderHits(hits) {
    card.appendChild(el("h3", "", "命中的名单"));
    var list = el("ul");
    hits.forEach(function (h) {
      var item = el("li", "", h.list_name + (h.level ? "（" + h.level + "）" : "") + period(h.effective_from, h.effective_until));
      if (h.ended_on) { item.appendChild(el("span", "xw-tag", "已于 " + h.ended_on + " 移出名单，仅适用移出后继续实施的措施")); }
      if (h.deciding_department) { item.appendChild(el("span", "xw-muted", " 认定部门：" + h.deciding_department)); }
      if (h.via_person) { item.appendChild(el("span", "xw-tag", "作为“" + h.organisation_name + "”的法定代表人")); }
      if (h.disputed) { item.appendChild(el("span", "xw-tag suspended", "异议处理中")); }
      list.appendChild(item);
    });
    card.appendChild(list);
  }

  function renderMeasures(measures, suspended) {
    var chosen = measures.filter(function (m) { return Boolean(m.suspended) === suspended; });
    if (!chosen.length) { return; }
    card.appendChild(el("h3", "", suspended ? "暂停适用的措施（相关记录有异议，处理完毕前暂不实施）" : "应当适用的措施"));
    var list = el("ul");
    chosen.forEach(function (m) {
      var item = el("li", "", m.content);
      item.appendChild(el("span", "xw-tag" + (m.application === "强制应用" ? " mandatory" : ""), m.application));
      if (suspended) { item.appendChild(el("span", "xw-tag suspended", "暂停")); }
      var basis = [];
      if (m.legal_basis) { basis.push("依据：" + m.legal_basis); }
      if (m.implementing_department) { basis.push("实施部门：" + m.implementing_department); }
      if (m.continues_months) { basis.push("名单移出后继续实施 " + m.continues_months + " 个月"); }
      if (m.suspended_reason) { basis.push(m.suspended_reason); }
      if (basis.length) { item.appendChild(el("div", "xw-muted", basis.join("；"))); }
      list.appendChild(item);
    });
    card.appendChild(list);
  }

  function subjectLine(subject) {
    if (!subject) { return ""; }
    var parts = [];
    if (subject.name) { parts.push(subject.name); }
    var code = subject.uscc || subject.ric_masked || subject.code || "";
    if (code) { parts.push(code); }
    return parts.join("　");
  }

  function render(answer) {
    card.textContent = "";
    card.className = "xw-card " + answer.outcome;
    card.hidden = false;
    card.setAttribute("data-outcome", answer.outcome);
    card.appendChild(el("h2", "", answer.title));
    var line = subjectLine(answer.subject);
    if (line) { card.appendChild(el("p", "", line)); }
    if (answer.outcome === "hit") {
      renderHits(answer.hits || []);
      renderMeasures(answer.measures || [], false);
      renderMeasures(answer.measures || [], true);
    } else if (answer.outcome === "clean") {
      card.appendChild(el("p", "", "该主体在核查日没有有效的联合惩戒名单记录，无须适用惩戒措施。"));
      renderMeasures(answer.measures || [], false);
    } else if (answer.outcome === "candidates") {
      card.appendChild(el("p", "", "按名称查询只给出候选主体，请核对后确认申请人（确认前不适用任何措施）："));
      var list = el("ul");
      (answer.candidates || []).forEach(function (c) {
        var item = el("li", "", subjectLine(c) || c.name || "");
        if (c.id || c.subject_id) {
          var confirm = el("button", "xw-confirm", "确认是该主体");
          confirm.type = "button";
          confirm.addEventListener("click", function () { run(c.id || c.subject_id); });
          item.appendChild(document.createTextNode(" "));
          item.appendChild(confirm);
        }
        list.appendChild(item);
      });
      card.appendChild(list);
    } else if (answer.error_message) {
      card.appendChild(el("p", "", answer.error_message));
    }
    if (answer.explanation && answer.explanation.length) {
      card.appendChild(el("h3", "", "核查说明"));
      var notes = el("ul");
      answer.explanation.forEach(function (t) { notes.appendChild(el("li", "", t)); });
      card.appendChild(notes);
    }
    card.appendChild(el("p", "xw-muted", "核查编号 " + (answer.check_id || "—") + " · 依据日期 " + answer.as_of));
    resize();
  }

  function run(confirmId) {
    var query = input.value.trim();
    if (!query) { say("请输入统一社会信用代码、身份证号码或名称", true); return; }
    if (!token) { say("缺少核查令牌：请由受理系统向平台申请令牌后再打开核查组件", true); return; }
    button.disabled = true;
    say("正在核查……", false);
    var body = { query: query };
    if (confirmId) { body.confirm_subject_id = confirmId; }
    fetch(endpoint, {
      method: "POST",
      credentials: "omit",
      headers: { "Content-Type": "application/json", "X-Widget-Token": token },
      body: JSON.stringify(body)
    }).then(function (response) {
      return response.json().then(function (data) { return { ok: response.ok, data: data }; });
    }).then(function (result) {
      button.disabled = false;
      if (!result.ok) {
        card.hidden = true;
        say(result.data.message + "（" + result.data.code + "）", true);
        resize();
        return;
      }
      say("", false);
      render(result.data);
    }).catch(function () {
      button.disabled = false;
      say("无法连接信用平台，请稍后重试", true);
    });
  }

  form.addEventListener("submit", function (event) { event.preventDefault(); run(null); });
  if (params.get("auto") === "1" && input.value) { run(null); }
  resize();
})();
