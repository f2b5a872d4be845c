"""openpi's own client code against `mimicry serve` (issue 29): the wire format checked from the Python side.

Imports openpi-client's msgpack_numpy.py at run time from a checkout of Physical-Intelligence/openpi (its
packages/openpi-client/src), connects as its WebsocketClientPolicy does (compression=None, max_size=None, the
Api-Key header), unpacks the metadata frame, sends observation dicts of numpy arrays packed by openpi's Packer
and unpacks the responses with openpi's object_hook; then sends a bad request and expects openpi's error path
(a str frame, then close 1011). websockets.sync needs websockets >= 11; Debian 12 has 10.4, so the same calls
are made through its asyncio API.

    python3 bench/reference/openpi_client_check.py --openpi /path/to/openpi/packages/openpi-client/src \
        --server ws://127.0.0.1:8000 [--api-key K]
"""
import argparse
import asyncio
import sys
import time

import numpy as np


async def main(args):
    sys.path.insert(0, args.openpi)
    import websockets
    from openpi_client import msgpack_numpy  # openpi's own code

    headers = {"Authorization": f"Api-Key {args.api_key}"} if args.api_key else None
    async with websockets.connect(args.server, compression=None, max_size=None, extra_headers=headers) as ws:
        metadata = msgpack_numpy.unpackb(await ws.recv())
        print("metadata:", metadata)
        keys = metadata["observation_keys"]
        shapes = metadata["observation_shapes"]
        to = metadata["n_obs_steps"]
        packer = msgpack_numpy.Packer()
        rng = np.random.default_rng(0)
        for i in range(5):
            obs = {}
            for k in keys:
                shape = tuple(shapes[k])
                if k in metadata["image_keys"]:
                    obs[k] = rng.integers(0, 256, size=(to, *shape), dtype=np.uint8)
                else:
                    obs[k] = (200 + 50 * rng.standard_normal((to, *shape))).astype(np.float32)
            obs["prompt"] = "push the T"  # openpi's prompt: ignored by Mimicry
            start = time.perf_counter()
            await ws.send(packer.pack(obs))
            response = await ws.recv()
            assert isinstance(response, bytes), f"error from server: {response}"
            out = msgpack_numpy.unpackb(response)
            ms = 1000 * (time.perf_counter() - start)
            actions = out["actions"]
            assert isinstance(actions, np.ndarray) and actions.dtype == np.float32 and actions.ndim == 2, actions
            assert actions.shape == (metadata["actions_per_response"], metadata["action_dim"]), actions.shape
            assert np.isfinite(actions).all()
            print(f"request {i}: actions {actions.shape} {actions.dtype}, first {actions[0]}, server_timing {out['server_timing']}, round trip {ms:.1f} ms")
        # openpi's error path: a wrong dtype gets a str frame naming the key, then close 1011.
        bad = {k: np.zeros(tuple(shapes[k]), dtype=np.complex64) for k in keys}
        await ws.send(packer.pack({k: v.real.astype(np.float64).view(np.int64) for k, v in bad.items()} | {keys[0]: "not an array"}))
        error = await ws.recv()
        assert isinstance(error, str), error
        print("error frame:", error)
        try:
            await ws.recv()
        except websockets.exceptions.ConnectionClosed as closed:
            print("closed:", closed.code, closed.reason)
            assert closed.code == 1011
    print("openpi client check: OK")


if __name__ == "__main__":
    p = argparse.ArgumentParser()
    p.add_argument("--openpi", required=True)
    p.add_argument("--server", default="ws://127.0.0.1:8000")
    p.add_argument("--api-key")
    asyncio.run(main(p.parse_args()))
