"""Hypothesis strategies for ImportInstance requests (see README.md in this folder).

Importing the package registers the suite's Hypothesis profiles (:mod:`strategies.profiles`)
and every strategy in the requirement registry (:mod:`strategies.registered`).
"""

from ec2conformance.strategies import profiles as profiles
from ec2conformance.strategies import registered as registered
