"""Hand-made documents for the renderer tests: empty, full of awkward text, and large."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal

from portal.exports.document import (
    KIND_BENEFITS,
    KIND_GOALS,
    KIND_GRID,
    KIND_ITEMS,
    KIND_MEASURES,
    KIND_RISKS,
    DocBenefit,
    DocBox,
    DocGoal,
    DocMeasure,
    DocMeasurement,
    DocMilestone,
    DocRisk,
    DocSection,
    Document,
)

GENERATED = datetime(2026, 12, 2, 10, 30, tzinfo=UTC)
RTL = "אסטרטגיה דיגיטלית"  # Hebrew: "digital strategy"
ARABIC = "استراتيجية رقمية"
FORMULAS = ["=HYPERLINK(\"http://evil.example\",\"klikk\")", "+47 22 33 44 55", "-1+1",
            "@SUM(A1:A2)", "\tTabulator først", "\rRetur først"]  # fmt: skip
SVG = (
    '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 200 40" role="img">'
    '<title>Fremdrift</title><rect width="120" height="20" fill="#1e5b4f"/>'
    '<text x="4" y="34">Måloppnåelse ÆØÅ 60 %</text></svg>'
)


def empty_document(language: str = "nb") -> Document:
    return Document(
        org_name="Tom AS",
        title="Tom arbeidsbok",
        template_name="Handlingsplan",
        period_from=None,
        period_to=None,
        status="draft",
        snapshot_name=None,
        generated_at=GENERATED,
        language=language,
    )


def full_document(language: str = "nb") -> Document:
    goals = [
        DocGoal(
            id=101,
            title="Økt selvbetjening på nett 🚀",
            description="Flere søknader sendes digitalt; færre på papir.",
            business_goal="Bedre tjenester for innbyggerne i Ålesund",
            unit="%",
            baseline=Decimal("35"),
            target=Decimal("80.5"),
            target_date=date(2028, 12, 31),
            owner="Åse Ødegård",
            progress_pct=60.0,
            measurements=[
                DocMeasurement(date(2026, 3, 1), Decimal("42.5"), "Første måling"),
                DocMeasurement(date(2026, 9, 1), Decimal("62"), FORMULAS[0]),
            ],
        ),
        DocGoal(
            id=102,
            title=RTL,
            description=ARABIC,
            owner="../../etc/passwd",
            unit="antall",
            baseline=Decimal(0),
            target=Decimal(10),
        ),  # fmt: skip
    ]
    measures = [
        DocMeasure(
            id=201,
            title="Ny søknadsløsning for byggesak",
            description="Innføre digital søknad med veiledning.",
            owner="Bjørn Æsland",
            priority=1,
            effect=5,
            effort=3,
            investment_nok=Decimal("1250000"),
            operating_nok=Decimal("180000"),
            start=date(2026, 1, 15),
            end=date(2027, 6, 30),
            status="in_progress",
            goal_ids=[101],
            milestones=[DocMilestone("Anskaffelse ferdig", date(2026, 5, 1), True)],
        ),
        *[
            DocMeasure(
                id=202 + n,
                title=text,
                description=text,
                owner=text,
                status="planned",
                effect=2,
                effort=4,
                goal_ids=[101, 102],
            )  # fmt: skip
            for n, text in enumerate(FORMULAS)
        ],
    ]
    return Document(
        org_name="Fjellø & Sønn AS",
        title="IKT-strategi 2026–2029 for Ærø ../../x",
        template_name="IKT-strategi / digital strategi",
        period_from=2026,
        period_to=2029,
        status="adopted",
        snapshot_name="Vedtatt i styret 1. desember",
        generated_at=GENERATED,
        language=language,
        sections=[
            DocSection(
                key="mandate",
                title="Mandat og kobling til virksomhetsstrategien",
                prose_html="<p>Strategien skal støtte <strong>virksomhetens mål</strong> om "
                "bedre tjenester.</p><script>alert(1)</script>"
                '<p><img src="http://169.254.169.254/latest"> Bilde</p>',
                prose_markdown="Strategien skal støtte **virksomhetens mål** om bedre "
                "tjenester.\n\n- Første punkt\n- Andre punkt",
            ),
            DocSection(
                key="choices",
                title="Veivalg",
                kind=KIND_ITEMS,
                items=["Skyen først", "Felles løsninger før egne", RTL],
            ),  # fmt: skip
            DocSection(
                key="swot",
                title="SWOT",
                kind=KIND_GRID,
                boxes=[
                    DocBox("Styrker", ["Kompetente ansatte"]),
                    DocBox("Svakheter", ["Gamle fagsystemer"]),
                    DocBox("Muligheter", []),
                    DocBox("Trusler", ["Løsepengevirus"]),
                ],
            ),
            DocSection(key="goals", title="Digitale mål", kind=KIND_GOALS, goals=goals),
            DocSection(
                key="measures",
                title="Tiltak og handlingsplan",
                kind=KIND_MEASURES,
                measures=measures,
            ),  # fmt: skip
            DocSection(
                key="benefits",
                title="Gevinstrealisering",
                kind=KIND_BENEFITS,
                benefits=[
                    DocBenefit(
                        id=301,
                        description="Spart saksbehandlingstid",
                        type="efficiency",
                        priced=True,
                        amount_nok=Decimal("400000"),
                        owner="Økonomisjef",
                        measure_ids=[201],
                        indicator="Timer per sak",
                    ),  # fmt: skip
                    DocBenefit(id=302, description="Færre feil i søknader", type="quality"),
                ],
            ),
            DocSection(
                key="risks",
                title="Risikoer",
                kind=KIND_RISKS,
                risks=[
                    DocRisk(
                        id=401,
                        description="Leverandøren blir forsinket",
                        probability=3,
                        consequence=4,
                        mitigation="Tett oppfølging",
                        owner="Prosjektleder",
                    )
                ],  # fmt: skip
            ),
            DocSection(key="governance", title="Styring og årlig revisjon"),
        ],
        charts={"goal_progress": SVG},
    )


def sized_document(goals: int, measures: int) -> Document:
    """A document of a given size (benchmarks, and the 500-measure case)."""
    doc = full_document()
    doc.sections[3].goals = [
        DocGoal(
            id=1000 + n,
            title=f"Mål {n} for økt digitalisering",
            unit="%",
            baseline=Decimal(n),
            target=Decimal(100),
            owner="Åse",
            progress_pct=n % 100,
            measurements=[DocMeasurement(date(2026, 1 + m, 1), Decimal(m * 5)) for m in range(6)],
        )  # fmt: skip
        for n in range(goals)
    ]
    doc.sections[4].measures = [
        DocMeasure(
            id=5000 + n,
            title=f"Tiltak {n}: innføre løsning for område {n % 17}",
            description="Beskrivelse med æøå " * 4,
            owner="Ørjan",
            priority=n % 5 + 1,
            effect=n % 5 + 1,
            effort=(n + 2) % 5 + 1,
            investment_nok=Decimal(n * 1000),
            operating_nok=Decimal(n * 100),
            start=date(2026, 1, 1),
            end=date(2027, 1 + n % 12, 1),
            status="planned",
            goal_ids=[1000 + n % max(goals, 1)] if goals else [],
        )  # fmt: skip
        for n in range(measures)
    ]
    return doc
