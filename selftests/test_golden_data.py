"""Self-tests of the contract's data in golden/: every file validates against its schema, ids
are unique, every id and code the data names exists, the data covers every requirement of
the contract (read from beside the checkout where it is), and the golden XML is exactly the
contract's."""

from __future__ import annotations

import ast
import configparser
import json
import re

import jsonschema
import pytest

from ec2conformance import GOLDEN, ROOT, golden
from ec2conformance.xmlsafe import error_code, local_name, parse_untrusted

CONTRACT = ROOT.parent / "shared" / "spec" / "CONTRACT.md"
DATA_FILES = sorted(p.name for p in GOLDEN.glob("*.json"))
SCHEMAS = sorted(p.name for p in (GOLDEN / "schemas").glob("*.schema.json"))
REQUIREMENTS = golden.requirements()


def _prefix(rid: str) -> str:
    return rid.split("-")[0]


#: Requirement-id prefix -> the groups its rows name (each must name exactly one).
PREFIX_GROUPS = {
    prefix: {row.group for rid, row in REQUIREMENTS.items() if _prefix(rid) == prefix}
    for prefix in dict.fromkeys(_prefix(rid) for rid in REQUIREMENTS)
}
FIXED_STATUS = {"PERM-DRYRUN-PERMITTED": 412, "PERM-DRYRUN-DENIED": 403, "PERM-DENIED": 403}


#: Rows of requirements.json the contract beside the checkout does not have yet, each with
#: why: a contract that has one fails the test that checks this list (remove it here then).
NOT_YET_IN_THE_CONTRACT = {
    "DIFF-SAME-OUTCOME": "differential mode (--reference-endpoint), decided for certifying "
    "a proxy against its backend; its row is to be added to the contract",
}


def _raw(name: str) -> dict:
    return json.loads((GOLDEN / name).read_text(encoding="utf-8"))


def _contract_text() -> str:
    if not CONTRACT.is_file():
        pytest.skip(f"the contract is not beside the repository ({CONTRACT} is absent)")
    return CONTRACT.read_text(encoding="utf-8")


def _all_contract_rows() -> dict[str, str]:
    """Requirement id -> level cell, from the contract's tables."""
    rows = {}
    for line in _contract_text().splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if len(cells) >= 3 and re.fullmatch(r"[A-Z]+(-[A-Z0-9]+)+", cells[0]):
            rows[cells[0]] = cells[1]
    return rows


def _contract_rows() -> dict[str, str]:
    """The contract's rows, with those of :data:`NOT_YET_IN_THE_CONTRACT` as requirements.json
    has them (appended, in its order)."""
    rows = _all_contract_rows()
    for rid in NOT_YET_IN_THE_CONTRACT:
        row = REQUIREMENTS[rid]
        rows[rid] = row.level + (" (decided)" if row.decided else "")
    return rows


def test_rows_not_yet_in_the_contract_are_absent_from_it():
    assert sorted(set(NOT_YET_IN_THE_CONTRACT) & set(_all_contract_rows())) == []


# ------------------------------------------------------------------------------ schemas


@pytest.mark.parametrize("name", SCHEMAS)
def test_schema_is_a_draft_2020_12_schema(name):
    schema = json.loads((GOLDEN / "schemas" / name).read_text(encoding="utf-8"))
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    jsonschema.Draft202012Validator.check_schema(schema)


@pytest.mark.parametrize("name", DATA_FILES)
def test_data_file_validates_against_its_schema(name):
    schema_path = GOLDEN / "schemas" / name.replace(".json", ".schema.json")
    assert schema_path.is_file(), f"{name} has no schema at {schema_path.relative_to(ROOT)}"
    schema = json.loads(schema_path.read_text(encoding="utf-8"))
    validator = jsonschema.Draft202012Validator(
        schema, format_checker=jsonschema.Draft202012Validator.FORMAT_CHECKER
    )
    errors = sorted(validator.iter_errors(_raw(name)), key=lambda e: list(e.path))
    assert not errors, "\n".join(f"{list(e.path)}: {e.message}" for e in errors[:10])


@pytest.mark.parametrize("name", SCHEMAS)
def test_every_schema_has_its_data_file(name):
    assert (GOLDEN / name.replace(".schema.json", ".json")).is_file()


# ------------------------------------------------------------------------- uniqueness


