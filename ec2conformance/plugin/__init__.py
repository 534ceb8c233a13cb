"""The suite's pytest plugin, in seven parts (each a pytest plugin module of its own):

- :mod:`~ec2conformance.plugin.options`: the command-line options and their checks;
- :mod:`~ec2conformance.plugin.setup`: start-up: the target (starting the embedded reference
  endpoint when no ``--endpoint`` is given), waivers, baseline, or a ``not-run`` stop;
- :mod:`~ec2conformance.plugin.fixtures`: what tests receive (``target``, ``client``,
  ``judge``, ``sdk_client``, ``fuzz``);
- :mod:`~ec2conformance.plugin.outcomes`: each test's outcome as findings, then the verdict,
  the exit status, ``reports/`` and the terminal summary;
- :mod:`~ec2conformance.plugin.health`: a target that stopped answering ends the run early
  (the rest skipped with the reason, FUZZ-NO-SERVER-ERROR failed);
- :mod:`~ec2conformance.plugin.parallel`: parallel runs (pytest-xdist ``-n``): the workers
  judge, the controller merges their findings and reports;
- :mod:`~ec2conformance.plugin.allure_labels`: what the HTML report shows of each test
  (title, labels, link, exchanges as steps) and the run's environment.

Loaded by ``pytest.ini`` (``-p ec2conformance.plugin``, early, so that option values that look
like paths parse) and by the repository's ``conftest.py``. Everything a run keeps lives in
:class:`ec2conformance.state.RunState`, in ``config.stash``.

At the interpreter's exit the heap of a finished run is frozen (``gc.freeze``), not collected:
by then every report is written and closed, and a full collection of the objects a run
leaves (Hypothesis's, the exchanges', pytest's) cost 0.2-0.4 s a process, paid once by a
single run and on the critical path of a parallel one (each worker's exit, then the
controller's). Python does not promise finalizers at exit, and nothing here relies on them.
"""

import atexit
import gc

atexit.register(gc.freeze)

pytest_plugins = [
    "ec2conformance.plugin.options",
    "ec2conformance.plugin.setup",
    "ec2conformance.plugin.fixtures",
    "ec2conformance.plugin.outcomes",
    "ec2conformance.plugin.health",
    "ec2conformance.plugin.parallel",
    "ec2conformance.plugin.allure_labels",
]
