"""Recommendations are checked against reality: applying the advice gives the predicted result."""

from __future__ import annotations

import re
import textwrap

from devreliab import analyze_path
from devreliab.guidance import FileAnalysis, Recommendation
from tests.conftest import FIXTURE, MakeProject


def _analyse(make_project: MakeProject, source: str) -> FileAnalysis:
    root = make_project({"m.py": source})
    return analyze_path(root=root, use_cache=False).files[0]


def _rec(f: FileAnalysis, rule: str) -> Recommendation:
    return next(r for r in f.recommendations if r.rule == rule)


ORDERS = (FIXTURE / "shop" / "orders.py").read_text()


def test_a_cc14_function_gets_blocks_to_extract_with_parameters_and_the_predicted_complexity(
        make_project: MakeProject) -> None:
    f = _analyse(make_project, ORDERS)
    rec = _rec(f, "complexity")
    best = rec.strategies[0]
    assert best.title == "Extract branches into helper functions"
    assert best.predicted["complexity"] == 6
    assert "lines 14–23 (the `for item in order['items']` loop, +4)" in best.detail
    assert "lines 26–35 (the `if status == 'new'` if/elif chain, +4)" in best.detail
    # the helper for the loop needs what the loop reads from before it, and hands back the running total
    assert "total = _process_order_each_items(inventory, order, total)" in best.example


def test_doing_the_suggested_extraction_gives_the_predicted_complexity(make_project: MakeProject) -> None:
    # the refactoring the top strategy describes, done by hand
    refactored = textwrap.dedent('''
        import logging

        log = logging.getLogger(__name__)


        def _process_order_each_items(inventory, order, total):
            for item in order["items"]:
                stock = inventory.get(item["sku"], 0)
                if stock < item["quantity"]:
                    if order.get("allow_backorder"):
                        log.info("backorder for %s", item["sku"])
                    else:
                        raise ValueError(f"out of stock: {item['sku']}")
                elif stock - item["quantity"] < 5:
                    log.warning("low stock for %s", item["sku"])
                total += item["price"] * item["quantity"]
            return total


        def _process_order_by_status(order, status):
            if status == "new":
                order["status"] = "confirmed"
            elif status == "paid":
                order["status"] = "shipping"
            elif status == "shipped":
                order["status"] = "delivered"
            elif status == "cancelled":
                order["status"] = "refunded"
            else:
                order["status"] = "unknown"


        def process_order(order, inventory, notify):
            if not order.get("items"):
                raise ValueError("empty order")
            total = 0.0
            total = _process_order_each_items(inventory, order, total)
            status = order.get("status")
            _process_order_by_status(order, status)
            if total > 1000 and order.get("customer_tier") == "gold" or order.get("coupon"):
                total *= 0.9
            if notify:
                notify(order["id"], order["status"])
            return total
        ''')
    before = _rec(_analyse(make_project, ORDERS), "complexity").strategies[0]
    after = {b.qualname: b.complexity for b in _analyse(make_project, refactored).functions}
    assert after["process_order"] == before.predicted["complexity"]
    assert max(after["_process_order_each_items"], after["_process_order_by_status"]) == \
        before.predicted["largest_helper_complexity"]


def test_a_lookup_table_is_offered_for_an_if_elif_chain_of_constants(make_project: MakeProject) -> None:
    f = _analyse(make_project, ORDERS)
    lookup = next(s for s in _rec(f, "complexity").strategies if s.title.startswith("Replace the if/elif"))
    assert lookup.predicted["complexity"] == 10
    assert "_STATUS = {'new': 'confirmed', 'paid': 'shipping'" in lookup.example
    assert "order['status'] = _STATUS.get(status, 'unknown')" in lookup.example
    # the table really removes the chain's four decisions
    table_version = ORDERS.replace(
        '''    if status == "new":
        order["status"] = "confirmed"
    elif status == "paid":
        order["status"] = "shipping"
    elif status == "shipped":
        order["status"] = "delivered"
    elif status == "cancelled":
        order["status"] = "refunded"
    else:
        order["status"] = "unknown"
''', "    " + lookup.example.replace("\n", "\n    ") + "\n")
    assert table_version != ORDERS
    after = _analyse(make_project, table_version)
    assert next(b for b in after.functions if b.qualname == "process_order").complexity == 10


def test_strategies_that_reach_the_gate_rank_before_those_that_do_not(make_project: MakeProject) -> None:
    strategies = _rec(_analyse(make_project, ORDERS), "complexity").strategies
    reaching = [s.predicted["complexity"] < 10 for s in strategies]
    assert reaching == sorted(reaching, reverse=True)
    assert all(0 <= s.effect <= 1 and 1 <= s.effort <= 5 for s in strategies)


def _apply(source: str, line_text: str, replacement: str) -> str:
    assert line_text in source
    return source.replace(line_text, replacement)


