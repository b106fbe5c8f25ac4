"""Native core of saleskit. Private: use the `saleskit` package.

Every failing call raises StatusError(code, message), and a CEL error value
that reaches Python raises EvaluationStatusError(code, message); the package
translates both to saleskit.Error subclasses (saleskit/_errors.py).
"""

from typing import Any, Dict, List, Optional, Tuple, Union

__version__: str

class StatusError(Exception):
    """A failed absl::Status: ``args`` are ``(code, message)``, code an absl::StatusCode value."""


class EvaluationStatusError(Exception):
    """A CEL error value: ``args`` are ``(code, message)``, code an absl::StatusCode value."""

class TypeValue:
    """A CEL type value (``type(1)``, ``int``); exposed as saleskit.cel.Type."""

    @property
    def name(self) -> str:
        """The CEL type name: "int", "list", "saleskit.v1.Customer", ..."""
    def __eq__(self, other: object) -> bool: ...
    def __hash__(self) -> int: ...

# {"customer_fields": [...], "account_fields": [...], "windows": [(event_type, "day"|"hour", length)],
#  "last_event_types": [...], "reads_now": bool}
_Dependencies = Dict[str, Union[List[str], List[Tuple[str, str, int]], bool]]

class Expression:
    """A compiled CEL expression about customers: standalone or bound to an Engine."""

    @staticmethod
    def compile(source: str, condition: bool) -> Expression:
        """cel::CompileCustomerExpression (require_bool = condition). INVALID_ARGUMENT with
        "ERROR: LINE:COLUMN: ..." lines; RESOURCE_EXHAUSTED over the limits."""
    @property
    def source(self) -> str: ...
    @property
    def condition(self) -> bool:
        """Compiled with condition=True."""
    @property
    def bool_typed(self) -> bool:
        """The checked result type is bool (not dyn)."""
    @property
    def result_type(self) -> str:
        """The checked result type, as CEL prints it."""
    @property
    def bound(self) -> bool:
        """Compiled by an Engine."""
    def dependencies(self) -> _Dependencies: ...
    def evaluate_records(self, data: bytes, format: str, now_us: int, schema_json: Optional[str],
                         mode: str) -> Union[bytes, List[Any]]:
        """Parses customers (json or csv, as Engine.load) and evaluates each with a
        RecordCustomerActivation at now_us, without the GIL. mode "match": bytes, 1 per true row;
        "raise": values, EvaluationStatusError at the first error value; "none": errors as None.
        INVALID_ARGUMENT naming unparsable records."""

# (index, line, field, message, binary) for each rejected record.
_RecordErrorTuple = Tuple[int, int, str, str, bool]
# (received, inserted, updated, duplicates, skipped_unknown_customer, created_customers, rejected)
_ReportTuple = Tuple[int, int, int, int, int, int, List[_RecordErrorTuple]]

