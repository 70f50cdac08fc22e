"""``msatheory check`` in CI: selecting statements, accepting findings, editor, JSON and
SARIF output, and the command line's manners (version, help, exit status through a
closed pipe, colour)."""

from __future__ import annotations

import argparse
import io
import json
import os
import pty
import re
import subprocess
import sys
from pathlib import Path

import jsonschema
import pytest

from msatheory import TheoryError, __version__
from msatheory.__main__ import main, parser
from msatheory.check import EXAMPLES, check_system, load
from msatheory.check.config import Config, find_config, read_config, resolve, stale

ROOT = Path(__file__).resolve().parents[1]
SCHEMA = json.loads((Path(__file__).parent / "data" / "sarif-2.1.0-rtm.5.json").read_text())
SHOP = (EXAMPLES / "shop.yaml").read_text()
#: The shop with one problem: shipping has no health check (Algorithm 3.2.2), nothing else.
ONE_PROBLEM = SHOP.replace("    healthcheck: true\n    technology: python\n",
                           "    technology: python\n")
ACCEPT_SHIPPING = """\
accept:
  - statement: Algorithm 3.2.2
    involves: [shipping]
    reason: shipping is polled by its queue's consumer lag instead
"""


@pytest.fixture
def workdir(tmp_path, monkeypatch):
    """An empty working directory, with no configuration above it."""
    monkeypatch.chdir(tmp_path)
    return tmp_path


def run(capsys, *argv: str) -> tuple[int, str, str]:
    status = main(["check", *argv])
    out, err = capsys.readouterr()
    return status, out, err


def test_the_one_problem_shop_has_one_witness(tmp_path):
    report = check_system(load(_write(tmp_path / "one.yaml", ONE_PROBLEM)))
    failing = [(v.statement.ref, len(v.witnesses)) for v in report.verdicts if not v.holds]
    assert failing == [("Algorithm 3.2.2", 1)]


# -- naming statements ------------------------------------------------------------------------


@pytest.mark.parametrize(("selector", "refs"), [
    ("Axiom 1.1.1", ["Axiom 1.1.1"]),
    ("axiom 1.1.1", ["Axiom 1.1.1"]),
    ("公理 1.1.1", ["Axiom 1.1.1"]),
    ("1.1.1", ["Axiom 1.1.1"]),
    ("2.1.1", ["Principle 2.1.1", "Theorem 2.1.1"]),
    ("Theorem 2.1.1", ["Theorem 2.1.1"]),
    ("1.2", ["Feature 1.2.1", "Feature 1.2.2", "Feature 1.2.3", "Feature 1.2.4"]),
    ("3", ["Algorithm 3.2.2"]),
    ("  Strategy   5.3.2 ", ["Strategy 5.3.2"]),
])
def test_a_statement_is_named_by_reference_number_section_or_chapter(selector, refs):
    assert [s.ref for s in resolve(selector)] == refs


@pytest.mark.parametrize(("selector", "message"), [
    ("Axiom 9.9.9", "'Axiom 9.9.9' names no statement msatheory check checks"),
    ("Axoim 1.1.1", "'Axoim' is not a kind of statement (did you mean 'Axiom 1.1.1'?)"),
    ("1.1.10", "names no statement"),
    ("Def 1.1.1", "names no statement msatheory check checks"),
])
def test_a_name_that_names_nothing_is_refused_with_what_is_checked(selector, message):
    with pytest.raises(TheoryError, match=re.escape(message)) as raised:
        resolve(selector)
    assert "it checks Axiom 1.1.1, Feature 1.2.1" in str(raised.value)


# -- --select and --ignore --------------------------------------------------------------------


def test_select_checks_only_the_statements_named(workdir, capsys):
    tangled = str(EXAMPLES / "tangled-shop.yaml")
    status, out, _ = run(capsys, tangled, "--format", "json", "--select", "Feature 1.2.2")
    refs = [v["statement"] for v in json.loads(out)["systems"][0]["verdicts"]]
    assert (status, refs) == (0, ["Feature 1.2.2"])
    status, out, _ = run(capsys, tangled, "--format", "json",
                         "--select", "Axiom 1.1.1,3", "--select", "1.2.2")
    refs = [v["statement"] for v in json.loads(out)["systems"][0]["verdicts"]]
    assert (status, refs) == (1, ["Axiom 1.1.1", "Feature 1.2.2", "Algorithm 3.2.2"])


