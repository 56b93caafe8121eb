"""The keyring: patients' data keys, wrapped under the master key, and sealing/opening of encrypted columns."""

from __future__ import annotations

import uuid

from sqlalchemy import select
from sqlalchemy.orm import Session

from tailormed.errors import InputError
from tailormed.store.crypto import MasterKey, new_data_key, open_sealed, seal
from tailormed.store.models import DataKey, Patient


class Keyring:
    """Data keys under one master key. Instances hold no unwrapped key beyond a single call."""

    def __init__(self, master: MasterKey) -> None:
        self.master = master

    def new_key(self, session: Session) -> str:
        """Create and store a wrapped data key; return its id."""
        key_id = str(uuid.uuid4())
        session.add(
            DataKey(id=key_id, wrapped=self.master.wrap(new_data_key(), key_id), master_key_id=self.master.key_id)
        )
        session.flush()
        return key_id

    def data_key(self, session: Session, key_id: str) -> bytes:
        row = session.get(DataKey, key_id)
        if row is None:
            raise InputError(f"data key {key_id} is missing (erased patient?)", source="store")
        if row.master_key_id != self.master.key_id:
            raise InputError(
                f"data key {key_id} is wrapped by master key {row.master_key_id}, but the key in use is "
                f"{self.master.key_id}: set TAILORMED_MASTER_KEY or TAILORMED_KEY_FILE to the right key",
                source="store",
            )
        return self.master.unwrap(row.wrapped, key_id)

    def patient_key(self, session: Session, patient_id: str) -> bytes:
        key_id = session.scalar(select(Patient.key_id).where(Patient.id == patient_id))
        if key_id is None:
            raise InputError(f"no such patient '{patient_id}'", source="store")
        return self.data_key(session, key_id)

    def seal(self, session: Session, patient_id: str, plaintext: bytes, context: str) -> bytes:
        return seal(self.patient_key(session, patient_id), plaintext, context)

    def open(self, session: Session, patient_id: str, blob: bytes, context: str) -> bytes:
        return open_sealed(self.patient_key(session, patient_id), blob, context)

    def rotate(self, session: Session, new_master: MasterKey) -> int:
        """Re-wrap every data key under ``new_master`` (in the caller's transaction); returns how many."""
        count = 0
        for row in session.scalars(select(DataKey)):
            raw = self.data_key(session, row.id)
            row.wrapped = new_master.wrap(raw, row.id)
            row.master_key_id = new_master.key_id
            count += 1
        session.flush()
        self.master = new_master
        return count


def context(table: str, column: str, row_id: str) -> str:
    """What a ciphertext is bound to: moving it to another row or column makes it undecryptable."""
    return f"{table}.{column}:{row_id}"
