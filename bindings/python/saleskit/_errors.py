"""The saleskit exception hierarchy and the one place native errors are translated."""

from __future__ import annotations

import contextlib
from typing import Dict, Iterator, Type

from . import _saleskit as _native

__all__ = [
    "Error",
    "InvalidArgumentError",
    "NotFoundError",
    "AlreadyExistsError",
    "FailedPreconditionError",
    "OutOfRangeError",
    "ResourceExhaustedError",
    "InternalError",
    "DataLossError",
    "CompileError",
    "EvaluationError",
]


class Error(Exception):
    """Base class of every error saleskit raises for a failed operation.

    Attributes:
        code: the status code name, e.g. ``"INVALID_ARGUMENT"`` (the names of
            ``absl::StatusCode``, which the C API's status values mirror).
        message: the full message; for a rejected batch it names each invalid
            record by index and line and the field at fault.
    """

    code: str = "UNKNOWN"

    def __init__(self, message: str, code: "str | None" = None) -> None:
        super().__init__(message)
        self.message = message
        if code is not None:
            self.code = code

    def __str__(self) -> str:
        return self.message


class InvalidArgumentError(Error, ValueError):
    """Invalid input: a malformed or rejected batch, a bad option, a clock moved backwards."""

    code = "INVALID_ARGUMENT"


class NotFoundError(Error, LookupError):
    """The named customer (or other record) does not exist."""

    code = "NOT_FOUND"


class AlreadyExistsError(Error):
    """Something with that name or id already exists."""

    code = "ALREADY_EXISTS"


class FailedPreconditionError(Error):
    """The engine is not in a state where the operation is allowed."""

    code = "FAILED_PRECONDITION"


class OutOfRangeError(Error, ValueError):
    """A value is outside the range saleskit supports."""

    code = "OUT_OF_RANGE"


class ResourceExhaustedError(Error):
    """A configured limit (size, depth, iterations, memory) was reached."""

    code = "RESOURCE_EXHAUSTED"


class InternalError(Error):
    """A bug in saleskit: please report it with the message."""

    code = "INTERNAL"


class DataLossError(Error):
    """Stored state is damaged or unreadable: a state file (Engine.open) that
    is not a saleskit file, is corrupt, or has an entry that does not replay.
    The message names the file, and the entry where it can."""

    code = "DATA_LOSS"


class CompileError(InvalidArgumentError):
    """A CEL expression that does not compile: a syntax, name or type error, a
    condition that is not bool, or an event window that is not a whole number
    of days or hours.

    The message has one line per problem, each ``ERROR: LINE:COLUMN: what``,
    with a ``(did you mean 'x'?)`` suggestion for a misspelt name. Expressions
    over the size or nesting limits raise ResourceExhaustedError instead.
    """


class EvaluationError(Error):
    """A CEL expression evaluated to an error value for a customer.

    For example comparing a field that was never set (``customer.employee_count
    < 10`` when the size is unknown), dividing by zero, or reading ``events.*``
    on a customer given as a dict. ``code`` is the error's status code name.
    As a condition, such an evaluation does not match: ``matches`` returns
    False instead of raising.
    """


# absl::StatusCode values.
_CODE_NAMES: Dict[int, str] = {
    1: "CANCELLED",
    2: "UNKNOWN",
    3: "INVALID_ARGUMENT",
    4: "DEADLINE_EXCEEDED",
    5: "NOT_FOUND",
    6: "ALREADY_EXISTS",
    7: "PERMISSION_DENIED",
    8: "RESOURCE_EXHAUSTED",
    9: "FAILED_PRECONDITION",
    10: "ABORTED",
    11: "OUT_OF_RANGE",
    12: "UNIMPLEMENTED",
    13: "INTERNAL",
    14: "UNAVAILABLE",
    15: "DATA_LOSS",
    16: "UNAUTHENTICATED",
}

_CLASSES: Dict[int, Type[Error]] = {
    3: InvalidArgumentError,
    5: NotFoundError,
    6: AlreadyExistsError,
    9: FailedPreconditionError,
    11: OutOfRangeError,
    8: ResourceExhaustedError,
    13: InternalError,
    15: DataLossError,
}


def error_from_status(code: int, message: str, compiling: bool = False) -> Error:
    """The saleskit.Error for a failed native status ``(code, message)``.

    With ``compiling`` (a CEL compile), INVALID_ARGUMENT is a CompileError.
    """
    cls = CompileError if compiling and code == 3 else _CLASSES.get(code, Error)
    return cls(message, _CODE_NAMES.get(code, "UNKNOWN"))


@contextlib.contextmanager
def translated(compiling: bool = False) -> Iterator[None]:
    """Runs a native call, turning its StatusError into the matching saleskit.Error
    and its EvaluationStatusError (a CEL error value) into EvaluationError.

    This is the only place native errors are translated; every call into
    ``_saleskit`` goes through it. ``compiling``: the call compiles CEL, so an
    invalid argument is a CompileError.
    """
    try:
        yield
    except _native.StatusError as e:
        code, message = e.args
        raise error_from_status(code, message, compiling) from None
    except _native.EvaluationStatusError as e:
        code, message = e.args
        raise EvaluationError(message, _CODE_NAMES.get(code, "UNKNOWN")) from None
