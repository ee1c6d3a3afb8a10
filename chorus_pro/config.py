"""Connection settings: environment, PISTE application, technical account, timeouts."""

from __future__ import annotations

import enum
import json
import os
from dataclasses import dataclass, field, fields, replace

from .errors import ConfigurationError


class Environment(str, enum.Enum):
    SIMULATION = "simulation"
    QUALIFICATION = "qualification"
    PRODUCTION = "production"


#: Host used for the in-process simulator: requests never leave the process.
SIMULATION_BASE_URL = "http://chorus-pro-simulator.invalid"

#: (OAuth token URL, API base URL) of each environment.
ENDPOINTS: dict[Environment, tuple[str, str]] = {
    Environment.SIMULATION: (SIMULATION_BASE_URL + "/api/oauth/token", SIMULATION_BASE_URL),
    Environment.QUALIFICATION: ("https://sandbox-oauth.piste.gouv.fr/api/oauth/token",
                                "https://sandbox-api.piste.gouv.fr"),
    Environment.PRODUCTION: ("https://oauth.piste.gouv.fr/api/oauth/token", "https://api.piste.gouv.fr"),
}

#: Credentials of the simulator's seeded technical account and PISTE application.
SIMULATION_DEFAULTS = {
    "piste_client_id": "simulation-client-id",
    "piste_client_secret": "simulation-client-secret",
    "tech_login": "TECH_1_bati-ouest@cpro.fr",
    "tech_password": "Simulation-2026!",
}

_SECRET_FIELDS = ("piste_client_secret", "tech_password")

#: Environment variables read by :meth:`ChorusConfig.from_env`.
ENV_VARS = {
    "environment": "CHORUS_PRO_ENV",
    "piste_client_id": "CHORUS_PRO_CLIENT_ID",
    "piste_client_secret": "CHORUS_PRO_CLIENT_SECRET",
    "tech_login": "CHORUS_PRO_LOGIN",
    "tech_password": "CHORUS_PRO_PASSWORD",
    "simulator_url": "CHORUS_PRO_SIMULATOR_URL",
}


