"""devreliab.monitor: latency, cache, resources, anomalies, forecasts and health of a workspace's servers.

``PerformanceMonitor`` (one per server process) records every MCP request through the server's tool-call hook
and samples the process into the state store; ``workspace_health(root)`` judges every process of a workspace
from the store. See docs/monitoring.md.
"""

from __future__ import annotations

from ._anomaly import RobustDetector, Verdict, detect
from ._forecast import Trend, holt
from ._health import Health, Reason, Unusual, anomaly_rates
from ._monitor import PerformanceMonitor, workspace_health
from ._prometheus import exposition

__all__ = [
    "Health",
    "PerformanceMonitor",
    "Reason",
    "RobustDetector",
    "Trend",
    "Unusual",
    "Verdict",
    "anomaly_rates",
    "detect",
    "exposition",
    "holt",
    "workspace_health",
]
