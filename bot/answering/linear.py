"""A learned linear model read from a small versioned JSON file: named features, weights, a
bias and the decision threshold chosen with it. Scoring needs only this module; fitting is in
``training.learn`` (``python -m training.learn``), which writes the files."""

from __future__ import annotations

import json
import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from index.errors import DocbotError

WEIGHTS = Path(__file__).parent / "weights"


class ModelFileError(DocbotError):
    def __init__(self, path: Path, reason: str) -> None:
        super().__init__(
            f"Cannot read the learned weights {path} ({reason}): reinstall docbot, or rebuild "
            "them in a docbot checkout with: python -m training.learn"
        )


@dataclass(frozen=True)
class LinearModel:
    name: str
    weights: Mapping[str, float]
    bias: float
    threshold: float = 0.5  # on the probability
    about: Mapping[str, object] = field(default_factory=dict)
    # thresholds of their own for kinds of input ("technical" text), else ``threshold``
    thresholds: Mapping[str, float] = field(default_factory=dict)

    def threshold_for(self, kind: str) -> float:
        return self.thresholds.get(kind, self.threshold)

    def logit(self, features: Mapping[str, float]) -> float:
        w = self.weights
        return self.bias + sum(v * w[k] for k, v in features.items() if k in w)

    def probability(self, features: Mapping[str, float]) -> float:
        z = self.logit(features)
        return 1.0 / (1.0 + math.exp(-z)) if z > -60 else 0.0

    def to_json(self) -> str:
        body = {
            "name": self.name,
            "bias": round(self.bias, 6),
            "threshold": round(self.threshold, 4),
            **(
                {"thresholds": {k: round(v, 4) for k, v in self.thresholds.items()}}
                if self.thresholds
                else {}
            ),
            "about": dict(self.about),
            "weights": {k: round(v, 6) for k, v in sorted(self.weights.items()) if round(v, 6)},
        }
        return json.dumps(body, indent=1, sort_keys=False) + "\n"

    @classmethod
    def load(cls, path: Path) -> LinearModel:
        try:
            body = json.loads(path.read_text(encoding="utf-8"))
            return cls(
                name=str(body["name"]),
                weights={str(k): float(v) for k, v in body["weights"].items()},
                bias=float(body["bias"]),
                threshold=float(body["threshold"]),
                about=dict(body.get("about", {})),
                thresholds={str(k): float(v) for k, v in body.get("thresholds", {}).items()},
            )
        except (OSError, ValueError, KeyError, TypeError, AttributeError) as exc:
            raise ModelFileError(path, f"{type(exc).__name__}: {exc}") from exc
