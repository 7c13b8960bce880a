// The MCP client of one `devreliab serve` process: the official TypeScript SDK's Client over stdio, with a
// typed method per devreliab tool the extension uses. No `vscode` import: the integration tests run it as is.

import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StdioClientTransport } from "@modelcontextprotocol/sdk/client/stdio.js";
import { ResourceUpdatedNotificationSchema } from "@modelcontextprotocol/sdk/types.js";
import { SerialQueue } from "./serial";
import type {
  ConflictDetail,
  ConflictSummary,
  DirectoryEntry,
  FileAnalysis,
  Health,
  Metrics,
  ReadResult,
  ResolveResult,
  WriteResult,
} from "./types";

export interface LaunchSpec {
  command: string;
  args: string[];
  cwd?: string;
  env?: Record<string, string>;
}

export interface ConnectOptions {
  clientName?: string;
  clientVersion?: string;
  /** every chunk the server writes to stderr (its log) */
  onStderr?: (text: string) => void;
  /** the connection closed (process exited or was closed) */
  onClose?: () => void;
  /** ms for one request; default 60 s */
  timeoutMs?: number;
  /** a subscribed resource (see `subscribe`) changed */
  onResourceUpdated?: (uri: string) => void;
}

/** The server's resources the extension listens to: open conflicts and health, from any server process. */
export const RESOURCES = { conflicts: "devreliab://conflicts", health: "devreliab://health" } as const;

/** The resource template with one conflict in full: its summary and the texts of base, theirs, ours and merged. */
export const CONFLICT_RESOURCE_PREFIX = "devreliab://conflict/";

export function conflictResourceUri(id: string): string {
  return CONFLICT_RESOURCE_PREFIX + encodeURIComponent(id);
}

/** A tool answered with `isError: true`: its text says what is wrong and what to do. */
export class ToolError extends Error {
  constructor(
    readonly tool: string,
    message: string,
  ) {
    super(message);
    this.name = "ToolError";
  }
}

export interface AnalyzeOptions {
  /** analyse this text (the editor's unsaved buffer) instead of the file on disk */
  content?: string;
  /** cancels the request (waiting in the queue or sent: the server gets notifications/cancelled) */
  signal?: AbortSignal;
}

/** The rejection of a request cancelled before it was sent. */
export function abortError(): Error {
  return Object.assign(new Error("the request was aborted"), { name: "AbortError" });
}

/** The part of the client the rest of the extension uses (a fake in unit tests). */
export interface DevreliabApi {
  readonly pid: number | null;
  toolNames(): Promise<string[]>;
  callTool<T>(name: string, args?: Record<string, unknown>): Promise<T>;
  analyzeFile(path: string, options?: AnalyzeOptions): Promise<FileAnalysis>;
  health(): Promise<Health>;
  metrics(): Promise<Metrics>;
  listConflicts(includeResolved?: boolean): Promise<ConflictSummary[]>;
  resolveConflict(id: string, resolution: "ours" | "theirs" | "content", content?: string): Promise<ResolveResult>;
  readFile(path: string): Promise<ReadResult>;
  writeFile(path: string, content: string, expectedVersion?: string): Promise<WriteResult>;
  listDirectory(path?: string, depth?: number, maxEntries?: number): Promise<{ entries: DirectoryEntry[]; truncated?: boolean }>;
  conflict(id: string): Promise<ConflictDetail>;
  subscribe(uri: string): Promise<boolean>;
  close(): Promise<void>;
}

function processEnv(extra?: Record<string, string>): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [key, value] of Object.entries(process.env)) {
    if (typeof value === "string") {
      env[key] = value;
    }
  }
  return { ...env, PYTHONUNBUFFERED: "1", ...extra };
}

interface ContentBlock {
  type: string;
  text?: string;
}

/** A tool's answer: its structured content (if any) and its text content blocks joined. */
export interface ToolAnswer {
  structured?: Record<string, unknown>;
  text: string;
}

/** read_file's text channel starts with `[path | version sha256:… | lines]` (docs/mcp-tools.md, "Answers"). */
const READ_HEADER = /^\[[^\n]* \| version sha256:[0-9a-f]+ \| [^\n]*\]\n/;

/** read_file's answer: the text from the structured content's `content` when the server sent it there, else
 * from the text channel after its header line; the rest from the structured content. */