def test_ignore_leaves_statements_out_after_select(workdir, capsys):
    status, out, _ = run(capsys, str(EXAMPLES / "tangled-shop.yaml"), "--format", "json",
                         "--select", "1", "--ignore", "1.1.1", "--ignore", "Feature 1.2.1,1.2.3")
    refs = [v["statement"] for v in json.loads(out)["systems"][0]["verdicts"]]
    assert (status, refs) == (0, ["Feature 1.2.2", "Feature 1.2.4"])


def test_an_unknown_selection_is_an_error_naming_the_option(workdir, capsys):
    status, out, err = run(capsys, str(EXAMPLES / "shop.yaml"), "--select", "Axiom 1.1.9")
    assert (status, out) == (2, "")
    assert err.startswith("msatheory: --select: 'Axiom 1.1.9' names no statement")
    assert "(did you mean 'Axiom 1.1.1'?)" in err


# -- settings files ---------------------------------------------------------------------------


def test_settings_are_found_in_the_working_directory_or_the_nearest_above(workdir):
    assert find_config(workdir) is None
    deep = workdir / "a" / "b"
    deep.mkdir(parents=True)
    (workdir / "pyproject.toml").write_text("[project]\nname = 'x'\n")
    assert find_config(deep) is None  # a pyproject.toml without [tool.msatheory] is not one
    (workdir / "pyproject.toml").write_text("[tool.msatheory]\nignore = ['1.2.4']\n")
    assert find_config(deep) == workdir / "pyproject.toml"
    (workdir / "a" / ".msatheory.yaml").write_text("ignore: [1.2.3]\n")
    assert find_config(deep) == workdir / "a" / ".msatheory.yaml"
    assert [s.ref for s in read_config(find_config(deep)).ignore] == ["Feature 1.2.3"]


def test_pyproject_settings_select_and_accept(workdir, capsys):
    (workdir / "one.yaml").write_text(ONE_PROBLEM)
    (workdir / "pyproject.toml").write_text("""\
[tool.msatheory]
select = ["1", "3"]
ignore = ["Feature 1.2.4"]

[[tool.msatheory.accept]]
statement = "Algorithm 3.2.2"
involves = ["shipping"]
reason = "polled by its queue's consumer lag"
""")
    status, out, err = run(capsys, "one.yaml", "--format", "json")
    data = json.loads(out)
    verdicts = data["systems"][0]["verdicts"]
    assert (status, err, data["config"]) == (0, "", "pyproject.toml")
    assert [v["statement"] for v in verdicts] == ["Axiom 1.1.1", "Feature 1.2.1",
                                                  "Feature 1.2.2", "Feature 1.2.3",
                                                  "Algorithm 3.2.2"]
    witness = verdicts[-1]["witnesses"][0]
    assert witness["accepted"] == {"reason": "polled by its queue's consumer lag",
                                   "place": "pyproject.toml: tool.msatheory.accept[0]"}


def test_a_system_with_one_accepted_finding_exits_0_and_says_so(workdir, capsys):
    (workdir / "one.yaml").write_text(ONE_PROBLEM)
    status, out, _ = run(capsys, "one.yaml")
    assert status == 1 and "FAIL Algorithm 3.2.2" in out
    assert "  accept:\n    - statement: Algorithm 3.2.2\n      involves: [shipping]\n" in out
    (workdir / ".msatheory.yaml").write_text(ACCEPT_SHIPPING)
    status, out, err = run(capsys, "one.yaml")
    assert (status, err) == (0, "")
    assert "ok   Algorithm 3.2.2" in out
    assert ("       - accepted: no health check: nothing checks whether shipping can serve "
            "(shipping is polled by its queue's consumer lag instead)") in out
    assert out.rstrip().endswith("17 statements checked: 17 hold, 0 violated; 1 finding "
                                 "accepted.")
    assert "To accept a finding" not in out


