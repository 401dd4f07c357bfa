"""Text shared by the figures' titles."""

_SUPERSCRIPTS = str.maketrans("0123456789", "⁰¹²³⁴⁵⁶⁷⁸⁹")


def count(n: int) -> str:
    """``n`` as 10ᵏ when it is a power of ten above 10 (``10⁴``), else its digits."""
    digits = str(int(n))
    if n >= 100 and digits == "1" + "0" * (len(digits) - 1):
        return "10" + str(len(digits) - 1).translate(_SUPERSCRIPTS)
    return digits
