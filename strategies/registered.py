"""Every module that registers a strategy in the requirement registry, imported.

``import strategies`` imports this module, so that ``registry.registered_strategies()``
(``ec2conformance/registry.py``) then lists every strategy: the invalid strategies of
:data:`strategies.invalid.INVALID`, the valid rows of :data:`strategies.valid.VALID_ROWS`,
and FUZZ-ORACLE's mixed stream (:func:`strategies.mixed.mixed_requests`).
"""

from strategies import invalid as invalid
from strategies import mixed as mixed
from strategies import valid as valid
