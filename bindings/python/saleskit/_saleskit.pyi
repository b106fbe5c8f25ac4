"""Native core of saleskit. Private: use the `saleskit` package.

Every failing call raises StatusError(code, message); the package translates
it to a saleskit.Error subclass (saleskit/_errors.py).
"""

from typing import Dict, List, Optional, Tuple

__version__: str

class StatusError(Exception):
    """A failed absl::Status: ``args`` are ``(code, message)``, code an absl::StatusCode value."""


# (index, line, field, message, binary) for each rejected record.
_RecordErrorTuple = Tuple[int, int, str, str, bool]
# (received, inserted, updated, duplicates, skipped_unknown_customer, created_customers, rejected)
_ReportTuple = Tuple[int, int, int, int, int, int, List[_RecordErrorTuple]]

class Engine:
    """saleskit::Engine. Thread-safe; loads and reads release the GIL."""

    def __init__(self, dedup_horizon_us: int, start_us: int) -> None: ...
    def load(
        self,
        kind: str,
        data: bytes,
        format: str,
        on_invalid: str,
        unknown_customer: str,
        ignore_unknown_fields: bool,
        schema_json: Optional[str],
    ) -> _ReportTuple:
        """Engine::Load. kind: customers|events|accounts|deals; format: a ParseFormat name;
        on_invalid: reject|skip; unknown_customer: error|skip|create; schema_json: ParseCsvSchema text."""
    def get_customer_json(self, id: str) -> str:
        """The customer as protobuf JSON (snake_case). NOT_FOUND if unknown."""
    def get_activity_json(self, id: str) -> str:
        """The customer's event summaries as protobuf JSON (CustomerActivity). NOT_FOUND if unknown."""
    def erase_customer(self, id: str) -> None: ...
    @property
    def customer_count(self) -> int: ...
    @property
    def now_us(self) -> int:
        """The engine clock in microseconds since the Unix epoch."""
    def advance_to_us(self, t_us: int) -> None:
        """Moves the clock forward. INVALID_ARGUMENT if t_us is before now."""
    def stats(self) -> Dict[str, int]: ...

def format_from_path(path: str) -> str:
    """The canonical format name (protobuf, json, ndjson, csv) a file name's extension implies."""

def format_name(name: str) -> str:
    """The canonical format name for an alias (pb -> protobuf, jsonl -> ndjson)."""
