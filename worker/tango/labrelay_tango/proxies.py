"""One DeviceProxy per device, made on first use (by discovery) and kept: a proxy holds its CORBA
connection and reconnects by itself after a server restart. Each gets the configured per-call
timeout (Tango's own default of 3 s kills slow acquisitions, as Asyncroscopy found).

Commands go out as asynchronous requests whose reply is then awaited. The synchronous
command_inout of PyTango 9.3 holds Python's GIL for the whole call — a hung device would freeze
the socket thread, and with it health and cancel — while command_inout_reply releases it. The
argument goes in a DeviceData built from the type discovery read, which also saves the
command_query round trip PyTango makes on every command_inout with a plain value."""

import threading


class Proxies:
    def __init__(self, timeout_ms):
        self._timeout_ms = timeout_ms
        self._proxies = {}
        self._lock = threading.Lock()

    def get(self, name, url):
        with self._lock:
            proxy = self._proxies.get(name)
        if proxy is not None:
            return proxy
        import tango

        # Made outside the lock: with a database this is a lookup that may take its time, and
        # other devices must not wait for it.
        proxy = tango.DeviceProxy(url)
        proxy.set_timeout_millis(self._timeout_ms)
        with self._lock:
            return self._proxies.setdefault(name, proxy)


def _arg_type(number):
    import tango

    values = getattr(tango.CmdArgType, "values", None)  # Boost.Python enums (PyTango 9)
    if isinstance(values, dict) and number in values:
        return values[number]
    try:
        return tango.CmdArgType(number)  # pybind11 enums (PyTango 10)
    except Exception:
        return number


def run_command(proxy, tool, value):
    """Runs a command with an already checked argument and returns what PyTango extracts."""
    import tango

    argin = tango.DeviceData()
    if tool.argument:
        argin.insert(_arg_type(tool.in_type_number), value)
    request = proxy.command_inout_asynch(tool.member, argin)
    # 0: wait for the reply, bounded by the proxy's timeout (API_DeviceTimedOut after it).
    return proxy.command_inout_reply(request, 0)
