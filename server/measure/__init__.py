"""Measuring perception: pre-aggregated counts (``rollups``), the metrics and their intervals,
the error-rate adjustment, the audit and drift of the classifier, perception against declared
positioning and competitors, and the language gap."""
