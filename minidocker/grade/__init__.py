"""Assignments that grade: exercises in nbgrader's format, their checks, the learners' copies and the
class autograder (cf. nbgrader: generate_assignment, autograde, feedback)."""
