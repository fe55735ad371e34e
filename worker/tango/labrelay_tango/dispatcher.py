"""Turns every request message into exactly one reply, as worker/dispatcher.ts does: decode,
answer retries from the reply cache, check params, queue the call on its device's lane, enforce
the queue timeout and the deadline, and write the audit line before the reply leaves.

Everything here runs on the socket thread except `_run`, which lane threads call. What the two
share — the ops, the timers and each op's state — changes only under one lock, and an op is
answered by whoever claims it first: its result, its deadline, BUSY, cancel or shutdown.
Replies made on a lane thread go back through a queue and a byte written to a pipe the socket
thread polls, since ZeroMQ sockets are not thread-safe.

Every call that is not read-only is a write, and passes the safety policy (policy.py) on its
lane, as worker/engine/dispatcher.ts passes its WriteGate:

    queued ─▶ lane: lab running? rules (present value read on the lane) ─▶ REFUSED
                 │ needs a person: approval record, the lane is let go ─▶ pending
                 │     approved ─▶ queued again ─▶ lane: checked again ─▶ …
                 │     denied / expired / cancelled ─▶ APPROVAL_DENIED / _EXPIRED / CANCELLED
                 ▼ min_interval_ms waited out, "started" audit line (or refused) ─▶ Tango call
                   ─▶ readback checked ─▶ reply with {sent, applied, approval}

The supervisor methods (stop_all, lab_state, resume, lock, approvals_list, approval_decide)
answer at once on the socket thread, like the core methods: a stop is never queued behind the
operation it stops.
"""

import heapq
import itertools
import math
import numbers
import os
import queue
import threading
import time
import traceback

from . import core_methods
from .audit import record, refusal, started
from .calls import perform
from .envelope import BadEnvelope, decode_request, split_routing
from .errors import WireError
from .json_text import dumps, js_stringify, loads, to_bytes
from .lanes import Lanes, Op
from .params import check_params
from .policy import Call, Policy, check, summary
from .proxies import Proxies
from .reply_cache import ReplyCache, fingerprint
from .safety import Safety

#: How long after the proxy timeout the bridge's own deadline answers TIMEOUT: Tango's own, more
#: specific, timeout error usually answers first; this catches what Tango does not bound (a
#: synchronous attribute read or write retries its connection after timing out).
DEADLINE_GRACE_S = 0.25


