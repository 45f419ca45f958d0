"""Turning a fitted model into decoded rows, with conditions met exactly."""
