// The structured outputs of the devreliab MCP tools this extension reads (docs/mcp-tools.md is the contract).

export type Severity = "HIGH" | "MEDIUM" | "LOW";

export interface FunctionMetric {
  qualname: string;
  kind: string;
  line: number;
  complexity: number;
  rank: string;
}

export interface Finding {
  path: string;
  test_id: string;
  severity: Severity | string;
  confidence: string;
  line: number;
  qualname?: string;
  message: string;
  cwe?: number;
  /** 0-based columns of the flagged code (end: on its last line) */
  col_offset?: number;
  end_col_offset?: number;
  /** bandit's page on the rule */
  more_info?: string;
}

export interface Recommendation {
  path: string;
  rule: string;
  qualname?: string;
  line?: number;
  problem: string;
  fix?: string;
}

export interface Gate {
  passed: boolean;
  failing: string[];
  failing_count: number;
}

export interface FileAnalysis {
  path: string;
  version?: string;
  maintainability?: number;
  mi_rank?: string;
  functions: FunctionMetric[];
  findings: Finding[];
  recommendations: Recommendation[];
  gate: Gate;
  error?: string;
}

export interface HealthDetail {
  reason: string;
  status: string;
  action?: string;
}

export interface Health {
  status: "ok" | "degraded" | "failing" | string;
  reasons: string[];
  open_conflicts: number;
  state_store: string;
  details?: HealthDetail[];
  unusual?: unknown[];
  forecasts?: unknown[];
  notes?: string[];
}

export interface ToolStats {
  calls: number;
  errors?: number; // left out when 0
  crashes?: number; // left out when 0
  mean_ms: number;
  max_ms: number;
}

export interface Metrics {
  uptime_s: number;
  pid: number;
  cache: {
    hits: number;
    misses: number;
    racy_rehashes?: number;
    evictions?: number;
    entries: number;
    bytes_held: number;
    max_bytes: number;
  };
  open_conflicts: number;
  tools: Record<string, ToolStats>;
}

export interface ConflictSummary {
  id: string;
  path: string;
  base_version?: string | null;
  current_version?: string | null;
  incoming_version: string;
  client: string;
  created: number;
  status: string;
  /** what kind of conflict, when the server says (e.g. `overwritten` from the overwrite guard) */
  kind?: string;
}

export interface ResolveResult {
  status: string;
  version?: string | null;
  conflict_id?: string;
}

export interface WriteResult {
  status: string;
  version?: string | null;
  conflict_id?: string;
  current_version?: string;
  diff?: string;
  guidance?: string | string[];
}

/** read_file: the file's facts and its text (`content`), from either channel of the answer. */
export interface ReadResult {
  path: string;
  content?: string;
  version: string;
  encoding?: string;
  line_ending?: string;
  total_lines?: number;
  unchanged?: boolean;
}

export interface DirectoryEntry {
  path: string;
  type: string;
  size?: number;
}

/** The three texts of a conflict and the merge with conflict markers. */
export interface ConflictTexts {
  base: string | null;
  theirs: string | null;
  ours: string;
  merged: string;
}

/** A devreliab://conflict/{conflict_id} resource: the conflict's summary and its texts. */
export interface ConflictDetail extends ConflictTexts {
  conflict: ConflictSummary;
}
