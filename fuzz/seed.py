#!/usr/bin/env python3
"""Seeds the fuzz corpora from the project's own data (scripts/fuzz.sh --seed).

Writes into fuzz/corpus/<target>/, one input per file named by its SHA-1 (as
libFuzzer names what it adds):
  ruleset        examples/*/ruleset.json, every rule set of tests/cases/*.json
  lead           every lead of examples/*/leads.json and tests/cases/*.json
  event          each example lead's events, one per line; each case's tracked events
  restore_text   saved sessions built from the example leads, the cases' restored states
  restore_bytes  the same saved sessions as MessagePack (what saveBytes writes)
  msgpack        the example leads and events as MessagePack
  compiled       every rule set above that compiles, as the compiled form holds it
                 after its header (`leadscore compile`, built with cargo, writes it)
Then `scripts/fuzz.sh` runs, and `cargo fuzz cmin` keeps what adds coverage.
"""
import datetime, glob, hashlib, json, os, struct, subprocess, sys, tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
CORPUS = os.path.join(ROOT, "fuzz", "corpus")


def put(target, data):
    if isinstance(data, str):
        data = data.encode()
    d = os.path.join(CORPUS, target)
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, hashlib.sha1(data).hexdigest()), "wb") as f:
        f.write(data)


def compact(v):
    return json.dumps(v, separators=(",", ":"), ensure_ascii=False)


def msgpack(v):
    """MessagePack as pkg-template/codec.js writes it: the smallest form of each value."""
    if v is None:
        return b"\xc0"
    if v is True:
        return b"\xc3"
    if v is False:
        return b"\xc2"
    if isinstance(v, int):
        if 0 <= v < 128:
            return bytes([v])
        if -32 <= v < 0:
            return struct.pack(">b", v)
        if v >= 0:
            for tag, fmt, top in ((0xCC, ">B", 1 << 8), (0xCD, ">H", 1 << 16), (0xCE, ">I", 1 << 32), (0xCF, ">Q", 1 << 64)):
                if v < top:
                    return bytes([tag]) + struct.pack(fmt, v)
        for tag, fmt, low in ((0xD0, ">b", -(1 << 7)), (0xD1, ">h", -(1 << 15)), (0xD2, ">i", -(1 << 31)), (0xD3, ">q", -(1 << 63))):
            if v >= low:
                return bytes([tag]) + struct.pack(fmt, v)
        raise ValueError(v)
    if isinstance(v, float):
        return b"\xcb" + struct.pack(">d", v)
    if isinstance(v, str):
        b = v.encode()
        n = len(b)
        head = bytes([0xA0 | n]) if n < 32 else b"\xd9" + bytes([n]) if n < 256 else b"\xda" + struct.pack(">H", n) if n < 65536 else b"\xdb" + struct.pack(">I", n)
        return head + b
    if isinstance(v, list):
        n = len(v)
        head = bytes([0x90 | n]) if n < 16 else b"\xdc" + struct.pack(">H", n) if n < 65536 else b"\xdd" + struct.pack(">I", n)
        return head + b"".join(msgpack(x) for x in v)
    if isinstance(v, dict):
        n = len(v)
        head = bytes([0x80 | n]) if n < 16 else b"\xde" + struct.pack(">H", n) if n < 65536 else b"\xdf" + struct.pack(">I", n)
        return head + b"".join(msgpack(k) + msgpack(x) for k, x in v.items())
    raise TypeError(type(v))


def ms(ts):
    if isinstance(ts, (int, float)):
        return int(ts)
    return int(datetime.datetime.fromisoformat(ts.replace("Z", "+00:00").replace("z", "+00:00")).timestamp() * 1000)


