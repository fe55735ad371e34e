"""cppTango wants every thread that calls it to carry an omniORB thread id; PyTango's
EnsureOmniThread (9.3.2+) gives a Python thread one for its lifetime and releases it before
the thread ends. Older PyTango versions run without it."""

import contextlib


def omni_thread():
    """The context a Python thread that talks to Tango runs in, entered once per thread."""
    import tango

    ensure = getattr(tango, "EnsureOmniThread", None)
    return ensure() if ensure is not None else contextlib.nullcontext()
