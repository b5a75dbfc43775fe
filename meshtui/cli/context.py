"""What every command receives: parsed arguments, the output writer, and the wiring."""

from __future__ import annotations

import argparse
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from meshtui.cli.output import Output
from meshtui.domain.secrets import Masker

if TYPE_CHECKING:
    from meshtui.wiring import Wiring


@dataclass
class CliContext:
    """Per-invocation state shared by the commands."""

    args: argparse.Namespace
    out: Output
    masker: Masker = field(default_factory=Masker)
    _wiring: Wiring | None = None

    @classmethod
    def from_args(cls, args: argparse.Namespace) -> CliContext:
        masker = Masker()
        return cls(args=args, out=Output(json_mode=bool(getattr(args, "json", False)), masker=masker), masker=masker)

    @property
    def wiring(self) -> Wiring:
        """The composition root, built on first use (imports services lazily)."""
        if self._wiring is None:
            from meshtui.wiring import Wiring

            self._wiring = Wiring(kubeconfig=self.args.kubeconfig, context=self.args.context,
                                  allow_remote=self.args.allow_remote, read_only=self.args.read_only,
                                  masker=self.masker)
        return self._wiring