export function readResultOf(answer: ToolAnswer): ReadResult {
  const described = (answer.structured ?? {}) as Partial<ReadResult>;
  if (described.unchanged) {
    return { ...described, path: described.path ?? "", version: described.version ?? "" };
  }
  const content = typeof described.content === "string" ? described.content : answer.text.replace(READ_HEADER, "");
  return { ...described, path: described.path ?? "", version: described.version ?? "", content };
}

/** The JSON of a devreliab://conflict/{id} resource; an absent side is null, as in list_conflicts' versions. */
export function parseConflictResource(text: string): ConflictDetail {
  const raw = JSON.parse(text) as Partial<ConflictDetail>;
  if (!raw || typeof raw !== "object" || typeof raw.ours !== "string" || !raw.conflict) {
    throw new Error(`not a conflict resource: ${text.slice(0, 200)}`);
  }
  return { conflict: raw.conflict, base: raw.base ?? null, theirs: raw.theirs ?? null, ours: raw.ours, merged: raw.merged ?? "" };
}

export class DevreliabClient implements DevreliabApi {
  private tools: Promise<string[]> | undefined;
  /**
   * Analyses are CPU-bound in the server and a burst of saves would queue there anyway: this client sends one
   * analysis at a time, so the latest save is never stuck behind many stale ones. (The server handles
   * concurrent analyses correctly; early builds mixed their findings up.)
   */
  private readonly analyses = new SerialQueue();

  private constructor(
    private readonly client: Client,
    private readonly transport: StdioClientTransport,
    private readonly timeoutMs: number,
  ) {}

  static async connect(spec: LaunchSpec, options: ConnectOptions = {}): Promise<DevreliabClient> {
    const transport = new StdioClientTransport({
      command: spec.command,
      args: spec.args,
      cwd: spec.cwd,
      env: processEnv(spec.env),
      stderr: "pipe",
    });
    const stderr = transport.stderr;
    if (stderr && options.onStderr) {
      const onStderr = options.onStderr;
      stderr.on("data", (chunk: Buffer | string) => onStderr(chunk.toString()));
    }
    const client = new Client(
      { name: options.clientName ?? "devreliab-vscode", version: options.clientVersion ?? "0.0.0" },
      { capabilities: {} },
    );
    client.onclose = () => options.onClose?.();
    if (options.onResourceUpdated) {
      const onUpdated = options.onResourceUpdated;
      client.setNotificationHandler(ResourceUpdatedNotificationSchema, (n) => onUpdated(n.params.uri));
    }
    try {
      await client.connect(transport, { timeout: options.timeoutMs ?? 60_000 });
    } catch (error) {
      // a server that exits at start says why on stderr: let that arrive before the caller looks at it
      if (stderr) await streamEnd(stderr, 2000);
      throw error;
    }
    return new DevreliabClient(client, transport, options.timeoutMs ?? 60_000);
  }

  get pid(): number | null {
    return this.transport.pid;
  }

  toolNames(): Promise<string[]> {
    this.tools ??= this.client.listTools().then((r) => r.tools.map((t) => t.name));
    this.tools.catch(() => (this.tools = undefined));
    return this.tools;
  }

  /** Calls a tool: its structured content and its text; a tool error (`isError`) throws a ToolError. */
  async callToolAnswer(name: string, args: Record<string, unknown> = {}, signal?: AbortSignal): Promise<ToolAnswer> {
    const result = await this.client.callTool({ name, arguments: args }, undefined, { timeout: this.timeoutMs, signal });
    const content = (result.content ?? []) as ContentBlock[];
    const text = content
      .filter((block) => block.type === "text" && typeof block.text === "string")
      .map((block) => block.text)
      .join("\n");
    if (result.isError) {
      throw new ToolError(name, text || `${name} failed`);
    }
    const structured =
      result.structuredContent && typeof result.structuredContent === "object" ? (result.structuredContent as Record<string, unknown>) : undefined;
    return { structured, text };
  }

  async callTool<T>(name: string, args: Record<string, unknown> = {}, signal?: AbortSignal): Promise<T> {
    const { structured, text } = await this.callToolAnswer(name, args, signal);
    if (structured) {
      return structured as T;
    }
    try {
      return JSON.parse(text) as T;
    } catch {
      throw new ToolError(name, `${name} answered without structured content: ${text.slice(0, 200)}`);
    }
  }

