"""The version of Gapwatch (the package's, in pyproject.toml too), apart from the app factory so that
reading it loads nothing else."""

__version__ = "0.1.0"
