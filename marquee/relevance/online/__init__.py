"""Online experiments (A/B and interleaving): statistics now; store, assignment and reports to follow (issue 17)."""
