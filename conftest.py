"""Table of contents of the conformance suite: the plugin that does the work.

``pytest.ini`` also loads it early (``-p ec2conformance.plugin``), so its options are known
even when an option's value looks like a path (``--reports-dir /tmp/x``).
"""

pytest_plugins = ["ec2conformance.plugin"]
