"""Writes of the inspections app: draws, matching, visits."""
