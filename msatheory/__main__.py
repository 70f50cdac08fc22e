"""Command line: ``theory`` lists the catalogue, ``errata`` runs the errata, ``check`` checks
architecture files, docker-compose files and Kubernetes manifests against the theory,
``exercises`` lists the exercises, ``grade`` grades submitted notebooks, ``glossary`` lists
the terms and ``course`` the lessons with their minutes."""

from __future__ import annotations

import argparse
import json
import os
import sys
import textwrap
from collections.abc import Sequence
from pathlib import Path
from typing import TextIO

from msatheory import theory
from msatheory.check.config import Accepted, Config, find_config, read_config, stale
from msatheory.check.formats import FORMATS, systems
from msatheory.check.report import Report, check_system, concise
from msatheory.errors import TheoryError
from msatheory.theory.render import myst_page, text_table


def _theory(args: argparse.Namespace) -> int:
    statements = [s for s in theory.catalogue() if args.chapter in (None, s.chapter)]
    if args.format == "text":
        print(text_table(statements))
        return 0
    from msatheory.exercises import exercises
    from msatheory.exercises.catalogue import label

    posed: dict[str, list[tuple[str, str]]] = {}
    for exercise in exercises():
        posed.setdefault(exercise.statement, []).append((exercise.id, label(exercise)))
    print(myst_page(statements, posed), end="")
    return 0


def _lesson_path(notebook: Path) -> str:
    """A lesson as the catalogue names it: ``notebooks/03a_registry_and_health.ipynb``."""
    return f"notebooks/{notebook.name}"


def _errata(args: argparse.Namespace) -> int:
    if args.format == "myst":
        from msatheory.theory.erratum import found_in
        from msatheory.theory.glossary import lessons
        from msatheory.theory.render import errata_page

        taught = lessons()
        found = {e.key: _lesson_path(where) for e in theory.errata()
                 if (where := found_in(e.key, taught)) is not None}
        print(errata_page(theory.errata(), theory.stubs(), found), end="")
        return 0
    for erratum in theory.errata():
        print(erratum)
        print("  " + str(erratum.demonstrate()).replace("\n", "\n  "))
        print(f"  corrected by {erratum.corrected_by}: "
              f"{'holds' if erratum.verify_corrected() else 'FAILS'}")
        print()
    declared = theory.stubs()
    if declared:
        print(f"Declared stubs (简化实现), not counted as errata: {len(declared)}")
        for stub in declared:
            print(f"{stub}\n  modelled by {stub.modelled_by}")
    return 0


def _glossary(args: argparse.Namespace) -> int:
    from msatheory.theory.glossary import GLOSSARY, defined_in, lessons
    from msatheory.theory.render import glossary_page, glossary_table

    taught = lessons()
    defined = {t.term: _lesson_path(where) if (where := defined_in(t, taught)) else None
               for t in GLOSSARY}
    if args.format == "myst":
        print(glossary_page(GLOSSARY, theory.catalogue(), defined), end="")
    else:
        print(glossary_table(GLOSSARY, defined))
    return 0


def _course(args: argparse.Namespace) -> int:
    from msatheory.exercises import exercises
    from msatheory.exercises.catalogue import label
    from msatheory.theory.glossary import lessons
    from msatheory.theory.render import course_page, course_table

    taught = lessons()
    if not taught:
        raise TheoryError("course: the lessons are the notebooks of a checkout of the "
                          "project, and none was found beside the package")
    assigned: dict[str, list[tuple[str, str]]] = {}
    for exercise in exercises():
        assigned.setdefault(exercise.lesson, []).append((exercise.id, label(exercise)))
    render = course_page if args.format == "myst" else course_table
    print(render(taught, theory.catalogue(), assigned), end="\n" if args.format == "text"
          else "")
    return 0


