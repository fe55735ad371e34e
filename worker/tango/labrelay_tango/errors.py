"""The wire's closed set of error codes (protocol/error-codes.ts) and the one error type the
bridge raises, so everything that fails becomes exactly one {code, error, data} reply."""

ERROR_CODES = frozenset(
    {
        "BAD_ENVELOPE",
        "UNKNOWN_METHOD",
        "INVALID_PARAMS",
        "BLOCKED",
        "BUSY",
        "TIMEOUT",
        "CANCELLED",
        "REFUSED",
        "APPROVAL_DENIED",
        "APPROVAL_EXPIRED",
        "LAB_STOPPED",
        "LAB_LOCKED",
        "DEVICE_ERROR",
        "UNAVAILABLE",
        "INTERNAL",
    }
)


class WireError(Exception):
    """A code from the closed set, a message a person can act on, and optional structured data
    (never a stack trace: those go to stderr)."""

    def __init__(self, code, message, data=None):
        if code not in ERROR_CODES:
            raise ValueError(f"not a wire error code: {code}")
        super().__init__(message)
        self.code = code
        self.message = message
        self.data = data

    def reply(self, request_id):
        """The error reply envelope (protocol/envelope.ts errorReply)."""
        out = {"id": request_id, "status": "error", "error": self.message, "code": self.code}
        if self.data is not None:
            out["data"] = self.data
        return out


def internal(err):
    """A failure that is not a WireError is a defect in the bridge (worker-error.ts toWireError)."""
    return WireError("INTERNAL", f"internal error: {err}")