class Engine:
    """saleskit::Engine. Thread-safe; loads and reads release the GIL."""

    def __init__(self, dedup_horizon_us: int, start_us: int, outbox_max_attempts: int, outbox_retry_base_us: int,
                 outbox_retry_max_us: int) -> None:
        """INVALID_ARGUMENT for bad outbox options (max_attempts 0, 0 < retry_base <= retry_max broken)."""
    @staticmethod
    def open(path: str, dedup_horizon_us: int, start_us: int, outbox_max_attempts: int, outbox_retry_base_us: int,
             outbox_retry_max_us: int, durability: str, batch_records: int, batch_interval_us: int,
             checkpoint_every: int) -> "Engine":
        """Engine::Open on a state file; durability sync|batched. FAILED_PRECONDITION for a locked file or
        one of a newer saleskit, DATA_LOSS for a damaged one, INVALID_ARGUMENT for bad options."""
    def flush(self) -> None:
        """Engine::Flush: commits the pending journal entries (nothing for an in-memory engine)."""
    @property
    def acknowledged(self) -> int:
        """Engine::Acknowledged: committed journal entries (0 in memory)."""
    def checkpoint(self) -> None:
        """Engine::Checkpoint: the whole state as of the last entry; nothing for an in-memory engine."""
    @property
    def checkpoint_seq(self) -> int:
        """Engine::CheckpointSeq: the entry the checkpoint covers through (0: none)."""
    @property
    def durable(self) -> bool: ...
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
    def erase_customers(self, ids: list[str]) -> None: ...
    @property
    def customer_count(self) -> int: ...
    @property
    def now_us(self) -> int:
        """The engine clock in microseconds since the Unix epoch."""
    def advance_to_us(self, t_us: int) -> None:
        """Moves the clock forward. INVALID_ARGUMENT if t_us is before now."""
    def stats(self) -> Dict[str, int]: ...
    def compile(self, source: str, condition: bool) -> Expression:
        """Engine::Compile: bound to this engine, whose store keeps its windows from now on."""
    def evaluate(self, expression: Expression, id: str) -> Any:
        """Engine::Evaluate. FAILED_PRECONDITION for an expression another engine compiled,
        NOT_FOUND for an unknown id, EvaluationStatusError for an error value."""
    def match(self, expression: Expression) -> List[str]:
        """Engine::Match (columnar) for a bool condition; row by row for a dyn-typed one.
        Ids in order. FAILED_PRECONDITION for a non-condition or another engine's expression."""
    def define_playbook(self, json: str) -> None:
        """Engine::DefinePlaybook from saleskit.v1.Playbook JSON: all or nothing."""
    def playbook_json(self) -> str: ...
    def remove_segment(self, name: str) -> None: ...
    def segment_members(self, name: str) -> List[str]:
        """Sorted member ids. NOT_FOUND for an unknown segment."""
    def segment_count(self, name: str) -> int: ...
    def is_member(self, name: str, id: str) -> bool: ...
    def segment_changes(self, after: int, limit: int) -> Tuple[List[int], List[int], List[str], List[str], List[str]]:
        """Columns seq, at (µs since the epoch), segment, customer_id, kind of the records with seq > after (limit 0: all)."""
    def last_segment_change(self) -> int: ...
    def trim_segment_changes(self, through: int) -> None: ...
    def explain_segment(self, name: str, id: str) -> Tuple[bool, List[Tuple[int, str, Any, Optional[str]]]]:
        """(member, [(depth, clause text, value or None, error message or None)])."""
    def evaluate_segments(self) -> List[Tuple[str, List[str]]]:
        """Every segment from scratch (columnar): [(name, sorted member ids)] in dependency order."""
    def define_scores(self, json: str) -> None:
        """Engine::DefineScores from a JSON array of saleskit.v1.ScoreDef: all or nothing."""
    def remove_score(self, name: str) -> None:
        """NOT_FOUND if unknown; FAILED_PRECONDITION while a segment reads it."""
    def scores_json(self) -> str:
        """The definitions as saleskit.v1.Playbook JSON with only "scores", in definition order."""
    def score(self, name: str, id: str) -> Tuple[float, str]:
        """(value, grade) at now. NOT_FOUND for an unknown score or customer."""
    def score_values(self, name: str) -> Tuple[List[str], bytes, List[str]]:
        """Live values of one score: (ids sorted, float64 bytes, grades). NOT_FOUND for an unknown score."""
    def scores_table(self) -> Tuple[List[str], List[Tuple[str, bytes, List[str]]]]:
        """Every score's live values from one snapshot: (ids sorted, [(name, float64 bytes, grades)])."""
    def evaluate_scores(self) -> Tuple[List[str], List[Tuple[str, bytes]]]:
        """Every score from scratch: (ids sorted, [(name, float64 bytes in id order)]) in definition order."""
    def explain_score(self, name: str, id: str) -> Tuple[float, float, str, int, List[Tuple[str, bool, float, bool, List[Tuple[int, float, float, bool, Optional[int]]]]]]:
        """(value, unclamped, grade, now µs, [(rule, is_event, points, holds,
        [(at µs, points, full_points, over_maximum, expires µs or None)])])."""
    def score_crossings(self, after: int, limit: int) -> Tuple[List[int], List[int], List[str], List[str], List[str], List[float], List[str], List[float], List[str]]:
        """Columns seq, at (µs), score, customer_id, threshold, threshold_value, direction, value,
        promoted_to ("marketing_qualified", "" for none) of the crossings with seq > after (limit 0: all)."""
    def last_score_crossing(self) -> int: ...
    def trim_score_crossings(self, through: int) -> None: ...
    def poll_outbox_json(self, limit: int) -> str:
        """Engine::PollOutbox (limit 0: all) as the JSON array of saleskit_outbox_poll; the entries go in flight."""
    def ack_outbox(self, id: str) -> None:
        """NOT_FOUND for an unknown id; FAILED_PRECONDITION for a dead entry."""
    def ack_outbox_many(self, ids: list[str]) -> None:
        """Engine::AckOutbox of a batch: all or none, one journal entry."""
    def nack_outbox(self, id: str, error: str) -> None:
        """NOT_FOUND for an unknown id; FAILED_PRECONDITION for a done or dead entry."""
    def outbox_json(self, after: int, limit: int, state: str) -> str:
        """Entries with seq > after (limit 0: all) in state pending|done|dead ("" or "any": every state), as JSON."""
    def audit_json(self, after: int, limit: int, customer_id: str, rule: str) -> str:
        """Audit records with seq > after (limit 0: all), "" for any customer or rule, as saleskit_audit_query's JSON."""
    def trim_audit(self, through: int) -> None: ...
    def set_owner_available(self, owner_id: str, available: bool) -> None:
        """Engine::SetOwnerAvailable. NOT_FOUND for an owner not in the running playbook."""
    def tasks_json(self, customer_id: str, after: int, limit: int) -> str:
        """Tasks with seq > after (limit 0: all), oldest first ("" for every customer's), as saleskit_tasks' JSON."""
    def last_task(self) -> int: ...
    def trim_tasks(self, through: int) -> None: ...
    def rule_stats_json(self) -> str:
        """Decision counts per running rule, as saleskit_rule_stats' JSON."""
    def bind_model(self, model: "PredictiveModel") -> "LiveModel":
        """Engine::BindModel: compiles the model's feature expressions. Raises StatusError."""
    def predict_model(self, live: "LiveModel") -> Tuple[List[str], bytes]:
        """(customer ids in id order, native float64 probabilities bytes), from one snapshot."""
    def explain_prediction(self, live: "LiveModel", id: str, k: int) -> Dict[str, Any]:
        """Engine::ExplainPrediction as {customer_id, probability, log_odds, base_log_odds, top}."""

