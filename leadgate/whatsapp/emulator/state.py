"""The emulator object behind one app: settings, clock, store, limits, delivery."""

import copy
from collections.abc import Mapping
from dataclasses import dataclass

from flask import current_app

from .clock import Clock
from .delivery import Dispatcher
from .faults import Faults
from .ids import new_object_id, stable_object_id
from .limits import Limits
from .models import Number, Template
from .settings import DEFAULT_TEMPLATES, DEMO_NUMBER, Settings
from .store import Store

EXTENSION_KEY = "leadgate_emulator"


@dataclass
class Emulator:
    config: Mapping
    settings: Settings
    clock: Clock
    store: Store
    faults: Faults
    limits: Limits
    dispatcher: Dispatcher

    @classmethod
    def from_config(cls, config: Mapping) -> "Emulator":
        settings = Settings.from_config(config)
        clock = Clock()
        emulator = cls(
            config=config,
            settings=settings,
            clock=clock,
            store=Store(),
            faults=Faults(),
            limits=Limits(settings, clock),
            dispatcher=Dispatcher(settings, clock),
        )
        emulator.seed()
        return emulator

    def seed(self) -> None:
        for number in self.config.get("NUMBERS", [DEMO_NUMBER]):
            self.register_number(dict(number))

    def register_number(self, data: dict) -> Number:
        """Register or update a number; a new WABA gets the default templates."""
        waba_is_new = not self.store.numbers_in_waba(str(data.get("waba_id", "")))
        number = self.store.upsert_number(data)
        if waba_is_new and "waba_id" in data:
            for template in self.config.get("TEMPLATES", DEFAULT_TEMPLATES):
                stable = stable_object_id(
                    number.waba_id, template["name"], template["language"]
                )
                self.add_template(number.waba_id, {"id": stable, **template})
        return number

    def add_template(self, waba_id: str, data: Mapping) -> Template:
        data = copy.deepcopy(dict(data))
        return self.store.add_template(
            Template(
                id=str(data.pop("id", None) or new_object_id()),
                waba_id=waba_id,
                name=data["name"],
                language=data["language"],
                category=data.get("category", "UTILITY"),
                components=data.get("components", []),
                status=data.get("status", "APPROVED"),
                parameter_format=data.get("parameter_format", "POSITIONAL"),
            )
        )

    def reset(self) -> None:
        """Forget everything and start again from the app's config."""
        self.dispatcher.clear()
        self.faults.clear()
        self.clock.reset()
        self.limits.reset()
        self.store.clear()
        fresh = Settings.from_config(self.config)
        self.settings.update(fresh.to_dict())
        self.seed()

    def wait_idle(self, timeout: float = 5.0) -> bool:
        """Wait until every scheduled webhook and job has run."""
        return self.dispatcher.wait_idle(timeout)

    def flush(self, timeout: float = 5.0) -> bool:
        """Deliver everything scheduled now (keeping order) and wait for it."""
        return self.dispatcher.flush(timeout)

    def stop(self) -> None:
        self.dispatcher.stop()


def current_emulator() -> Emulator:
    return current_app.extensions[EXTENSION_KEY]