def test_an_acceptance_that_excuses_nothing_is_reported_as_stale(workdir, capsys):
    (workdir / "shop.yaml").write_text(SHOP)
    (workdir / ".msatheory.yaml").write_text(ACCEPT_SHIPPING + """\
  - statement: Axiom 1.1.1
    files: other-*.yaml
    reason: holds only for other files, so it is not stale here
  - statement: Strategy 7.1.3
    reason: manifests are not checked here, so it is not stale either
""")
    status, out, err = run(capsys, "shop.yaml", "--format", "json")
    assert status == 0
    assert err == ("msatheory: stale acceptance: Algorithm 3.2.2 involving shipping, at "
                   ".msatheory.yaml: accept[0] (line 2): shipping is polled by its queue's "
                   "consumer lag instead (no witness of Algorithm 3.2.2 occurs any more: "
                   "remove it)\n")
    assert [a["statement"] for a in json.loads(out)["stale"]] == ["Algorithm 3.2.2"]
    status, _, _ = run(capsys, "shop.yaml", "--strict")
    assert status == 1  # --strict: a stale acceptance fails the check


def test_stale_ignores_systems_the_acceptance_cannot_cover(tmp_path):
    config = Config(accept=read_config(_write(tmp_path / "a.yaml", ACCEPT_SHIPPING)).accept)
    (accepted,) = config.accept
    assert stale(config, [("shop.yaml", [], [])]) == ()
    assert stale(config, [("shop.yaml", [accepted.statement], [])]) == (accepted,)
    assert stale(config, [("shop.yaml", [accepted.statement], [accepted])]) == ()


@pytest.mark.parametrize(("text", "message"), [
    ("selct: [1]\n", "cfg.yaml: selct (line 1): unknown key 'selct'; a configuration has "
                     "select, ignore, accept (did you mean 'select'?)"),
    ("select: [Axiom 9.9.9]\n", "cfg.yaml: select[0] (line 1): 'Axiom 9.9.9' names no "
                                "statement msatheory check checks"),
    ("accept: [{statement: 2.1.1, reason: r}]\n",
     "cfg.yaml: accept[0].statement (line 1): names 2 statements (Principle 2.1.1, "
     "Theorem 2.1.1); an accepted finding names one"),
    ("accept: [{statement: 1.1.1}]\n",
     "cfg.yaml: accept[0] (line 1): an accepted finding says why it is accepted (reason: ...)"),
    ("accept: [{reason: r}]\n", "cfg.yaml: accept[0] (line 1): an accepted finding names its "
                                "statement (statement: Axiom 1.1.1)"),
    ("accept: [{statement: 1.1.1, reason: r, involve: [a]}]\n",
     "cfg.yaml: accept[0].involve (line 1): unknown key 'involve'; an accepted finding has "
     "statement, involves, what, files, reason"),
    ("accept: {statement: 1.1.1}\n", "cfg.yaml: accept (line 1): must be a list, not a mapping"),
    ("- 1\n", "cfg.yaml: the top level (line 1): must be a mapping, not a list"),
])
def test_a_mistaken_settings_file_is_refused_naming_the_place(workdir, text, message):
    _write(workdir / "cfg.yaml", text)
    with pytest.raises(TheoryError) as raised:
        read_config("cfg.yaml")
    assert str(raised.value).startswith(message)


def test_a_mistaken_pyproject_is_refused_on_the_command_line(workdir, capsys):
    (workdir / "pyproject.toml").write_text("[tool.msatheory]\nselect = ")
    status, out, err = run(capsys, str(EXAMPLES / "shop.yaml"),
                           "--config", str(workdir / "pyproject.toml"))
    assert (status, out) == (2, "")
    assert err.startswith(f"msatheory: {workdir / 'pyproject.toml'}: not valid TOML (")
    (workdir / "pyproject.toml").write_text("[tool.msatheory]\nignore = 'Axiom 1.1.1'\n")
    status, _, err = run(capsys, str(EXAMPLES / "shop.yaml"),
                         "--config", str(workdir / "pyproject.toml"))
    assert status == 2 and "tool.msatheory.ignore: must be a list, not the string" in err
    (workdir / "pyproject.toml").write_text("tool = 0\n")  # found by fuzzing
    status, _, err = run(capsys, str(EXAMPLES / "shop.yaml"),
                         "--config", str(workdir / "pyproject.toml"))
    assert status == 2 and err.endswith("pyproject.toml: has no [tool.msatheory] table\n")


