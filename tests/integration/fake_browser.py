"""A person at a browser, for the OIDC tests: run as ``BROWSER`` with the sign-in URL.

It does what the person does on oidc-provider-mock's sign-in page: loads it, signs in as
``FAKE_OIDC_SUB`` (or presses Deny when ``FAKE_OIDC_ACTION=deny``), then follows the
provider's redirect to the console's callback on this machine, as a browser would. What the
callback page said is written to ``FAKE_OIDC_PAGE`` when that is set.
"""

from __future__ import annotations

import os
import sys

import requests


def main(url: str) -> None:
    session = requests.Session()
    session.get(url, timeout=10).raise_for_status()
    form = {"sub": os.environ.get("FAKE_OIDC_SUB", "alice")}
    if os.environ.get("FAKE_OIDC_ACTION") == "deny":
        form = {"action": "deny"}
    answer = session.post(url, data=form, allow_redirects=False, timeout=10)
    callback = answer.headers["Location"]
    page = session.get(callback, timeout=30)
    if os.environ.get("FAKE_OIDC_PAGE"):
        with open(os.environ["FAKE_OIDC_PAGE"], "w", encoding="utf-8") as out:
            out.write(f"{page.status_code} {page.text}")


if __name__ == "__main__":
    main(sys.argv[1])
