"""The care plan stage: findings from every engine joined into problems, actions, conflicts and limitations."""

from tailormed.plan.assemble import assemble_plan

__all__ = ["assemble_plan"]
