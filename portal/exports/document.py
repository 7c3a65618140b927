"""The document model every renderer reads: one workbook (or snapshot) as plain data."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal

# Workbook sections that hold structured parts (the rest are prose, item lists or grids).
KIND_PROSE = "prose"
KIND_ITEMS = "items"
KIND_GRID = "grid"
KIND_GOALS = "goals"
KIND_MEASURES = "measures"
KIND_BENEFITS = "benefits"
KIND_RISKS = "risks"

MEASURE_STATUSES = ("planned", "in_progress", "done", "stopped")
WORKBOOK_STATUSES = ("draft", "review", "adopted", "revised")
BENEFIT_TYPES = ("efficiency", "quality", "others")


@dataclass
class DocMeasurement:
    date: date
    value: Decimal
    note: str = ""


@dataclass
class DocGoal:
    id: int
    title: str
    description: str = ""
    business_goal: str = ""
    unit: str = ""
    baseline: Decimal | None = None
    target: Decimal | None = None
    target_date: date | None = None
    owner: str = ""
    progress_pct: float | None = None
    measurements: list[DocMeasurement] = field(default_factory=list)


@dataclass
class DocMilestone:
    title: str
    date: date | None = None
    done: bool = False


@dataclass
class DocMeasure:
    id: int
    title: str
    description: str = ""
    owner: str = ""
    priority: int | None = None
    effect: int | None = None
    effort: int | None = None
    investment_nok: Decimal | None = None
    operating_nok: Decimal | None = None
    start: date | None = None
    end: date | None = None
    status: str = "planned"
    goal_ids: list[int] = field(default_factory=list)
    milestones: list[DocMilestone] = field(default_factory=list)


@dataclass
class DocBenefit:
    id: int
    description: str
    type: str = "efficiency"
    priced: bool = False
    amount_nok: Decimal | None = None
    owner: str = ""
    measure_ids: list[int] = field(default_factory=list)
    indicator: str = ""


@dataclass
class DocRisk:
    id: int
    description: str
    probability: int | None = None
    consequence: int | None = None
    mitigation: str = ""
    owner: str = ""

    @property
    def score(self) -> int | None:
        if self.probability is None or self.consequence is None:
            return None
        return self.probability * self.consequence


@dataclass
class DocBox:
    """One box of a grid (a SWOT quadrant) with its items."""

    title: str
    items: list[str] = field(default_factory=list)


@dataclass
class DocSection:
    key: str
    title: str
    kind: str = KIND_PROSE
    # The workspace's sanitised HTML and the Markdown it came from.
    prose_html: str = ""
    prose_markdown: str = ""
    items: list[str] = field(default_factory=list)
    boxes: list[DocBox] = field(default_factory=list)
    goals: list[DocGoal] = field(default_factory=list)
    measures: list[DocMeasure] = field(default_factory=list)
    benefits: list[DocBenefit] = field(default_factory=list)
    risks: list[DocRisk] = field(default_factory=list)

    @property
    def is_empty(self) -> bool:
        return not (
            self.prose_markdown.strip()
            or self.prose_html.strip()
            or self.items
            or any(box.items for box in self.boxes)
            or self.goals
            or self.measures
            or self.benefits
            or self.risks
        )


@dataclass
class Document:
    org_name: str
    title: str
    template_name: str
    period_from: int | None
    period_to: int | None
    status: str
    snapshot_name: str | None
    generated_at: datetime
    language: str = "nb"
    sections: list[DocSection] = field(default_factory=list)
    # Chart name → inline SVG drawn by the workspace (the dashboard's own charts).
    charts: dict[str, str] = field(default_factory=dict)

    @property
    def goals(self) -> list[DocGoal]:
        return [goal for section in self.sections for goal in section.goals]

    @property
    def measures(self) -> list[DocMeasure]:
        return [measure for section in self.sections for measure in section.measures]

    @property
    def benefits(self) -> list[DocBenefit]:
        return [benefit for section in self.sections for benefit in section.benefits]

    @property
    def risks(self) -> list[DocRisk]:
        return [risk for section in self.sections for risk in section.risks]

    @property
    def period(self) -> str:
        if self.period_from and self.period_to:
            return f"{self.period_from}–{self.period_to}"
        return str(self.period_from or self.period_to or "")
