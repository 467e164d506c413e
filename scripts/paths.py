"""Where the project keeps what it builds and what it stores at run time."""

from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BUILD = ROOT / ".build"
DATA = ROOT / ".data"
MODELS = ROOT / "models"
SPACY_ZH = BUILD / "spacy" / "zh"
SPACY_EN = BUILD / "spacy" / "en"
DOMAIN = BUILD / "domain"
MODEL = MODELS / "pathpal.tar.gz"
MODEL_FINGERPRINT = MODELS / "pathpal.fingerprint"
TRAINING_INPUTS = (
    "config.yml",
    "domain.yml",
    "nlu",
    "stories",
    "locales/en.yml",
    "locales/yue.yml",
)


def rasa_env(base: dict[str, str]) -> dict[str, str]:
    """Environment for Rasa processes: quiet, offline, no telemetry or crash reports."""
    return {
        **base,
        "TF_CPP_MIN_LOG_LEVEL": "2",
        "PYTHONWARNINGS": "ignore",
        "RASA_TELEMETRY_ENABLED": "false",
        "SQLALCHEMY_SILENCE_UBER_WARNING": "1",
    }
