"""Hypothesis strategies for ImportInstance requests (see README.md in this folder).

Importing the package registers the suite's Hypothesis profiles.
"""

from strategies import profiles as profiles
