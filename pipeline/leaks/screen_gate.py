"""The screen scanner's keyframe gate: whether the stretch between two keyframes must be
sampled densely for the secret scan."""

from __future__ import annotations

from collections import deque

import numpy as np

from pipeline.leaks.screen_cells import MIN_TEXT_CELLS, changed_cells
from pipeline.media.activity import StreamActivity
from pipeline.media.sampling import SampledFrame

#: keyframe-to-keyframe comparisons a cell is remembered over, and how many of them it must
#: have changed in to count as busy (a webcam tile differs at every keyframe)
GATE_HISTORY, GATE_BUSY = 4, 3
#: share of the (not busy) picture that, changed with no packet spike in between, shows a
#: switch made at the keyframe itself
GATE_SWITCH_FRACTION = 0.25


class ScreenGate:
    """Decides whether the stretch between two keyframes must be sampled densely: yes when
    the stream has a packet spike in it (`activity`: something appeared or went, even if
    both keyframes look alike), or when the keyframes differ outside busy cells by more than
    a cursor (an area at least MIN_TEXT_CELLS wide or 5 cells), unless the difference is a
    whole-screen switch that no packet spike announced (it happened at the keyframe).
    Counts the seconds it opened."""

    def __init__(self, activity: StreamActivity | None):
        self.activity = activity
        self._history: deque[np.ndarray] = deque(maxlen=GATE_HISTORY)
        self.opened_seconds = 0.0

    def __call__(self, a: SampledFrame, b: SampledFrame) -> bool:
        import cv2

        changed = changed_cells(a.low.astype(np.int16), b.low.astype(np.int16))
        busy = np.zeros_like(changed)
        if len(self._history) >= GATE_BUSY:
            busy = np.sum(np.stack(self._history), axis=0) >= GATE_BUSY
        self._history.append(changed)
        changed = changed & ~busy
        count, _, stats, _ = cv2.connectedComponentsWithStats(changed.astype(np.uint8), 8)
        wide = any(stats[i][2] >= MIN_TEXT_CELLS or stats[i][4] >= 5 for i in range(1, count))
        fraction = changed.sum() / max(1, int((~busy).sum()))
        spiked = self.activity is None or self.activity.active_between(a.time, b.time)
        differs = spiked or (wide and fraction < GATE_SWITCH_FRACTION)
        if differs:
            self.opened_seconds += b.time - a.time
        return bool(differs)
