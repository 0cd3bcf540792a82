"""The reliability suite (marked ``slow`` and ``reliability``): crashes, a full disk, concurrent
readers, property tests and a fuzz run. ``python -m tests.reliability`` (or ``make reliability``) runs it
and prints its figures: scenario, cases tried, failures, data lost, seconds."""