def saved(i, lead, key):
    """A session's saved state as `Session::save` writes it, from an example lead."""
    events = []
    for n, e in enumerate(lead.get("events", [])):
        out = {"type": e["type"], "ts": ms(e["ts"])}
        if "id" in e:
            out["id"] = e["id"]
        props = {k: v for k, v in sorted(e.items()) if k not in ("type", "ts", "id")}
        if props:
            out["p"] = props
        if n == 0 and i % 2:
            out["anon"] = True
        events.append(out)
    events.sort(key=lambda e: e["ts"])
    state = {"v": 1, "id": f"visitor-{i}"}
    if lead.get("id") is not None and i % 3:
        state["lead"] = str(lead["id"])
    if lead.get("profile"):
        state["profile"] = lead["profile"]
    state["events"] = events
    if i % 4 == 1:
        state["dropped"] = i
    state["progress"] = {key: {"stage": ["none", "mql", "pql", "sql"][i % 4], **({"cycle": 1} if i % 5 == 2 else {})}}
    return state


def main():
    rulesets, leads, event_lists, restores = [], [], [], []
    for path in sorted(glob.glob(os.path.join(ROOT, "examples", "*", "ruleset.json"))):
        with open(path) as f:
            text = f.read()
        put("ruleset", text)
        rulesets.append(json.loads(text))
    for path in sorted(glob.glob(os.path.join(ROOT, "examples", "*", "leads.json"))):
        with open(path) as f:
            leads.extend(json.load(f))
    for path in sorted(glob.glob(os.path.join(ROOT, "tests", "cases", "*.json"))):
        with open(path) as f:
            doc = json.load(f)
        rulesets.extend(doc.get("rulesets", {}).values())
        for case in doc["cases"]:
            if isinstance(case.get("ruleset"), dict):
                rulesets.append(case["ruleset"])
            if "lead" in case:
                leads.append(case["lead"])
            tracked = [s["track"] for s in case.get("steps", []) if "track" in s]
            if tracked:
                event_lists.append(tracked)
            restores.extend(s["restore"] for s in case.get("steps", []) if "restore" in s)
    for r in rulesets:
        put("ruleset", compact(r))
    for lead in leads:
        put("lead", compact(lead))
        if isinstance(lead, dict) and isinstance(lead.get("events"), list):
            event_lists.append(lead["events"])
            put("msgpack", msgpack(lead))
            for e in lead["events"][:3]:
                put("msgpack", msgpack(e))
    for events in event_lists:
        put("event", "\n".join(compact(e) for e in events))
    for r in restores:
        put("restore_text", r if isinstance(r, str) else compact(r))
        if not isinstance(r, str):
            put("restore_bytes", msgpack(r))
    keys = [f'{r.get("id")}@{r.get("version")}' for r in rulesets[:3]]
    for i, lead in enumerate(l for l in leads if isinstance(l, dict) and isinstance(l.get("events"), list)):
        try:
            state = saved(i, lead, keys[i % len(keys)])
        except (KeyError, TypeError, ValueError):
            continue  # a case's lead that is wrong on purpose
        put("restore_text", compact(state))
        put("restore_bytes", msgpack(state))
    compiled(rulesets)
    for target in sorted(os.listdir(CORPUS)):
        print(f"{target}: {len(os.listdir(os.path.join(CORPUS, target)))} inputs", file=sys.stderr)


def compiled(rulesets):
    """Each rule set that compiles, compiled by the CLI, without its header and checksum."""
    subprocess.run(["cargo", "build", "-q", "--features", "cli", "--bin", "leadscore"], cwd=ROOT, check=True)
    cli = os.path.join(os.environ.get("CARGO_TARGET_DIR", os.path.join(ROOT, "target")), "debug", "leadscore")
    with tempfile.TemporaryDirectory() as tmp:
        for i, r in enumerate(rulesets):
            src, out = os.path.join(tmp, f"{i}.json"), os.path.join(tmp, f"{i}.lsc")
            with open(src, "w") as f:
                f.write(compact(r))
            if subprocess.run([cli, "compile", "--rules", src, "--out", out], capture_output=True).returncode:
                continue  # a case's rule set that is wrong on purpose
            with open(out, "rb") as f:
                data = f.read()
            start = 7 + data[6] + 4
            put("compiled", data[start:-8])


if __name__ == "__main__":
    main()