def format_from_path(path: str) -> str:
    """The canonical format name (protobuf, json, ndjson, csv) a file name's extension implies."""

def format_name(name: str) -> str:
    """The canonical format name for an alias (pb -> protobuf, jsonl -> ndjson)."""

def cohort_table_columns(data: bytes, period: str, periods: int, metric: str, cohort_event: str,
                         activity_event: str, convert_to: str, cumulative: bool) -> Tuple[List[str], bytes, bytes]:
    """A cohort table of an events CSV: (labels, sizes as native int64 bytes, values as
    native float64 bytes, row-major rows x periods, NaN past the data). Empty event
    types mean none. Raises StatusError."""

def rfm_columns(data: bytes, cutoff: str, cutoff_us: Optional[int],
                purchase_event: str) -> Tuple[List[str], List[str], bytes, bytes, bytes, bytes, bytes, bytes, bytes]:
    """RFM of an events CSV at a cutoff (text, or cutoff_us when not None): (customer ids,
    the segment names, then native bytes of int64 recency_days, int64 frequency, float64
    monetary, int8 r, f, m, and uint8 segment index into the names). Raises StatusError."""

# (feature source, categorical, categories) per feature.
_Encoding = Tuple[str, bool, List[str]]
# (cluster, feature, category or None, z, value) per distinguishing column.
_Distinction = Tuple[int, str, Optional[str], float, float]

def cluster_columns(customers: bytes, schema_json: Optional[str], events: Optional[bytes], features: List[str],
                    k: int, max_k: int, seed: int, restarts: int, now_us: Optional[int]
                    ) -> Tuple[int, bool, List[Tuple[int, float]], float, List[str], bytes, List[_Encoding], bytes,
                               bytes, List[_Distinction]]:
    """ClusterRecords on a customers CSV (and events CSV) with CEL features; k 0 chooses by
    silhouette. (k, k_chosen, silhouettes, inertia, customer ids, native int32 labels bytes,
    encodings, native int64 sizes bytes, native float64 centroids bytes (k rows; one column per
    numeric feature and per category, in feature order), distinguishing). Raises StatusError."""

