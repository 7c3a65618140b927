"""The workspace's models, one concept per module, gathered here for imports and Alembic."""

from portal.workspace.models.goals import Goal, Measurement
from portal.workspace.models.measures import MEASURE_STATUSES, Measure, MeasureGoal
from portal.workspace.models.registers import BENEFIT_KINDS, Benefit, BenefitMeasure, Risk
from portal.workspace.models.reminders import SentReminder
from portal.workspace.models.templates import Template
from portal.workspace.models.workbooks import (
    NEXT_STATUSES,
    STATUSES,
    Comment,
    Item,
    SectionContent,
    Snapshot,
    Workbook,
)

__all__ = [
    "BENEFIT_KINDS",
    "MEASURE_STATUSES",
    "NEXT_STATUSES",
    "STATUSES",
    "Benefit",
    "BenefitMeasure",
    "Comment",
    "Goal",
    "Item",
    "Measure",
    "MeasureGoal",
    "Measurement",
    "Risk",
    "SectionContent",
    "SentReminder",
    "Snapshot",
    "Template",
    "Workbook",
]
