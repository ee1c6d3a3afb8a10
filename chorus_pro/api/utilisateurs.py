"""Utilisateurs API (``/cpro/utilisateurs/v1/…``, reference §7): the technical account's attachments."""

from __future__ import annotations

from chorus_pro.results import UserAttachment

from .base import ChorusApi
from .reading import as_int, paging


class Utilisateurs(ChorusApi):
    name = "utilisateurs"

    def my_attachments(self) -> list[UserAttachment]:
        """``monCompte/recuperer/rattachements``: the structures the technical account is attached to."""
        items = self.pages("monCompte/recuperer/rattachements",
                           lambda page: {"parametresRecherche": paging(page)}, "listeStructureRattachement")
        return [UserAttachment(as_int(a.get("idStructure")) or 0, str(a.get("identifiantStructure") or ""),
                               str(a.get("designationStructure") or ""), str(a.get("roleUtilisateur") or ""),
                               str(a.get("statutRattachementStructure") or ""))
                for a in items]
