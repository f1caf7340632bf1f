"""The classifiers' errors, importable without numpy or torch (the CLI catches them)."""


class ClassifierError(Exception):
    """Base: the message says what is wrong and what to do."""


class ModelError(ClassifierError, RuntimeError):
    """The model cannot be used (missing, tampered with, unreachable)."""


class TaxonomyError(ClassifierError, ValueError):
    """The taxonomy cannot be used; the message names the attribute and the problem."""


class DataError(ClassifierError, ValueError):
    """A labelled file cannot be read; the message has the line number."""