# -- output -----------------------------------------------------------------------------------

_CONCISE = re.compile(r"^(?P<file>[^:]+):(?P<line>\d+):(?P<column>\d+): "
                      r"(?P<statement>[A-Z][a-z]+ \d\.\d\.\d): (?P<message>.+)$")


def test_concise_output_places_each_finding_where_its_service_is_declared(workdir, capsys):
    tangled = workdir / "tangled.yaml"
    tangled.write_text((EXAMPLES / "tangled-shop.yaml").read_text())
    status, out, _ = run(capsys, "tangled.yaml", "--format", "concise")
    lines = out.splitlines()
    text = tangled.read_text().splitlines()
    report = check_system(load("tangled.yaml"))
    witnesses = [w for v in report.verdicts for w in v.witnesses]
    assert status == 1 and len(lines) == len(witnesses)
    for line, witness in zip(lines, witnesses, strict=True):
        found = _CONCISE.match(line)
        assert found and found["file"] == "tangled.yaml", line
        assert found["message"] == str(witness)
        at = text[int(found["line"]) - 1][int(found["column"]) - 1:]
        assert at.split(":")[0] in witness.involves, (line, at)
    assert lines[0] == ("tangled.yaml:19:3: Axiom 1.1.1: dependency cycle: orders → payments → "
                        "orders")


def test_concise_output_of_manifests_names_their_files_and_lines_where_known(workdir, capsys):
    manifests = str(EXAMPLES / "shop-k8s.yaml")
    status, out, _ = run(capsys, manifests, "--format", "concise")
    lines = out.splitlines()
    assert status == 1
    assert all(_CONCISE.match(line)["file"] == manifests for line in lines)
    unplaced = [line for line in lines if line.startswith(f"{manifests}:1:1: ")]
    assert unplaced and all(": Practice 8.2.3: no " in line for line in unplaced)


def test_json_has_one_shape_whatever_the_number_of_files(workdir, capsys):
    broken = workdir / "broken.yaml"
    broken.write_text("services: {a: {calls: [zz]}}\n")
    shapes = []
    for files in ([str(EXAMPLES / "bff.yaml")],
                  [str(EXAMPLES / "bff.yaml"), str(EXAMPLES / "tangled-shop.yaml"), str(broken)]):
        status, out, _ = run(capsys, *files, "--format", "json")
        data = json.loads(out)
        shapes.append(sorted(data))
        assert data["version"] == __version__ and data["status"] == status
        assert len(data["systems"]) + len(data["errors"]) == len(files)
    assert shapes[0] == shapes[1] == ["config", "errors", "holds", "stale", "status", "systems",
                                      "version"]
    assert data["errors"] == [{"file": str(broken), "error": data["errors"][0]["error"]}]
    assert "services.a.calls[0] (line 1)" in data["errors"][0]["error"]


def test_json_gives_a_line_on_every_witness_that_has_one(workdir, capsys):
    _, out, _ = run(capsys, str(EXAMPLES / "tangled-shop.yaml"), "--format", "json")
    witnesses = [w for v in json.loads(out)["systems"][0]["verdicts"] for w in v["witnesses"]]
    assert witnesses and all(
        {"file", "line", "column"} <= set(w) and w["line"] >= 1 for w in witnesses)
    cycle = witnesses[0]
    assert (cycle["what"], cycle["line"], cycle["column"]) == ("dependency cycle", 19, 3)


def _sarif(capsys, *argv: str) -> tuple[int, dict]:
    status, out, _ = run(capsys, *argv, "--format", "sarif")
    log = json.loads(out)
    jsonschema.Draft4Validator(SCHEMA).validate(log)
    return status, log


