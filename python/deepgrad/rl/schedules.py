"""Exploration schedules: a value (epsilon, say) as a function of the step count."""


class LinearSchedule:
    """start -> end linearly over `duration` steps, then constant at end."""

    def __init__(self, start, end, duration):
        if duration <= 0:
            raise ValueError(f"LinearSchedule: duration must be positive, got {duration}")
        self.start, self.end, self.duration = float(start), float(end), int(duration)

    def __call__(self, step):
        fraction = min(max(step, 0) / self.duration, 1.0)
        return self.end + (1.0 - fraction) * (self.start - self.end)

    def __repr__(self):
        return f"LinearSchedule(start={self.start}, end={self.end}, duration={self.duration})"


class ExponentialSchedule:
    """end + (start - end) * decay**step: decays geometrically from start towards end."""

    def __init__(self, start, end, decay):
        if not 0.0 < decay <= 1.0:
            raise ValueError(f"ExponentialSchedule: decay must be in (0, 1], got {decay}")
        self.start, self.end, self.decay = float(start), float(end), float(decay)

    def __call__(self, step):
        return self.end + (self.start - self.end) * self.decay ** max(step, 0)

    def __repr__(self):
        return f"ExponentialSchedule(start={self.start}, end={self.end}, decay={self.decay})"