class Dispatcher:
    def __init__(self, *, cfg, log, audit, catalog, send, describe):
        self.cfg = cfg
        self.log = log
        self.audit = audit
        self.catalog = catalog
        self._send = send  # (routing prefix, reply bytes) → None, on the socket thread
        self._describe = describe  # catalog → describe result JSON text
        self.describe_json = None
        self.cache = ReplyCache()
        self.stats = {"requests": 0, "errors": {}}
        self.started = time.monotonic()
        self.inflight = {}  # id → (fingerprint, [routing prefixes waiting for the reply])
        self.lock = threading.Lock()
        self.ops = {}  # id → Op, accepted and not yet ended on the device
        self.timers = []  # heap of (when, seq, kind, op)
        self._seq = itertools.count()
        self.sleep_until = 0.0  # when the socket thread wakes by itself
        self.completions = queue.SimpleQueue()
        self.wake_fd, self._wake_w = os.pipe()
        os.set_blocking(self.wake_fd, False)
        self.proxies = Proxies(cfg["timeout_ms"])
        self.lanes = Lanes(self.lock, self._run, self._on_start, self._on_end)
        self.closing = False
        self.policy = Policy(cfg["policy"])
        self.safety = Safety(self.policy)
        self.events = None  # events.Events once the PUB socket is bound

    def wake(self):
        """Wakes the socket thread (from any thread, or a signal handler)."""
        os.write(self._wake_w, b"\0")

    # ---------------------------------------------------------------- requests

    def on_message(self, frames):
        self.stats["requests"] += 1
        prefix, payload = split_routing(frames)
        try:
            request_id, method, params = decode_request(payload)
        except BadEnvelope as err:
            return self.send_error(prefix, err.request_id, err)
        fp = fingerprint(method, params)
        cached = self.cache.get(request_id)
        pending = self.inflight.get(request_id)
        known = cached[0] if cached else pending[0] if pending else None
        if known is not None and known != fp:
            return self.send_error(
                prefix,
                request_id,
                WireError(
                    "BAD_ENVELOPE",
                    f"request id {request_id} was already used for a different request; use a "
                    "new id (a UUID) for every request and the same id only to retry it",
                ),
            )
        if cached:
            self.log.debug(
                "duplicate request id: answering from the first execution", id=request_id
            )
            return self._send(prefix, cached[1])
        if pending:
            # A retry while the first is still running waits for the same reply (Lazy Pirate).
            pending[1].append(prefix)
            return
        self.inflight[request_id] = (fp, [prefix])
        self._execute(request_id, method, params)

    def _execute(self, request_id, method, params):
        if method in core_methods.FIELDS:
            try:
                checked = check_params(method, core_methods.FIELDS[method], params)
                if method in core_methods.SAFETY:
                    fields = {f.name for f in core_methods.FIELDS[method]}
                    for key, value in core_methods.DEFAULTS.items():
                        if key in fields:
                            checked.setdefault(key, value)
                self._finish(request_id, _ok_text(request_id, self._core(method, checked)))
            except WireError as err:
                self._finish(request_id, _error_text(request_id, err), err.code)
            return
        tool = self.catalog.tools.get(method)
        if tool is None:
            return self._not_served(request_id, method, params)
        try:
            checked = check_params(method, tool.fields, params)
        except WireError as err:
            # Refused before anything reached the device, and the audit log says so.
            return self._refuse(request_id, method, params, None, err)
        device = checked["device"] if tool.several else tool.devices[0]
        resource = f"tango:{device}"
        if self.closing:
            return self._refuse(
                request_id,
                method,
                params,
                resource,
                WireError("UNAVAILABLE", "the worker is shutting down"),
            )
        args = checked[tool.argument] if tool.argument else None
        op = Op(request_id, method, params, tool, device, args, resource)
        if op.gated:
            # Refused at once while the lab is stopped or locked, not after a wait in the queue.
            err = self.safety.lab_error(method)
            if err is not None:
                return self._refuse(request_id, method, params, resource, err)
            op.call = self._policy_call(op)
        with self.lock:
            self.ops[request_id] = op
            self._queue_locked(op)

    def _not_served(self, request_id, method, params):
        reason = self.catalog.blocked_reason(method)
        if reason is not None:
            err = WireError(
                "BLOCKED", f"{method} is blocked by configuration and was not run: {reason}"
            )
            # An attempt at a blocked device command is worth a line in the audit log.
            self._write_audit(
                refusal(request_id=request_id, method=method, params=params, error=err)
            )
        else:
            err = WireError(
                "UNKNOWN_METHOD",
                f'unknown method "{method}"; this worker serves: {", ".join(self.catalog.names)}',
                {"method": method},
            )
        self._finish(request_id, _error_text(request_id, err), err.code)

    def _refuse(self, request_id, method, params, resource, err):
        self._write_audit(
            record(
                request_id=request_id,
                method=method,
                resource=resource,
                params=params,
                queued_ms=0,
                duration_ms=0,
                error=err,
            )
        )
        self._finish(request_id, _error_text(request_id, err), err.code)

    def _queue_locked(self, op):
        """Puts an op on its lane, with its queue timeout (under the lock)."""
        op.queue_deadline = time.monotonic() + self.cfg["queue_timeout_ms"] / 1000
        heapq.heappush(self.timers, (op.queue_deadline, next(self._seq), "queue", op))
        self.lanes.submit_locked(op)

    # ---------------------------------------------------------------- core methods

    def _core(self, method, checked):
        """The result JSON text of a core method."""
        if method == "describe":
            if self.describe_json is None:
                self.describe_json = self._describe(self.catalog)
            return self.describe_json
        if method == "health":
            return '{"status":"ok"}'
        if method == "cancel":
            return dumps(self._cancel(checked["id"]))
        if method == "worker_status":
            return dumps(self._status())
        if method == "list_devices":
            return dumps(self.catalog.list_devices(checked.get("device_class")))
        return dumps(self._supervise(method, checked))

    def _status(self):
        now = time.monotonic()
        with self.lock:
            operations = [
                {
                    "id": op.id,
                    "method": op.method,
                    "resource": op.resource,
                    "state": "running" if op.state == "running" else "queued",
                    "age_ms": round((now - op.arrived) * 1000),
                }
                for op in self.ops.values()
            ]
        return {
            "uptime_s": round(now - self.started, 1),
            "operations": operations,
            "requests": self.stats["requests"],
            "errors": dict(self.stats["errors"]),
            "audit_log": self.audit.path if self.audit else None,
        }

    def _cancel(self, request_id):
        approval = None
        with self.lock:
            op = self.ops.get(request_id)
            if op is not None and op.state == "approval" and not op.claimed:
                # Waiting for a person: the approval is withdrawn and the op answered.
                op.claimed = True
                self.ops.pop(request_id, None)
                approval = op.approval
                self._end_approval_locked(approval, "cancelled")
            elif op is not None and op.state == "queued" and not op.claimed:
                op.claimed = True
                self.lanes.remove(op)
                self.ops.pop(request_id, None)
            elif op is not None and op.state == "running" and not op.claimed and not op.calling:
                # Still before its Tango call (the policy's checks, a min_interval wait): it
                # stops there and is answered CANCELLED.
                op.stop = WireError(
                    "CANCELLED",
                    f"{op.method} (request {request_id}) was cancelled before it reached "
                    f"{op.device}; nothing was sent",
                    {"id": request_id},
                )
                if op.wake is not None:
                    op.wake.set()
                return {"id": request_id, "state": "running", "cancelled": True}
            elif op is not None:
                # A Tango call cannot be interrupted once sent; it runs to its end.
                return {"id": request_id, "state": "running", "cancelled": False}
        if op is not None:
            when = (
                f"while it waited for a person's approval {approval.id}"
                if approval
                else "before it started"
            )
            err = WireError(
                "CANCELLED",
                f"{op.method} (request {request_id}) was cancelled {when}",
                {"id": request_id},
            )
            self._answer(op, err, queued_s=time.monotonic() - op.arrived, run_s=0)
            return {"id": request_id, "state": "queued", "cancelled": True}
        if self.cache.get(request_id):
            return {"id": request_id, "state": "finished", "cancelled": False}
        return {"id": request_id, "state": "unknown", "cancelled": False}

    # ---------------------------------------------------------------- supervisor methods

    def _supervise(self, method, p):
        """stop_all, lab_state, resume, lock, approvals_list, approval_decide (socket thread)."""
        if method == "lab_state":
            with self.lock:
                return self.safety.lab()
        if method == "approvals_list":
            with self.lock:
                return {"approvals": self.safety.listing(p["include_decided"])}
        if method == "approval_decide":
            return self._decide(p["id"], p["decision"], p["by"], p["via"])
        if method == "stop_all":
            return self._stop_all(p.get("reason"), p["by"], p["via"])
        if method == "lock":
            with self.lock:
                if self.safety.state == "stopped":
                    raise WireError(
                        "LAB_STOPPED",
                        "the lab is stopped; a lock would not hold it more (resume ends the stop)",
                    )
                self.safety.enter("locked", by=p["by"], via=p["via"], reason=p["reason"])
                lab = self.safety.lab()
            self._lab_event("lock", lab, by=p["by"], via=p["via"], reason=p["reason"])
            return lab
        with self.lock:
            was = self.safety.state
            self.safety.enter("running", by=None, via=None)
            lab = self.safety.lab()
        self._lab_event("resume", lab, by=p["by"], via=p["via"], reason=None, was=was)
        return lab

    def _lab_event(self, event, lab, **fields):
        """A stop, lock or resume: its audit line, the $lab event and a log line. Never fails:
        the state has already changed, whatever the audit log or the events socket do."""
        self._audit_event(event, **fields)
        self._publish(lambda e: e.lab_state(lab))
        self.log.warn(
            f"lab {event}",
            **{k: v for k, v in fields.items() if k in ("by", "via", "reason") and v is not None},
        )

    def _stop_all(self, reason, by, via):
        """Stops the lab first, so nothing new starts; then pending approvals and queued calls
        are answered CANCELLED and calls still before their Tango call stop there. A Tango call
        already sent runs to its end. Tango devices declare no safe state."""
        why = f"the lab was stopped by {by} via {via}" + (f": {reason}" if reason else "")
        answers, cancelled, approvals_cancelled = [], [], 0
        with self.lock:
            self.safety.enter("stopped", by=by, via=via, reason=reason)
        self._lab_event("stop", self.safety.lab(), by=by, via=via, reason=reason)
        with self.lock:
            for op in list(self.ops.values()):
                if op.claimed:
                    continue
                err = WireError(
                    "CANCELLED",
                    f"{op.method} (request {op.id}) was cancelled: {why}",
                    {"id": op.id},
                )
                if op.state == "approval":
                    approval = op.approval
                    op.claimed = True
                    self.ops.pop(op.id, None)
                    self._end_approval_locked(approval, "cancelled")
                    approvals_cancelled += 1
                    err = WireError(
                        "CANCELLED", f"{op.method} was not run: {why}", {"approval": approval.id}
                    )
                    answers.append((op, err))
                elif op.state == "queued":
                    op.claimed = True
                    self.lanes.remove(op)
                    self.ops.pop(op.id, None)
                    answers.append((op, err))
                elif op.state == "running" and not op.calling:
                    # Answered CANCELLED by its lane thread, before anything is sent.
                    op.stop = err
                    if op.wake is not None:
                        op.wake.set()
                else:
                    continue
                cancelled.append(f"{op.method} {op.id}")
            still = [f"{op.method} {op.id}" for op in self.ops.values() if op.calling]
            lab = self.safety.lab()
        now = time.monotonic()
        for op, err in answers:
            self._answer(op, err, queued_s=now - op.arrived, run_s=0)
        if still:
            self.log.warn("stop_all: Tango calls already sent run to their end", calls=still)
        return {
            "lab": lab,
            "cancelled": cancelled,
            "approvals_cancelled": approvals_cancelled,
            "safe_states": [],
        }

    def _decide(self, approval_id, decision, by, via):
        failed = None
        with self.lock:
            approval = self.safety.pending_for_decision(approval_id)
            op = approval.op
            status = "approved" if decision == "approve" else "denied"
            recorded = self._end_approval_locked(approval, status, by, via)
            if op.state == "approval" and not op.claimed:
                if status == "approved" and recorded:
                    # Back in line for its device, and checked again there before it runs.
                    op.grant = approval
                    op.approval = None
                    self._queue_locked(op)
                else:
                    op.claimed = True
                    self.ops.pop(op.id, None)
                    if status == "denied":
                        rules = ", ".join(r["rule"] for r in approval.rules)
                        failed = WireError(
                            "APPROVAL_DENIED",
                            f"{op.method} was not run: {by} denied approval {approval.id} via "
                            f"{via} ({rules}); nothing was sent",
                            {"approval": approval.id, "by": by, "via": via},
                        )
                    else:
                        # Nothing runs unrecorded: an approval that cannot be logged does not count.
                        failed = WireError(
                            "UNAVAILABLE",
                            f"approval {approval.id} could not be recorded in the audit log; "
                            "not run",
                        )
            out = {"approval": approval.record()}
        self.log.info(f"approval {approval.id} {status}", by=by, via=via, id=op.id)
        if failed is not None:
            self._answer(op, failed, queued_s=time.monotonic() - op.arrived, run_s=0)
        return out

    def _expire(self, op):
        """An approval's time is up (socket thread; the op is claimed)."""
        approval = op.approval
        with self.lock:
            self._end_approval_locked(approval, "expired", None, "timeout")
        self.log.warn(f"approval {approval.id} expired", method=op.method, id=op.id)
        err = WireError(
            "APPROVAL_EXPIRED",
            f"{op.method} was not run: no person approved {approval.id} before it expired at "
            f"{approval.expires_at}; nothing was sent",
            {"approval": approval.id},
        )
        self._answer(op, err, queued_s=time.monotonic() - op.arrived, run_s=0)

    def _end_approval_locked(self, approval, status, by=None, via=None):
        """Ends a pending approval (under the lock): its audit line, then $approvals. False when
        the audit line could not be written."""
        self.safety.decide(approval, status, by=by, via=via)
        recorded = True
        if self.audit:
            try:
                self.audit.event(f"approval_{status}", approval=approval.record())
            except OSError as err:
                recorded = False
                self.log.error(
                    "audit log write failed", event=f"approval_{status}", error=str(err)
                )
        self._announce_locked(approval)
        return recorded

    def _announce_locked(self, approval):
        """$approvals: an approval asked for or decided (under the lock, so in order)."""
        rec = approval.record()
        self._publish(lambda e: e.approval(rec))

    def _publish(self, send):
        if self.events is not None:
            send(self.events)

    def _audit_event(self, event, **fields):
        if not self.audit:
            return
        try:
            self.audit.event(event, **fields)
        except OSError as err:
            self.log.error(f"audit log write failed ({event})", error=str(err))

    # ---------------------------------------------------------------- device calls (lane threads)

    def _on_start(self, op):
        # Under the lock, on the lane thread. The deadline covers the policy's checks (a present
        # value read from a hung device) and, renewed when it goes out, the Tango call.
        self._set_deadline_locked(op, op.started)

    def _set_deadline_locked(self, op, start):
        op.deadline = start + self.cfg["timeout_ms"] / 1000 + DEADLINE_GRACE_S
        heapq.heappush(self.timers, (op.deadline, next(self._seq), "run", op))
        if op.deadline < self.sleep_until:
            self.wake()

    def _on_end(self, op):
        self.ops.pop(op.id, None)

    def _policy_call(self, op):
        """The op as the policy sees it: an attribute write writes the attribute, a command its
        argument, under the argument's name (a DevVoid command writes nothing but still counts)."""
        tool = op.tool
        if tool.kind == "set":
            settings = [(tool.member, op.params.get("value"), True)]
        elif tool.argument:
            settings = [(tool.argument, op.params.get(tool.argument), False)]
        else:
            settings = []
        return Call(
            method=op.method,
            device=op.device,
            class_name=tool.class_name,
            params=op.params,
            settings=settings,
        )

    def _present(self, op, name):
        """A setting's present value, read from the attribute of its name, or None."""
        attribute = self.catalog.attributes.get(op.tool.class_name, {}).get(name.lower())
        if attribute is None:
            return None
        try:
            proxy = self.proxies.get(op.device, op.tool.urls[op.device])
            value = proxy.read_attribute(attribute).value
        except Exception as err:
            self.log.warn(
                "could not read a present value for the policy",
                method=op.method,
                setting=name,
                error=" ".join(str(err).split())[:300],
            )
            return None
        if isinstance(value, bool) or not isinstance(value, numbers.Real):
            return None
        value = value if isinstance(value, int) else float(value)
        return value if math.isfinite(value) else None

    def _gate(self, op):
        """The policy's checks on the lane, in worker/safety/policy-gate.ts's order: the lab's
        state, the rules (present values read here), a person's approval, the rate limit, the
        audit line that must be written first. None to go ahead, "park" while a person decides,
        or the WireError to answer."""
        if op.stop is not None:
            return op.stop
        err = self.safety.lab_error(op.method)
        if err is not None:
            return err
        try:
            verdict = check(
                self.policy, op.call, lambda name: self._present(op, name), op.grant
            )
        except WireError as refusal:
            return refusal
        op.verdict = verdict
        if verdict.asks:
            return self._park(op, verdict)
        intervals = [
            (f"{rule.name}|{op.device}", rule.spec["min_interval_ms"])
            for rule in verdict.rules
            if rule.spec.get("min_interval_ms")
        ]
        until = max(
            (self.safety.last_write.get(key, -math.inf) + ms / 1000 for key, ms in intervals),
            default=-math.inf,
        )
        if until > time.monotonic():
            with self.lock:
                if op.stop is not None:
                    return op.stop
                op.wake = threading.Event()
                op.deadline = None  # the wait is the policy's, not the device's
            op.wake.wait(until - time.monotonic())
            with self.lock:
                if op.stop is not None:
                    return op.stop
                self._set_deadline_locked(op, time.monotonic())
            # Stopped while it waited its turn: the stop wins.
            err = self.safety.lab_error(op.method)
            if err is not None:
                return err
        if op.claimed:
            # Answered meanwhile (its deadline): it leaves no "started" line and is not made.
            return WireError("CANCELLED", f"{op.method} (request {op.id}) was answered already")
        if self.audit:
            line = started(
                request_id=op.id, method=op.method, resource=op.resource, params=op.params
            )
            try:
                self.audit.write(line, strict=True)
            except OSError as failure:
                # Fail closed: a write that would leave no trace does not happen.
                self.log.error("audit log write failed", path=self.audit.path, error=str(failure))
                return WireError(
                    "UNAVAILABLE",
                    f"{op.method} was not run: its audit line could not be written ({failure}); "
                    "writes are refused until the audit log can be written",
                )
        now = time.monotonic()
        for key, _ in intervals:
            self.safety.last_write[key] = now
        return None

    def _park(self, op, verdict):
        """Asks a person: the approval record, on record in the audit log before anyone can see
        it, then $approvals and the op's progress; the op leaves its lane until they decide.
        "park", or the WireError to answer instead."""
        text = summary(op.call, verdict.asks)
        with self.lock:
            if op.stop is not None:
                return op.stop
            if op.claimed:
                # Answered already (its deadline): nothing to ask, and _run lets it end.
                return WireError("CANCELLED", f"{op.method} (request {op.id}) was answered already")
            approval = self.safety.create(op, verdict.approvals, text)
            if self.audit:
                try:
                    self.audit.event("approval_requested", approval=approval.record())
                except OSError as failure:
                    self.safety.discard(approval)
                    self.log.error(
                        "audit log write failed", path=self.audit.path, error=str(failure)
                    )
                    return WireError(
                        "UNAVAILABLE",
                        f"{op.method} was not run: its approval request could not be written to "
                        f"the audit log ({failure}); writes are refused until it can be written",
                    )
            op.state = "approval"
            op.approval = approval
            op.deadline = None
            op.progressed = True
            heapq.heappush(self.timers, (approval.expires, next(self._seq), "approval", op))
            rec = approval.record()
            self._announce_locked(approval)
            message = f"waiting for a person's approval {approval.id}: {text}"
            self._publish(lambda e: e.progress(op.id, 0, message, rec))
        self.log.info(
            "waiting for approval", approval=approval.id, method=op.method, device=op.device
        )
        self.wake()  # the socket thread picks up the approval's timer
        return "park"

    def _run(self, op):
        """On the lane thread: the policy's checks, the call, then the audit line and the reply
        (unless answered). True when the op left its lane to wait for a person."""
        if op.gated:
            try:
                outcome = self._gate(op)
            except Exception as err:
                self.log.error("the safety checks failed", id=op.id, error=traceback.format_exc())
                outcome = WireError("INTERNAL", f"internal error in the safety checks: {err}")
            if outcome == "park":
                return True
            if outcome is not None:
                self._answer_once(op, outcome)
                return False
        with self.lock:
            if op.claimed:
                return False  # answered meanwhile (its deadline)
            err = op.stop or (self.safety.lab_error(op.method) if op.gated else None)
            if err is None:
                op.calling = True
                self._set_deadline_locked(op, time.monotonic())
        if err is not None:
            self._answer_once(op, err)
            return False
        if op.gated:
            op.sent = [_sent(op)]
        result_json, error = perform(op, self.proxies, self.cfg["timeout_ms"], self.log)
        write = None
        if op.gated and error is None:
            try:
                write = self._after(op, result_json)
            except WireError as failure:
                error, result_json = failure, None
            except Exception as failure:
                self.log.error("the readback failed", id=op.id, error=traceback.format_exc())
                error, result_json = WireError("INTERNAL", f"internal error: {failure}"), None
        ended = time.monotonic()
        with self.lock:
            late = op.claimed
            op.claimed = True
        if late:
            # Already answered (TIMEOUT, shutdown): the device has finished at last.
            self.log.info(
                "a call answered earlier has ended on the device",
                id=op.id,
                method=op.method,
                outcome=error.code if error else "ok",
                ran_ms=round((ended - op.started) * 1000),
            )
            return False
        self._answer(
            op,
            error,
            queued_s=op.started - op.arrived,
            run_s=ended - op.started,
            result_json=result_json,
            write=write,
        )
        return False

    def _answer_once(self, op, err):
        """Answers `err` unless the op is answered already (on a lane thread)."""
        with self.lock:
            if op.claimed:
                return
            op.claimed = True
            # A stop that came while the checks ran is what the op ends with.
            err = op.stop or err
        self._answer(op, err, queued_s=op.started - op.arrived, run_s=time.monotonic() - op.started)

    def _after(self, op, result_json):
        """After a write, on its lane (worker/safety/policy-gate.ts afterRun): each numeric
        setting read back — an attribute write's result is its readback — held to the readback
        rules, and the write report {sent, applied, approval?}."""
        tool, call = op.tool, op.call
        applied = {}
        rules = op.verdict.rules if op.verdict else []
        for name, requested, _ in call.settings:
            if isinstance(requested, bool) or not isinstance(requested, (int, float)):
                continue
            if tool.kind == "set":
                result = loads(result_json)
                # quality null: written, but the read back failed (calls.py).
                value = result.get("value") if result.get("quality") is not None else None
                if isinstance(value, bool) or not isinstance(value, (int, float)):
                    value = None
            else:
                value = self._present(op, name)
            rule = next(
                (r for r in rules if r.spec.get("readback") and call.find_in(r, name)), None
            )
            if value is None:
                if rule is not None:
                    # Fail closed: a readback the rule asks for and cannot have is a failure.
                    raise WireError(
                        "DEVICE_ERROR",
                        f"{op.method}: {name} was set to {js_stringify(requested)} but cannot be "
                        f"read back to check it against the tolerance "
                        f"{js_stringify(rule.spec['readback']['tolerance'])} of rule "
                        f'"{rule.name}"',
                        {
                            "setting": name,
                            "requested": requested,
                            "read_back": None,
                            "sent": op.sent,
                        },
                    )
                continue
            applied[name] = value
            if rule is not None and abs(value - requested) > rule.spec["readback"]["tolerance"]:
                raise WireError(
                    "DEVICE_ERROR",
                    f"{op.method}: {name} reads back {js_stringify(value)} after it was set to "
                    f"{js_stringify(requested)}, further off than the tolerance "
                    f"{js_stringify(rule.spec['readback']['tolerance'])} of rule \"{rule.name}\"",
                    {"setting": name, "requested": requested, "read_back": value, "sent": op.sent},
                )
        write = {"sent": op.sent, "applied": applied}
        if op.grant is not None:
            write["approval"] = {
                "id": op.grant.id,
                "by": op.grant.decided_by,
                "via": op.grant.decided_via,
            }
        return write

    def _answer(self, op, error, *, queued_s, run_s, result_json=None, write=None):
        """Audit line first, then the reply (handed to the socket thread unless already on it)."""
        line = record(
            request_id=op.id,
            method=op.method,
            resource=op.resource,
            params=op.params,
            queued_ms=queued_s * 1000,
            duration_ms=run_s * 1000,
            error=error,
        )
        if write is not None:
            line["write"] = write
        self._write_audit(line, result_json)
        if error is None:
            text, code = _ok_text(op.id, result_json, write), None
        else:
            text, code = _error_text(op.id, error), error.code
        if op.progressed:
            # Published before the reply leaves: a subscriber that sees it has seen every step.
            self._publish(lambda e: e.progress_end(op.id))
        if threading.current_thread() is threading.main_thread():
            self._finish(op.id, text, code)
        else:
            self.completions.put(("reply", op.id, text, code))
            self.wake()

    # ---------------------------------------------------------------- timers

    def fire_timers(self, now):
        """Answers BUSY for calls queued too long, TIMEOUT for calls running too long and
        APPROVAL_EXPIRED for writes a person did not decide on in time. A timer whose op has
        moved on (queued again after an approval, a deadline renewed) is let pass."""
        expired = []
        with self.lock:
            while self.timers and self.timers[0][0] <= now:
                _, _, kind, op = heapq.heappop(self.timers)
                if op.claimed:
                    continue
                if kind == "queue" and op.state == "queued" and op.queue_deadline <= now:
                    op.claimed = True
                    running, waiting = self.lanes.remove(op)
                    self.ops.pop(op.id, None)
                    holder = f"{running.method} {running.id}" if running else "nothing"
                    expired.append((op, "busy", holder, waiting))
                elif (
                    kind == "run"
                    and op.state == "running"
                    and op.deadline is not None
                    and op.deadline <= now
                ):
                    op.claimed = True
                    expired.append((op, "timeout", None, 0))
                elif (
                    kind == "approval"
                    and op.state == "approval"
                    and op.approval is not None
                    and op.approval.status == "pending"
                ):
                    op.claimed = True
                    self.ops.pop(op.id, None)
                    expired.append((op, "approval", None, 0))
        for op, kind, holder, waiting in expired:
            if kind == "approval":
                self._expire(op)
            elif kind == "busy":
                limit = self.cfg["queue_timeout_ms"]
                err = WireError(
                    "BUSY",
                    f"{op.resource} stayed busy for {limit} ms (running: {holder}; {waiting} "
                    "waiting); the operation was not started",
                    {"resource": op.resource, "queue_timeout_ms": limit},
                )
                self._answer(op, err, queued_s=now - op.arrived, run_s=0)
            else:
                limit = self.cfg["timeout_ms"]
                err = WireError(
                    "TIMEOUT",
                    f"{op.method} did not finish within its {limit} ms deadline; {op.resource} "
                    "stays reserved until it stops",
                    {"deadline_ms": limit, "outcome": "unknown"},
                )
                self._answer(op, err, queued_s=op.started - op.arrived, run_s=now - op.started)

    def next_timer(self, default):
        with self.lock:
            return self.timers[0][0] if self.timers else default

    def drain(self, install):
        """Sends the replies lane threads made; hands new catalogs to `install`."""
        try:
            while os.read(self.wake_fd, 4096):
                pass
        except BlockingIOError:
            pass
        while True:
            try:
                item = self.completions.get_nowait()
            except queue.Empty:
                return
            if item[0] == "reply":
                self._finish(item[1], item[2], item[3])
            else:
                install(item[1], item[2])

    def post_catalog(self, catalog, initial):
        """From the discovery thread: a catalog to install on the socket thread."""
        self.completions.put(("catalog", catalog, initial))
        self.wake()

    def install(self, catalog):
        """Serves a new catalog; True when its hash changed."""
        changed = catalog.hash != self.catalog.hash
        # Replaced even when the hash is the same: what is refused (BLOCKED) is not in the hash.
        self.catalog = catalog
        self.describe_json = None
        return changed

    # ---------------------------------------------------------------- shutdown

    def begin_shutdown(self, grace_s):
        """Stops taking device calls and answers the queued ones; returns the grace deadline."""
        self.closing = True
        with self.lock:
            queued = [
                op
                for op in self.ops.values()
                if op.state in ("queued", "approval") and not op.claimed
            ]
            for op in queued:
                op.claimed = True
                self.lanes.remove(op)
                self.ops.pop(op.id, None)
                if op.state == "approval":
                    # Nobody will be here to run it once a person decides.
                    self._end_approval_locked(op.approval, "cancelled")
            for op in self.ops.values():
                if op.state == "running" and not op.claimed and not op.calling:
                    op.stop = WireError("UNAVAILABLE", "the worker is shutting down")
                    if op.wake is not None:
                        op.wake.set()
        now = time.monotonic()
        for op in queued:
            self._answer(
                op,
                WireError("UNAVAILABLE", "the worker is shutting down"),
                queued_s=now - op.arrived,
                run_s=0,
            )
        return now + grace_s

    def shutdown_done(self, now, deadline):
        """True once every running call is answered (UNAVAILABLE past the deadline)."""
        with self.lock:
            running = [op for op in self.ops.values() if not op.claimed]
            if running and now < deadline:
                return False
            for op in running:
                op.claimed = True
        for op in running:
            self.log.warn(
                "shutdown: a Tango call was still running after the grace period",
                id=op.id,
                method=op.method,
            )
            err = WireError(
                "UNAVAILABLE",
                f"the worker is shutting down and {op.method} was still running on {op.device}; "
                "its outcome is unknown",
                {"outcome": "unknown"},
            )
            self._answer(op, err, queued_s=op.started - op.arrived, run_s=now - op.started)
        return True

    # ---------------------------------------------------------------- replies

    def _finish(self, request_id, text, code=None):
        if code is not None:
            self.stats["errors"][code] = self.stats["errors"].get(code, 0) + 1
        entry = self.inflight.pop(request_id, None)
        if entry is None:
            return
        fp, prefixes = entry
        self.cache.set(request_id, fp, text)
        for prefix in prefixes:
            self._send(prefix, text)

    def send_error(self, prefix, request_id, err):
        """An error that is neither cached nor waited for: a bad envelope, a reused id, a defect."""
        self.stats["errors"][err.code] = self.stats["errors"].get(err.code, 0) + 1
        self._send(prefix, _error_text(request_id, err))

    def _write_audit(self, line, result_json=None):
        if not self.audit:
            return
        try:
            self.audit.write(line, result_json)
        except OSError as err:
            # A full disk must not take the instruments down with it, but it must be loud.
            self.log.error("audit log write failed", path=self.audit.path, error=str(err))


def _ok_text(request_id, result_json, write=None):
    tail = f',"write":{dumps(write)}}}' if write is not None else "}"
    return to_bytes(f'{{"id":{dumps(request_id)},"status":"ok","result":{result_json}{tail}')


def _sent(op):
    """What a write sends to its device, as the write report lists it."""
    tool = op.tool
    if tool.kind == "set":
        text = f"{op.device}: write_attribute {tool.member} {js_stringify(op.params.get('value'))}"
    elif tool.argument:
        argument = js_stringify(op.params.get(tool.argument))
        text = f"{op.device}: command_inout {tool.member} {argument}"
    else:
        text = f"{op.device}: command_inout {tool.member}"
    return text if len(text) <= 500 else text[:497] + "..."


def _error_text(request_id, err):
    return to_bytes(dumps(err.reply(request_id)))


def routing_prefix(frames):
    return split_routing(frames)[0]