@pytest.mark.parametrize(
    ("name", "items", "key"),
    [
        ("requirements.json", "requirements", "id"),
        ("error-catalogue.json", "codes", "code"),
        ("normalisation.json", "rules", "id"),
    ],
)
def test_ids_unique(name, items, key):
    ids = [item[key] for item in _raw(name)[items]]
    assert len(ids) == len(set(ids)), sorted({i for i in ids if ids.count(i) > 1})


def test_catalogue_has_73_codes_of_contract_version_3():
    assert len(golden.catalogue()) == 73
    new = [c["code"] for c in _raw("error-catalogue.json")["codes"] if c.get("since") == 3]
    assert len(new) == 11, new
    for name in DATA_FILES:
        if "contract_version" in _raw(name):
            assert _raw(name)["contract_version"] == 3, name


def test_catalogue_matches_the_contracts_catalogue():
    """The same codes, statuses, evidence, kinds and versions as the contract's own
    catalogue (read from beside the checkout where it is; the descriptions are ours)."""
    shared = CONTRACT.with_name("ec2-error-catalogue.json")
    if not shared.is_file():
        pytest.skip(f"the contract's catalogue is not beside the repository ({shared} is absent)")
    keys = ("http_status", "status_evidence", "kind", "since")

    def facts(codes: list) -> dict:
        return {c["code"]: tuple(c.get(k) for k in keys) for c in codes}

    theirs = facts(json.loads(shared.read_text(encoding="utf-8")))
    assert facts(_raw("error-catalogue.json")["codes"]) == theirs


# ------------------------------------------------------------------------ requirements


def test_every_contract_requirement_is_present():
    rows = _contract_rows()
    assert rows, "no requirement rows found in the contract"
    assert sorted(set(rows) - set(REQUIREMENTS)) == []
    assert sorted(set(REQUIREMENTS) - set(rows)) == []
    assert list(REQUIREMENTS) == list(rows), "requirements.json keeps the contract's order"


@pytest.mark.parametrize("rid", list(REQUIREMENTS))
def test_level_and_decided_match_the_contract(rid):
    cell = _contract_rows()[rid]
    row = REQUIREMENTS[rid]
    assert cell.split()[0] == row.level
    assert ("(decided)" in cell) == row.decided


@pytest.mark.parametrize("rid", list(REQUIREMENTS))
def test_requirement_row_is_consistent(rid):
    row = REQUIREMENTS[rid]
    assert PREFIX_GROUPS[_prefix(rid)] == {row.group}, "one group per id prefix"
    if row.group in ("response", "errors", "fuzz", "lifecycle", "differential"):
        assert row.stage is None
    else:
        assert row.stage in range(1, 8)
    if row.judges == "outcome":
        assert row.expected, "a row judged on its outcome lists the acceptable outcomes"
        assert row.request
    for alternative in row.expected:
        if alternative.code is None:
            assert alternative.status == 200
        elif rid in FIXED_STATUS:
            assert alternative.status == FIXED_STATUS[rid]
        elif row.judges in ("outcome", "lifecycle"):
            assert alternative.status is None, "only PERM rows name the status themselves"
    if row.stage == 7:
        assert row.expected == (golden.Alternative(200, None),)
    assert not re.search(r"\b(should|test that)\b", row.documentation, re.IGNORECASE)


@pytest.mark.parametrize("rid", [r for r in REQUIREMENTS if REQUIREMENTS[r].codes()])
def test_every_code_a_requirement_names_is_in_the_catalogue(rid):
    assert sorted(REQUIREMENTS[rid].codes() - set(golden.catalogue())) == []


@pytest.mark.parametrize("rid", list(REQUIREMENTS))
def test_expected_codes_are_the_contracts(rid):
    """Every code the contract's Expected cell names is in the row's outcomes, first first."""
    if rid in NOT_YET_IN_THE_CONTRACT:
        pytest.skip(NOT_YET_IN_THE_CONTRACT[rid])
    text = _contract_text()
    line = next(ln for ln in text.splitlines() if ln.strip().startswith(f"| {rid} |"))
    expected_cell = line.strip().strip("|").split("|")[-1].split("never")[0]
    named = re.findall(r"\b[A-Z][A-Za-z]+(?:\.[A-Z][A-Za-z]+)?\b", expected_cell)
    codes = [c for c in named if c in golden.catalogue()]
    row = REQUIREMENTS[rid]
    ours = [a.code for a in row.expected if a.code]
    for variant in row.variants:
        ours.extend(a.code for a in variant.expected if a.code)
    assert [c for c in codes if c not in ours] == []
    if ours and codes and row.judges == "outcome" and rid != "AUTH-BEFORE-DRYRUN":
        assert ours[0] == codes[0], "the first alternative is the strict one"


