import pytest
from cryptography.fernet import Fernet

from tests.subjects.factories import RIC
from xinyong.subjects import crypto


def test_round_trip_and_no_plaintext_in_token():
    token = crypto.encrypt(RIC)
    assert RIC not in token
    assert crypto.decrypt(token) == RIC


def test_each_encryption_differs():
    # A random IV per token: equal ID numbers cannot be spotted by equal ciphertexts.
    assert crypto.encrypt(RIC) != crypto.encrypt(RIC)


def test_hmac_is_deterministic_and_keyed(settings):
    first = crypto.ric_hmac(RIC)
    assert first == crypto.ric_hmac(RIC)
    assert len(first) == 64 and RIC not in first
    settings.HMAC_KEY = "another-hmac-key-for-the-test-only"
    assert crypto.ric_hmac(RIC) != first


def test_domains_separate_hashes():
    assert crypto.keyed_hash(RIC, domain="ric") != crypto.keyed_hash(RIC, domain="field")


def test_wrong_key_fails_without_leaking(settings):
    token = crypto.encrypt(RIC)
    settings.ENCRYPTION_KEY = Fernet.generate_key().decode()
    with pytest.raises(crypto.DecryptionError) as excinfo:
        crypto.decrypt(token)
    assert RIC not in str(excinfo.value)
    assert token not in str(excinfo.value)


def test_key_rotation_with_several_keys(settings):
    old_key = settings.ENCRYPTION_KEY
    token = crypto.encrypt(RIC)
    new_key = Fernet.generate_key().decode()
    settings.ENCRYPTION_KEY = f"{new_key},{old_key}"
    assert crypto.decrypt(token) == RIC
    rotated = crypto.reencrypt(token)
    settings.ENCRYPTION_KEY = new_key
    assert crypto.decrypt(rotated) == RIC
    with pytest.raises(crypto.DecryptionError):
        crypto.decrypt(token)
