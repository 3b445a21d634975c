"""Patient privacy: identities encrypted at rest, encrypted consented video, no network.

* ``app.privacy.crypto``: scrypt key derivation and AES-GCM (``cryptography``).
* ``app.privacy.identity``: the ``IdentityVault`` of a store (names and birth years sealed when a
  passphrase is set through ``$CERVICAM_PASSPHRASE`` or the GUI).
* ``app.privacy.video``: session video, stored only with recording consent, always encrypted.
"""