def test_applying_the_shell_advice_removes_the_finding(make_project: MakeProject) -> None:
    source = ("import subprocess\n\ndef archive(name):\n"
              "    subprocess.call('tar czf ' + name + '.tgz build', shell=True)\n")
    f = _analyse(make_project, source)
    best = _rec(f, "B602").strategies[0]
    assert best.example == "subprocess.call(['tar', 'czf', f'{name}.tgz', 'build'])"
    fixed = _apply(source, "subprocess.call('tar czf ' + name + '.tgz build', shell=True)", best.example)
    assert not any(x.test_id == "B602" for x in _analyse(make_project, fixed).findings)


def test_a_command_with_shell_syntax_is_not_rewritten_blindly(make_project: MakeProject) -> None:
    source = "import subprocess\n\ndef logs(n):\n    subprocess.call('cat log | tail -' + n, shell=True)\n"
    best = _rec(_analyse(make_project, source), "B602").strategies[0]
    # the pipe needs the shell: it stays, and the value is quoted (shlex.split would hand '|' to cat)
    assert best.example == "import shlex\nsubprocess.call('cat log | tail -' + shlex.quote(n), shell=True)"


def test_applying_either_weak_hash_fix_removes_the_finding(make_project: MakeProject) -> None:
    source = "import hashlib\n\ndef key(data):\n    return hashlib.md5(data).hexdigest()\n"
    strategies = _rec(_analyse(make_project, source), "B324").strategies
    examples = {s.title: s.example for s in strategies}
    assert examples["Use SHA-256"] == "hashlib.sha256(data)"
    assert examples["Declare it is not for security: usedforsecurity=False"] == \
        "hashlib.md5(data, usedforsecurity=False)"
    for example in (examples["Use SHA-256"], examples["Declare it is not for security: usedforsecurity=False"]):
        fixed = _apply(source, "hashlib.md5(data)", example)
        assert not any(x.test_id == "B324" for x in _analyse(make_project, fixed).findings)


def test_applying_the_yaml_and_timeout_advice_removes_those_findings(make_project: MakeProject) -> None:
    source = ("import requests\nimport yaml\n\ndef load(fh):\n    return yaml.load(fh)\n\n"
              "def ping(url):\n    return requests.get(url)\n")
    f = _analyse(make_project, source)
    yaml_fix = _rec(f, "B506").strategies[0].example
    timeout_fix = _rec(f, "B113").strategies[0].example
    assert (yaml_fix, timeout_fix) == ("yaml.safe_load(fh)", "requests.get(url, timeout=10)")
    fixed = _apply(_apply(source, "yaml.load(fh)", yaml_fix), "requests.get(url)", timeout_fix)
    assert not {x.test_id for x in _analyse(make_project, fixed).findings} & {"B506", "B113"}


def test_a_hardcoded_password_names_the_variable_never_the_secret(make_project: MakeProject) -> None:
    f = _analyse(make_project, 'DB_PASSWORD = "hunter2"\n')
    rec = _rec(f, "B105")
    assert rec.strategies[0].example == "import os\nDB_PASSWORD = os.environ['DB_PASSWORD']"
    assert all("hunter2" not in s.example for s in rec.strategies)


def test_every_finding_also_offers_an_explicit_nosec_with_a_low_score(make_project: MakeProject) -> None:
    f = _analyse(make_project, "import pickle\n\ndef load(b):\n    return pickle.loads(b)\n")
    for rec in f.recommendations:
        nosec = [s for s in rec.strategies if "nosec" in s.title]
        assert len(nosec) == 1 and nosec[0] is not rec.strategies[0]


def test_low_maintainability_gets_a_predicted_index_from_radons_formula(make_project: MakeProject) -> None:
    big = "\n\n".join(
        f"def f{i}(a, b, c):\n" + "".join(f"    if a > {j} and b < {j} or c == {j}:\n        a = a * b + c - {j}\n"
                                          for j in range(8)) + "    return a\n"
        for i in range(12))
    f = _analyse(make_project, big)
    assert f.maintainability is not None and f.maintainability <= 50
    rec = _rec(f, "maintainability")
    split = next(s for s in rec.strategies if s.title == "Split the module")
    assert split.predicted["maintainability"] > f.maintainability
    assert "`f0`" in split.detail and "still not above 50" in split.detail  # f11 alone is below 50
    # moving the named functions out really gives the predicted index
    moved = set(re.findall(r"`(f\d+)`", split.detail))
    rest = "\n\n".join(part for part in big.split("\n\n") if part.strip().split("(")[0][4:] not in moved)
    after = _analyse(make_project, rest)
    assert after.maintainability is not None
    assert abs(after.maintainability - split.predicted["maintainability"]) < 0.5


def test_priority_keeps_rising_with_complexity_instead_of_tying_at_a_cap(make_project: MakeProject) -> None:
    def chain(name: str, n: int) -> str:
        return f"def {name}(a):\n" + "".join(f"    if a == {i}:\n        a += {i}\n" for i in range(n)) + \
            "    return a\n"

    f = _analyse(make_project, "\n\n".join([chain("far", 40), chain("further", 60), chain("near", 12)]))
    priority = {r.qualname: r.priority for r in f.recommendations if r.rule == "complexity"}
    assert priority["further"] > priority["far"] > priority["near"]  # 85 capped both far ones before
    assert max(priority.values()) < 85  # below a high-severity, high-confidence finding (90)
