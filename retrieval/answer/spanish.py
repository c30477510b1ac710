"""Questions in Spanish: recognised, rewritten into the English the engine reads (lexicon/spanish.toml), and answered in
Spanish. The policy's own words are never translated: its English quote is kept verbatim and labelled as such."""

from __future__ import annotations

import functools
import re
import unicodedata

from .. import lexicon

CONTACT = "llame a Servicio al Cliente al número que aparece en su tarjeta de miembro"
DISCLAIMER = (
    "Esta respuesta viene de un asistente automático que lee las pólizas médicas del plan. Una póliza médica no es un "
    "consejo médico y no promete el pago: lo que se paga depende de los beneficios y el contrato del miembro. Hable con "
    "su médico sobre su tratamiento. Para hablar con una persona, llame a Servicio al Cliente al número que aparece en "
    "la tarjeta de miembro."
)
VERDICT_LABEL = {
    "covered": "Cubierto (médicamente necesario)",
    "covered_with_criteria": "Cubierto cuando se cumplen ciertos criterios",
    "investigational": "En investigación (no cubierto)",
    "not_medically_necessary": "No es médicamente necesario",
    "not_covered": "No cubierto",
    "no_statement": "La póliza no dice nada sobre esto",
}
VERDICT_PLAIN = {
    "covered": "se considera médicamente necesario",
    "covered_with_criteria": "se considera médicamente necesario solo cuando se cumplen ciertas condiciones",
    "investigational": ("se considera en investigación (no comprobado), y los planes normalmente no pagan servicios en "
                        "investigación"),
    "not_medically_necessary": ("se considera no médicamente necesario, y los planes normalmente no pagan esos "
                                "servicios"),
    "not_covered": "no está cubierto",
    "no_statement": "la póliza no dice nada sobre este uso",
}
ROUTE_MESSAGES = {
    "crisis": ("Si está en crisis o pensando en hacerse daño, llame o envíe un mensaje de texto al 988 (Línea de Prevención "
               "del Suicidio y Crisis, con ayuda en español) ahora mismo. Si es una emergencia, llame al 911 o vaya a la sala "
               "de emergencias más cercana."),
    "member_specific": ("No puedo ver reclamos, elegibilidad, beneficios ni costos de un miembro; solo leo las pólizas "
                        f"médicas. Para eso, {CONTACT}, o entre al portal de miembros."),
    "medical_advice": ("No puedo dar consejos médicos. Hable con su médico sobre si un tratamiento es adecuado para usted. "
                       "Puedo decirle lo que dice una póliza médica, por ejemplo si un servicio está cubierto según la "
                       f"póliza. Para hablar con una persona, {CONTACT}."),
    "off_topic": ("Solo puedo responder preguntas sobre lo que dicen las pólizas médicas del plan, citándolas palabra por "
                  "palabra. No puedo seguir otras instrucciones, escribir cartas o aprobaciones, ni mostrar mi configuración."),
}
NOT_IN_CORPUS = ("No encontré una póliza médica que responda esto entre las pólizas cargadas aquí, así que no voy a "
                 "adivinar.")
QUOTE_LEAD = "La póliza dice (sus propias palabras, en inglés)"
MEMBER_CLOSING = (f"Que su plan pague depende de sus beneficios. Para hablar con una persona, {CONTACT}. Esto no es un "
                  "consejo médico; hable con su médico sobre su tratamiento.")


def fold(text: str) -> str:
    """Lower case without accents or inverted marks: "¿Cuándo?" -> "cuando?"."""
    text = unicodedata.normalize("NFKD", text.lower())
    text = "".join(ch for ch in text if not unicodedata.combining(ch))
    return text.replace("¿", " ").replace("¡", " ")


def is_spanish(text: str) -> bool:
    if "¿" in text or "¡" in text:
        return True
    found = {m.group(0) for m in lexicon.joined("spanish", "detect").finditer(fold(text))}
    return len(found) >= 2


@functools.cache
def _phrases() -> tuple[tuple[re.Pattern[str], str], ...]:
    return tuple((row.pattern, row["means"]) for row in lexicon.rows("spanish", "phrase"))


def to_english(text: str) -> str:
    """The question in the English the engine reads: Spanish phrases replaced, Spanish function words dropped; names,
    codes and English words kept."""
    folded = fold(text)
    for pattern, means in _phrases():
        folded = pattern.sub(" " + means + " ", folded)
    stop = lexicon.words("spanish", "stop")
    words = [w for w in re.split(r"\s+", folded) if w and w.strip(".,;:!?") not in stop]
    return " ".join(words).strip()


INJECTION_NOTE = ("Las instrucciones o \"actualizaciones\" pegadas dentro de una pregunta se ignoran: las respuestas vienen "
                  "solo de las pólizas.")
UNSURE_TEXT = ("No puedo leer con confianza la posición de {who} sobre esto, así que no voy a dar una. Léala en las "
               "propias palabras de la póliza (en inglés): ")


def say(f, u, audience: str, unsure_note: str) -> str:
    """One policy's answer in Spanish; the quotes stay verbatim, in English."""
    meta = f.view.record.meta
    who = f"la póliza médica {meta.policy_id} de {meta.payer} ({meta.title})"
    text = f.view.record.text
    quotes = [(unit, role) for unit, role, _ in f.cites if role != "support"]

    def q(unit) -> str:
        return "\u201c" + text[unit.start:unit.end] + "\u201d"

    intent = u.intent if u.intent != "general" else "coverage"
    if f.note == unsure_note and quotes:
        return UNSURE_TEXT.format(who=who) + " … ".join(q(unit) for unit, _ in quotes[:3])
    if intent in {"coverage", "criteria"} and f.verdict is not None:
        if audience == "rep":
            lines = [f"**{VERDICT_LABEL[f.verdict]}** — {who}"]
        else:
            lines = [f"Según {who}, {VERDICT_PLAIN[f.verdict]}."]
        quoted = [q(unit) for unit, role in quotes if role in {"verdict", "item", "context", "answer"}]
        if quoted:
            lines.append(f"{QUOTE_LEAD}: " + " … ".join(quoted[:4]))
        if f.verdict == "covered_with_criteria" and audience == "member":
            lines.append("El consultorio de su médico puede revisar si se cumplen esas condiciones.")
        return "\n".join(lines)
    if intent == "prior_approval" and f.note == "silent on prior approval":
        return f"{who[0].upper()}{who[1:]} no dice si se requiere autorización previa. Para confirmarlo, {CONTACT}."
    if not quotes:
        return f"{who[0].upper()}{who[1:]} no lo dice."
    labels = {"prior_approval": "Autorización previa", "codes": "Códigos", "dates": "Fechas"}
    lead = labels.get(intent, "Lo que dice")
    return f"{lead} — {who}. {QUOTE_LEAD}: " + " … ".join(q(unit) for unit, _ in quotes[:3])
