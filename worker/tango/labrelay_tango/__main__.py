"""`python -m labrelay_tango --config FILE | --config-json JSON [flags]`: runs the bridge.

Exit status: 0 after SIGTERM/SIGINT (in-flight calls answered), 2 for a configuration mistake
or a refused bind (the message says which and why), 1 for anything else."""

import argparse
import json
import os
import sys

from . import __version__
from .config import ConfigError, validate
from .log import Logger


def _parse_args(argv):
    parser = argparse.ArgumentParser(
        prog="python -m labrelay_tango",
        description="labrelay's Tango bridge: Tango device commands as labrelay worker methods.",
    )
    parser.add_argument("--config", metavar="FILE", help="settings as a JSON file")
    parser.add_argument("--config-json", metavar="JSON", help="settings as a JSON object")
    parser.add_argument(
        "--bind", metavar="ENDPOINT", help="request endpoint (ROUTER), e.g. tcp://127.0.0.1:5580"
    )
    parser.add_argument(
        "--device",
        metavar="URL",
        action="append",
        help="a device to serve, tango://HOST:PORT/domain/family/member#dbase=no (repeatable)",
    )
    parser.add_argument(
        "--tango-host", metavar="HOST:PORT", help="a Tango database to discover devices from"
    )
    parser.add_argument(
        "--attribute-tools", action="store_true", help="also serve Class_get_/Class_set_<attr>"
    )
    parser.add_argument(
        "--verbose", action="store_true", help="print the devices and tool signatures to stderr"
    )
    return parser.parse_args(argv)


def _settings(args):
    settings = {}
    if args.config:
        with open(args.config, encoding="utf-8") as f:
            settings.update(_object(json.load(f), args.config))
    if args.config_json:
        settings.update(_object(json.loads(args.config_json), "--config-json"))
    # Flags override the settings.
    if args.bind:
        settings["bind"] = args.bind
    if args.device:
        settings["devices"] = [*settings.get("devices", []), *args.device]
    if args.tango_host:
        settings["tango_host"] = args.tango_host
    if args.attribute_tools:
        settings["attribute_tools"] = True
    if args.verbose:
        settings["verbose"] = True
    return settings


def _object(value, source):
    if not isinstance(value, dict):
        raise ConfigError(f"{source} must hold a JSON object")
    return value


def _version():
    """labrelay's version from its package.json when the bridge runs from the repository."""
    here = os.path.dirname(os.path.abspath(__file__))
    for _ in range(5):
        here = os.path.dirname(here)
        try:
            with open(os.path.join(here, "package.json"), encoding="utf-8") as f:
                package = json.load(f)
            if package.get("name") == "labrelay" and package.get("version"):
                return package["version"]
        except (OSError, ValueError):
            continue
    return __version__


def main(argv=None):
    args = _parse_args(sys.argv[1:] if argv is None else argv)
    try:
        cfg = validate(_settings(args))
    except (ConfigError, OSError, ValueError) as err:
        sys.stderr.write(f"labrelay tango bridge: configuration error: {err}\n")
        return 2
    log = Logger(cfg["name"])
    from .server import BindRefused, Server

    server = Server(cfg, log, _version())
    try:
        server.bind()
    except BindRefused as err:
        sys.stderr.write(f"labrelay tango bridge: {err}\n")
        return 2
    server.serve()
    return 0


if __name__ == "__main__":
    code = main()
    sys.stderr.flush()
    # os._exit: lane threads may still sit in a Tango call, and PyTango's finalisation with
    # live omniORB threads can crash at interpreter exit; everything is closed by now.
    os._exit(code)
