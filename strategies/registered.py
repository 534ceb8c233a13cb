"""Every module that registers a strategy in the requirement registry, imported.

``import strategies`` imports this module, so that ``registry.registered_strategies()``
(``ec2conformance/registry.py``) then lists every strategy: the invalid strategies of
:data:`strategies.invalid.INVALID`, the valid rows of :data:`strategies.valid.VALID_ROWS`,
and FUZZ-ORACLE's mixed stream (:func:`strategies.mixed.mixed_requests`).
"""

from ec2conformance.strategies import invalid as invalid
from ec2conformance.strategies import mixed as mixed
from ec2conformance.strategies import valid as valid
