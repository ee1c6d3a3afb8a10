"""Transverses API (``/cpro/transverses/v1/…``, reference §6): health check, files, flow reports, the
supplier's structures and bank accounts."""

from __future__ import annotations

import base64

from chorus_pro.dates import parse_datetime
from chorus_pro.documents import Attachment
from chorus_pro.errors import OutcomeUnknownError, ProtocolError, TransientError
from chorus_pro.results import (
    BankAccount,
    FlowError,
    FlowReport,
    HealthStatus,
    SupplierStructure,
    UploadedFile,
)

from .base import ChorusApi
from .reading import as_int, as_list


class Transverses(ChorusApi):
    name = "transverses"

    def health_check(self) -> HealthStatus:
        """GET ``transverses/v1/health-check``; unreachable or failing → ``ok=False`` (auth errors raise)."""
        try:
            data = self.call("health-check", method="GET")
        except (TransientError, ProtocolError) as exc:
            return HealthStatus(False, exc.message_en)
        status = str(data.get("statusCode") or data.get("status") or "200")
        return HealthStatus(status in ("200", "OK", "UP"), f"statusCode {status}")

    def upload_file(self, attachment: Attachment) -> UploadedFile:
        """``ajouter/fichier``: a file for a later deposit or completion (a write: sent once)."""
        body = {
            "pieceJointeFichier": base64.b64encode(attachment.content).decode("ascii"),
            "pieceJointeNom": attachment.name,
            "pieceJointeTypeMime": attachment.mime_type,
            "pieceJointeExtension": attachment.extension,
        }
        data = self.call("ajouter/fichier", body, write=True, reference=attachment.name)
        attachment_id = as_int(data.get("pieceJointeId"))
        if attachment_id is None:
            raise OutcomeUnknownError("transverses/v1/ajouter/fichier", attachment.name, "no pieceJointeId")
        return UploadedFile(attachment_id, attachment.name)

    def get_flow_report(self, flow_number: str) -> FlowReport:
        data = self.call("consulterCRDetaille", {"numeroFluxDepot": flow_number})
        return FlowReport(
            flow_number=str(data.get("numeroFluxDepot") or flow_number),
            status=str(data.get("etatCourantDepotFlux") or ""),
            status_date=parse_datetime(data.get("dateHeureEtatCourantFlux")),
            invoice_errors=tuple(FlowError(str(e.get("numeroDP") or ""), str(e.get("libelleErreurDP") or ""))
                                 for e in as_list(data.get("listeErreurDP"))),
            technical_errors=tuple(
                " ".join(str(e.get(k)) for k in ("codeErreur", "libelleErreur") if e.get(k)).strip()
                for e in as_list(data.get("listeErreurTechnique"))),
        )

    def supplier_structures(self) -> list[SupplierStructure]:
        data = self.call("recuperer/structures/actives/fournisseur", {})
        return [SupplierStructure(as_int(s.get("idStructureCPP")) or 0,
                                  str(s.get("identifiant") or s.get("identifiantStructure") or ""),
                                  str(s.get("designationStructure") or ""))
                for s in as_list(data.get("listeStructures"))]

    def valid_bank_accounts(self, supplier_structure_id: int) -> list[BankAccount]:
        data = self.call("recuperer/coordbanc/valides", {"idStructure": supplier_structure_id})
        return [BankAccount(as_int(a.get("idCoordonneeBancaire")) or 0, str(a.get("nomCoordonneeBancaire") or ""))
                for a in as_list(data.get("listeCoordonneeBancaire"))]