def test_sarif_validates_and_holds_one_result_per_witness(workdir, capsys):
    tangled = workdir / "tangled.yaml"
    tangled.write_text((EXAMPLES / "tangled-shop.yaml").read_text())
    status, log = _sarif(capsys, "tangled.yaml")
    (run_,) = log["runs"]
    rules = run_["tool"]["driver"]["rules"]
    assert status == 1 and log["version"] == "2.1.0"
    assert run_["tool"]["driver"]["version"] == __version__
    assert run_["invocations"] == [{"executionSuccessful": True, "exitCode": 1}]
    report = check_system(load(tangled))
    assert len(run_["results"]) == sum(len(v.witnesses) for v in report.verdicts)
    assert [r["id"] for r in rules] == list(dict.fromkeys(
        v.statement.label for v in report.verdicts))
    first = run_["results"][0]
    assert rules[first["ruleIndex"]]["id"] == first["ruleId"] == "axiom-1-1-1"
    assert first["locations"][0]["physicalLocation"] == {
        "artifactLocation": {"uri": "tangled.yaml", "uriBaseId": "%SRCROOT%"},
        "region": {"startLine": 19, "startColumn": 3}}
    assert rules[0]["help"]["text"].startswith("Break each cycle of synchronous calls")
    prints = [r["partialFingerprints"]["msatheory/witness/v1"] for r in run_["results"]]
    assert len(set(prints)) == len(prints)


def test_sarif_leaves_out_accepted_findings_reports_unusable_files_and_stale_ones(
        workdir, capsys):
    (workdir / "one.yaml").write_text(ONE_PROBLEM)
    (workdir / "broken.yaml").write_text("services: {a: {calls: [zz]}}\n")
    (workdir / ".msatheory.yaml").write_text(ACCEPT_SHIPPING + """\
  - statement: Axiom 1.1.1
    involves: [nobody]
    reason: a cycle that was mended
""")
    status, log = _sarif(capsys, "one.yaml", "broken.yaml")
    (run_,) = log["runs"]
    assert status == 2
    assert run_["results"] == []  # accepted: left out, as code scanning would open an alert
    (invocation,) = run_["invocations"]
    assert invocation["executionSuccessful"] is False and invocation["exitCode"] == 2
    (error,) = invocation["toolExecutionNotifications"]
    assert error["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] == "broken.yaml"
    (warning,) = invocation["toolConfigurationNotifications"]
    assert warning["message"]["text"].startswith("stale acceptance: Axiom 1.1.1 involving "
                                                 "nobody")


def test_sarif_of_a_passing_system_and_of_standard_input_validates(workdir, capsys,
                                                                   monkeypatch):
    status, log = _sarif(capsys, str(EXAMPLES / "shop.yaml"))
    assert status == 0 and log["runs"][0]["results"] == []
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(ONE_PROBLEM.encode())))
    status, log = _sarif(capsys, "-")
    assert status == 1 and log["runs"][0]["results"][0]["locations"] == []


# -- manners ----------------------------------------------------------------------------------


def test_version(capsys):
    with pytest.raises(SystemExit) as exited:
        main(["--version"])
    assert exited.value.code == 0 and capsys.readouterr().out == f"msatheory {__version__}\n"


def _subcommands() -> dict[str, argparse.ArgumentParser]:
    top = parser()
    (group,) = [a for a in top._actions if isinstance(a, argparse._SubParsersAction)]
    return dict(group.choices)


@pytest.mark.parametrize("name", sorted(_subcommands()))
def test_every_option_has_help_with_an_example(name):
    command = _subcommands()[name]
    options = [a for a in command._actions if not isinstance(a, argparse._HelpAction)]
    assert options
    for option in options:
        assert option.help, (name, option.dest)
        if option.option_strings:
            assert "example" in option.help, (name, option.dest)
    text = command.format_help()
    assert "examples:\n  msatheory " + name in text


