"""Human-readable reports of an evaluation: one self-contained HTML file with inline figures."""

from __future__ import annotations

from synthgan.reports.html import render_report, write_report

__all__ = ["render_report", "write_report"]
