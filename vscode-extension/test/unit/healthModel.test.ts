import { describe, expect, it } from "vitest";
import { escapeHtml, formatBytes, hitRate, renderHealthHtml, toolRows } from "../../src/views/healthModel";
import { health, metrics } from "./helpers";

const page = { nonce: "N0NCE", cspSource: "vscode-webview:", updated: new Date(0) };

describe("renderHealthHtml", () => {
  it("puts status and reasons on top, then tools, cache and conflicts", () => {
    const html = renderHealthHtml({
      ...page,
      serverState: "running",
      health: { ...health, status: "degraded", reasons: ["a tool call crashed <in the last 5 minutes>"], open_conflicts: 3 },
      metrics,
    });
    expect(html).toContain('<div id="devreliab-health-status" class="status degraded">degraded</div>');
    expect(html).toContain("a tool call crashed &lt;in the last 5 minutes&gt;");
    expect(html.indexOf("devreliab-health-status")).toBeLessThan(html.indexOf("devreliab-tools"));
    expect(html).toContain("<td>analyze_file</td>");
    expect(html).toContain("open conflicts: <strong>3</strong>");
    expect(html).toContain(`script-src 'nonce-N0NCE'`);
    expect(html).not.toContain("devreliab-open-dashboard");
  });

  it("offers the dashboard only when its URL is set", () => {
    const html = renderHealthHtml({ ...page, serverState: "running", health, metrics, dashboardUrl: "http://127.0.0.1:8766" });
    expect(html).toContain('id="devreliab-open-dashboard"');
  });

  it("shows why the server is not running", () => {
    const html = renderHealthHtml({ ...page, serverState: "failed", serverMessage: "devreliab was not found — pip install devreliab" });
    expect(html).toContain('class="status failing">server failed<');
    expect(html).toContain("pip install devreliab");
  });
});

describe("dashboard numbers", () => {
  it("sorts tools by calls and formats the cache", () => {
    const m = { ...metrics, tools: { a: { calls: 1, errors: 0, crashes: 1, mean_ms: 1.234, max_ms: 2 }, b: { calls: 5, errors: 2, crashes: 0, mean_ms: 10, max_ms: 20.06 } } };
    expect(toolRows(m)).toEqual([
      { name: "b", calls: 5, errors: 2, mean: "10.0", max: "20.1" },
      { name: "a", calls: 1, errors: 1, mean: "1.2", max: "2.0" },
    ]);
    expect(hitRate({ ...m, cache: { ...m.cache, hits: 3, misses: 1 } })).toBe("75%");
    expect(hitRate({ ...m, cache: { ...m.cache, hits: 0, misses: 0 } })).toBe("–");
    expect(formatBytes(104857600)).toBe("100.0 MiB");
    expect(escapeHtml(`<a href="x">'&'</a>`)).toBe("&lt;a href=&quot;x&quot;&gt;&#39;&amp;&#39;&lt;/a&gt;");
  });
});
