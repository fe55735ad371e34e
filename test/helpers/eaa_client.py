"""EAA's side of the wire, for the tests and the bench: fastmcp's Client (the library EAA's
MCPTool wraps) against a running labrelay, over Streamable HTTP or stdio. It does what EAA does
and prints one JSON object on stdout; the TypeScript test asserts on it.

  python3 eaa_client.py CONNECTION SCENARIO [ARGS]

CONNECTION is a JSON fastmcp config ({"mcpServers": {...}}), as EAA's MCPTool takes it.
SCENARIO:
  catalog            build every listed tool's Python signature as EAA's MCPTool does
  sync SIDES         acquire SIDExSIDE images; sync image_k, image_km1 and image_0 as
                     MCPRPCWrapper does; compare each with its .npy, bit for bit
  progress           autofocus with a progress handler; the progress EAA's WebUI would show
  bench SIDES N      N timed syncs of image_k per side (MB/s of pixels)
  floor SIDES N      N timed calls of the floor server's `payload` tool of the same sizes
"""

import asyncio
import base64
import inspect
import json
import sys
import time
from typing import Annotated, Any

import numpy as np
from fastmcp import Client

# A scan per side on the simulated specimen (0…1024): EAA's focusing test takes 350² at its
# centre 175; 2048² is 1024 units at half steps, so every pixel is specimen, not zero fill.
SCANS = {
    350: {"x_center": 175, "y_center": 175, "size_x": 350, "size_y": 350, "scan_step": 1},
    512: {"x_center": 256, "y_center": 256, "size_x": 512, "size_y": 512, "scan_step": 1},
    1024: {"x_center": 512, "y_center": 512, "size_x": 1024, "size_y": 1024, "scan_step": 1},
    2048: {"x_center": 512, "y_center": 512, "size_x": 1024, "size_y": 1024, "scan_step": 0.5},
}


# --- EAA's MCPTool, eaa_core/tool/mcp_client.py at b803a7f, as it builds signatures ----------


def python_type_from_json_schema(schema):
    json_type = schema.get("type")
    if isinstance(json_type, list):
        non_null = [v for v in json_type if v != "null"]
        if len(non_null) == 1:
            json_type = non_null[0]
        else:
            return Any
    return {
        "string": str,
        "integer": int,
        "number": float,
        "boolean": bool,
        "array": list,
        "object": dict,
    }.get(json_type, Any)


def annotation_from_json_schema(schema):
    annotation = python_type_from_json_schema(schema)
    description = schema.get("description")
    if isinstance(description, str) and description:
        return Annotated[annotation, description]
    return annotation


def build_signature_from_input_schema(input_schema):
    properties = input_schema.get("properties", {})
    required = set(input_schema.get("required", []))
    parameters = []
    for name, schema in properties.items():
        field_schema = schema if isinstance(schema, dict) else {}
        default = inspect.Parameter.empty if name in required else None
        parameters.append(
            inspect.Parameter(
                name=name,
                kind=inspect.Parameter.KEYWORD_ONLY,
                default=default,
                annotation=annotation_from_json_schema(field_schema),
            )
        )
    return inspect.Signature(parameters=parameters)


# --- MCPTool.call_tool's result parsing and decode_array_payload (era E), as EAA does --------


def eaa_result(result):
    structured = getattr(result, "structured_content", None)
    if isinstance(structured, dict) and "result" in structured:
        return structured["result"]
    if structured is not None:
        return structured
    return "\n".join(getattr(c, "text", "") for c in result.content)


def decode_payload(payload):
    encoded = payload.get("encoded_data") if isinstance(payload, dict) else None
    if not (isinstance(encoded, dict) and encoded.get("type") == "array"):
        return payload
    assert isinstance(encoded["data"], str) and isinstance(encoded["dtype"], str)
    assert isinstance(encoded["shape"], list)
    raw = base64.b64decode(encoded["data"])
    return np.frombuffer(raw, dtype=np.dtype(encoded["dtype"])).reshape(encoded["shape"]).copy()


