"""Existing compute in an AWS CLI export folder (written by `collect-script`).

Layout, one folder per region read:
    compute/<region>/lambda-list-functions.json
    compute/<region>/cloudformation-describe-stacks.json
    compute/<region>/glue-get-dev-endpoints.json
    compute/<region>/codebuild-list-projects.json,
        codebuild-batch-get-projects/<project>.json
    compute/<region>/sagemaker-list-notebook-instances.json,
        sagemaker-describe-notebook-instance/<notebook>.json
The folder's usual rules: a `.error` twin is a failed read, a missing file is a read that did
not happen; either makes escalation through that kind in that region unknown, with a warning.
A folder without `compute/` (an older collect script) reads with one warning: compute not
read, escalation through it unknown.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

from graph.errors import SourceError
from graph.model import LoadWarning
from graph.model_common import Unread
from graph.model_compute import (
    CLOUDFORMATION_STACK,
    CODEBUILD_PROJECT,
    GATE_COMPUTE,
    GLUE_DEV_ENDPOINT,
    LAMBDA_FUNCTION,
    SAGEMAKER_NOTEBOOK,
)
from graph.safe_files import read_json
from graph.sources.raw import fact_key

COMPUTE_DIR = "compute"
#: kind -> (listing file, operation, per-entry directory or "", its operation, name key).
FILES: dict[str, tuple[str, str, str, str, str]] = {
    LAMBDA_FUNCTION: ("lambda-list-functions.json", "lambda:ListFunctions", "", "", ""),
    CLOUDFORMATION_STACK: ("cloudformation-describe-stacks.json",
                           "cloudformation:DescribeStacks", "", "", ""),
    GLUE_DEV_ENDPOINT: ("glue-get-dev-endpoints.json", "glue:GetDevEndpoints", "", "", ""),
    CODEBUILD_PROJECT: ("codebuild-list-projects.json", "codebuild:ListProjects",
                        "codebuild-batch-get-projects", "codebuild:BatchGetProjects", ""),
    SAGEMAKER_NOTEBOOK: ("sagemaker-list-notebook-instances.json",
                         "sagemaker:ListNotebookInstances", "sagemaker-describe-notebook-instance",
                         "sagemaker:DescribeNotebookInstance", "NotebookInstanceName"),
}
#: Each listing as the CLI prints it when the region has none.
EMPTY_LISTINGS: dict[str, dict[str, list[Any]]] = {
    LAMBDA_FUNCTION: {"Functions": []}, CLOUDFORMATION_STACK: {"Stacks": []},
    GLUE_DEV_ENDPOINT: {"DevEndpoints": []}, CODEBUILD_PROJECT: {"projects": []},
    SAGEMAKER_NOTEBOOK: {"NotebookInstances": []},
}
ErrorFn = Callable[[Path, str, str], LoadWarning]


def not_read_warning(origin: str) -> LoadWarning:
    """The one warning of a source that holds no compute at all (an older folder or file)."""
    return LoadWarning("compute", "", f"{origin} predates them: Lambda functions, stacks, "
                       "CodeBuild projects, Glue dev endpoints and SageMaker notebooks not read "
                       "(escalation through them unknown; load the account again to check it)",
                       "NotInSnapshot")


class _Reader:
    def __init__(self, error: ErrorFn) -> None:
        self.error = error
        self.warnings: list[LoadWarning] = []
        self.unread: dict[str, Unread] = {}

    def fail(self, region: str, kind: str, warning: LoadWarning) -> None:
        what = f"escalation through {kind}s in {region} unknown"
        self.warnings.append(LoadWarning(warning.operation, region,
                                         f"{warning.message} ({what})", warning.code))
        self.unread[fact_key("compute", region, kind)] = Unread(
            GATE_COMPUTE, f"{kind} in {region}", f"{warning.operation}: {warning.message}")

    def read(self, path: Path, region: str, kind: str, operation: str) -> Any:
        """The file's JSON; None after recording why it is not there."""
        if path.exists():
            data = read_json(path)
            if data is not None:
                return data
            self.fail(region, kind, LoadWarning(operation, region,
                                                f"{path.name} holds null", "NullOutput"))
            return None
        error = path.with_suffix(".error")
        if error.exists():
            self.fail(region, kind, self.error(error, operation, region))
        else:
            self.fail(region, kind, LoadWarning(operation, region, f"{path.name}: no file",
                                                "MissingFile"))
        return None


def _names(listing: Any, kind: str) -> list[str]:
    if kind == CODEBUILD_PROJECT:
        found = listing.get("projects") if isinstance(listing, dict) else None
        return [n for n in found or () if isinstance(n, str)]
    found = listing.get("NotebookInstances") if isinstance(listing, dict) else None
    return [e["NotebookInstanceName"] for e in found or ()
            if isinstance(e, dict) and isinstance(e.get("NotebookInstanceName"), str)]


def read_compute_files(folder: Path, error: ErrorFn
                       ) -> tuple[dict[str, dict[str, Any]] | None, dict[str, Unread],
                                  list[LoadWarning]]:
    """({region: {kind: response}} or None when the folder has no compute/, the unread kinds,
    the warnings)."""
    top = folder / COMPUTE_DIR
    if not top.is_dir():
        return None, {}, [not_read_warning(f"{folder} (written by an older collect script)")]
    reader = _Reader(error)
    out: dict[str, dict[str, Any]] = {}
    regions = sorted(e.name for e in os.scandir(top) if e.is_dir())
    for region in regions:
        found: dict[str, Any] = {}
        for kind, (listing, operation, per_dir, per_op, _) in FILES.items():
            data = reader.read(top / region / listing, region, kind, operation)
            if data is None:
                continue
            if not per_dir:
                found[kind] = data
                continue
            entries = []
            for name in _names(data, kind):
                one = reader.read(top / region / per_dir / f"{name}.json", region, kind, per_op)
                if one is None:
                    break
                if kind == CODEBUILD_PROJECT:
                    projects = one.get("projects") if isinstance(one, dict) else None
                    if not isinstance(projects, list):
                        raise SourceError(f"{top / region / per_dir / name}.json: expected an "
                                          "object with a 'projects' list (batch-get-projects)")
                    entries.extend(projects)
                else:
                    entries.append(one)
            else:
                key = "projects" if kind == CODEBUILD_PROJECT else "NotebookInstances"
                found[kind] = {key: entries}
        out[region] = found
    return out, reader.unread, reader.warnings
