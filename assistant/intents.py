"""What a question asks for: a score, what a score means, scores compared, a list of scores, an overall
rating, what reports are held, or (anything else) passages of the reports.

Decided by a table of rules read top to bottom, each a pattern with the questions it must match (examples)
and must not (counter-examples); `tests/test_intents.py` runs them all. The rules read the question with
every authority it names or describes replaced by `AUTH` ("what did AUTH get?"), so no rule is about one
council. When no rule decides, the question is compared with every labelled example (the rules' examples and
counter-examples) by the model's vectors, and takes the label of the nearest ones if they agree and are
close; otherwise it asks for passages.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

SCORE, MEANING, COMPARE, LIST, OVERALL, HELD, PUBLISHED, PASSAGES = ("score", "meaning", "compare", "list",
                                                                     "overall", "held", "published", "passages")
SCORE_INTENTS = (SCORE, MEANING, COMPARE, LIST, OVERALL)

_N = r"(?:[1-4]|one|two|three|four)"
_SCORE_NOUN = r"(?:scores?|scored|scoring|ratings?|rated|marks?|marked|grades?|graded|verdicts?|judge?ments?|judged|" \
              r"results?)"
_REPORT = r"(?:report|assessment|rating|ratings|scores|inspection|plan|minutes|press release|local account|page|" \
          r"document|review|it|this|findings|record|article)"
_DESCRIPTOR = r"(?:significant shortfalls|some shortfalls|good standard|exceptional standard|exceptional)"


@dataclass(frozen=True)
class Rule:
    name: str
    intent: str
    pattern: re.Pattern
    examples: tuple[str, ...]
    counter: tuple[str, ...]  # questions the rule must not match (labelled with what they do ask, in COUNTER)


def _rule(name: str, intent: str, pattern: str, examples: tuple[str, ...], counter: tuple[str, ...] = ()) -> Rule:
    return Rule(name, intent, re.compile(pattern, re.I), examples, counter)


RULES: tuple[Rule, ...] = (
    _rule("when a report was published", PUBLISHED,
          rf"\bwhen (?:was|were|is|has)\b.{{0,60}}\b{_REPORT}\b.{{0,25}}\b(?:published|dated|released|issued|put out|"
          rf"came out)\b|"
          rf"\bwhen (?:did|has|have)\b.{{0,30}}\b(?:publish|release|issue|put out)\w*\b.{{0,40}}\b{_REPORT}\b|"
          rf"\bpublication date\b|\bwhat date (?:was|is)\b.{{0,80}}\b(?:published|dated|released)\b|"
          rf"\bwhen is (?:it|the \w+) dated\b|"
          # "what date is the AUTH winter plan news item?": the date a page or report bears
          rf"\bwhat (?:date|day) (?:is|was|'s) (?:the |this |that |its |our )?(?:[\w'-]+ ){{0,5}}?"
          rf"(?:{_REPORT}|news item|news story|article|story|item)\s*(?:from|dated|\?|$)|"
          # "what's the date on the AUTH CQC article we hold?", "... and what date is on it?": the date it bears
          rf"\bwhat(?:'s| is) the date (?:on|of) (?:the |this |that |its |our )?(?:[\w'-]+ ){{0,5}}?"
          rf"(?:{_REPORT}|news item|news story|article|story|item|page)\b|\bwhat date is (?:on|printed on) "
          rf"(?:it|them|the \w+)\b",
          ("When did CQC publish its AUTH assessment?", "when was AUTH's report published?",
           "What is the publication date of the AUTH press release?",
           "When did CQC publish AUTH's rating", "What date is the AUTH winter plan news item?",
           "What's the date on the AUTH CQC article we hold?",
           "When was the AUTH building based services decision record published?"),
          ("when did AUTH publish guidance on visiting care homes?",)),
    _rule("what a score means", MEANING,
          rf"\bwhat (?:does|do|would|is|'s|was) (?:an? |the )?(?:score (?:of )?|mark (?:of )?)?['‘\"]?{_N}['’\"]?"
          rf"(?: out of (?:4|four))?\b.*\b(?:mean|signify|stand for|indicate|equate|say)\b|"
          rf"\bmeaning of (?:an? |the )?(?:score|rating|{_N}\b|['‘\"]?{_DESCRIPTOR})|"
          rf"\bwhat (?:does|do|is) ['‘\"]?{_DESCRIPTOR}['’\"]? (?:mean|stand for)|"
          rf"\bwhat is (?:an? |the )?(?:score|mark) of {_N}\b(?! for)|"
          # "there's a 2 - what does that number actually mean?"
          rf"\b(?:an? |the )?{_N}\b.{{0,60}}\bwhat (?:does|do|would) (?:that|this|it|the)(?: number| score| mark| "
          rf"rating)?(?: \w+)? (?:mean|signify|stand for|indicate)",
          ("what does a 4 mean?", "What does a score of 2 mean?", "what does a 3 mean in these CQC assessments?",
           "what does 'some shortfalls' mean?", "meaning of a score of 1", "what would a four out of four mean?",
           "On AUTH's assessing needs page there's a 2 - what does that number actually mean?"),
          ("what does the winter plan mean for AUTH's care homes?", "what did AUTH score?")),
    _rule("an overall rating", OVERALL,
          rf"\boverall\b.{{0,40}}\b(?:{_SCORE_NOUN}|rat\w*|judg\w*|standard|result|verdict|outcome)|"
          rf"\b(?:{_SCORE_NOUN}|rat\w*)\b.{{0,30}}\boverall\b|\bout of (?:a )?(?:100|hundred)\b|"
          rf"\bpoints?\b.*\b(?:overall|total)\b|"
          # "AUTH cqc percentage", "AUTH's rating as a percentage": an overall result out of 100
          rf"\b(?:cqc|ratings?|scores?|result)\b.{{0,20}}\b(?:percentage|per ?cent)\b|"
          # "what percentage did AUTH get?": the share of the marks it was given
          rf"\bwhat (?:percentage|per ?cent|%)(?: score| mark| result)? (?:did|has|had|was) AUTH "
          rf"(?:get|got|receive|received|achieve|achieved|score|scored|obtain|given|awarded)\b(?! for\b| on\b)",
          ("what's AUTH's overall cqc rating?", "what is AUTH's overall rating?", "was AUTH rated outstanding overall?",
           "How many points out of 100 did AUTH get?", "AUTH overall score", "what did AUTH score out of 100?",
           "AUTH cqc percentage", "What overall outcome did the CQC give AUTH?", "What percentage did AUTH get?",
           "what % did AUTH receive from the CQC?"),
          ("what did AUTH score on safeguarding?", "overall, how are carers supported in AUTH?",
           "what percentage of AUTH's carers were satisfied with their support?",
           "what percentage did AUTH spend on agency staff?", "What percentage did AUTH get for safeguarding?")),
    _rule("a list of scores", LIST,
          r"\b(?:list|show)\b.{0,30}\b(?:scores|ratings)\b|"
          r"\ball (?:the |of the |their |its |nine )?(?:scores|ratings)\b|"
          r"\bscores? (?:for|across|in|on) (?:each|every|all)\b|\b(?:what|which) scores\b|"
          r"\beach (?:quality )?statement\b|"
          r"\bevery (?:quality )?statement\b|\bscores (?:we|do we|are) (?:hold|have|held)\b|\bnine (?:scores|areas)\b",
          ("list the scores we hold", "what scores do we have?", "show all the ratings",
           "AUTH's scores for each statement",
           "all nine scores for AUTH"),
          ("what did AUTH score?", "list the actions for unpaid carers")),
    _rule("scores compared", COMPARE,
          rf"\b(?:higher|lower|better|worse|best|worst|highest|lowest|top|bottom|stronger|weaker|more|less)[- ]"
          rf"(?:scor\w*|rat\w*|mark\w*|grade\w*)\b|"
          rf"\b{_SCORE_NOUN}\b.{{0,60}}\b(?:higher|lower|better|worse|best|worst|highest|lowest|than|differ\w*|"
          rf"compare\w*|same)\b|"
          rf"\b(?:higher|lower|better|worse|best|worst|highest|lowest|differ\w*|compare\w*|same)\b.{{0,60}}\b"
          rf"{_SCORE_NOUN}\b|"
          rf"\b(?:which|who)\b.{{0,40}}\b(?:did|do|does|came out|come out|comes out|came off|come off|comes off|"
          rf"fared|performed|scored|got|was rated)\s+(?:\w+\s+)?(?:better|best|higher|worse|worst|lower|highest|"
          rf"lowest|top|ahead|on top)\b|"
          # "did AUTH or AUTH come out better?"
          rf"\b(?:did|does|do|has|have)\s+AUTH\s+or\s+AUTH\s+(?:come|came|do|fare|perform|score|get)\w*\s+"
          rf"(?:out\s+|off\s+)?(?:better|worse|higher|lower)\b|"
          rf"\b(?:did|does|do)\s+AUTH\s+(?:do|score|fare|perform|rate)\s+(?:any |much |a lot |slightly |even )?"
          rf"(?:better|worse|higher|lower)\b",
          ("which authority scored higher?", "Is AUTH's score higher or lower than AUTH's?",
           "who came off better with the cqc, AUTH or AUTH?", "Did AUTH or AUTH come out better with CQC?",
           "which one did better on transitions, AUTH or AUTH?", "compare the ratings of AUTH and AUTH",
           "who got the best score for safeguarding?", "did AUTH do better than AUTH on safeguarding?",
           "How does AUTH's safeguarding rating compare with AUTH's?",
           "Who comes out ahead on safeguarding, AUTH or AUTH?",
           "Did AUTH do any better on safe pathways than on assessing people's needs?"),
          ("how do AUTH and AUTH compare on hospital discharge?", "which council has better transitions support?")),
    _rule("a score asked for", SCORE,
          # "what did AUTH score", "AUTH's safeguarding rating", "how well did inspectors rate AUTH"
          rf"\b(?:what|which|how)\b.{{0,40}}\b(?:score|scored|rate|rated|grade|graded|mark|marked|judge|judged)\b"
          rf".{{0,20}}(?:\bAUTH\b|\b(?:we|us|they|it)\b)|"
          # a later part: "..., and what rating came out of it?"
          rf"\b(?:what|which) (?:{_SCORE_NOUN})\b (?:came out of|resulted from|followed)\b|"
          rf"\b(?:what|which) (?:{_SCORE_NOUN})\b (?:did|does|has|have) (?:it|they|we) (?:get|receive|achieve|"
          rf"earn)\b|"
          rf"\bAUTH\b.{{0,60}}\b(?:{_SCORE_NOUN})\b|\b(?:{_SCORE_NOUN})\b.{{0,25}}\b(?:of|for|did|does|has|had|was)\b"
          rf".{{0,12}}\bAUTH\b|"
          # "what did AUTH get (from CQC / for safe pathways)", "how did AUTH do"
          rf"\bwhat (?:did|do|does) (?:we|they|it|AUTH) (?:score|get)\b(?!\s+(?:from|out of|back|done|rid|paid))|"
          rf"\bwhat did AUTH (?:get|receive|achieve|obtain|earn|come out with)\s*(?:from (?:the )?(?:cqc|inspectors?)\b"
          rf".*)?[?.]?\s*$|"
          rf"\bhow (?:well |badly |good )?(?:did|has|have|was|were) (?:AUTH(?: and AUTH)?|it|they|each|both)"
          rf"(?: each| both)? (?:do|done|fare|fared|perform|performed|get on|come out|"
          rf"been (?:rated|scored|judged|assessed))\b(?:\s+(?:in|on|at|with|for|of|from)\s+"
          rf"(?:the\s+|its\s+|their\s+)?(?:cqc|"
          rf"inspection|assessment|safe\w*|assess\w*|partner\w*|equity|governance|learning|support\w* people|"
          rf"care provision)\b.*)?\s*[?.]?\s*$|"
          # "did AUTH get a four", "was AUTH's rating exceptional", "is AUTH rated good"
          rf"\b(?:did|does|has) AUTH (?:get|receive|achieve|score|earn)\s+(?:an? |the )?(?:{_N}|top|full|highest|"
          rf"exceptional|good|outstanding)\b|"
          rf"\b(?:is|was|were) AUTH\b.{{0,40}}\b(?:exceptional|good|outstanding|inadequate|requires improvement|"
          rf"shortfalls)\b|"
          rf"\b(?:is|was|were) AUTH (?:rated|scored|graded|judged)\b|"
          rf"\bhow (?:well|highly|badly) (?:did|do|does|has|have)\b.{{0,30}}\b(?:rate|score|judge|grade)\w*\b|"
          # "what rating did the CQC give AUTH's adult social care?"
          rf"\b(?:what|which)\s+(?:scores?|ratings?|grades?|marks?|verdict)\b.{{0,20}}\b(?:the\s+)?(?:cqc|inspectors?|"
          rf"care quality commission|commission)\s+(?:give|gave|award|awarded)\b.{{0,12}}\bAUTH\b|"
          # "which of AUTH's nine areas were only given a 3?"
          rf"\bwhich\b.{{0,60}}\b(?:given|got|get|scored|received|rated|awarded)\s+(?:only\s+)?(?:an?\s+)?{_N}\b|"
          # "which council scored 4 on partnerships?", "which authorities got a 2 for safeguarding?"
          rf"\b(?:which|what) (?:councils?|authorit\w+|local authorit\w+|ones?|las?|boroughs?|count(?:y|ies))\b"
          rf".{{0,30}}"
          rf"\b(?:scored|got|received|were given|was given|achieved|rated|were rated)\b|"
          # "did the CQC call it good or outstanding?", "did inspectors find AUTH good?"
          rf"\b(?:did|does|has|have|would)\s+(?:the\s+)?(?:cqc|inspectors?|commission|regulator|watchdog)\s+"
          rf"(?:call|rate|judge|find|deem|class|consider|grade)\w*\s+(?:it|them|AUTH)\b.{{0,20}}\b(?:good|outstanding|"
          rf"inadequate|requir(?:es|ing) improvement|excellent|exceptional)\b|"
          # a later part: "When did the CQC visit AUTH, and what was their verdict?"
          rf"^\s*(?:and\s+)?what (?:was|is|were|'s) (?:their|its|the|the cqc'?s?|our) (?:final |overall )?"
          rf"(?:verdicts?|ratings?|scores?|grades?|marks?|judge?ments?)\s*\??\s*$",
          ("what did AUTH score?", "What did AUTH score on safe pathways?", "How well did inspectors rate AUTH?",
           "What mark did AUTH receive?", "was AUTH's transitions rating exceptional or not?", "what did AUTH get?",
           "Did AUTH get a four?", "AUTH safeguarding score", "what rating did AUTH get for safe pathways?",
           "What did AUTH get from CQC for safe pathways, systems and transitions?", "how did AUTH do?",
           "what did we score on safe pathways?", "which council scored 4?", "score for AUTH on assessing needs",
           "Is AUTH rated good?", "what grade was AUTH given for safeguarding?", "and what rating did it get?",
           "what rating came out of it?",
           "Which of AUTH's nine assessed areas were only given a 3?", "How was AUTH rated for assessing needs?",
           "What rating did the CQC give AUTH's adult social care?",
           "How did the Care Quality Commission judge AUTH's adult social care?",
           "AUTH versus AUTH: how did each come out of its CQC assessment?",
           "How did AUTH and AUTH each come out of their CQC assessments?", "what was their verdict?",
           "AUTH - did the CQC call it good or outstanding?", "did inspectors find AUTH good?"),
          ("What did AUTH get from the Infection Control Fund?", "how does AUTH rate the risk of falls?",
           "How are AUTH's carers supported?", "what did AUTH do about PPE?", "how did AUTH do hospital discharge?",
           "How near was AUTH to being rated Good?",
           "In what month and year were the results of AUTH's CQC assessment published?",
           "what was the verdict of the safeguarding adults review?")),
    _rule("what reports are held", HELD,
          r"\b(?:which|what)\b.{0,60}\b(?:reports?|documents?|assessments?|plans?|pages?|statements?|minutes|"
          r"councils?|authorit\w+|parts?|sections?)\b.{0,40}\b(?:do we|we|are|is|have we)\s+"
          r"(?:actually\s+|currently\s+|still\s+|really\s+)?(?:got\s+)?(?:hold|have|held|loaded|indexed|covered|"
          r"in the system|got)\b|"
          r"\b(?:is|are) (?:there|any|AUTH'?s?)\b.{0,60}\b(?:loaded|held|indexed|in the system|available|on file)\b|"
          r"\bdo we (?:hold|have)\s+(?:an?|the|any|anything)\b.{0,60}\b(?:reports?|assessments?|plans?|minutes|"
          r"loaded|on|about|for|from|by)\b|"
          r"\b(?:do|did) we (?:hold|have|keep)\b.{0,60}\b(?:in the system|in the index|loaded|indexed|on file)\b|"
          r"\b(?:which|what) (?:quality )?statements? (?:does|do|is|are)\b.{0,60}\b(?:cover|about|for)\b|"
          r"\b(?:we hold|do we hold|we have|is loaded|in the system)\b.{0,30}\bcover\b|"
          r"\b(?:title|headline|heading) of (?:the |our |its )?.{0,40}\b(?:report|press release|plan|document|page|"
          r"minutes|assessment|record|decision|item|account|strategy|statement)\b",
          ("which reports do we hold?", "Is AUTH's adult social care winter plan loaded?",
           "do we have a winter plan for AUTH?", "what assessments are in the system?",
           "Which AUTH CQC quality statement pages are loaded in the system?",
           "Which AUTH quality statements do we hold assessment reports for?",
           "Which quality statement does the AUTH CQC assessment we hold cover?",
           "What's the headline of the AUTH press release in the index?",
           "Do we have anything loaded on AUTH care home bed capacity",
           "Which parts of the AUTH CQC assessment do we actually hold?",
           "Apart from safe pathways, are any other AUTH CQC quality statement reports in the system?",
           "What's the title of the AUTH committee decision record in the index?",
           "Do we have AUTH committee minutes in the system?", "do we hold anything from AUTH?"),
          ("what does AUTH's winter plan say about PPE?", "which statements did staff make about carers?")),
)

# What the counter-examples do ask: they label the neighbours too.
COUNTER = {
    "what was the verdict of the safeguarding adults review?": PASSAGES,
    "what does the winter plan mean for AUTH's care homes?": PASSAGES, "what did AUTH score?": SCORE,
    "what did AUTH score on safeguarding?": SCORE, "overall, how are carers supported in AUTH?": PASSAGES,
    "list the actions for unpaid carers": PASSAGES,
    "what percentage of AUTH's carers were satisfied with their support?": PASSAGES,
    "what percentage did AUTH spend on agency staff?": PASSAGES,
    "What percentage did AUTH get for safeguarding?": PASSAGES,
    "how do AUTH and AUTH compare on hospital discharge?": PASSAGES,
    "which council has better transitions support?": PASSAGES,
    "What did AUTH get from the Infection Control Fund?": PASSAGES, "how does AUTH rate the risk of falls?": PASSAGES,
    "How are AUTH's carers supported?": PASSAGES, "what did AUTH do about PPE?": PASSAGES,
    "how did AUTH do hospital discharge?": PASSAGES, "How near was AUTH to being rated Good?": PASSAGES,
    "In what month and year were the results of AUTH's CQC assessment published?": PASSAGES,
    "what does AUTH's winter plan say about PPE?": PASSAGES,
    "which statements did staff make about carers?": PASSAGES,
    "when did AUTH publish guidance on visiting care homes?": PASSAGES,
}


# A question asking when, who or where asks for a passage, whatever score words it uses ("when did CQC publish
# AUTH's rating?").
_PASSAGE_FIRST = re.compile(r"^\s*(?:and\s+)?(?:when|where|why|whom|who\b(?!\s+(?:got|scored|did|came|comes|"
                            r"was rated|were rated|received|had|has|is rated|is ahead|was ahead|does better|"
                            r"did better))|"
                            # "what did AUTH do after the star ratings?": what was done, whatever it followed
                            r"what (?:did|does|do|has|have|will|is|was) (?:AUTH(?: council)?|the council|they|it) "
                            r"(?:do|done|doing|plan|planning|say|said)\b)\b", re.I)


# A question asking for another kind of fact than a score, whatever score words it uses: a time ("in what month
# were the results published?"), or how near ("how near was AUTH to being rated good?")
_OTHER_FACT = re.compile(r"\b(?:what|which) (?:month|year|date|day)\b(?!'s)|\bhow (?:near|close|far|soon|long|often)\b",
                         re.I)


def asks_other_than_a_score(masked: str) -> bool:
    """Does the question ask when, who, where or why, or another kind of fact than a score, whatever words like a
    score question's it uses ("who responded for the council?")?"""
    return bool(_PASSAGE_FIRST.match(masked) or _OTHER_FACT.search(masked))


