"""The built-in identifier types, one module each; importing this package registers them."""

from tipwatch.extract.types import age, email, handle, phone, place, price, url, wallet

__all__ = ["age", "email", "handle", "phone", "place", "price", "url", "wallet"]
