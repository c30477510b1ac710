"""The served index behind the API: loaded on a thread at start, swapped for a new generation when an ingest switches."""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass

from .. import index as idx
from ..answer import AnswerEngine
from ..errors import PolicyQAError
from ..lookup import Lookup
from ..settings import Settings

log = logging.getLogger("policyqa.api")


class NotReadyError(PolicyQAError):
    """The index is still loading, or could not be loaded; requests get 503 until it is."""


@dataclass(frozen=True)
class Served:
    engine: AnswerEngine
    lookup: Lookup
    generation: str


class ServedIndex:
    """Requests read `current()`; one thread loads the first generation and then watches for the next one. A new
    generation is loaded beside the old one, which keeps answering until the swap (as the app does)."""

    def __init__(self, settings: Settings, reload_s: float):
        self.settings = settings
        self.reload_s = reload_s
        self._served: Served | None = None
        self._error: str | None = None
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        self._thread = threading.Thread(target=self._run, name="policyqa-api-index", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()

    def current(self) -> Served:
        served = self._served
        if served is None:
            raise NotReadyError(self._error or "the policy index is loading")
        return served

    def status(self) -> dict[str, object]:
        served = self._served
        if served is None:
            return {"ready": False, "generation": None, "error": self._error}
        return {"ready": True, "generation": served.generation, "policies": len(served.engine.index.policies),
                "error": None}

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                self._refresh()
            except PolicyQAError as exc:
                self._error = str(exc)
                log.warning("index not loaded", extra={"fields": {"event": "index_error", "error": str(exc)}})
            except Exception as exc:  # keep serving the generation already loaded; say why in the log
                self._error = "the policy index could not be loaded"
                log.exception("index load failed", extra={"fields": {"event": "index_error", "error": type(exc).__name__}})
            self._stop.wait(self.reload_s)

    def _refresh(self) -> None:
        generation = idx.require_generation(self.settings).name
        served = self._served
        if served is not None and served.generation == generation:
            return
        engine = AnswerEngine(self.settings)
        # the engine reads the generation that is active when it loads, which may be newer than the one asked about
        self._served = Served(engine, Lookup(engine), engine.index.generation)
        self._error = None
        log.info("index loaded", extra={"fields": {"event": "index_loaded", "generation": engine.index.generation,
                                                   "policies": len(engine.index.policies)}})
