import { PATH_ROW_CSS } from "../../net/path-picture-css.js";

/**
 * The console page: one self-contained document that polls GET
 * /_emulator/state once a second and draws it. It changes nothing, loads
 * nothing else, and writes every value as text (agent output is untrusted).
 * Elements carry data-testid attributes, which the browser tests read.
 */
export const CONSOLE_PAGE = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>AgentCore Doctor emulator console</title>
<style>
body { font: 14px/1.4 system-ui, sans-serif; margin: 1.5rem; color: #1d2733; }
h1 { font-size: 1.3rem; } h2 { font-size: 1.1rem; margin-top: 1.6rem; } h3 { font-size: 1rem; }
table { border-collapse: collapse; margin: .4rem 0; } td, th { border: 1px solid #c8d0d9; padding: .2rem .5rem; text-align: left; vertical-align: top; }
th { background: #eef2f6; } .muted { color: #67727e; } code, pre { font-family: ui-monospace, monospace; font-size: 12px; }
pre { background: #f6f8fa; padding: .5rem; max-height: 16rem; overflow: auto; white-space: pre-wrap; }
.state-starting { color: #9a6700; } .state-idle { color: #1a7f37; } .state-busy { color: #0969da; } .state-ended { color: #67727e; }
${PATH_ROW_CSS}</style>
</head>
<body>
<h1>AgentCore Doctor emulator console <span class="muted" data-testid="updated"></span></h1>
<p class="muted">Read-only: this page reads <code>GET /_emulator/state</code> once a second and changes nothing.</p>
<div id="error" data-testid="error"></div>
<h2>Sessions</h2><div id="sessions"></div>
<div id="scopes"></div>
<script>
"use strict";
function el(tag, attrs, children) {
  var node = document.createElement(tag);
  for (var k in attrs || {}) {
    if (k === "text") node.textContent = attrs[k]; else node.setAttribute(k, attrs[k]);
  }
  (children || []).forEach(function (c) { if (c) node.appendChild(c); });
  return node;
}
function table(headers, rows, testid) {
  return el("table", { "data-testid": testid }, [
    el("tr", {}, headers.map(function (h) { return el("th", { text: h }); })),
  ].concat(rows));
}
function cell(text, attrs) { var a = attrs || {}; a.text = text == null ? "" : String(text); return el("td", a); }
function time(value) { return value ? new Date(value).toISOString().replace("T", " ").slice(0, 19) : ""; }
function sessions(list) {
  if (!list.length) return el("p", { class: "muted", text: "No sessions yet.", "data-testid": "no-sessions" });
  return table(["session", "runtime", "endpoint", "version", "state", "network", "started", "ended / why", "address"],
    list.map(function (s) {
      return el("tr", { "data-testid": "session-row", "data-session-id": s.sessionId, "data-state": s.state }, [
        cell(s.sessionId), cell(s.runtimeId), cell(s.endpointName), cell(s.version),
        cell(s.state, { class: "state-" + s.state }), cell(s.networkMode), cell(time(s.startedAt)),
        cell(s.endedAt ? time(s.endedAt) + " " + (s.endReason || "") : ""),
        cell((s.address || "") + (s.namespace ? " (" + s.namespace + ")" : "")),
      ]);
    }), "sessions");
}
function runtimes(list) {
  if (!list.length) return el("p", { class: "muted", text: "No runtimes." });
  return table(["runtime", "status", "latest version", "versions", "endpoints (target / live)", "network", "artifact"],
    list.map(function (r) {
      var network = (r.networkConfiguration && r.networkConfiguration.networkMode) || "PUBLIC";
      var artifact = r.agentRuntimeArtifact || {};
      var uri = artifact.containerConfiguration ? artifact.containerConfiguration.containerUri
        : artifact.codeConfiguration ? "code zip" : "";
      return el("tr", { "data-testid": "runtime-row", "data-runtime-id": r.agentRuntimeId, "data-status": r.status }, [
        cell(r.agentRuntimeName + " (" + r.agentRuntimeId + ")"), cell(r.status + (r.failureReason ? ": " + r.failureReason : "")),
        cell(r.agentRuntimeVersion),
        cell(r.versions.map(function (v) { return v.agentRuntimeVersion + " " + v.status; }).join(", ")),
        cell(r.endpoints.map(function (e) { return e.name + " " + e.targetVersion + " / " + (e.liveVersion || "-") + " " + e.status; }).join("; ")),
        cell(network), cell(uri),
      ]);
    }), "runtimes");
}
function interfaces(list) {
  if (!list.length) return el("p", { class: "muted", text: "No AgentCore network interfaces." });
  return el("div", {}, list.map(function (eni) {
    return el("div", { "data-testid": "interface", "data-interface-id": eni.networkInterfaceId }, [
      el("h3", { text: eni.networkInterfaceId + " in " + (eni.subnetId || "?") + " (" + (eni.availabilityZone || "") + ") " +
        (eni.privateIpAddress || "") + " groups " + eni.groupIds.join(", ") }),
    ].concat(eni.paths.map(function (p) {
      return el("div", { class: "hops", "data-testid": "path", "data-service": p.service, "data-status": p.reachability.status },
        [el("strong", { text: p.service + ":" })].concat(p.hops.map(function (h) {
          return el("span", { class: "hop hop-" + h.state, "data-testid": "hop", "data-kind": h.kind, "data-state": h.state,
            title: h.kind, text: h.label });
        })).concat([el("span", { class: "muted", text: p.reachability.status === "blocked" ? p.reachability.reason : "" })]));
    })));
  }));
}
function trail(list) {
  if (!list.length) return el("p", { class: "muted", text: "No calls recorded." });
  return table(["time", "event", "source", "caller", "error"], list.map(function (e) {
    var who = e.userIdentity ? (e.userIdentity.arn || e.userIdentity.invokedBy || e.userIdentity.type) : "";
    return el("tr", { "data-testid": "trail-row", "data-event": e.eventName }, [
      cell(time(e.eventTime)), cell(e.eventName), cell(e.eventSource), cell(who),
      cell(e.errorCode ? e.errorCode + (e.errorMessage ? ": " + e.errorMessage : "") : ""),
    ]);
  }), "trail");
}
function logs(groups, output) {
  var parts = groups.map(function (g) {
    return el("div", { "data-testid": "log-group", "data-name": g.name }, [el("h3", { text: g.name })].concat(
      g.streams.map(function (s) {
        return el("div", {}, [
          el("div", { text: s.name + " (" + s.eventCount + " events)" }),
          el("pre", { text: s.tail.map(function (e) { return time(e.timestamp) + " " + e.message; }).join("\\n") }),
        ]);
      })));
  });
  if (output.length) {
    parts.push(el("h3", { text: "Container output (delivered to CloudWatch or not)" }));
    parts.push(el("pre", { "data-testid": "container-output", text: output.map(function (o) {
      return time(o.at) + " " + o.sessionId + " " + o.stream + (o.delivered ? "" : " [not delivered]") + " " + o.text;
    }).join("\\n") }));
  }
  return parts.length ? el("div", {}, parts) : el("p", { class: "muted", text: "No log groups." });
}
function render(state) {
  document.querySelector("[data-testid=updated]").textContent = "state at " + time(state.generatedAt);
  document.getElementById("sessions").replaceChildren(sessions(state.sessions));
  document.getElementById("scopes").replaceChildren.apply(document.getElementById("scopes"), state.scopes.map(function (s) {
    return el("section", { "data-testid": "scope", "data-account": s.account, "data-region": s.region }, [
      el("h2", { text: "Account " + s.account + ", " + s.region }),
      el("h3", { text: "Runtimes" }), runtimes(s.runtimes),
      el("h3", { text: "Network interfaces and their paths" }), interfaces(s.interfaces),
      el("h3", { text: "CloudTrail (newest first)" }), trail(s.trail),
      el("h3", { text: "Logs" }), logs(s.logGroups, s.output),
    ]);
  }));
}
function poll() {
  fetch("/_emulator/state", { cache: "no-store" })
    .then(function (r) { if (!r.ok) throw new Error("state: HTTP " + r.status); return r.json(); })
    .then(function (state) { document.getElementById("error").textContent = ""; render(state); })
    .catch(function (e) { document.getElementById("error").textContent = "The emulator did not answer: " + e.message; })
    .finally(function () { setTimeout(poll, 1000); });
}
poll();
</script>
</body>
</html>
`;
