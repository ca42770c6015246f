"""Refresh the version hash of every model listed in public/models/index.json.

The page caches downloaded weights under this version; a new hash makes browsers fetch the
new files instead of reusing an old copy.
"""
import hashlib
import json
import os

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "public")
INDEX = os.path.join(ROOT, "models", "index.json")


def main():
    with open(INDEX, encoding="utf-8") as f:
        models = json.load(f)
    for m in models:
        h = hashlib.sha256()
        for name in m["files"]:
            with open(os.path.join(ROOT, m["baseUrl"], name), "rb") as f:
                h.update(f.read())
        m["version"] = h.hexdigest()[:12]
        print(m["id"], m["version"])
    with open(INDEX, "w", encoding="utf-8") as f:
        json.dump(models, f, indent=2, ensure_ascii=False)
        f.write("\n")


if __name__ == "__main__":
    main()