@dataclass(frozen=True)
class ChorusConfig:
    """Everything the client needs to reach one Chorus Pro environment.

    ``simulator_url`` (simulation only) points the client at a simulator served
    over HTTP (``chorus-pro simulator``); when empty, the simulation runs in
    process.  ``repr()`` never shows a secret.
    """

    environment: Environment = Environment.SIMULATION
    piste_client_id: str = ""
    piste_client_secret: str = field(default="", repr=False)
    tech_login: str = ""
    tech_password: str = field(default="", repr=False)
    simulator_url: str = ""
    connect_timeout: float = 10.0
    read_timeout: float = 60.0
    #: attempts for reads (first call included); writes are never retried after sending
    max_attempts: int = 4
    backoff_base: float = 0.5
    backoff_max: float = 30.0
    #: renew the OAuth token this many seconds before it expires
    token_margin: float = 60.0

    def __post_init__(self):
        if not isinstance(self.environment, Environment):
            object.__setattr__(self, "environment", parse_environment(self.environment))

    # -- derived values ------------------------------------------------------------------
    @property
    def token_url(self) -> str:
        if self.environment is Environment.SIMULATION and self.simulator_url:
            return self.simulator_url.rstrip("/") + "/api/oauth/token"
        return ENDPOINTS[self.environment][0]

    @property
    def api_base_url(self) -> str:
        if self.environment is Environment.SIMULATION and self.simulator_url:
            return self.simulator_url.rstrip("/")
        return ENDPOINTS[self.environment][1]

    @property
    def in_process(self) -> bool:
        """True when calls go to the in-process simulator (no socket at all)."""
        return self.environment is Environment.SIMULATION and not self.simulator_url

    def with_simulation_defaults(self) -> ChorusConfig:
        """Fill empty credentials with the simulator's seeded ones (simulation only)."""
        if self.environment is not Environment.SIMULATION:
            return self
        changes = {k: v for k, v in SIMULATION_DEFAULTS.items() if not getattr(self, k)}
        return replace(self, **changes)

    def validate(self) -> ChorusConfig:
        """Raise :class:`ConfigurationError` naming the first missing or invalid setting."""
        for name in ("piste_client_id", "piste_client_secret", "tech_login", "tech_password"):
            if not (getattr(self, name) or "").strip():
                raise ConfigurationError(code="setting_missing", params={"setting": name, "variable": ENV_VARS[name]},
                                         field=name)
        if "@" not in self.tech_login:
            raise ConfigurationError(code="tech_login_format", field="tech_login")
        for name in ("connect_timeout", "read_timeout", "max_attempts"):
            if getattr(self, name) <= 0:
                raise ConfigurationError(code="setting_not_positive", params={"setting": name}, field=name)
        return self

    # -- loading ---------------------------------------------------------------------------
    @classmethod
    def from_mapping(cls, values: dict) -> ChorusConfig:
        """Settings by field name, as read from JSON: unknown names and values of the wrong type
        raise :class:`ConfigurationError` naming the setting (never showing a secret)."""
        if not isinstance(values, dict):
            raise ConfigurationError(
                f"The Chorus Pro settings must be a JSON object such as {{\"environment\": \"qualification\", "
                f"\"tech_login\": \"TECH_1_...@cpro.fr\"}}, not {_json_kind(values)}", field="config")
        kinds = {f.name: f.type for f in fields(cls)}
        unknown = sorted(set(values) - set(kinds))
        if unknown:
            raise ConfigurationError(f"Unknown Chorus Pro setting(s): {', '.join(unknown)}", field=unknown[0])
        for name, value in values.items():
            if value is not None:
                _check_type(name, kinds[name], value)
        return cls(**{k: v for k, v in values.items() if v is not None})

    @classmethod
    def from_file(cls, path: str) -> ChorusConfig:
        """Read a JSON file whose keys are the field names of this class."""
        try:
            with open(path, encoding="utf-8") as handle:
                values = json.load(handle)
        except OSError as exc:
            raise ConfigurationError(f"Cannot read configuration file {path}: {exc.strerror}",
                                     field="config") from None
        except ValueError:
            raise ConfigurationError(f"Configuration file {path} is not valid JSON", field="config") from None
        return cls.from_mapping(values)

    @classmethod
    def from_env(cls, environ=None, base: ChorusConfig | None = None) -> ChorusConfig:
        """Overlay the ``CHORUS_PRO_*`` environment variables on ``base``."""
        environ = os.environ if environ is None else environ
        values = {name: environ[var] for name, var in ENV_VARS.items() if environ.get(var)}
        return replace(base or cls(), **values) if values else (base or cls())


#: what a setting of each field type accepts from JSON, and how to write it
_SETTING_TYPES = {
    "str": ((str,), "text", 'between double quotes ("...")'),
    "Environment": ((str, Environment), "text", 'between double quotes, e.g. "qualification"'),
    "float": ((int, float), "a number", "without quotes, e.g. 30"),
    "int": ((int,), "a whole number", "without quotes, e.g. 4"),
}


def _json_kind(value) -> str:
    if isinstance(value, bool):
        return "true/false"
    if isinstance(value, (int, float)):
        return "a number"
    return {str: "text", list: "a list", dict: "an object"}.get(type(value), type(value).__name__)


def _check_type(name: str, kind: str, value) -> None:
    accepted, expected, how = _SETTING_TYPES[kind]
    if isinstance(value, accepted) and not isinstance(value, bool):
        return
    # the value itself is shown only when it is not a secret
    shown = "" if name in _SECRET_FIELDS else f" ({json.dumps(value, ensure_ascii=False)[:40]})"
    raise ConfigurationError(
        f"Chorus Pro setting {name} must be {expected}, not {_json_kind(value)}{shown}: write it {how}", field=name)


def parse_environment(value) -> Environment:
    try:
        return Environment(str(value).strip().lower())
    except ValueError:
        choices = ", ".join(e.value for e in Environment)
        raise ConfigurationError(code="environment_unknown", params={"value": value, "choices": choices},
                                 field="environment") from None


def secret_values(config: ChorusConfig) -> list[str]:
    """The secret strings of ``config``, for log redaction."""
    return [v for v in (getattr(config, n) for n in _SECRET_FIELDS) if v]
