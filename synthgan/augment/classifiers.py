"""The two downstream classifiers of the experiment: a weak one (logistic regression) and a strong one (LightGBM).

Both see the same feature frame. Logistic regression gets median imputation,
scaling and one-hot categories; LightGBM gets ordinal category codes and its own
missing-value handling. Neither touches global random state: LightGBM takes an
explicit ``random_state`` and runs single-threaded by default, which also makes
it deterministic.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from synthgan.errors import ConfigError

CLASSIFIERS = ("logreg", "lightgbm")
CLASSIFIER_LABELS = {"logreg": "logistic regression", "lightgbm": "LightGBM"}
MISSING = "__missing__"


@dataclass(frozen=True)
class FeatureKinds:
    """Which feature columns are numeric and which categorical."""

    numeric: tuple[str, ...]
    categorical: tuple[str, ...]

    @classmethod
    def infer(cls, features: pd.DataFrame) -> "FeatureKinds":
        numeric = tuple(c for c in features.columns
                        if pd.api.types.is_numeric_dtype(features[c]) and not pd.api.types.is_bool_dtype(features[c]))
        categorical = tuple(c for c in features.columns if c not in numeric)
        return cls(numeric=numeric, categorical=categorical)

    @property
    def columns(self) -> list[str]:
        return [*self.numeric, *self.categorical]


def canonical_features(features: pd.DataFrame, kinds: FeatureKinds) -> pd.DataFrame:
    """Numeric columns as float64, categorical ones as text with an explicit missing token.

    Real, resampled and synthetic rows all pass through here, so the encoders see
    one representation whatever dtype a generator returned.
    """
    out = pd.DataFrame(index=features.index)
    for column in kinds.numeric:
        out[column] = pd.to_numeric(features[column], errors="coerce").astype("float64")
    for column in kinds.categorical:
        text = features[column].astype("string").astype(object)
        out[column] = text.where(features[column].notna(), MISSING)
    return out


@dataclass
class Classifier:
    """A binary classifier over canonical features; ``predict_proba`` returns P(minority).

    Parameters
    ----------
    name : {"logreg", "lightgbm"}
    kinds : FeatureKinds
    seed : int
    n_jobs : int, default=1
    """

    name: str
    kinds: FeatureKinds
    seed: int
    n_jobs: int = 1
    pipeline_: object = field(default=None, init=False, repr=False)

    def _build(self):
        from sklearn.compose import ColumnTransformer
        from sklearn.impute import SimpleImputer
        from sklearn.pipeline import Pipeline
        from sklearn.preprocessing import OneHotEncoder, OrdinalEncoder, StandardScaler

        numeric, categorical = list(self.kinds.numeric), list(self.kinds.categorical)
        if self.name == "logreg":
            from sklearn.linear_model import LogisticRegression

            prep = ColumnTransformer([
                ("num", Pipeline([("impute", SimpleImputer(strategy="median")), ("scale", StandardScaler())]), numeric),
                ("cat", OneHotEncoder(handle_unknown="ignore", sparse_output=False), categorical),
            ])
            return Pipeline([("prep", prep), ("model", LogisticRegression(max_iter=2000))])
        if self.name == "lightgbm":
            from lightgbm import LGBMClassifier

            prep = ColumnTransformer(
                [("cat", OrdinalEncoder(handle_unknown="use_encoded_value", unknown_value=-1), categorical)],
                remainder="passthrough",
            )
            model = LGBMClassifier(n_estimators=300, learning_rate=0.05, num_leaves=31, subsample=0.8, subsample_freq=1,
                                   colsample_bytree=0.8, random_state=self.seed, n_jobs=self.n_jobs, verbose=-1)
            return Pipeline([("prep", prep), ("model", model)])
        raise ConfigError(f"unknown classifier '{self.name}'; choose from {', '.join(CLASSIFIERS)}")

    def fit(self, features: pd.DataFrame, y: np.ndarray, sample_weight: np.ndarray | None = None) -> "Classifier":
        """Fit on canonical ``features`` and 0/1 labels ``y`` (1 = minority)."""
        pipeline = self._build()
        params = {}
        if sample_weight is not None:
            params["model__sample_weight"] = sample_weight
        if self.name == "lightgbm" and self.kinds.categorical:
            # ColumnTransformer puts the encoded categories first.
            params["model__categorical_feature"] = list(range(len(self.kinds.categorical)))
        pipeline.fit(features[self.kinds.columns], y, **params)
        self.pipeline_ = pipeline
        return self

    def predict_proba(self, features: pd.DataFrame) -> np.ndarray:
        """P(minority) per row, float64."""
        return self.pipeline_.predict_proba(features[self.kinds.columns])[:, 1].astype("float64")
