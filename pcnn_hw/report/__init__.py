"""Build report page (``pcnn-hw report``) and run-comparison plots (``pcnn-hw plot``)."""

from pcnn_hw.report.page import write_report

__all__ = ["write_report"]
