"""Domain errors. The API turns them into 4xx JSON, the CLI into a message and exit code 2."""


class GapwatchError(Exception):
    """Base class: the message is written for the person who made the request."""

    status = 400


class Invalid(GapwatchError, ValueError):
    """The input breaks a rule; the message says which, in words a user can act on."""

    status = 400


class NotFound(GapwatchError):
    status = 404


class Conflict(GapwatchError):
    status = 409


class Unauthorized(GapwatchError):
    status = 401


class UnsupportedMediaType(GapwatchError):
    status = 415


class Forbidden(GapwatchError):
    status = 403
