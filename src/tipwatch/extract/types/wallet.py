"""Cryptocurrency wallets (BTC base58/bech32, ETH EIP-55), checksums verified."""

from __future__ import annotations

from tipwatch.extract.context import Context
from tipwatch.extract.registry import IdentifierType, register
from tipwatch.extract.wallets import find_wallets
from tipwatch.model import Identifier


@register
class WalletType(IdentifierType):
    name = "wallet"
    order = 3
    claims = True
    links = True
    label = "wallet"
    ftm_property = "cryptoWallets"

    def find(self, ctx: Context) -> list[Identifier]:
        return find_wallets(ctx)