def decide(masked: str) -> tuple[str | None, str | None]:
    """(intent, the rule's name) of the first rule matching the masked question; (None, None) if none."""
    if RULES[0].pattern.search(masked):  # "when was it published?" asks after a report, not a passage
        return RULES[0].intent, RULES[0].name
    if asks_other_than_a_score(masked):
        return None, None
    for rule in RULES:
        if rule.pattern.search(masked):
            return rule.intent, rule.name
    return None, None


def labelled() -> list[tuple[str, str]]:
    """Every example and counter-example with its label: what the nearest-neighbour backing compares with."""
    out = [(q, r.intent) for r in RULES for q in r.examples]
    out += [(q, COUNTER[q]) for r in RULES for q in r.counter]
    return out


class Neighbours:
    """The labelled questions' vectors, made once with the model already loaded (on first use)."""

    def __init__(self, embed: Callable[[list[str]], np.ndarray]):
        self._embed = embed
        self._vectors: np.ndarray | None = None
        self._labels: list[str] = []

    def vote(self, qvec: np.ndarray, k: int = 3, close: float = 0.72) -> str | None:
        """The label of the k nearest examples if they all agree and the nearest is at least `close`."""
        if self._vectors is None:
            pairs = labelled()
            self._labels = [label for _, label in pairs]
            self._vectors = self._embed([q.replace("AUTH", "the council") for q, _ in pairs])
        sims = self._vectors @ qvec
        top = np.argsort(-sims)[:k]
        labels = {self._labels[i] for i in top}
        if len(labels) == 1 and sims[top[0]] >= close:
            return labels.pop()
        return None
