// The Health view's HTML (pure): status and reasons on top, then a compact dashboard.

import type { Health, Metrics } from "../common/types";

export interface HealthPage {
  serverState: string;
  serverMessage?: string;
  health?: Health;
  metrics?: Metrics;
  error?: string;
  dashboardUrl?: string;
  updated?: Date;
  nonce: string;
  cspSource: string;
}

export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c] ?? c);
}

export function formatBytes(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  if (bytes < 1024 * 1024) return `${(bytes / 1024).toFixed(1)} KiB`;
  if (bytes < 1024 ** 3) return `${(bytes / 1024 / 1024).toFixed(1)} MiB`;
  return `${(bytes / 1024 ** 3).toFixed(1)} GiB`;
}

export function hitRate(metrics: Metrics): string {
  const total = metrics.cache.hits + metrics.cache.misses;
  return total === 0 ? "–" : `${Math.round((100 * metrics.cache.hits) / total)}%`;
}

/** Tool rows, the most called first. */
export function toolRows(metrics: Metrics): { name: string; calls: number; errors: number; mean: string; max: string }[] {
  return Object.entries(metrics.tools ?? {})
    .sort((a, b) => b[1].calls - a[1].calls || a[0].localeCompare(b[0]))
    .map(([name, s]) => ({ name, calls: s.calls, errors: (s.errors ?? 0) + (s.crashes ?? 0), mean: s.mean_ms.toFixed(1), max: s.max_ms.toFixed(1) }));
}

export function renderHealthHtml(page: HealthPage): string {
  const e = escapeHtml;
  const status = page.serverState !== "running" ? `server ${page.serverState}` : page.health?.status ?? "…";
  const level = page.serverState !== "running" || status === "failing" ? "failing" : status === "ok" ? "ok" : "degraded";
  const reasons = [
    ...(page.serverMessage && page.serverState !== "running" ? [page.serverMessage] : []),
    ...(page.error ? [page.error] : []),
    ...(page.health?.reasons ?? []),
  ];
  const details = (page.health?.details ?? []).map((d) => `<li>${e(d.reason)}${d.action ? ` — <em>${e(d.action)}</em>` : ""}</li>`);
  const m = page.metrics;
  const rows = m ? toolRows(m) : [];
  const tools = rows.length
    ? `<table id="devreliab-tools"><thead><tr><th>tool</th><th>calls</th><th>err</th><th>mean ms</th><th>max ms</th></tr></thead><tbody>${rows
        .map((r) => `<tr><td>${e(r.name)}</td><td>${r.calls}</td><td>${r.errors}</td><td>${r.mean}</td><td>${r.max}</td></tr>`)
        .join("")}</tbody></table>`
    : `<p class="muted">No tool calls yet.</p>`;
  const cache = m
    ? `<p id="devreliab-cache">cache: ${hitRate(m)} hits (${m.cache.hits}/${m.cache.hits + m.cache.misses}), ${m.cache.entries} files, ${formatBytes(m.cache.bytes_held)} of ${formatBytes(m.cache.max_bytes)}</p>`
    : "";
  const conflicts = page.health ?? m ? `<p id="devreliab-conflicts">open conflicts: <strong>${page.health?.open_conflicts ?? m?.open_conflicts ?? 0}</strong></p>` : "";
  const dashboard = page.dashboardUrl
    ? `<button id="devreliab-open-dashboard" data-command="openDashboard">Open dashboard</button>`
    : "";
  const updated = page.updated ? `<p class="muted">updated ${e(page.updated.toLocaleTimeString())}${m ? ` · server pid ${m.pid}, up ${Math.round(m.uptime_s)}s` : ""}</p>` : "";
  return `<!DOCTYPE html>
<html lang="en"><head><meta charset="UTF-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src ${page.cspSource} 'nonce-${page.nonce}'; script-src 'nonce-${page.nonce}';">
<meta name="viewport" content="width=device-width, initial-scale=1.0">
<style nonce="${page.nonce}">
body { font-family: var(--vscode-font-family); font-size: var(--vscode-font-size); color: var(--vscode-foreground); padding: 0 8px; }
.status { font-size: 1.2em; font-weight: 600; margin: 8px 0 4px; }
.ok { color: var(--vscode-testing-iconPassed, green); } .degraded { color: var(--vscode-editorWarning-foreground, orange); }
.failing { color: var(--vscode-errorForeground, red); }
.muted { opacity: .7; } ul { margin: 4px 0; padding-left: 18px; }
table { border-collapse: collapse; width: 100%; margin: 4px 0; } th, td { text-align: right; padding: 1px 4px; }
th:first-child, td:first-child { text-align: left; } thead { border-bottom: 1px solid var(--vscode-panel-border, #8884); }
button { background: var(--vscode-button-background); color: var(--vscode-button-foreground); border: none; padding: 4px 10px; margin: 4px 4px 4px 0; cursor: pointer; }
</style></head><body>
<div id="devreliab-health-status" class="status ${level}">${e(status)}</div>
${reasons.length ? `<ul id="devreliab-reasons">${reasons.map((r) => `<li>${e(r)}</li>`).join("")}</ul>` : ""}
${details.length ? `<ul id="devreliab-actions">${details.join("")}</ul>` : ""}
${conflicts}
${cache}
${tools}
<div>${dashboard}<button data-command="refresh">Refresh</button><button data-command="restart">Restart server</button></div>
${updated}
<script nonce="${page.nonce}">
const vscode = acquireVsCodeApi();
for (const b of document.querySelectorAll("button[data-command]")) {
  b.addEventListener("click", () => vscode.postMessage({ command: b.dataset.command }));
}
</script>
</body></html>`;
}
