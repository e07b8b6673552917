"""What the SDK scripts share: one line per passed check, and a stop at the first that fails."""


def check(name, condition, detail=""):
    if not condition:
        raise SystemExit(f"FAILED: {name} {detail}")
    print(f"ok: {name}")
