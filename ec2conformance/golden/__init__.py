"""The contract's data in ``golden/``, and the judgements that are pure functions of it.

Loaders (:mod:`ec2conformance.golden.loaders`; each cached, each returning read-only views
of one file):

- :func:`requirements`: every requirement of the contract (``requirements.json``).
- :func:`catalogue`: the error codes of the contract version (``error-catalogue.json``).
- :func:`model`: what the contract takes from botocore 1.44.8's EC2 model (``model.json``).
- :func:`domain`: value syntax, limits and the valid domain of a request (``domain.json``).
- :func:`ec2_api`: EC2's published API versions and action names (``ec2-api.json``).
- :func:`golden_response` and :func:`error_envelope`: the golden XML documents.
- :func:`load_json`: any data file of ``golden/``.

Normalisation (:mod:`ec2conformance.golden.rules`):

- :func:`normalisation`: how a success body is compared with the golden response
  (``normalisation.json``), and :data:`COMPARE_REQUIREMENTS`, the requirements the
  comparison judges, derived from that file.

Judgements:

- :func:`compare_success` (:mod:`ec2conformance.golden.comparison`): a success body against
  the golden response, with xmldiff for the order (the requirements of
  :data:`COMPARE_REQUIREMENTS`).
- :func:`status_findings` (:mod:`ec2conformance.golden.status`): an error's code and status
  against the catalogue (ERR-CODE-KNOWN, ERR-STATUS-MATCHES, ERR-STATUS-DOCUMENTED).

Nothing here imports the registry, the checks, the plugin, the cases or the strategies.
"""

from ec2conformance.golden.comparison import (
    Difference,
    DifferenceKind,
    compare_success,
    render_differences,
)
from ec2conformance.golden.loaders import (
    Alternative,
    CatalogueEntry,
    Requirement,
    Variant,
    catalogue,
    domain,
    ec2_api,
    error_envelope,
    golden_response,
    load_json,
    model,
    requirements,
)
from ec2conformance.golden.rules import COMPARE_REQUIREMENTS, Normalisation, Rule, normalisation
from ec2conformance.golden.status import status_findings

__all__ = [
    "COMPARE_REQUIREMENTS",
    "Alternative",
    "CatalogueEntry",
    "Difference",
    "DifferenceKind",
    "Normalisation",
    "Requirement",
    "Rule",
    "Variant",
    "catalogue",
    "compare_success",
    "domain",
    "ec2_api",
    "error_envelope",
    "golden_response",
    "load_json",
    "model",
    "normalisation",
    "render_differences",
    "requirements",
    "status_findings",
]
