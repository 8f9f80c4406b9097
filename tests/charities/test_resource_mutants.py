"""Tests written for mutants of charities/services/resources.py that survived ``make mutation`` (docs/testing.md)."""
