from tests.support import fast_password_hashing  # noqa: F401
