"""Privacy attacks with controls: singling out, linkability, attribute inference (risk, interval, verdict)."""

from synthgan.evaluation.attacks.suite import ATTACKS, privacy_attacks

__all__ = ["ATTACKS", "privacy_attacks"]
