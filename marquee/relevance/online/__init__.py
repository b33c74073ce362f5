"""Online experiments (A/B and team-draft interleaving): the use cases, power analysis, reports and statistics
(issue 17). Serving's side (assignment, merging) is ``search/experiments.py`` and ``search/experiment_serving.py``;
the store is ``storage/experiments.py``."""
