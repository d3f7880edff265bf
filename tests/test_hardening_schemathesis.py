"""The API keeps its contract under schemathesis (issue 20): a short-budget run of the
coverage, fuzzing and stateful phases against a real server on a copy of the demo data finds
no 500, no undeclared status code and no answer that violates its schema. The longer run is
``python bench/fuzz_api.py``."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
#: Seconds schemathesis may run (the server's start and the schema's load come on top).
BUDGET_S = 75


def _fuzz_module():
    spec = importlib.util.spec_from_file_location("fuzz_api", ROOT / "bench" / "fuzz_api.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def fuzzed(demo_template, tmp_path_factory):
    import schemathesis  # the test extras install it; missing is a failure, not a skip

    assert schemathesis
    source, _state = demo_template
    keep = tmp_path_factory.mktemp("schemathesis")
    return _fuzz_module().fuzz(source, max_time=BUDGET_S, max_examples=3,
                               phases="coverage,fuzzing,stateful", seed=20, keep=keep)


def test_schemathesis_finds_no_failure_on_a_short_budget(fuzzed):
    assert fuzzed["operations"] > 0 and fuzzed["test_cases"] > 0, fuzzed["output_tail"]
    assert fuzzed["failures"] == 0, fuzzed["output_tail"]
    assert fuzzed["exit_code"] == 0, fuzzed["output_tail"]


def test_every_error_answer_is_declared_with_the_error_body(tmp_path):
    from twin.api import create_app
    from twin.core.settings import Settings

    spec = create_app(Settings(data_dir=tmp_path, simulate=False)).openapi()
    assert "ErrorPublic" in spec["components"]["schemas"]
    undeclared = []
    for path, operations in spec["paths"].items():
        for method, operation in operations.items():
            for status in ("401", "404", "409", "413", "422", "429"):
                answer = operation["responses"].get(status, {})
                schema = answer.get("content", {}).get("application/json", {}).get("schema")
                if schema != {"$ref": "#/components/schemas/ErrorPublic"}:
                    undeclared.append(f"{method.upper()} {path} {status}")
            for parameter in operation.get("parameters", ()):
                if parameter["schema"].get("type") == "integer":
                    assert "maximum" in parameter["schema"], (path, parameter)
    assert undeclared == []
