"""The public surface is deliberate: this list changes only on purpose."""

from __future__ import annotations

import devreliab

CLASSES = ("Config", "PerformanceMonitor", "Workspace")


def test_package_exports_exactly_the_documented_names() -> None:
    assert sorted(devreliab.__all__) == sorted([
        "AnalysisError", "BaselineError", "BinaryFileError", "Config", "ConfigError", "ConflictNotFound",
        "DevreliabError", "EditError", "EncodingError", "FileNotFound", "FileTooLarge", "GitError", "InvalidPath",
        "PathOutsideWorkspace", "PerformanceMonitor", "StateStoreError", "VersionNotFound", "VersionRequired",
        "Workspace", "WorkspaceError", "__version__", "analyze_path", "load_config",
    ])
    for name in devreliab.__all__:
        assert getattr(devreliab, name) is not None


def test_every_error_derives_from_one_base_class() -> None:
    errors = [getattr(devreliab, n) for n in devreliab.__all__ if n[0].isupper() and n not in CLASSES]
    assert len(errors) == 17
    for error in errors:
        assert issubclass(error, devreliab.DevreliabError), error
