"""Checking real systems against the theory: architecture files, importers and reports.

:func:`load` reads an architecture file (:mod:`.document`), a docker-compose file
(:mod:`.compose`) or Kubernetes manifests (:mod:`.kubernetes`) into a :class:`System`;
:func:`systems` reads several files, folders or standard input and groups them into
systems as the tools that deploy them would; :func:`check_system` runs every applicable
checker of the catalogue on a system (:mod:`.report`). ``msatheory check FILE...`` does
all of it from the command line.
"""

from pathlib import Path

from msatheory.check.compose import import_compose, import_compose_files
from msatheory.check.document import SCHEMA, load_architecture, system_from_document
from msatheory.check.formats import FORMATS, build, detect, load, systems
from msatheory.check.kubernetes import import_kubernetes
from msatheory.check.report import Report, check_system
from msatheory.check.source import Source, parse, read
from msatheory.check.system import Deployed, Finding, Inference, System

__all__ = [
    "EXAMPLES",
    "FORMATS",
    "SCHEMA",
    "Deployed",
    "Finding",
    "Inference",
    "Report",
    "Source",
    "System",
    "build",
    "check_system",
    "check_text",
    "detect",
    "import_compose",
    "import_compose_files",
    "import_kubernetes",
    "load",
    "load_architecture",
    "parse",
    "read",
    "system_from_document",
    "systems",
]

#: The example architectures, compose file and manifests written for the workbook.
EXAMPLES = Path(__file__).parent / "examples"


def check_text(text: str, name: str = "architecture.yaml") -> Report:
    """Check an architecture file given as text (YAML, or JSON when ``name`` ends in .json)."""
    return check_system(build(parse(text, name, as_json=name.lower().endswith(".json"))))
