"""Tests written for mutants of cases/services that survived ``make mutation`` (docs/testing.md)."""
