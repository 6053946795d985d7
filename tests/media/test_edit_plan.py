"""Planning the re-encoded spans on packet lists shaped like x264's (B-pyramid, closed GOPs)
and an open GOP, in a 1/25 time base (one tick per frame)."""

from __future__ import annotations

from fractions import Fraction

from pipeline.media.edit_plan import EditRange, PacketInfo, plan_edit

TB = Fraction(1, 25)
#: x264's decode order inside a 10-frame GOP (display indexes)
GOP_ORDER = [0, 2, 1, 5, 3, 4, 9, 7, 6, 8]


def packets(gops: int, open_at: int | None = None) -> list[PacketInfo]:
    out = []
    for g in range(gops):
        order = list(GOP_ORDER)
        if open_at == g:
            # an open GOP: leading pictures of the previous GOP decode after the keyframe
            order = [0, -2, -1, *[i for i in GOP_ORDER[1:] if i < 8]]
        for n, i in enumerate(order):
            out.append(PacketInfo(g * 10 + i, g * 10 + n - 2, 1, i == 0))
    if open_at is not None:
        # the frames moved into the open GOP are no longer in the GOP before it
        out = [
            p
            for p in out
            if not (p.pts in (open_at * 10 - 2, open_at * 10 - 1) and p.dts < open_at * 10 - 2)
        ]
    return out


def test_span_starts_at_the_last_clean_cut_point_before_the_first_redacted_frame():
    plan = plan_edit(packets(3), TB, [EditRange(4 / 25, 7 / 25)])
    # frames 4, 5, 6 are redacted; the decode-order prefix closes after frames 0, 0-2, 0-5
    assert sorted(plan.redacted) == [4, 5, 6]
    assert [(s.start, s.end, s.decode_from) for s in plan.spans] == [(3, 10, 0)]


def test_span_ends_at_the_next_keyframe_and_runs_to_the_end_after_the_last_one():
    # frame 25: the prefix of its GOP closes after 20, 20-22, 20-25 -> the span starts at 23
    plan = plan_edit(packets(3), TB, [EditRange(10 / 25, 12 / 25), EditRange(25 / 25, 26 / 25)])
    assert [(s.start, s.end) for s in plan.spans] == [(10, 20), (23, None)]


def test_a_partly_covered_frame_is_redacted():
    plan = plan_edit(packets(2), TB, [EditRange(4.5 / 25, 6.2 / 25)])
    assert sorted(plan.redacted) == [4, 5, 6]


def test_overlapping_spans_merge_and_cuts_shift_later_frames():
    plan = plan_edit(packets(3), TB, [EditRange(2 / 25, 4 / 25), EditRange(7 / 25, 12 / 25)])
    assert [(s.start, s.end) for s in plan.spans] == [(1, 20)]
    assert plan.removed_before(5) == 2 and plan.removed_before(20) == 2 + 5
    assert plan.removed_seconds() == [(2 / 25, 4 / 25), (7 / 25, 12 / 25)]


def test_an_open_gop_keyframe_is_not_a_place_to_resume_copying():
    plan = plan_edit(packets(3, open_at=1), TB, [EditRange(4 / 25, 5 / 25)])
    assert plan.spans[0].end == 20