async def call(client, name, arguments, **kwargs):
    return eaa_result(await client.call_tool(name, arguments, **kwargs))


# --- scenarios -------------------------------------------------------------------------------


async def catalog(client):
    tools = await client.list_tools()
    failures = []
    for tool in tools:
        try:
            build_signature_from_input_schema(dict(tool.inputSchema or {}))
        except (ValueError, TypeError) as err:
            failures.append({"tool": tool.name, "error": str(err)})
    return {"tools": len(tools), "names": sorted(t.name for t in tools), "failures": failures}


async def sync(client, sides):
    rows = []
    for side in sides:
        acquired = await call(client, "acquire_image", SCANS[side])
        expected = np.load(acquired["raw_data_path"], allow_pickle=False)
        raw = await client.call_tool("get_attribute_payload", {"name": "image_k"})
        image = decode_payload(eaa_result(raw))
        info = await call(client, "get_current_image_info", {})
        rows.append(
            {
                "side": side,
                "shape": list(image.shape),
                "dtype": str(image.dtype),
                "identical": image.dtype == expected.dtype
                and image.shape == expected.shape
                and image.tobytes() == expected.tobytes(),
                "nonzero": int(np.count_nonzero(image)),
                "text": [getattr(c, "text", None) for c in raw.content],
                "info": info,
            }
        )
    # MCPRPCWrapper syncs the three buffers and their pixel sizes after every acquire_image.
    buffers = {}
    for name in ("image_k", "image_km1", "image_0", "psize_k", "psize_km1", "psize_0"):
        value = decode_payload(await call(client, "get_attribute_payload", {"name": name}))
        buffers[name] = list(value.shape) if isinstance(value, np.ndarray) else value
    history = await call(
        client, "get_attribute_payload", {"name": "image_acquisition_call_history"}
    )
    infos = {
        which: await call(client, f"get_{which}_image_info", {})
        for which in ("current", "previous", "initial")
    }
    return {"rows": rows, "buffers": buffers, "history": history, "infos": infos}


async def progress(client):
    seen = []

    async def handler(progress, total, message):
        seen.append({"progress": progress, "total": total, "message": message})

    result = await call(
        client,
        "autofocus",
        {"steps": 5, "metric": "contrast", "size": 64},
        progress_handler=handler,
    )
    return {"result": result, "progress": seen}


async def timed(fn, n):
    samples = []
    for i in range(n + 2):
        started = time.perf_counter()
        await fn()
        if i >= 2:  # two to warm up
            samples.append((time.perf_counter() - started) * 1000)
    return samples


async def bench(client, sides, n):
    rows = []
    for side in sides:
        await call(client, "acquire_image", SCANS[side])

        async def one():
            image = decode_payload(await call(client, "get_attribute_payload", {"name": "image_k"}))
            assert image.nbytes > 0

        rows.append({"side": side, "ms": await timed(one, n)})
    return {"rows": rows}


async def floor(client, sides, n):
    rows = []
    for side in sides:
        nbytes = side * side * 4

        async def one():
            payload = await call(client, "payload", {"bytes": nbytes})
            assert len(base64.b64decode(payload["data"])) == nbytes

        rows.append({"side": side, "ms": await timed(one, n)})
    return {"rows": rows}


async def main():
    connection = json.loads(sys.argv[1])
    scenario = sys.argv[2]
    args = sys.argv[3:]
    sides = [int(s) for s in args[0].split(",")] if args else []
    async with Client(connection) as client:
        if scenario == "catalog":
            out = await catalog(client)
        elif scenario == "sync":
            out = await sync(client, sides)
        elif scenario == "progress":
            out = await progress(client)
        elif scenario == "bench":
            out = await bench(client, sides, int(args[1]))
        elif scenario == "floor":
            out = await floor(client, sides, int(args[1]))
        else:
            raise SystemExit(f"unknown scenario {scenario!r}")
    json.dump(out, sys.stdout)


asyncio.run(main())
