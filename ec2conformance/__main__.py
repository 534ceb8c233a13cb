"""``python -m ec2conformance``: the ``ec2-conformance`` command (:mod:`ec2conformance.cli`)."""

import sys

from ec2conformance.cli import main

sys.exit(main())
