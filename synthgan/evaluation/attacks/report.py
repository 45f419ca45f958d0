"""`synthgan privacy`: the attacks beside the distance-based privacy metrics, as JSON and HTML."""

from __future__ import annotations

import json
import os
from datetime import datetime, timezone
from importlib import resources
from pathlib import Path
from typing import Any

from synthgan.errors import ConfigError
from synthgan.io.tables import as_table

__all__ = ["privacy_report", "render_privacy"]


def render_privacy(result: dict[str, Any], *, title: str = "synthgan privacy report") -> str:
    """The report's self-contained HTML text."""
    import jinja2

    source = resources.files("synthgan.reports").joinpath("templates/privacy.html.j2").read_text(encoding="utf-8")
    env = jinja2.Environment(autoescape=True, undefined=jinja2.StrictUndefined, trim_blocks=True, lstrip_blocks=True)
    attacks = [("singling out", result["attacks"]["singling_out"]), ("linkability", result["attacks"]["linkability"])]
    attacks += [(f"attribute inference: {s}", a) for s, a in result["attacks"]["attribute_inference"].items()]
    return env.from_string(source).render(title=title, result=result, attacks=attacks,
                                          generated=datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC"))


def privacy_report(train: Any, synthetic: Any, holdout: Any, *, secret: str | list[str] | None = None,
                   n_attacks: int = 5_000, seed: int = 0, json_path: str | os.PathLike | None = None,
                   html_path: str | os.PathLike | None = None, title: str | None = None) -> dict[str, Any]:
    """Run the attacks and the privacy metrics; optionally write JSON and HTML (checked first, written atomically).

    Returns ``{"attacks": {...}, "metrics": {name: value}, "verdict": sentence, "alarms": [...],
    "meta": {...}}``; each attack has ``risk``, ``ci_low``, ``ci_high`` and ``verdict`` (see
    :func:`synthgan.evaluation.attacks.privacy_attacks`).
    """
    from synthgan.evaluation import evaluate
    from synthgan.evaluation.attacks.suite import privacy_attacks
    from synthgan.io.atomic import atomic_path, check_output_path

    for path, what in ((json_path, "privacy JSON"), (html_path, "privacy HTML")):
        if path is not None:
            check_output_path(path, what=what)
    if holdout is None:
        raise ConfigError("privacy needs --holdout: real rows the generator never saw, the control of every attack")
    frames = {name: as_table(t, name) for name, t in (("train", train), ("synthetic", synthetic), ("holdout", holdout))}
    secrets = [secret] if isinstance(secret, str) else list(secret or [])
    attacks = privacy_attacks(frames["train"], frames["synthetic"], frames["holdout"], secret=secrets,
                              n_attacks=n_attacks, seed=seed)
    columns = list(frames["train"].columns)
    metrics = evaluate(frames["train"], frames["synthetic"][columns], holdout=frames["holdout"][columns],
                       sensitive=secrets or None, seed=seed, metrics="privacy")
    summary = metrics.summary()
    result = {
        "attacks": attacks,
        "metrics": {name: entry.get("value") for name, entry in metrics.metrics.get("privacy", {}).items()},
        "verdict": summary["verdicts"].get("privacy"),
        "alarms": summary["alarms"],
        "meta": {"rows": {k: int(len(v)) for k, v in frames.items()}, "secret": secrets, "n_attacks": n_attacks,
                 "seed": seed},
    }
    texts = {}
    if json_path is not None:
        texts[json_path] = json.dumps(result, indent=2, default=str) + "\n"
    if html_path is not None:
        texts[html_path] = render_privacy(result, title=title or "synthgan privacy report")
    for path, text in texts.items():
        with atomic_path(path, what="privacy report") as tmp:
            Path(tmp).write_text(text, encoding="utf-8")
    return result
