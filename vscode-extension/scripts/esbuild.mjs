// Bundles src/extension.ts and everything it imports (the MCP SDK included) into a single dist/extension.js.
import { build } from "esbuild";

const production = process.argv.includes("--production") || process.env.NODE_ENV === "production";

await build({
  entryPoints: ["src/extension.ts"],
  bundle: true,
  outfile: "dist/extension.js",
  platform: "node",
  target: "node20",
  format: "cjs",
  external: ["vscode"],
  sourcemap: production ? false : "linked",
  minify: production,
  logLevel: "warning",
  legalComments: "none",
  // zod (inside the MCP SDK) probes `navigator` at load; VS Code's extension host turns that global into an
  // error ("navigator is now a global in nodejs"). Nothing in the bundle needs it in Node.
  define: { navigator: "undefined" },
});
