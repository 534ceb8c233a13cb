"""The allure results the suite writes: which fixture containers it leaves out
(``plugin/allure_labels.LeanFileLogger``), and an exchange as one attachment."""

import json
from dataclasses import replace

from allure_commons import model2 as model
from test_differential import _exchange

from ec2conformance.plugin.allure_labels import (
    EXCHANGE_PARTS,
    LeanFileLogger,
    exchange_text,
    says_nothing,
)


def _container(*befores, children=("t1",)):
    return model.TestResultContainer(uuid="c", children=list(children), befores=list(befores))


def test_one_tests_fixture_that_passed_bare_says_nothing():
    assert says_nothing(_container(model.TestBeforeResult(name="judge", status="passed")))
    assert says_nothing(_container(model.TestBeforeResult(name="case")))  # a parametrized argument


def test_a_fixture_with_something_to_show_keeps_its_container():
    failed = model.TestBeforeResult(name="judge", status="broken")
    stepped = model.TestBeforeResult(
        name="lifecycle", status="passed", steps=[model.TestStepResult()]
    )
    shared = model.TestBeforeResult(name="target", status="passed")
    assert not says_nothing(_container(failed))
    assert not says_nothing(_container(stepped))
    assert not says_nothing(_container(shared, children=("t1", "t2")))
    after = model.TestResultContainer(
        uuid="c", children=["t1"], afters=[model.TestAfterResult(name="x", status="failed")]
    )
    assert not says_nothing(after)


def test_the_logger_writes_only_the_containers_that_say_something(tmp_path):
    logger = LeanFileLogger(tmp_path)
    logger.report_container(_container(model.TestBeforeResult(name="judge", status="passed")))
    kept = _container(model.TestBeforeResult(name="target", status="passed"), children=("a", "b"))
    kept.uuid = "kept"
    logger.report_container(kept)
    written = [json.loads(p.read_text()) for p in tmp_path.glob("*-container.json")]
    assert [c["uuid"] for c in written] == ["kept"]


def test_an_exchange_is_one_text_request_response_and_what_was_expected():
    exchange = replace(
        _exchange(400, b"<Response><Errors/></Response>"),
        request_headers=(("Authorization", "AWS4-HMAC-SHA256 Signature=abc"),),
        request_body=b"Action=ImportInstance",
    )
    text = exchange_text(exchange, "expected: error MissingParameter")
    request, response, expected = text.split(EXCHANGE_PARTS)
    assert request.startswith("request\n\nPOST http://127.0.0.1/")
    assert "Action = 'ImportInstance'" in request and "abc" not in request
    assert response.startswith("response\n\nHTTP 400")
    assert expected == "expected\n\nexpected: error MissingParameter"
    assert "expected" not in exchange_text(exchange).split(EXCHANGE_PARTS)[-1]
