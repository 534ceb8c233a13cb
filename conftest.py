"""Table of contents of the conformance suite: the plugin that does the work."""

pytest_plugins = ["ec2conformance.plugin"]
