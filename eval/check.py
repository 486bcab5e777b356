"""Check a question file: python eval/check.py FILE.jsonl HALF, HALF one of bundled or a folder of eval/reports
(tune, test, tune-3): the reports its golds may come from (the bundled reports always)."""
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from assistant.evaluate import check_questions, load_questions  # noqa: E402

root = Path(__file__).resolve().parent
half = sys.argv[2]
if half != "bundled" and not (root / "reports" / half).is_dir():
    sys.exit(f"no report folder eval/reports/{half}")
folders = [root.parent / "corpus"] + ([root / "reports" / half] if half != "bundled" else [])
texts = {p.name: p.read_text(encoding="utf-8") for f in folders for p in f.glob("*.txt")}
everything = {p.name: p.read_text(encoding="utf-8") for f in (root.parent / "corpus", *(root / "reports").iterdir())
              if f.is_dir() for p in f.glob("*.txt")}
items = load_questions(Path(sys.argv[1]))
problems = check_questions(items, texts.get, texts)
for p in problems:
    print(p)
from assistant.evaluate import _golds  # noqa: E402

for it in items:  # golds that also occur in other reports: worth a look (boilerplate is ambiguous)
    for doc, g in _golds(it):
        others = [d for d, t in everything.items() if d != doc and g in t]
        if others:
            print(f"note {it['id']}: gold also in {others}: {g[:50]!r}")
n = len(items)
tags = {}
for it in items:
    for t in it.get("tags") or ():
        tags[t] = tags.get(t, 0) + 1
print(f"{n} questions; {len(problems)} problems; score type {sum(it['type'] == 'score' for it in items)}, "
      f"unanswerable {sum(it['doc'] is None for it in items)}; tags {dict(sorted(tags.items()))}")