def _check(args: argparse.Namespace) -> int:
    """Exit status 0 when every statement holds for every system (or fails only by accepted
    findings), 1 when one is violated, 2 when a file is unusable (each of its errors, one
    line each, goes to standard error)."""
    found = Path(args.config) if args.config else find_config()
    if found is not None and not args.config:  # named as a reader in this directory would
        found = Path(os.path.relpath(found))
    try:
        config = (read_config(found) if found else Config()).with_options(args.select,
                                                                          args.ignore)
    except TheoryError as error:
        if args.format != "sarif":
            raise
        _warn(str(error))  # a code-scanning upload still gets a log that says why
        from msatheory.check.sarif import sarif

        return _emit(json.dumps(sarif([], settings=str(error), status=2), ensure_ascii=False,
                                indent=2) + "\n", 2)
    status = 0
    errors: list[tuple[str, str]] = []
    checked: list[Report] = []
    for name, system in systems(args.files, args.kind, args.each):
        if isinstance(system, TheoryError):
            for line in str(system).splitlines():
                _warn(line)
            errors.append((name, str(system)))
            status = 2
            continue
        report = check_system(system, config)
        if not report.verdicts:
            _warn(f"{name}: no statement selected applies to this system (nothing was "
                  "checked): see --select, --ignore and the settings")
        status = max(status, 0 if report.holds else 1)
        checked.append(report)
    unused = stale(config, ((r.system.sources, [v.statement for v in r.verdicts], r.matched)
                            for r in checked))
    for accepted in unused:
        _warn(f"stale acceptance: {accepted} (no witness of {accepted.statement.ref} occurs "
              "any more: remove it)")
    if unused and args.strict:
        status = max(status, 1)
    return _emit(_rendered(args, checked, errors, unused, config, status), status)


def _warn(line: str) -> None:
    """``line`` on standard error, as ``msatheory: line``, even when it is a closed pipe."""
    try:
        print(f"msatheory: {line}", file=sys.stderr, flush=True)
    except BrokenPipeError:
        _drop(sys.stderr)


def _drop(stream: TextIO) -> None:
    """Send what is still written to ``stream`` (a pipe the reader closed) nowhere, so that
    neither later writes nor Python's flush at exit fail."""
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, stream.fileno())
    os.close(devnull)


def _rendered(args: argparse.Namespace, checked: list[Report], errors: list[tuple[str, str]],
              unused: Sequence[Accepted], config: Config, status: int) -> str:
    """The reports in the format ``args`` asks for."""
    if args.format == "json":
        from msatheory import __version__

        document = {"version": __version__, "status": status, "holds": status == 0,
                    "config": config.file,
                    "systems": [r.as_dict() for r in checked],
                    "errors": [{"file": file, "error": error} for file, error in errors],
                    "stale": [a.as_dict() for a in unused]}
        return json.dumps(document, ensure_ascii=False, indent=2) + "\n"
    if args.format == "sarif":
        from msatheory.check.sarif import sarif

        log = sarif(checked, errors, unused, status)
        return json.dumps(log, ensure_ascii=False, indent=2) + "\n"
    if args.format == "concise":
        return "".join(f"{line}\n" for report in checked for line in concise(report))
    if not checked:
        return ""
    if args.format == "html":
        from msatheory.check.html import page

        return page(checked, f"msatheory check: {', '.join(args.files)}")
    return "\n\n".join(f"{r:colour}" if _coloured(args.color) else str(r)
                       for r in checked) + "\n"


def _coloured(choice: str) -> bool:
    """Colour on a terminal only, unless NO_COLOR is set (https://no-color.org)."""
    if choice != "auto":
        return choice == "always"
    return sys.stdout.isatty() and not os.environ.get("NO_COLOR")


def _emit(text: str, status: int) -> int:
    """Write ``text`` to standard output and return ``status``, even when the reader has
    closed the pipe early (``| head -1``): the exit status still says what was found."""
    try:
        sys.stdout.write(text)
        sys.stdout.flush()
    except BrokenPipeError:
        _drop(sys.stdout)
    return status


def _exercises(args: argparse.Namespace) -> int:
    from msatheory.exercises import exercises
    from msatheory.exercises.catalogue import myst_page
    from msatheory.theory.render import grid

    posed = tuple(e for e in exercises() if args.chapter in (None, e.chapter))
    if args.format == "myst":
        print(myst_page(posed), end="")
        return 0
    rows = [(e.id, e.statement, e.kind, "*" * e.difficulty, e.title,
             e.lesson.removeprefix("notebooks/").removesuffix(".ipynb")) for e in posed]
    print(grid(("exercise", "statement", "kind", "level", "title", "lesson"), rows))
    return 0


