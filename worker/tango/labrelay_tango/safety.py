"""The lab's state and the approvals a person decides (protocol/methods/safety.ts), with the
TypeScript worker's records and messages (worker/safety/lab-state.ts, approvals.ts). Nothing
here blocks, touches a device or a socket; every change happens under the dispatcher's lock,
which it holds while calling in."""

import secrets
import time
from collections import deque
from datetime import datetime, timedelta, timezone

from .errors import WireError
from .log import iso_now, iso_time

#: Crockford's base32, lower case: no i, l, o or u to misread.
_ALPHABET = "0123456789abcdefghjkmnpqrstvwxyz"
#: Decided approvals kept for approvals_list {include_decided: true} (the audit log has all).
DECIDED_KEPT = 200


class Approval:
    """One approval request: its wire record, and the operation that waits for it."""

    def __init__(self, *, approval_id, op, rules, summary, timeout_s):
        now = datetime.now(timezone.utc)
        self.id = approval_id
        self.op = op
        self.rules = rules
        self.summary = summary
        self.status = "pending"
        self.created_at = iso_time(now)
        self.expires_at = iso_time(now + timedelta(seconds=timeout_s))
        self.expires = time.monotonic() + timeout_s
        self.timeout_s = timeout_s
        self.decided_at = None
        self.decided_by = None
        self.decided_via = None

    @property
    def rule_names(self):
        """The rules a person approves this exact call under."""
        return {r["rule"] for r in self.rules}

    def record(self):
        """The ApprovalRecord, exactly these keys in this order."""
        return {
            "id": self.id,
            "request_id": self.op.id,
            "method": self.op.method,
            "params": self.op.params,
            "device": self.op.device,
            "rules": [dict(r) for r in self.rules],
            "summary": self.summary,
            "status": self.status,
            "created_at": self.created_at,
            "expires_at": self.expires_at,
            "decided_at": self.decided_at,
            "decided_by": self.decided_by,
            "decided_via": self.decided_via,
        }


class Safety:
    """The lab's state (running, stopped, locked) and its approvals."""

    def __init__(self, policy):
        self.policy = policy
        self.state = "running"
        self.since = None
        self.by = None
        self.via = None
        self.reason = None
        self.pending = {}  # id → Approval, oldest first
        self.decided = deque(maxlen=DECIDED_KEPT)  # newest last
        self.last_write = {}  # (rule index, device) → time.monotonic() of its last write

    # ---------------------------------------------------------------- the lab

    def lab(self):
        """The LabState record."""
        return {
            "state": self.state,
            "since": self.since,
            "by": self.by,
            "via": self.via,
            "reason": self.reason,
            "writes": self.policy.writes,
            "pending_approvals": len(self.pending),
        }

    def enter(self, state, *, by, via, reason=None):
        """stopped or locked by someone; running (resume) clears who and why."""
        running = state == "running"
        self.state = state
        self.since = None if running else iso_now()
        self.by = None if running else by
        self.via = None if running else via
        self.reason = None if running else reason

    def lab_error(self, method):
        """LAB_STOPPED or LAB_LOCKED while writes are held, else None."""
        if self.state == "running":
            return None
        who = f"by {self.by} via {self.via} at {self.since}" + (
            f": {self.reason}" if self.reason else ""
        )
        data = {"by": self.by, "since": self.since}
        if self.state == "stopped":
            return WireError(
                "LAB_STOPPED",
                f"{method} was not run: the lab was stopped {who}. Writes are refused until a "
                "person resumes it (labrelay resume); reads work",
                data,
            )
        return WireError(
            "LAB_LOCKED",
            f"{method} was not run: the lab is locked {who}. Writes are refused until a person "
            "unlocks it (labrelay resume); reads work",
            data,
        )

    # ---------------------------------------------------------------- approvals

    def _new_id(self):
        taken = set(self.pending) | {a.id for a in self.decided}
        while True:
            candidate = "".join(secrets.choice(_ALPHABET) for _ in range(6))
            if candidate not in taken:
                return candidate

    def create(self, op, rules, summary):
        approval = Approval(
            approval_id=self._new_id(),
            op=op,
            rules=rules,
            summary=summary,
            timeout_s=self.policy.approval_timeout_s,
        )
        self.pending[approval.id] = approval
        return approval

    def discard(self, approval):
        """Forgets an approval that was never announced (its audit line could not be written)."""
        self.pending.pop(approval.id, None)

    def pending_for_decision(self, approval_id):
        """The pending approval of that id (any case), or INVALID_PARAMS saying why not."""
        key = approval_id.strip().lower()
        found = self.pending.get(key)
        if found is not None:
            return found
        done = next((a for a in reversed(self.decided) if a.id == key), None)
        if done is not None:
            message = f"approval {key} is already {done.status}" + (
                f" (by {done.decided_by} via {done.decided_via})" if done.decided_by else ""
            )
        else:
            message = f"no approval {key}; pending: {', '.join(self.pending) or 'none'}"
        raise WireError("INVALID_PARAMS", message, {"path": ["params", "id"], "value": approval_id})

    def decide(self, approval, status, *, by=None, via=None):
        """Ends a pending approval: approved, denied, expired or cancelled."""
        approval.status = status
        approval.decided_at = iso_now()
        approval.decided_by = by
        approval.decided_via = via
        self.pending.pop(approval.id, None)
        self.decided.append(approval)

    def listing(self, include_decided):
        """Pending first (oldest first), then the decided ones, newest first."""
        out = [a.record() for a in self.pending.values()]
        if include_decided:
            out.extend(a.record() for a in reversed(self.decided))
        return out
