"""Tests written for mutants of matching/services.py that survived ``make mutation`` (docs/testing.md)."""
