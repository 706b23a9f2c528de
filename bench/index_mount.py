"""Index a large mount: the console's Vault layer against a bare walk and plain hvac.

    python bench/index_mount.py [--folders 1000] [--per-folder 10] [--repeat 3]

Seeds FOLDERS x PER_FOLDER secrets into a KV v2 mount of a fresh OpenBao dev server, then
lists the whole mount (one LIST per folder) four ways and prints the best of REPEAT runs:
bare http.client on one kept-alive connection (the floor), plain hvac (requests), and the
console's KvStore.walk serially and with its default worker threads.
"""

from __future__ import annotations

import argparse
import http.client
import json
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor

import hvac

from vault_console.vault.client import VaultGateway
from vault_console.vault.devserver import DevServer

MOUNT = "bench"


def seed(client: hvac.Client, folders: int, per_folder: int) -> None:
    client.sys.enable_secrets_engine("kv", path=MOUNT, options={"version": "2"})

    def write(folder: int) -> None:
        for item in range(per_folder):
            client.secrets.kv.v2.create_or_update_secret(
                path=f"team-{folder:04d}/model-{item:02d}",
                secret={"api_key": "x" * 32},
                mount_point=MOUNT,
            )

    with ThreadPoolExecutor(max_workers=4) as pool:
        list(pool.map(write, range(folders)))


def bare_walk(address: str, token: str) -> int:
    host, port = address.removeprefix("http://").split(":")
    conn = http.client.HTTPConnection(host, int(port))
    headers = {"X-Vault-Token": token}
    pending, found = [""], 0
    while pending:
        folder = pending.pop()
        conn.request("LIST", f"/v1/{MOUNT}/metadata/{folder}", headers=headers)
        reply = conn.getresponse()
        body = reply.read()
        if reply.status != 200:
            continue
        for key in json.loads(body)["data"]["keys"]:
            if key.endswith("/"):
                pending.append(folder + key)
            else:
                found += 1
    conn.close()
    return found


def hvac_walk(address: str, token: str) -> int:
    client = hvac.Client(url=address, token=token)
    pending, found = [""], 0
    while pending:
        folder = pending.pop()
        try:
            keys = client.secrets.kv.v2.list_secrets(path=folder, mount_point=MOUNT)["data"]["keys"]
        except hvac.exceptions.InvalidPath:
            continue
        for key in keys:
            if key.endswith("/"):
                pending.append(folder + key)
            else:
                found += 1
    return found


def best_of(repeat: int, walk: Callable[[], int]) -> tuple[float, int]:
    times, count = [], 0
    for _ in range(repeat):
        start = time.perf_counter()
        count = walk()
        times.append(time.perf_counter() - start)
    return min(times), count


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--folders", type=int, default=1000)
    parser.add_argument("--per-folder", type=int, default=10)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    with DevServer() as server:
        gateway = VaultGateway(server.settings())
        start = time.perf_counter()
        seed(gateway.client, args.folders, args.per_folder)
        print(
            f"seeded {args.folders * args.per_folder} secrets in {args.folders} folders "
            f"in {time.perf_counter() - start:.1f} s"
        )
        kv = gateway.kv(MOUNT, 2)
        rows = [
            (
                "bare http.client, serial, kept-alive",
                lambda: bare_walk(server.address, server.root_token),
            ),
            ("plain hvac (requests), serial", lambda: hvac_walk(server.address, server.root_token)),
            ("vault-console KvStore.walk, serial", lambda: sum(1 for _ in kv.walk(workers=1))),
            ("vault-console KvStore.walk, 4 workers", lambda: sum(1 for _ in kv.walk())),
        ]
        results = [(name, *best_of(args.repeat, walk)) for name, walk in rows]
        floor = results[0][1]
        print(f"{'walk':40} {'best s':>8} {'x bare':>7} {'secrets':>8}")
        for name, seconds, count in results:
            print(f"{name:40} {seconds:8.3f} {seconds / floor:7.2f} {count:8d}")


if __name__ == "__main__":
    main()
