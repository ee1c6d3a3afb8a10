"""Validate request bodies against the official Chorus Pro Swagger 2.0 files.

The Swagger files are not part of the repository: they are read from
``$CHORUS_SPECS_DIR`` or else ``<repo>/../shared/chorus-specs``.  When they are
absent, :func:`load_specs` returns ``None`` and :data:`SKIP_REASON` explains why;
the checks are then skipped, except in CI (``CI`` set), where a check that cannot
run must not look like a pass: :func:`require_specs` fails instead.

For an API path (``/cpro/factures/v1/soumettre``) the body parameter's
definition becomes a JSON schema (draft 4, the dialect of Swagger 2.0), with
``additionalProperties: false`` on every object so that an unknown or
misspelt field is reported, not silently ignored by the check.
"""

from __future__ import annotations

import copy
import json
import os
from pathlib import Path

import jsonschema
import pytest

REPO = Path(__file__).resolve().parent.parent
SPEC_FILES = {
    "factures": "chorus-pro-factures-v1.swagger.json",
    "structures": "chorus-pro-structures-v1.swagger.json",
}
#: Swagger keywords that are documentation, or that JSON schema reads differently
_DROPPED_KEYWORDS = {"example", "xml", "readOnly", "discriminator", "externalDocs", "description", "title"}


def specs_dir() -> Path:
    configured = os.environ.get("CHORUS_SPECS_DIR")
    return Path(configured) if configured else REPO.parent / "shared" / "chorus-specs"


def _missing_reason() -> str | None:
    folder = specs_dir()
    missing = [name for name in SPEC_FILES.values() if not (folder / name).is_file()]
    if missing:
        return (f"official Chorus Pro Swagger files not found in {folder} ({', '.join(missing)}); "
                "set CHORUS_SPECS_DIR to the folder holding them")
    return None


SKIP_REASON = _missing_reason()


def required_in_ci() -> bool:
    """In CI, the Swagger checks must run: missing files are a failure, not a skip."""
    return bool(os.environ.get("CI"))


def missing_in_ci_message() -> str:
    return (f"CI is set but the Swagger fidelity checks cannot run: {SKIP_REASON} "
            "(in CI they must not pass by being skipped)")


def require_specs() -> None:
    """At the top of a module of Swagger checks: skip it without the files, or fail it in CI."""
    if SKIP_REASON is None:
        return
    if required_in_ci():
        pytest.fail(missing_in_ci_message(), pytrace=False)
    pytest.skip(SKIP_REASON, allow_module_level=True)


def _to_json_schema(node):
    """Swagger 2.0 schema → JSON schema draft 4 (closed objects, no format checks)."""
    if isinstance(node, list):
        return [_to_json_schema(item) for item in node]
    if not isinstance(node, dict):
        return node
    out = {}
    for key, value in node.items():
        if key in _DROPPED_KEYWORDS or key.startswith("x-"):
            continue
        if key == "format":
            # int32/int64/double/date-time: the type is what Chorus Pro parses; date-time is
            # deliberately not enforced (dates are sent as YYYY-MM-DD, reference §3.4)
            continue
        if key == "properties":
            out[key] = {name: _to_json_schema(schema) for name, schema in value.items()}
        else:
            out[key] = _to_json_schema(value)
    if "properties" in out and "type" not in out:
        out["type"] = "object"
    if out.get("type") == "object" and "additionalProperties" not in out:
        out["additionalProperties"] = False
    return out


class ApiSpec:
    """One Swagger file: its base path and the body schema of each POST operation."""

    def __init__(self, name: str, document: dict):
        self.name = name
        self.base_path = document.get("basePath", "").rstrip("/")
        self.definitions = {k: _to_json_schema(v) for k, v in document.get("definitions", {}).items()}
        self.operations: dict[str, dict] = {}
        self.required_headers: dict[str, list[str]] = {}
        for path, methods in document.get("paths", {}).items():
            post = methods.get("post")
            if not post:
                continue
            full = self.base_path + path
            for parameter in post.get("parameters", []):
                if parameter.get("in") == "body":
                    self.operations[full] = parameter.get("schema", {})
                elif parameter.get("in") == "header" and parameter.get("required"):
                    self.required_headers.setdefault(full, []).append(parameter["name"].lower())
            self.operations.setdefault(full, {})

    def validator(self, full_path: str) -> jsonschema.Draft4Validator:
        schema = copy.deepcopy(_to_json_schema(self.operations[full_path]))
        schema["definitions"] = self.definitions
        return jsonschema.Draft4Validator(schema)


class Specs:
    def __init__(self, folder: Path):
        self.apis = {name: ApiSpec(name, json.loads((folder / file).read_text(encoding="utf-8")))
                     for name, file in SPEC_FILES.items()}
        self._validators: dict[str, jsonschema.Draft4Validator] = {}

    def find(self, api_path: str) -> tuple[ApiSpec | None, str]:
        """The spec covering this path, and the path normalised as ``/cpro/<api>/v1/<operation>``."""
        path = "/" + api_path.split("?", 1)[0].strip("/")
        if not path.startswith("/cpro/"):
            path = "/cpro" + path
        for spec in self.apis.values():
            if path in spec.operations:
                return spec, path
        return None, path

    def covered(self, api_path: str) -> bool:
        return self.find(api_path)[0] is not None

    def validate(self, api_path: str, body, headers: dict | None = None) -> list[str] | None:
        """Every violation of the Swagger by this request (empty list: valid); ``None`` if not covered."""
        spec, path = self.find(api_path)
        if spec is None:
            return None
        if path not in self._validators:
            self._validators[path] = spec.validator(path)
        errors = []
        for error in sorted(self._validators[path].iter_errors(body), key=lambda e: list(e.absolute_path)):
            where = "/".join(str(p) for p in error.absolute_path) or "(body)"
            errors.append(f"{path}: {where}: {error.message}")
        if headers is not None:
            present = {str(k).lower() for k in headers}
            for name in spec.required_headers.get(path, []):
                if name not in present:
                    errors.append(f"{path}: header {name} is required")
        return errors

    def api_name(self, api_path: str) -> str | None:
        spec, _ = self.find(api_path)
        return spec.name if spec else None


_SPECS: Specs | None = None


def load_specs() -> Specs | None:
    """The parsed Swagger files, or ``None`` when absent (see :data:`SKIP_REASON`)."""
    global _SPECS
    if SKIP_REASON is not None:
        return None
    if _SPECS is None:
        _SPECS = Specs(specs_dir())
    return _SPECS


def validate_request(api_path: str, body, headers: dict | None = None) -> list[str] | None:
    specs = load_specs()
    if specs is None:
        return None
    return specs.validate(api_path, body, headers)
