"""AWS's own tools for the integration tests: cfn-lint, SAM's translator, and cfn-lint's YAML reader.

One process answers a whole batch, so that cfn-lint's rules and SAM's translator load once:

    python3 test/support/aws_tools.py < request.json > answer.json
    python3 test/support/aws_tools.py --versions

The request is {"jobs": [{"id": ..., "op": ..., ...}, ...]}; the answer {"results": {id: result}}.
  op "lint": {"template": <template object>, "regions": ["us-east-1"]} ->
      {"ok": true, "findings": [{"rule", "severity", "message", "path": [...]}]}
      (every finding cfn-lint reports, as its command line would, for those regions)
  op "sam": {"template": <SAM template object>} ->
      {"ok": true, "template": <CloudFormation template>} or {"ok": false, "error": "..."}
      (samtranslator's transform, offline: managed policy names come from cfn-lint's copy of the
      list when present, else `arn:aws:iam::aws:policy/<name>`; local code and definition
      files are taken as uploaded, as `sam package` does)
  op "yaml": {"text": "..."} ->
      {"ok": true, "value": <data>} or {"ok": false, "error": "..."}
      (cfn-lint's own YAML reader, cfnlint.decode.cfn_yaml.loads; dates as ISO strings)

Each job fails on its own: one bad template never stops the batch. Written for the tests only;
the macro and its CLI never run Python.
"""

from __future__ import annotations

import datetime
import json
import logging
import os
import sys
import traceback

REGION = "us-east-1"


def versions() -> dict:
    out = {"python": sys.version.split()[0]}
    for name, module in (("cfn-lint", "cfnlint.version"), ("aws-sam-translator", "samtranslator"), ("PyYAML", "yaml")):
        try:
            mod = __import__(module, fromlist=["x"])
            out[name] = getattr(mod, "__version__", None) or getattr(mod, "version", None) or "?"
        except Exception as e:  # noqa: BLE001
            out[name] = None
            out[f"{name} error"] = f"{type(e).__name__}: {e}"
    return out


class Linter:
    def __init__(self) -> None:
        from cfnlint.config import ConfigMixIn
        from cfnlint.runner import Runner

        self._runners: dict = {}
        self._config = ConfigMixIn
        self._runner = Runner

    def lint(self, template: dict, regions: list[str]) -> list[dict]:
        from cfnlint.decode.decode import decode_str

        key = tuple(regions)
        runner = self._runners.get(key)
        if runner is None:
            runner = self._runners[key] = self._runner(self._config(regions=list(regions)))
        # Through cfn-lint's own decoder, as the command line reads a JSON file (nodes with marks).
        decoded, errors = decode_str(json.dumps(template))
        matches = errors if errors else list(runner.validate_template(decoded))
        return [
            {
                "rule": m.rule.id,
                "severity": m.rule.severity,
                "message": m.message,
                "path": [p if isinstance(p, (str, int)) else str(p) for p in (getattr(m, "path", None) or [])],
                "line": getattr(m, "linenumber", None),
            }
            for m in matches
        ]


class ManagedPolicies:
    """SAM's managed policy loader, offline."""

    def __init__(self) -> None:
        self._map = None

    def load(self) -> dict:
        if self._map is None:
            known: dict = {}
            try:
                from cfnlint.data import Serverless
                from cfnlint.helpers import load_resource

                known = dict(load_resource(Serverless, "ManagedPolicies.json"))
            except Exception:  # noqa: BLE001
                pass

            class Policies(dict):
                def __missing__(self, name):
                    return f"arn:aws:iam::aws:policy/{name}"

                def __contains__(self, name):
                    return isinstance(name, str)

                def get(self, name, default=None):
                    return self[name] if isinstance(name, str) else default

            self._map = Policies(known)
        return self._map


LOCAL_URIS = {
    "AWS::Serverless::Function": "CodeUri",
    "AWS::Serverless::StateMachine": "DefinitionUri",
    "AWS::Serverless::LayerVersion": "ContentUri",
}


def sam(template: dict, policies: ManagedPolicies) -> dict:
    """SAM's transform, as CloudFormation runs it once `sam package` has uploaded local files: a local
    CodeUri / DefinitionUri / ContentUri becomes an S3 URI first (as cfn-lint does before translating)."""
    from samtranslator.translator.transform import transform

    for resource in (template.get("Resources") or {}).values():
        if not isinstance(resource, dict) or not isinstance(resource.get("Properties"), dict):
            continue
        key = LOCAL_URIS.get(resource.get("Type"))
        value = resource["Properties"].get(key) if key else None
        if isinstance(value, str) and not value.startswith("s3://"):
            resource["Properties"][key] = f"s3://bucket/{value.lstrip('./')}"
    os.environ["AWS_DEFAULT_REGION"] = REGION
    return transform(template, {}, policies, passthrough_metadata=True)


def yaml_value(text: str):
    from cfnlint.decode.cfn_yaml import loads

    return loads(text, "template.yaml")


def plain(value):
    """cfn-lint's node types and PyYAML's dates as plain JSON values."""
    if isinstance(value, dict):
        return {str(k) if not isinstance(k, bool) else ("true" if k else "false"): plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [plain(v) for v in value]
    if isinstance(value, (datetime.date, datetime.datetime)):
        return value.isoformat()
    if isinstance(value, bool) or value is None:
        return value
    if isinstance(value, int):
        return int(value)
    if isinstance(value, float):
        return float(value)
    if isinstance(value, str):
        return str(value)
    return repr(value)


def main() -> int:
    logging.disable(logging.CRITICAL)
    if "--versions" in sys.argv:
        print(json.dumps(versions()))
        return 0
    request = json.load(sys.stdin)
    results: dict = {}
    linter = None
    policies = ManagedPolicies()
    for job in request.get("jobs", []):
        op = job.get("op")
        try:
            if op == "lint":
                linter = linter or Linter()
                results[job["id"]] = {"ok": True, "findings": linter.lint(job["template"], job.get("regions") or [REGION])}
            elif op == "sam":
                results[job["id"]] = {"ok": True, "template": plain(sam(job["template"], policies))}
            elif op == "yaml":
                results[job["id"]] = {"ok": True, "value": plain(yaml_value(job["text"]))}
            else:
                results[job["id"]] = {"ok": False, "error": f"unknown op {op!r}"}
        except Exception as e:  # noqa: BLE001
            causes = getattr(e, "causes", None) or getattr(e, "matches", None)
            detail = "; ".join(str(getattr(c, "message", c)) for c in causes) if causes else ""
            results[job["id"]] = {
                "ok": False,
                "error": f"{type(e).__name__}: {e}{(' (' + detail + ')') if detail and detail not in str(e) else ''}",
                "trace": traceback.format_exc(limit=3),
            }
    json.dump({"results": results}, sys.stdout)
    return 0


if __name__ == "__main__":
    sys.exit(main())
