"""Ranking a decision's options by the patient's own weights: a transparent weighted sum, safety first.

score(option) = sum over criteria c of w_c * a_c(option), with the weights ``w`` scaled to sum to 1 and the
attribute scores ``a`` in [0, 1] (higher is better; see :mod:`tailormed.plan.decisions` for how they are made).
Options with a safety contraindication are ranked after every option without one, whatever their score:
preferences choose among safe options, never between safety and preference. When the weights alone would
have put a contraindicated option first, the decision's ``safety_note`` says so. The ``sensitivity_note``
says when the first option changes if any one weight moves by ``step`` (then rescaled to sum to 1).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from tailormed.model.careplan import Decision, Option

CRITERIA = ("efficacy", "side_effects", "cost", "convenience")
SENSITIVITY_STEP = 0.1
_LABELS = {"efficacy": "benefit", "side_effects": "side effects", "cost": "cost", "convenience": "convenience"}


def normalize(weights: Mapping[str, float]) -> dict[str, float]:
    """Weights over :data:`CRITERIA` scaled to sum to 1; missing criteria count 0."""
    raw = {c: max(0.0, float(weights.get(c, 0.0))) for c in CRITERIA}
    total = sum(raw.values())
    if total <= 0:
        raise ValueError("at least one weight must be above zero")
    return {c: v / total for c, v in raw.items()}


def score(option: Option, weights: Mapping[str, float]) -> float:
    return sum(w * option.attributes.get(c, 0.0) for c, w in weights.items())


def order(options: Sequence[Option], weights: Mapping[str, float]) -> list[Option]:
    """Options best first: safe options by score, then contraindicated ones by score; ties keep the listed order."""
    position = {o.id: i for i, o in enumerate(options)}
    return sorted(options, key=lambda o: (o.contraindicated, -round(score(o, weights), 12), position[o.id]))


def rank(decision: Decision, weights: Mapping[str, float]) -> Decision:
    """``decision`` with scores, ranking, the weights used and its safety and sensitivity notes."""
    used = normalize(weights)
    scored = [o.model_copy(update={"score": round(score(o, used), 4)}) for o in decision.options]
    ranked = order(scored, used)
    return decision.model_copy(
        update={
            "options": scored,
            "weights": {c: round(w, 4) for c, w in used.items()},
            "ranking": [o.id for o in ranked],
            "safety_note": _safety_note(scored, used),
            "sensitivity_note": sensitivity_note(scored, used),
        }
    )


def _safety_note(options: Sequence[Option], weights: Mapping[str, float]) -> str | None:
    if not options:
        return None
    position = {o.id: i for i, o in enumerate(options)}
    preferred = min(options, key=lambda o: (-round(score(o, weights), 12), position[o.id]))
    if all(o.contraindicated for o in options):
        return (
            "Every option here has a safety reason against it for you; they are ranked by your priorities "
            "only so you can talk them through with your clinician."
        )
    if not preferred.contraindicated:
        return None
    return (
        f"Your priorities alone would rank '{preferred.title}' first, but it is not advised for you: "
        f"{preferred.contraindication_reason} It is ranked after the safe options; preferences never override "
        "a safety reason."
    )


def sensitivity_note(
    options: Sequence[Option], weights: Mapping[str, float], step: float = SENSITIVITY_STEP
) -> str | None:
    """Which small change of one weight (by ``step``, rescaled) would put another safe option first, if any."""
    safe = [o for o in options if not o.contraindicated]
    if len(safe) < 2:
        return None
    top = order(safe, weights)[0]
    flips: list[str] = []
    for criterion in CRITERIA:
        for delta in (step, -step):
            changed = dict(weights)
            changed[criterion] = max(0.0, weights[criterion] + delta)
            if sum(changed.values()) <= 0 or changed[criterion] == weights[criterion]:
                continue
            moved = normalize(changed)
            first = order(safe, moved)[0]
            if first.id != top.id:
                direction = "more" if delta > 0 else "less"
                flips.append(
                    f"if {_LABELS[criterion]} mattered a little {direction} to you (weight "
                    f"{weights[criterion]:.2f} -> {moved[criterion]:.2f}), '{first.title}' would come first"
                )
    if not flips:
        return None
    return f"A close call: '{top.title}' comes first with your weights, but " + "; ".join(flips) + "."
