"""The one gazetteer of wire agencies and large outlets that stories commonly credit.

Why a list at all: crediting patterns find small and local media on their own, but "AP" must become
"Associated Press" and "told Reuters" must count even when nothing else in the text says Reuters is a medium.
Cleaning (cited sources) and provenance (origins) share this list so that both name an agency the same way.
"""

from __future__ import annotations

# Canonical name -> aliases as written in articles.
AGENCIES: dict[str, tuple[str, ...]] = {
    "Reuters": ("Reuters", "Thomson Reuters"),
    "Associated Press": ("Associated Press", "AP"),
    "AFP": ("AFP", "Agence France-Presse", "Agence France Presse"),
    "Bloomberg": ("Bloomberg", "Bloomberg News"),
    "Sputnik": ("Sputnik",),
    "TASS": ("TASS", "Tass"),
    "RIA Novosti": ("RIA Novosti", "RIA"),
    "Interfax": ("Interfax",),
    "Xinhua": ("Xinhua",),
    "Anadolu Agency": ("Anadolu Agency", "Anadolu"),
    "Kyodo": ("Kyodo", "Kyodo News"),
    "Yonhap": ("Yonhap",),
    "dpa": ("dpa", "DPA", "Deutsche Presse-Agentur"),
    "ANSA": ("ANSA",),
    "EFE": ("EFE",),
    "Europa Press": ("Europa Press",),
    "PTI": ("PTI", "Press Trust of India"),
    "IANS": ("IANS",),
    "UPI": ("UPI", "United Press International"),
    "IRNA": ("IRNA",),
    "SANA": ("SANA",),
    "WAFA": ("WAFA",),
    "Al Jazeera": ("Al Jazeera",),
    "BBC": ("BBC",),
    "CNN": ("CNN",),
}

# Alias (case-folded) -> canonical name.
ALIASES: dict[str, str] = {a.casefold(): canon for canon, aliases in AGENCIES.items() for a in aliases}
