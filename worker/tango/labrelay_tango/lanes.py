"""Per-device serialization: one Tango call at a time per device, in arrival order, different
devices in parallel (worker/resource-queue.ts). Each device with work has a lane thread that
runs its calls one after another; it lingers a while when its queue empties (so a burst of
calls pays for one thread start, not one each) and then ends, so idle devices hold no thread.

All op state changes happen under the one lock the server shares with the lanes, so a call that
finishes, its deadline, a queue timeout, a cancel and shutdown can never both answer one op.

A write that needs a person's approval leaves its lane while it waits (`run` returns True: the
op is parked, not done) and is submitted again once approved, behind whatever queued since."""

import threading
import time
from collections import deque

from .omni import omni_thread

#: How long an idle lane thread waits for more work before it ends.
IDLE_S = 30.0


class Op:
    """One accepted device call, from arrival until its Tango call has ended."""

    __slots__ = (
        "id",
        "method",
        "params",
        "tool",
        "device",
        "args",
        "resource",
        "arrived",
        "started",
        "state",
        "claimed",
        "lane",
        # The safety policy's part (dispatcher.py): set for writes.
        "gated",
        "call",
        "verdict",
        "grant",
        "approval",
        "stop",
        "wake",
        "calling",
        "progressed",
        "deadline",
        "queue_deadline",
        "sent",
    )

    def __init__(self, request_id, method, params, tool, device, args, resource):
        self.id = request_id
        self.method = method
        self.params = params
        self.tool = tool
        self.device = device
        self.args = args
        self.resource = resource
        self.arrived = time.monotonic()
        self.started = None
        self.state = "queued"  # then "running" (or "approval", then "queued" again), then "done"
        # Set by whoever answers the op first: its result, its deadline, BUSY, cancel, shutdown.
        self.claimed = False
        self.lane = None
        self.gated = not tool.read_only
        self.call = None  # policy.Call
        self.verdict = None  # policy.Verdict of its last check
        self.grant = None  # the approved safety.Approval it runs under
        self.approval = None  # the safety.Approval it waits for
        self.stop = None  # WireError: answer this at the next safe point (stop_all, cancel)
        self.wake = None  # threading.Event it waits on (min_interval_ms), set to stop it early
        self.calling = False  # the Tango call has gone out: it runs to its end
        self.progressed = False  # a progress event went out: progress_end before the reply
        self.deadline = None  # time.monotonic() after which a running op is answered TIMEOUT
        self.queue_deadline = None  # … after which a queued op is answered BUSY
        self.sent = []  # what went to the device, for the write report


class _Lane:
    __slots__ = ("resource", "queue", "running", "alive", "cond")

    def __init__(self, resource, lock):
        self.resource = resource
        self.queue = deque()
        self.running = None
        self.alive = False
        self.cond = threading.Condition(lock)


class Lanes:
    """`run(op)` is called on the lane thread; `on_start(op)` and `on_end(op)` under the lock."""

    def __init__(self, lock, run, on_start, on_end, idle_s=IDLE_S):
        self._lock = lock
        self._run = run
        self._on_start = on_start
        self._on_end = on_end
        self._idle_s = idle_s
        self._lanes = {}

    def submit(self, op):
        with self._lock:
            self.submit_locked(op)

    def submit_locked(self, op):
        """`submit` for a caller that holds the lock."""
        op.state = "queued"
        lane = self._lanes.get(op.resource)
        if lane is None:
            lane = self._lanes[op.resource] = _Lane(op.resource, self._lock)
        lane.queue.append(op)
        op.lane = lane
        if lane.alive:
            lane.cond.notify()
        else:
            lane.alive = True
            threading.Thread(
                target=self._loop, args=(lane,), name=f"lane {op.resource}", daemon=True
            ).start()

    def remove(self, op):
        """Takes a queued op out of its lane (the caller holds the lock): (running op, waiting)."""
        lane = op.lane
        try:
            lane.queue.remove(op)
        except ValueError:
            pass
        return lane.running, len(lane.queue)

    def _loop(self, lane):
        with omni_thread():
            while True:
                with self._lock:
                    while not lane.queue:
                        lane.cond.wait(self._idle_s)
                        if not lane.queue:
                            lane.alive = False
                            return
                    op = lane.queue.popleft()
                    op.state = "running"
                    op.started = time.monotonic()
                    lane.running = op
                    self._on_start(op)
                parked = False
                try:
                    parked = self._run(op)
                finally:
                    with self._lock:
                        lane.running = None
                        if not parked:
                            op.state = "done"
                            self._on_end(op)