def kmeans_matrix(x: Any, k: int, seed: int, restarts: int, max_iterations: int, tolerance: float,
                  init: str, local_trials: int) -> Tuple[bytes, bytes, float, int]:
    """KMeans on the rows of a C-contiguous float64 2-D numpy array, read in place, GIL released:
    (native int32 labels bytes, native float64 centroids bytes k x d row-major, inertia,
    iterations). init: "k-means++" or "random"; local_trials: k-means++ candidates per centre,
    0 for 2 + floor(ln k). Raises StatusError."""

# ---------------------------------------------------------------- predictive models

class Table:
    """saleskit::Table: columns for a predictive model."""
    @property
    def rows(self) -> int: ...
    @property
    def column_names(self) -> List[str]: ...

def table_from_columns(columns: List[Tuple[str, bool, Any]]) -> Table:
    """A Table from [(name, categorical, values)]: a C-contiguous float64 array (NaN missing;
    an infinity raises StatusError naming row and column), a list of str ("" missing), or
    (C-contiguous int64 codes, levels) with code -1 for missing."""

def table_from_csv(text: str, categorical: List[str], only: List[str]) -> Table:
    """ReadTableCsv: columns in `categorical` read as categories; when `only` is not empty,
    only those columns are kept. Raises StatusError naming line and column."""

class PredictiveModel:
    """saleskit::PredictiveModel: immutable, shareable across threads."""
    @staticmethod
    def load(data: bytes) -> "PredictiveModel": ...
    def to_binary(self) -> bytes: ...
    def to_json(self) -> str: ...
    @property
    def feature_names(self) -> List[str]: ...
    @property
    def categorical_feature_names(self) -> List[str]: ...
    @property
    def column_names(self) -> List[str]: ...
    @property
    def weights(self) -> List[float]: ...
    @property
    def intercept(self) -> float: ...
    @property
    def target(self) -> str: ...
    @property
    def positive(self) -> str: ...
    @property
    def negative(self) -> str: ...
    @property
    def l2(self) -> float: ...
    @property
    def balanced_class_weight(self) -> bool: ...
    @property
    def min_level_count(self) -> int: ...
    def predict(self, table: Table) -> Tuple[bytes, List[Dict[str, Any]]]:
        """(native float64 probabilities bytes, fallbacks per feature)."""
    def transform(self, table: Table) -> Tuple[bytes, int, int]:
        """(native float64 encoded matrix bytes row-major, rows, columns)."""
    def explain(self, table: Table, k: int) -> List[Dict[str, Any]]: ...
    def evaluate(self, table: Table) -> Tuple[str, List[Dict[str, Any]]]:
        """(metrics JSON, fallbacks per feature)."""

def train_model(table: Table, target: str, positive: str, exclude: List[str], test_fraction: float, seed: int,
                l2: float, balanced: bool, min_level_count: int, time_column: str
                ) -> Tuple[PredictiveModel, str, List[str], bytes, bytes]:
    """TrainPredictive: (model, held-out metrics JSON, warnings, native int64 train rows bytes,
    native int64 test rows bytes). Raises StatusError."""

def fit_model(table: Table, target: str, positive: str, exclude: List[str], l2: float, balanced: bool,
              min_level_count: int) -> Tuple[PredictiveModel, List[str]]:
    """FitPredictive on every row (no split): (model, warnings). Raises StatusError."""

class LiveModel:
    """A PredictiveModel bound to one Engine (saleskit::LiveModel)."""

def train_from_history(inputs: List[Tuple[str, bytes, str, Optional[str]]], options_json: str
                       ) -> Tuple[PredictiveModel, str, List[str], bytes, bytes]:
    """TrainFromHistory on [(kind, bytes, format, CSV schema JSON or None)] with the options JSON of
    saleskit_model_train_history: as train_model. Raises StatusError."""