def test_each_group_has_one_id_prefix():
    groups = [group for (group,) in PREFIX_GROUPS.values()]
    assert len(groups) == len(set(groups)), PREFIX_GROUPS


def test_groups_are_registered_pytest_markers():
    config = configparser.ConfigParser()
    config.read(ROOT / "pytest.ini")
    markers = {
        line.split(":", 1)[0].split("(", 1)[0].strip()
        for line in config["pytest"]["markers"].strip().splitlines()
    }
    assert {r.group for r in REQUIREMENTS.values()} <= markers


# ------------------------------------------------------------------------ normalisation


def _golden_paths() -> set[str]:
    root = parse_untrusted(golden.golden_response())
    paths = set()
    for el in root.iter():
        names = [local_name(el)] + [local_name(a) for a in el.iterancestors()]
        paths.add("/".join(reversed(names)))
    return paths


def _model_paths() -> set[str]:
    out = set()

    def walk(prefix, tree):
        for name, node in tree.items():
            out.add(f"{prefix}/{name}")
            walk(f"{prefix}/{name}", node.get("children", {}))

    walk("", golden.normalisation().allowed)
    return {p.lstrip("/") for p in out}


@pytest.mark.parametrize("rule", golden.normalisation().rules, ids=lambda r: r.id)
def test_normalisation_rule_names_a_real_element_and_requirement(rule):
    assert rule.requirement in REQUIREMENTS
    assert rule.path in _model_paths(), "every element a rule judges is allowed"
    assert (rule.path in _golden_paths()) == rule.in_golden
    if rule.echo is not None:
        params = {p["name"] for p in golden.model()["import_instance_parameters"]}
        assert rule.echo["param"] in params
    if rule.pattern is not None:
        re.compile(rule.pattern)


def test_the_comparison_judges_what_the_data_says():
    """The structure and order requirements are the rows that name the golden response; a
    rule the comparison leaves out is one judged across responses."""
    norm = golden.normalisation()
    naming_golden = {rid for rid, row in REQUIREMENTS.items() if "golden" in row.response}
    assert {norm.structure, norm.order} == naming_golden
    assert norm.golden == REQUIREMENTS[norm.structure].response["golden"]
    ruled = {r.requirement for r in norm.rules if r.compared}
    assert naming_golden | ruled == golden.COMPARE_REQUIREMENTS
    for rule in norm.rules:
        if not rule.compared:
            assert rule.fresh and rule.requirement not in golden.COMPARE_REQUIREMENTS


def test_golden_elements_are_allowed_by_the_model():
    assert _golden_paths() <= _model_paths()


def test_every_varying_golden_leaf_has_a_rule():
    root = parse_untrusted(golden.golden_response())
    ruled = {r.path for r in golden.normalisation().rules}
    for el in root.iter():
        if len(el) == 0:
            names = [local_name(el)] + [local_name(a) for a in el.iterancestors()]
            assert "/".join(reversed(names)) in ruled


@pytest.mark.parametrize(
    "rid", [r for r, row in REQUIREMENTS.items() if row.response.get("normalisation")]
)
def test_rows_judged_by_normalisation_have_rules(rid):
    assert any(r.requirement == rid for r in golden.normalisation().rules)


# ------------------------------------------------------------------------------- domain


def test_domain_covers_exactly_the_model_parameters():
    templates = {p["name"] for p in golden.model()["import_instance_parameters"]}
    assert set(golden.domain()["parameters"]) == templates


@pytest.mark.parametrize("template", list(golden.domain()["parameters"]))
def test_domain_parameter_names_real_requirements_and_enums(template):
    rules = golden.domain()["parameters"][template]
    for key in ("requirement", "required"):
        if key in rules:
            assert rules[key] in REQUIREMENTS
    for rid in rules.get("special_values", {}).values():
        assert rid in REQUIREMENTS
    if "enum" in rules:
        assert rules["enum"] in golden.model()["enums"]
        model_entry = next(
            p for p in golden.model()["import_instance_parameters"] if p["name"] == template
        )
        assert model_entry.get("enum") == rules["enum"]
    for other in rules.get("needs_one_of", ()):
        assert other in golden.domain()["parameters"]