def _shell(command: str, **env: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(["bash", "-c", command], capture_output=True, text=True,
                          timeout=120, cwd=ROOT, env={**os.environ, **env})


@pytest.mark.parametrize(("example", "status"), [("tangled-shop.yaml", 1), ("shop.yaml", 0)])
def test_the_exit_status_survives_a_reader_that_closes_the_pipe(example, status):
    python = f"{sys.executable} -m msatheory check msatheory/check/examples/{example}"
    done = _shell(f"{python} | true; s1=${{PIPESTATUS[0]}}; "
                  f"{python} --format concise | head -1 >/dev/null; echo $s1 ${{PIPESTATUS[0]}}")
    assert done.stdout.split() == [str(status), str(status)]
    assert "Traceback" not in done.stderr and "BrokenPipe" not in done.stderr


def _on_a_terminal(*argv: str, **env: str) -> str:
    """What ``msatheory check ARGV`` writes when standard output is a terminal."""
    main_fd, child_fd = pty.openpty()
    with subprocess.Popen([sys.executable, "-m", "msatheory", "check", *argv], stdout=child_fd,
                          stderr=subprocess.DEVNULL, cwd=ROOT, env={**os.environ, **env}) as proc:
        os.close(child_fd)
        chunks = []
        while True:
            try:
                chunk = os.read(main_fd, 65536)
            except OSError:  # the terminal closed with the process
                break
            if not chunk:
                break
            chunks.append(chunk)
        proc.wait(timeout=120)
    os.close(main_fd)
    return b"".join(chunks).decode()


def test_colour_on_a_terminal_only_and_never_with_no_color(capsys):
    tangled = "msatheory/check/examples/tangled-shop.yaml"
    assert "\x1b[1;31mFAIL\x1b[0m" in _on_a_terminal(tangled, NO_COLOR="")
    assert "\x1b[" not in _on_a_terminal(tangled, NO_COLOR="1")
    assert "\x1b[" not in _on_a_terminal(tangled, "--color", "never")
    status, out, _ = run(capsys, str(ROOT / tangled))  # captured: not a terminal
    assert status == 1 and "\x1b[" not in out
    status, out, _ = run(capsys, str(ROOT / tangled), "--color", "always")
    assert "\x1b[32mok  \x1b[0m" in out and "\x1b[1;31mFAIL\x1b[0m" in out


def _write(path: Path, text: str) -> Path:
    path.write_text(text)
    return path


def test_the_html_page_sets_accepted_findings_apart(workdir):
    from msatheory.check.html import page

    (workdir / "one.yaml").write_text(ONE_PROBLEM)
    (workdir / ".msatheory.yaml").write_text(ACCEPT_SHIPPING)
    config = read_config(".msatheory.yaml")
    html = page([check_system(load("one.yaml"), config)])
    assert "17 statements checked: 17 hold, 0 violated. 1 finding accepted." in html
    assert ("<h3>Accepted findings</h3>\n<ul><li>Algorithm 3.2.2: no health check: nothing "
            "checks whether shipping can serve <i>accepted: shipping is polled by its queue&#x27;s "
            "consumer lag instead</i></li></ul>") in html
    assert '<g class="marked"' not in html and '<span class="violated">' not in html


def test_the_html_page_says_which_practice_checks_were_not_selected(workdir, capsys):
    status, out, _ = run(capsys, str(EXAMPLES / "shop.yaml"), "--format", "html",
                         "--select", "Axiom 1.1.1")
    assert status == 0 and "1 statement checked: 1 hold, 0 violated." in out
    assert "not selected (--select, --ignore or the settings)" in out


# -- what a review of the first version found -------------------------------------------------

def _deployment(name: str) -> str:
    return f"""\
apiVersion: apps/v1
kind: Deployment
metadata: {{name: {name}}}
spec:
  replicas: 2
  selector: {{matchLabels: {{app: web}}}}
  template:
    metadata: {{labels: {{app: web}}}}
    spec: {{containers: [{{name: web, image: shop/web:1}}]}}
"""


#: A Service in front of two Deployments whose names differ from it, without readiness probes.
TWO_WORKLOADS = "---\n".join([
    "apiVersion: v1\nkind: Service\nmetadata: {name: web}\n"
    "spec: {selector: {app: web}, ports: [{port: 80}]}\n",
    _deployment("web-a"), _deployment("web-b")])


def test_findings_on_workloads_are_placed_at_the_workload(workdir, capsys):
    (workdir / "two.yaml").write_text(TWO_WORKLOADS)
    status, out, _ = run(capsys, "two.yaml", "--format", "concise", "--select", "7.1.3")
    lines = out.splitlines()
    assert status == 1 and lines
    assert {line.split(": ")[0] for line in lines} <= {"two.yaml:8:12", "two.yaml:18:12"}
    assert any(line.startswith("two.yaml:18:12: Strategy 7.1.3: ") for line in lines)


def test_a_files_glob_matches_each_file_of_a_folder_relative_to_the_settings(workdir, capsys):
    deploy = workdir / "repo" / "deploy"
    deploy.mkdir(parents=True)
    documents = TWO_WORKLOADS.split("---\n")
    (deploy / "service.yaml").write_text(documents[0])
    (deploy / "workloads.yaml").write_text("---\n".join(documents[1:]))
    (workdir / "repo" / ".msatheory.yaml").write_text("""\
accept:
  - statement: Strategy 7.1.3
    files: [deploy/work*.yaml]
    reason: readiness probes come with the next chart
""")
    for cwd, folder in ((workdir / "repo", "deploy"), (deploy, ".")):
        os.chdir(cwd)
        status, out, err = run(capsys, folder, "--select", "7.1.3")
        assert (status, err) == (0, ""), (cwd, out)
        assert "accepted." in out


def test_overlapping_acceptances_are_all_used_and_none_is_stale(workdir, capsys):
    (workdir / "one.yaml").write_text(ONE_PROBLEM)
    (workdir / ".msatheory.yaml").write_text(ACCEPT_SHIPPING + """\
  - statement: Algorithm 3.2.2
    reason: every service may go without for now
""")
    status, out, err = run(capsys, "one.yaml")
    assert (status, err) == (0, "") and "1 finding accepted." in out


def test_select_overrides_the_settings_ignore_and_an_empty_selection_is_said(workdir, capsys):
    (workdir / ".msatheory.yaml").write_text("ignore: [Axiom 1.1.1]\n")
    tangled = str(EXAMPLES / "tangled-shop.yaml")
    status, out, _ = run(capsys, tangled, "--select", "Axiom 1.1.1", "--format", "json")
    assert status == 1
    assert [v["statement"] for v in json.loads(out)["systems"][0]["verdicts"]] == ["Axiom 1.1.1"]
    status, _, err = run(capsys, tangled, "--select", "7")
    assert status == 0
    assert err == (f"msatheory: {tangled}: no statement selected applies to this system "
                   "(nothing was checked): see --select, --ignore and the settings\n")


def test_a_broken_pyproject_is_reported_not_skipped(workdir, capsys):
    (workdir / "pyproject.toml").write_text("[tool.msatheory]\nselect = [\n")
    status, _, err = run(capsys, str(EXAMPLES / "shop.yaml"))
    assert status == 2 and "pyproject.toml: not valid TOML" in err


def test_an_empty_settings_file_asks_for_nothing(workdir, capsys):
    (workdir / ".msatheory.yaml").write_text("# nothing accepted yet\n")
    status, out, _ = run(capsys, str(EXAMPLES / "shop.yaml"), "--format", "json")
    assert status == 0 and json.loads(out)["config"] == ".msatheory.yaml"


def test_the_accept_hint_names_the_kind_of_finding(workdir, capsys):
    status, out, _ = run(capsys, str(EXAMPLES / "shop-k8s.yaml"), "--select", "8.2.3")
    assert status == 1
    assert "    - statement: Practice 8.2.3\n" in out and "      what: " in out


def test_a_report_made_without_its_checks_still_prints():
    from msatheory.check.report import Report

    report = check_system(load(EXAMPLES / "tangled-shop.yaml"))
    bare = Report(report.system, report.verdicts)
    assert str(bare).count("FAIL") == str(report).count("FAIL")
    assert "fix:" not in str(bare)


def test_the_exit_status_survives_a_closed_standard_error():
    done = _shell(f"{sys.executable} -m msatheory check msatheory/check/examples/tangled-shop.yaml"
                  " --select 'Practice 8.2.2' --config /dev/null/missing 2>&1 >/dev/null | true;"
                  " echo ${PIPESTATUS[0]}")
    assert done.stdout.split() == ["2"]


def test_unusable_settings_still_give_a_sarif_log_that_says_why(workdir, capsys):
    (workdir / ".msatheory.yaml").write_text("selct: [1]\n")
    status, log = _sarif(capsys, str(EXAMPLES / "shop.yaml"))
    (invocation,) = log["runs"][0]["invocations"]
    (note,) = invocation["toolConfigurationNotifications"]
    assert status == 2 and invocation["exitCode"] == 2 and log["runs"][0]["results"] == []
    assert note["level"] == "error"
    assert note["message"]["text"].startswith(".msatheory.yaml: selct (line 1): unknown key")
    status, out, err = run(capsys, str(EXAMPLES / "shop.yaml"))  # other formats: an error
    assert (status, out) == (2, "") and "unknown key 'selct'" in err
