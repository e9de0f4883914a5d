"""Number of TX assessments and the column list of a semester."""

from __future__ import annotations

import pytest

from workbook_engine.rules import AssessmentMode, columns_for, tx_count

SCORE = AssessmentMode.SCORE
COMMENT = AssessmentMode.COMMENT


@pytest.mark.parametrize(
    ("periods", "mode", "study_topic", "expected"),
    [
        (1, SCORE, False, 2),
        (35, SCORE, False, 2),  # <= 35
        (36, SCORE, False, 3),  # > 35
        (52, SCORE, False, 3),  # Công nghệ grades 8-9
        (70, SCORE, False, 3),  # <= 70
        (71, SCORE, False, 4),  # > 70
        (105, SCORE, False, 4),
        (140, SCORE, False, 4),
        # commented: always 2
        (35, COMMENT, False, 2),
        (70, COMMENT, False, 2),
        (105, COMMENT, False, 2),
        (140, COMMENT, False, 2),
        # study-topic cluster counts as one more TX of a scored subject
        (70, SCORE, True, 4),  # DOMAIN: 70 periods + cluster -> 4
        (35, SCORE, True, 3),
        (105, SCORE, True, 5),
        (70, COMMENT, True, 2),  # commented subjects stay at 2
    ],
)
def test_tx_count(periods: int, mode: AssessmentMode, study_topic: bool, expected: int) -> None:
    assert tx_count(periods, mode, study_topic) == expected


def test_tx_count_accepts_mode_text() -> None:
    assert tx_count(140, AssessmentMode("score")) == 4
    assert tx_count(140, AssessmentMode("comment")) == 2


@pytest.mark.parametrize("periods", [0, -35, True, False, 35.0, "35", None])
def test_tx_count_rejects_bad_periods(periods: object) -> None:
    with pytest.raises(ValueError):
        tx_count(periods, SCORE)  # type: ignore[arg-type]


def test_tx_count_rejects_bad_mode() -> None:
    with pytest.raises(ValueError):
        tx_count(35, "oral")  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("periods", "mode", "study_topic", "expected"),
    [
        (35, SCORE, False, ["TX1", "TX2", "GK", "CK"]),
        (52, SCORE, False, ["TX1", "TX2", "TX3", "GK", "CK"]),
        (140, SCORE, False, ["TX1", "TX2", "TX3", "TX4", "GK", "CK"]),
        (70, SCORE, True, ["TX1", "TX2", "TX3", "TX4", "GK", "CK"]),
        (105, COMMENT, False, ["TX1", "TX2", "GK", "CK"]),
    ],
)
def test_columns_for(
    periods: int, mode: AssessmentMode, study_topic: bool, expected: list[str]
) -> None:
    assert columns_for(periods, mode, study_topic) == expected


def test_columns_for_default_has_no_study_topic() -> None:
    assert columns_for(70, SCORE) == ["TX1", "TX2", "TX3", "GK", "CK"]