  /** One file's analysis; with `content`, of that text as the file. A request whose signal is aborted while it
   * waits for the ones before it is never sent. */
  analyzeFile(path: string, options: AnalyzeOptions = {}): Promise<FileAnalysis> {
    const args: Record<string, unknown> = { path, all_functions: true };
    if (options.content !== undefined) {
      args.content = options.content;
    }
    const { signal } = options;
    return this.analyses
      .run(() => (signal?.aborted ? Promise.reject(abortError()) : this.callTool<FileAnalysis>("analyze_file", args, signal)))
      .then(normaliseAnalysis);
  }

  health(): Promise<Health> {
    return this.callTool<Health>("health");
  }

  metrics(): Promise<Metrics> {
    return this.callTool<Metrics>("metrics");
  }

  async listConflicts(includeResolved = false): Promise<ConflictSummary[]> {
    const out = await this.callTool<{ conflicts?: ConflictSummary[] }>("list_conflicts", includeResolved ? { include_resolved: true } : {});
    return out.conflicts ?? [];
  }

  resolveConflict(id: string, resolution: "ours" | "theirs" | "content", content?: string): Promise<ResolveResult> {
    const args: Record<string, unknown> = { conflict_id: id, resolution };
    if (resolution === "content") {
      args.content = content ?? "";
    }
    return this.callTool<ResolveResult>("resolve_conflict", args);
  }

  /** The file's text is read_file's text content; its structured content has the version and the rest. */
  async readFile(path: string): Promise<ReadResult> {
    return readResultOf(await this.callToolAnswer("read_file", { path }));
  }

  writeFile(path: string, content: string, expectedVersion?: string): Promise<WriteResult> {
    const args: Record<string, unknown> = { path, content };
    if (expectedVersion) {
      args.expected_version = expectedVersion;
    }
    return this.callTool<WriteResult>("write_file", args);
  }

  listDirectory(path = ".", depth = 20, maxEntries = 10_000): Promise<{ entries: DirectoryEntry[]; truncated?: boolean }> {
    return this.callTool("list_directory", { path, depth, max_entries: maxEntries });
  }

  /** One conflict in full, from the devreliab://conflict/{conflict_id} resource (the diff editor's texts). */
  async conflict(id: string): Promise<ConflictDetail> {
    const uri = conflictResourceUri(id);
    const result = await this.client.readResource({ uri }, { timeout: this.timeoutMs });
    const first = result.contents.find((c) => "text" in c && typeof c.text === "string") as { text: string } | undefined;
    if (!first) {
      throw new Error(`${uri} has no text`);
    }
    return parseConflictResource(first.text);
  }

  /** Asks to be told when a resource changes; false when the server does not offer subscriptions. */
  async subscribe(uri: string): Promise<boolean> {
    if (!this.client.getServerCapabilities()?.resources?.subscribe) {
      return false;
    }
    await this.client.subscribeResource({ uri });
    return true;
  }

  async close(): Promise<void> {
    await this.client.close();
  }
}

/** Resolves when `stream` has ended or closed, or after `deadlineMs`. */
function streamEnd(stream: NodeJS.EventEmitter & { readableEnded?: boolean; destroyed?: boolean }, deadlineMs: number): Promise<void> {
  if (stream.readableEnded || stream.destroyed) {
    return Promise.resolve();
  }
  return new Promise((resolve) => {
    const timer = setTimeout(done, deadlineMs);
    function done(): void {
      clearTimeout(timer);
      stream.off("end", done);
      stream.off("close", done);
      resolve();
    }
    stream.once("end", done);
    stream.once("close", done);
  });
}

/** Fills the lists an answer leaves out when empty ("empty optional fields are left out of answers"). */
export function normaliseAnalysis(raw: Partial<FileAnalysis> & { path: string }): FileAnalysis {
  return {
    ...raw,
    functions: raw.functions ?? [],
    findings: raw.findings ?? [],
    recommendations: raw.recommendations ?? [],
    gate: {
      passed: raw.gate?.passed ?? !raw.error,
      failing: raw.gate?.failing ?? [],
      failing_count: raw.gate?.failing_count ?? raw.gate?.failing?.length ?? 0,
    },
  };
}