def test_ec2_api_names_the_current_version_and_action():
    api = golden.ec2_api()
    assert api["current_version"] in api["published_versions"]
    assert "ImportInstance" in api["actions"]
    assert {"DescribeConversionTasks", "CancelConversionTask"} <= set(api["actions"])
    for bad in ("1999-01-01", "2099-01-01", "latest"):
        assert bad not in api["published_versions"]


# --------------------------------------------------------------------------- golden XML


def test_golden_response_is_the_contracts_fenced_block():
    section = _contract_text().split("## The sample", 1)[1]
    block = section.split("```xml\n", 1)[1].split("```", 1)[0]
    assert golden.golden_response() == block.encode("utf-8")


def test_golden_response_is_well_formed():
    root = parse_untrusted(golden.golden_response())
    assert root.tag == "{http://ec2.amazonaws.com/doc/2016-11-15/}ImportInstanceResponse"


ENVELOPES = sorted(p.stem for p in (GOLDEN / "responses" / "errors").glob("*.xml"))


def test_the_three_error_envelopes_exist():
    assert {"DryRunOperation", "UnauthorizedOperation", "MissingParameter"} <= set(ENVELOPES)


@pytest.mark.parametrize("code", ENVELOPES)
def test_error_envelope_has_the_ec2_shape(code):
    body = golden.error_envelope(code)
    assert body.startswith(b'<?xml version="1.0" encoding="UTF-8"?>')
    root = parse_untrusted(body)
    assert root.tag == "Response", "no namespace, root Response (ERR-ENVELOPE, ERR-NAMESPACE)"
    assert error_code(root) == code
    assert code in golden.catalogue()
    assert [c.tag for c in root] == ["Errors", "RequestID"]
    assert root.findtext("RequestID").strip()
    assert root.findtext("Errors/Error/Message").strip()


def test_readme_explains_the_folder():
    text = (GOLDEN / "README.md").read_text(encoding="utf-8")
    assert "scripts/record_model_data.py" in text
    for name in DATA_FILES:
        assert name in text, f"golden/README.md does not mention {name}"


# ------------------------------------------------------------------------------ loaders


def test_loaders_are_cached_and_read_only():
    assert golden.requirements() is golden.requirements()
    assert golden.catalogue() is golden.catalogue()
    with pytest.raises(TypeError):
        golden.model()["enums"]["PlatformValues"] = ["Linux"]  # type: ignore[index]
    assert isinstance(REQUIREMENTS["PARAM-PLATFORM-MISSING"], golden.Requirement)
    assert REQUIREMENTS["PARAM-PLATFORM-MISSING"].expected == (
        golden.Alternative(None, "MissingParameter"),
    )


def test_error_envelope_refuses_paths():
    with pytest.raises(ValueError):
        golden.error_envelope("../requirements")


PACKAGE = ROOT / "ec2conformance"
DATA_MODULES = [
    *sorted((PACKAGE / "golden").glob("*.py")),
    *sorted((PACKAGE / "oracle").glob("*.py")),
    PACKAGE / "xmlsafe.py",
]


@pytest.mark.parametrize("path", DATA_MODULES, ids=lambda p: str(p.relative_to(PACKAGE)))
def test_data_modules_never_read_shared_at_run_time(path):
    text = path.read_text(encoding="utf-8")
    assert "shared/spec" not in text and "CONTRACT.md" not in text


@pytest.mark.parametrize("path", sorted((PACKAGE / "golden").glob("*.py")), ids=lambda p: p.name)
def test_golden_imports_only_the_data_layer(path):
    """ec2conformance.golden reads data and judges it: of the package it imports only
    itself, the model and xmlsafe (never the registry, checks, plugin, cases, strategies)."""
    imported = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            imported.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            imported.update(f"{node.module}.{alias.name}" for alias in node.names)
    allowed = ("ec2conformance.golden", "ec2conformance.model", "ec2conformance.xmlsafe")
    ours = {n for n in imported if n.startswith(("ec2conformance", "strategies", "suites"))}
    assert {n for n in ours if not n.startswith(allowed)} <= {"ec2conformance.GOLDEN"}


def test_throttling_is_stated_once_in_substance():
    fuzz = REQUIREMENTS["FUZZ-NO-SERVER-ERROR"].response["throttling"]
    assert dict(fuzz) == dict(golden.domain()["throttling"])
