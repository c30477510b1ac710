"""Domain words: lay and abbreviated terms mapped to policy words, and the words that carry no indication."""

from __future__ import annotations

# Lay words, abbreviations and common misspellings → the words policies use. Longest phrases are applied first.
SYNONYMS: dict[str, str] = {
    "prolo shots": "prolotherapy injections",
    "prolo": "prolotherapy",
    "prolotherapy shots": "prolotherapy injections",
    "sugar shots": "dextrose prolotherapy injections",
    "dextrose shots": "dextrose prolotherapy injections",
    "tennis elbow": "lateral epicondylitis epicondylitis elbow",
    "golfer's elbow": "medial epicondylitis epicondylitis elbow",
    "golfers elbow": "medial epicondylitis epicondylitis elbow",
    "tmj": "temporomandibular joint tmj",
    "tmd": "temporomandibular joint disorder tmd",
    "jaw joint": "temporomandibular joint",
    "jaw pain": "temporomandibular joint pain jaw",
    "lower back": "low back pain",
    "low back": "low back pain",
    "backache": "back pain",
    "back ache": "back pain",
    "lbp": "low back pain",
    "oa": "osteoarthritis",
    "knee arthritis": "knee osteoarthritis",
    "arthritic knee": "knee osteoarthritis",
    "arthritic": "osteoarthritis",
    "wear and tear arthritis": "osteoarthritis",
    "it band": "iliotibial band",
    "itbs": "iliotibial band syndrome",
    "si joint": "sacroiliac joint",
    "nerve pain": "neuropathic pain",
    "muscle pain": "myofascial pain musculoskeletal pain",
    "heel pain": "plantar fasciitis heel",
    "achilles": "achilles tendinosis",
    "tendonitis": "tendinopathy tendinitis",
    "tendinitis": "tendinopathy tendinitis",
    "rotator cuff": "rotator cuff shoulder",
    "weight loss surgery": "bariatric surgery weight loss",
    "weight-loss surgery": "bariatric surgery weight loss",
    "stomach stapling": "bariatric surgery gastric",
    "gastric bypass": "bariatric surgery gastric bypass",
    "lap band": "bariatric surgery adjustable gastric band",
    "lap-band": "bariatric surgery adjustable gastric band",
    "gastric sleeve": "bariatric surgery sleeve gastrectomy",
    "stomach surgery": "bariatric surgery",
    "prp": "platelet-rich plasma prp",
    "platelet rich plasma": "platelet-rich plasma",
    "nose job": "rhinoplasty nose cosmetic",
    "nose surgery": "rhinoplasty nose",
    "cgm": "continuous glucose monitor cgm",
    "glucose monitor": "continuous glucose monitor",
    "sugar monitor": "continuous glucose monitor",
    "dexcom": "continuous glucose monitor",
    "libre": "continuous glucose monitor",
    "scs": "spinal cord stimulation scs",
    "spinal cord stimulator": "spinal cord stimulation stimulator",
    "back stimulator": "spinal cord stimulation",
    "needles": "acupuncture",
    "needle therapy": "acupuncture",
    "acupunture": "acupuncture",
    "pre-auth": "prior approval authorization",
    "preauth": "prior approval authorization",
    "pre auth": "prior approval authorization",
    "prior auth": "prior approval authorization",
    "pre-approval": "prior approval",
    "preapproval": "prior approval",
    "precert": "prior approval precertification",
    "hcpcs": "hcpcs code",
    "cpt": "cpt code",
    "billing code": "code",
    "shots": "injections",
    "shot": "injection",
    "jabs": "injections",
    "arthritis": "arthritis osteoarthritis",
    "botox": "botulinum toxin botox",
    "other names": "names also referred to as known as called",
    "also called": "also referred to as known as called",
    "bottom line": "bottom line overall conclusion evidence insufficient to determine",
    "night guard": "intraoral appliance splint night guard",
    "mouth guard": "intraoral appliance splint",
    "bite splint": "intraoral appliance splint",
    "stimulator": "stimulator stimulation",
}

# Words that say what is asked, who asks, or nothing at all: never an indication.
NON_INDICATION = set(
    """
    a about above after again against all am an and any are aren't as at be because been before being below between
    both but by can can't cannot could did do does doesn't doing don't down during each few for from further had has
    have having he her here hers herself him himself his how i i'd i'm i've if in into is isn't it it's its itself just
    let's me more most my myself no nor not now of off on once only or other our ours ourselves out over own same she
    should so some such than that that's the their theirs them themselves then there these they this those through to
    too under until up very was we were what what's when where which while who whom why will with won't would you your
    yours yourself yourselves hi hello hey please thanks thank ok okay question quick
    cover covered covers covering coverage pay pays paid paying payment reimburse reimbursed reimbursement insurance
    insurer plan plans policy policies medical benefit benefits member members patient patients provider providers
    office caller calling asks asking ask asked wants want wanted know need needs needed get getting got treatment
    treatments procedure procedures service services therapy therapies use used using considered consider investigational
    experimental unproven medically necessary necessity allowed approved approve status say says said tell explain
    mean means doc doctor injections injection shots shot surgery option options kind type types like also still
    currently under per via case rep check look looking see find regarding re anything something whether might
    program health care able eligible one two etc applications application indications indication conditions condition
    purposes purpose situation covered? cover? else
    husband wife spouse partner mom mother dad father son daughter kid kids family friend grandma grandpa grandmother
    grandfather brother sister aunt uncle baby wants someone somebody person people guy lady man woman
    done make made given give go going gone come came take took taking try trying tried says said elsewhere
    somewhere place places ago year years month months week weeks day days time times really actually just
    position positions stance cpt hcpcs icd
    """.split()
)

# Payers often named by people that are not in a corpus unless a document says so.
KNOWN_PAYERS = (
    "aetna", "cigna", "unitedhealthcare", "united healthcare", "uhc", "humana", "kaiser", "anthem", "bcbs",
    "blue cross", "blue shield", "medicare", "medicaid", "molina", "centene", "ambetter", "oscar", "highmark",
    "premera", "regence", "florida blue", "tricare", "caresource", "wellcare", "elevance", "optum", "geisinger",
    "harvard pilgrim", "tufts", "emblemhealth", "oxford", "health net", "amerigroup", "priority health",
)

# Words for services no corpus may hold, used only to tell "not in corpus" from "off topic".
HEALTH_WORDS = set(
    """
    covered cover coverage insurance plan policy medical surgery therapy treatment procedure injection injections
    shots drug medication prescription doctor hospital clinic test testing scan mri ct xray x-ray lasik dental teeth
    vision eye glasses hearing aid aids pain disease diabetes cancer pregnancy ivf fertility physical chiropractic
    massage ambulance emergency transplant dialysis therapy counseling mental rehab device implant screening vaccine
    prior approval authorization code cpt hcpcs claim deductible copay benefit benefits member provider
    """.split()
)