def _grade(args: argparse.Namespace) -> int:
    try:
        import nbclient  # noqa: F401
    except ImportError:
        raise TheoryError("grading runs notebooks with nbclient, which is not installed: "
                          "pip install 'msatheory[lab]'") from None
    from msatheory.exercises.grade import grade, table

    rows = grade(args.submissions, limit=args.limit)
    print(table(rows, args.format), end="")
    return 0


def _examples(*lines: str) -> str:
    return "examples:\n" + "\n".join(f"  {line}" for line in lines)


class _Formatter(argparse.RawDescriptionHelpFormatter):
    """Descriptions wrapped paragraph by paragraph; the examples kept line by line."""

    def _fill_text(self, text: str, width: int, indent: str) -> str:
        if text.startswith("examples:"):
            return super()._fill_text(text, width, indent)
        return "\n\n".join(textwrap.fill(" ".join(p.split()), width, initial_indent=indent,
                                         subsequent_indent=indent)
                           for p in text.split("\n\n"))


def parser() -> argparse.ArgumentParser:
    """The command line's parser: every command and option, with its help and examples."""
    from msatheory import __version__

    formatter = _Formatter
    top = argparse.ArgumentParser(prog="msatheory", description=__doc__,
                                  formatter_class=formatter, epilog=_examples(
                                      "msatheory theory --chapter 3",
                                      "msatheory check architecture.yaml",
                                      "msatheory errata | less"))
    top.add_argument("--version", action="version", version=f"msatheory {__version__}",
                     help="print the version and exit (example: msatheory --version)")
    commands = top.add_subparsers(dest="command", required=True, metavar="COMMAND")

    def command(name: str, help: str, examples: tuple[str, ...],
                description: str | None = None) -> argparse.ArgumentParser:
        return commands.add_parser(name, help=help, description=description or help,
                                   formatter_class=formatter, epilog=_examples(*examples))

    def listing(name: str, help: str, examples: tuple[str, ...],
                myst: str) -> argparse.ArgumentParser:
        sub = command(name, help, examples)
        sub.add_argument("--format", choices=("text", "myst"), default="text",
                         help=f"text: a table for a terminal (the default); myst: {myst} "
                              "(example: --format myst)")
        return sub

    sub = listing("theory", "list the numbered statements",
                  ("msatheory theory", "msatheory theory --chapter 3"),
                  "the book's catalogue page")
    sub.add_argument("--chapter", type=int, choices=range(1, 9), metavar="1-8",
                     help="only the statements of this section of the theory (example: 3)")
    sub.set_defaults(run=_theory)
    sub = listing("errata", "run every erratum's counterexample",
                  ("msatheory errata", "msatheory errata --format myst > errata.md"),
                  "the book's errata index")
    sub.set_defaults(run=_errata)
    sub = command(
        "check", "check architecture, docker-compose or Kubernetes files",
        ("msatheory check architecture.yaml",
         "msatheory check docker-compose.yml docker-compose.prod.yml",
         "msatheory check deploy/ --select 'Axiom 1.1.1' --select 3 --ignore 8.2",
         "msatheory check k8s/ --format sarif > msatheory.sarif",
         "msatheory check architecture.yaml --format concise | head -1"),
        "Run every applicable checker of the catalogue on the systems the FILEs describe. "
        "A folder stands for its .yaml, .yml and .json files, and - for standard input. "
        "Kubernetes manifests given together are one system; compose files given together "
        "merge in order, as docker compose -f merges them; each architecture file is a "
        "system.\n\nSettings are read from .msatheory.yaml, or from [tool.msatheory] in "
        "pyproject.toml, in the working directory or the nearest directory above it: "
        "select, ignore, and accept (findings accepted with a reason; an accepted finding "
        "that no longer occurs is reported as stale). --select replaces the settings' "
        "select and overrides their ignore for what it names; --ignore adds to their "
        "ignore.\n\nExit status: 0 when every "
        "statement holds (accepted findings excepted), 1 when one is violated, 2 when a "
        "file or the settings are unusable.")
    sub.add_argument("files", nargs="+", metavar="FILE",
                     help="an architecture file, compose file, manifest or folder; "
                          "- for standard input (example: architecture.yaml)")
    sub.add_argument("--format", choices=("text", "concise", "json", "sarif", "html"),
                     default="text",
                     help="text: the report (the default); concise: one "
                          "file:line:col: statement: message line per finding, for editors; "
                          "json: one document for tools; sarif: SARIF 2.1.0 for code "
                          "scanning; html: one self-contained page "
                          "(example: --format sarif)")
    sub.add_argument("--select", action="append", default=[], metavar="STATEMENT",
                     help="check only these statements, replacing the settings' select: a "
                          "statement, a section or a chapter, repeated or comma-separated "
                          "(example: --select 'Axiom 1.1.1,3.2')")
    sub.add_argument("--ignore", action="append", default=[], metavar="STATEMENT",
                     help="do not check these statements, besides the settings' ignore "
                          "(example: --ignore 'Feature 1.2.4')")
    sub.add_argument("--config", metavar="PATH",
                     help="read the settings from this .msatheory.yaml or pyproject.toml "
                          "instead of looking for one (example: --config ci/msatheory.yaml)")
    sub.add_argument("--strict", action="store_true",
                     help="a stale acceptance fails the check (exit status 1), so that a "
                          "hook that shows output only on failure shows it "
                          "(example: msatheory check --strict deploy/)")
    sub.add_argument("--color", choices=("auto", "always", "never"), default="auto",
                     help="colour the text report's marks: auto (the default) colours on a "
                          "terminal unless NO_COLOR is set (example: --color never)")
    sub.add_argument("--as", dest="kind", choices=tuple(FORMATS),
                     help="read every FILE as this kind (default: detected; "
                          "example: --as kubernetes)")
    sub.add_argument("--each", action="store_true",
                     help="check every file as a system of its own "
                          "(example: msatheory check --each examples/)")
    sub.set_defaults(run=_check)
    sub = command("exercises", "list the exercises",
                  ("msatheory exercises", "msatheory exercises --chapter 3"))
    sub.add_argument("--format", choices=("text", "myst"), default="text",
                     help="text: a table for a terminal (the default); myst: the book's "
                          "exercises index (example: --format myst)")
    sub.add_argument("--chapter", type=int, choices=[*range(1, 9), 90], metavar="1-8|90",
                     help="only this chapter's exercises, 90 for the capstone (example: 3)")
    sub.set_defaults(run=_exercises)
    sub = listing("glossary", "list the terms, in English and Chinese",
                  ("msatheory glossary",), "the book's glossary page")
    sub.set_defaults(run=_glossary)
    sub = listing("course", "list the lessons with their minutes and exercises",
                  ("msatheory course",), "the book's course plan")
    sub.set_defaults(run=_course)
    sub = command(
        "grade", "grade submitted notebooks",
        ("msatheory grade submissions/*.ipynb > grades.csv",
         "msatheory grade alice.ipynb --format json --limit 120"),
        "Execute each SUBMISSION notebook in a fresh kernel and print one row per learner "
        "(the notebook's name) and exercise: passed, not yet, not run, or error when the "
        "notebook could not be graded.")
    sub.add_argument("submissions", nargs="+", metavar="SUBMISSION",
                     help="a learner's notebook (example: submissions/alice.ipynb)")
    sub.add_argument("--format", choices=("csv", "json"), default="csv",
                     help="csv (the default) or json (example: --format json)")
    sub.add_argument("--limit", type=float, default=300.0,
                     help="seconds each notebook may run (default 300; example: --limit 120)")
    sub.set_defaults(run=_grade)
    return top


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; return the exit status (2 for unusable input)."""
    args = parser().parse_args(argv)
    try:
        return args.run(args)
    except TheoryError as error:
        _warn(str(error))
        return 2
    except BrokenPipeError:  # the reader (e.g. `head`) of a listing stopped early
        _drop(sys.stdout)
        return 0


if __name__ == "__main__":
    sys.exit(main())
