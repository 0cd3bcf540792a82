"""Evaluation against gold: the onrecord gold format and the PTC (SemEval-2020 Task 11) format."""
