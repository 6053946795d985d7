"""The features file's accepted shapes, and demo starts that never come from an agenda."""

from __future__ import annotations

import pytest

from pipeline.errors import InputError
from pipeline.slides.demo_plan import Feature, load_features, match_features
from pipeline.speech.keyphrases import Utterance

PLAN = [Feature("Interactive Plugin Setup", "Alex Rivera"), Feature("Schema Change Alerts")]


@pytest.mark.parametrize(
    "text",
    (
        "features:\n  - title: Interactive Plugin Setup\n    presenter: Alex Rivera\n"
        "  - Schema Change Alerts\n",
        "demos:\n  - name: Interactive Plugin Setup\n    speaker: Alex Rivera\n"
        "  - feature: Schema Change Alerts\n",
        "- {title: Interactive Plugin Setup, speaker: Alex Rivera}\n- Schema Change Alerts\n",
    ),
)
def test_accepted_shapes(tmp_path, text):
    path = tmp_path / "features.yaml"
    path.write_text(text)
    assert load_features(path) == PLAN


@pytest.mark.parametrize(
    "text",
    ("features: Interactive Plugin Setup\n", "talks:\n  - A\n", "- {who: Alex}\n", "- [1, 2]\n"),
)
def test_other_shapes_are_a_one_line_error_showing_the_accepted_ones(tmp_path, text):
    path = tmp_path / "features.yaml"
    path.write_text(text)
    with pytest.raises(InputError) as caught:
        load_features(path)
    message = str(caught.value)
    assert "\n" not in message
    assert "features:" in message and "demos:" in message and "presenter" in message


def test_an_agenda_naming_every_feature_is_no_demo_start():
    said = [
        Utterance(1.0, 6.0, "Today: interactive plugin setup, then schema change alerts."),
        Utterance(12.0, 14.0, "Next: interactive plugin setup."),
        Utterance(30.0, 32.0, "Now, schema change alerts."),
    ]
    slides = [(0.0, None), (11.5, None), (20.0, None), (29.0, None)]
    matched, missing = match_features(PLAN, slides, said)
    assert missing == []
    assert [(m.start, m.matched_by) for m in matched] == [
        (11.5, "transcript"),
        (29.0, "transcript"),
    ]


def test_transcript_never_places_a_feature_before_the_previous_ones_title_slide():
    said = [Utterance(5.0, 7.0, "Schema change alerts come second.")]
    slides = [(0.0, None), (10.0, "Interactive Plugin Setup"), (25.0, None)]
    matched, missing = match_features(PLAN, slides, said)
    assert [(m.feature.title, m.start) for m in matched] == [("Interactive Plugin Setup", 10.0)]
    assert missing == [PLAN[1]]
