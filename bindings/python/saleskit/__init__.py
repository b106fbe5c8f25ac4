"""saleskit: embeddable sales-automation logic.

>>> import saleskit
>>> eng = saleskit.Engine()
>>> eng.upsert_customers([{"id": "c1", "email": "ada@example.com", "lifecycle_stage": "lead"}]).inserted
1
>>> eng.get_customer("c1")["lifecycle_stage"]
'lead'

The package is pure Python over the private native module ``saleskit._saleskit``.
Every error the engine reports is raised as a subclass of ``saleskit.Error``.
CEL expressions about customers are in ``saleskit.cel``. Cohort tables and RFM
of an events table are ``saleskit.cohort_table`` and ``saleskit.rfm``;
k-means clusters of customers on CEL features are ``saleskit.cluster``, and
``saleskit.kmeans`` runs the same k-means on any numeric matrix. Predictive
scores (docs/predictive.md): ``saleskit.LogisticScorer``, a scikit-learn-style
estimator, and ``saleskit.train_model``, the train/evaluate pipeline of
``saleskit score train``, both giving a ``saleskit.PredictiveModel``;
``saleskit.train_from_history`` trains one on a CRM's own history, which
``Engine.bind_model``/``Engine.predict`` then use to score live customers.
"""

from . import _saleskit, cel
from ._engine import Engine, LoadReport, RecordError
from ._segment import cohort_table, rfm
from ._clusters import Clusters, KMeansResult, cluster, kmeans
from ._predictive import LogisticScorer, PredictiveModel, TrainResult, train_model
from ._history import train_from_history
from ._errors import (
    AlreadyExistsError,
    CompileError,
    DataLossError,
    Error,
    EvaluationError,
    FailedPreconditionError,
    InternalError,
    InvalidArgumentError,
    NotFoundError,
    OutOfRangeError,
    ResourceExhaustedError,
)

__version__: str = _saleskit.__version__

__all__ = [
    "Engine",
    "LoadReport",
    "RecordError",
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
    "cel",
    "cohort_table",
    "rfm",
    "Clusters",
    "KMeansResult",
    "cluster",
    "kmeans",
    "LogisticScorer",
    "PredictiveModel",
    "TrainResult",
    "train_model",
    "train_from_history",
    "__version__",
]
