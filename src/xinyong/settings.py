"""Django settings for xinyong.

Everything that differs between a laptop demo and production comes from the environment:

- ``XINYONG_ENV``: ``development`` (default) or ``production``. Production refuses the built-in
  development secrets and turns DEBUG off.
- ``DATABASE_URL``: e.g. ``postgres://postgres@127.0.0.1:5432/xinyong``; default is a SQLite file
  under ``$XINYONG_HOME/var``.
- ``XINYONG_SECRET_KEY``: Django's signing key.
- ``XINYONG_ENCRYPTION_KEY``: Fernet key (urlsafe base64, 32 bytes) for personal identifiers at rest.
- ``XINYONG_HMAC_KEY``: key of the keyed hash used for exact lookup of personal identifiers.
- ``XINYONG_TASKS_BACKEND``: ``db`` (default; background batches in a database queue worked by
  ``xinyong db_worker``, which ``xinyong serve`` starts) or ``immediate`` (run in the calling process).
- ``XINYONG_UPLOAD_MAX_BYTES``, ``XINYONG_API_MAX_BODY_BYTES``, ``XINYONG_API_SYNC_MAX_ROWS``: collection
  limits (uploaded file size, API body size, rows an API request loads before answering).
- ``XINYONG_RECORD_MAX_DEPTH``, ``XINYONG_API_BODY_MAX_DEPTH``, ``XINYONG_FILE_MAX_*``: bounds on what an
  uploaded file or request may expand to (``docs/limits.md``).
- ``XINYONG_UPLOAD_RETENTION_DAYS``: days a batch's stored files are kept (default 90; docs/files-at-rest.md).
- ``XINYONG_SITE_URL``: the public address printed on credit reports rendered outside a request (QR code).
- ``XINYONG_PUBLIC_API_RATE``: rate limit of the public API and report pages per client address (``120/m``).
- ``XINYONG_PORTAL_NAME``: the public portal's name (default 信用信息公示服务平台), e.g. 信用示范县.
"""

import os
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured
from whitenoise.compress import Compressor

BASE_DIR = Path(__file__).resolve().parent
HOME = Path(os.environ.get("XINYONG_HOME", Path.cwd())).resolve()
VAR_DIR = HOME / "var"

ENV = os.environ.get("XINYONG_ENV", "development")
if ENV not in ("development", "production"):
    raise ImproperlyConfigured(f"XINYONG_ENV must be 'development' or 'production', not {ENV!r}")
PRODUCTION = ENV == "production"

# Development defaults: fixed so that demo data and encrypted identifiers survive restarts; never valid
# in production (checked below).
DEV_SECRET_KEY = "dev-only-insecure-xinyong-secret-key-do-not-use-in-production"
DEV_ENCRYPTION_KEY = "ZGV2LW9ubHktaW5zZWN1cmUteGlueW9uZy1mZXJuZXQ="  # urlsafe base64 of 32 ASCII bytes
DEV_HMAC_KEY = "dev-only-insecure-xinyong-hmac-key"

SECRET_KEY = os.environ.get("XINYONG_SECRET_KEY", DEV_SECRET_KEY)
ENCRYPTION_KEY = os.environ.get("XINYONG_ENCRYPTION_KEY", DEV_ENCRYPTION_KEY)
HMAC_KEY = os.environ.get("XINYONG_HMAC_KEY", DEV_HMAC_KEY)
# Optional separate key for the audit log's hash chain, so HMAC_KEY can be managed on its own.
AUDIT_HMAC_KEY = os.environ.get("XINYONG_AUDIT_HMAC_KEY") or None
# `migrate` loads the shipped catalog items, code lists and rule sets a database does not have yet.
CATALOG_LOAD_ON_MIGRATE = True
LISTS_LOAD_ON_MIGRATE = True
# Due process (docs/due-process.md): the jurisdiction profile whose deadlines the workflows use, the shipped
# profiles loaded at migrate, and where evidence files are stored (encrypted, outside the web root).
DUEPROCESS_PROFILE = os.environ.get("XINYONG_DUEPROCESS_PROFILE", "shanghai")
DUEPROCESS_LOAD_ON_MIGRATE = True
DUEPROCESS_EVIDENCE_DIR = Path(os.environ.get("XINYONG_EVIDENCE_DIR") or VAR_DIR / "evidence")
DUEPROCESS_EVIDENCE_MAX_BYTES = 10 * 1024 * 1024
DUEPROCESS_EVIDENCE_MAX_FILES = 10
# Signed checkpoints of the audit log's head are appended here (keep a copy off this machine too).
AUDIT_CHECKPOINT_DIR = Path(os.environ.get("XINYONG_AUDIT_CHECKPOINT_DIR") or VAR_DIR / "audit-checkpoints")

if PRODUCTION:
    _weak = [
        name
        for name, value, dev in (
            ("XINYONG_SECRET_KEY", SECRET_KEY, DEV_SECRET_KEY),
            ("XINYONG_ENCRYPTION_KEY", ENCRYPTION_KEY, DEV_ENCRYPTION_KEY),
            ("XINYONG_HMAC_KEY", HMAC_KEY, DEV_HMAC_KEY),
        )
        if value == dev or len(value) < 32
    ]
    if _weak:
        raise ImproperlyConfigured(
            "Production mode refuses to start with development or short secrets: set " + ", ".join(_weak)
        )
    if "DATABASE_URL" not in os.environ:
        raise ImproperlyConfigured("Production mode needs DATABASE_URL (PostgreSQL)")

DEBUG = os.environ.get("XINYONG_DEBUG", "0" if PRODUCTION else "1") == "1"
ALLOWED_HOSTS = [
    h for h in os.environ.get("XINYONG_ALLOWED_HOSTS", "" if PRODUCTION else "*").split(",") if h
]
CSRF_TRUSTED_ORIGINS = [o for o in os.environ.get("XINYONG_CSRF_TRUSTED_ORIGINS", "").split(",") if o]

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    # Before staticfiles: ``runserver`` (``xinyong serve --dev``) leaves static files to WhiteNoise too.
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "ninja",
    "django_tasks",
    "django_tasks_db",
    "xinyong.core",
    "xinyong.accounts",
    "xinyong.workdays",
    "xinyong.catalog",
    "xinyong.subjects",
    "xinyong.records",
    "xinyong.lists",
    "xinyong.jrp",
    "xinyong.dueprocess",
    "xinyong.collection",
    "xinyong.reports",
    "xinyong.portal",
    "xinyong.api",
    "xinyong.demo",
    "xinyong.console",
    # The top-level package: its management commands `serve` and `daily` run the supervisor (serve.py) and
    # the daily jobs (scheduled.py), which compose every app and so belong to no app of their own.
    "xinyong",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    # Static files are answered here, before sessions and CSRF (WhiteNoise; see STORAGES below).
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "csp.middleware.CSPMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "xinyong.urls"

# Content-Security-Policy (django-csp): pages load scripts, styles and images from this site only; no inline
# scripts or style attributes anywhere (htmx is configured not to inject styles). Data URIs are allowed for
# images (QR codes, the admin's and the API docs' icons).
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    }
}

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

WSGI_APPLICATION = "xinyong.wsgi.application"
ASGI_APPLICATION = "xinyong.asgi.application"

DATABASES = {
    "default": dj_database_url.parse(
        os.environ.get("DATABASE_URL", f"sqlite:///{VAR_DIR / 'xinyong.sqlite3'}"),
        # Each web thread keeps its connection for the next requests (a new PostgreSQL connection per request
        # cost more than an exact credit check itself); XINYONG_CONN_MAX_AGE=0 opens one per request.
        conn_max_age=int(os.environ.get("XINYONG_CONN_MAX_AGE", "60")),
        conn_health_checks=os.environ.get("XINYONG_CONN_HEALTH_CHECKS", "0") == "1",
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    Path(DATABASES["default"]["NAME"]).parent.mkdir(parents=True, exist_ok=True)
    # WAL lets the web process read while a long import writes; a generous timeout avoids
    # "database is locked" under short write bursts.
    DATABASES["default"]["OPTIONS"] = {
        "timeout": 30,
        "transaction_mode": "IMMEDIATE",
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON;",
    }

# The hot paths' hand-written statements (the exact credit check) are prepared once per connection on
# PostgreSQL (xinyong.core.prepared); "0" for a connection pooler that cannot keep prepared statements.
XINYONG_DB_PREPARED = os.environ.get("XINYONG_DB_PREPARED", "1") == "1"
# Seconds each process keeps an authenticated API key (docs/access.md): a revocation, expiry, department
# deactivation or scope change reaches the other processes within this time (0: authenticate every request).
XINYONG_API_KEY_CACHE_SECONDS = float(os.environ.get("XINYONG_API_KEY_CACHE_SECONDS", "5"))

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "accounts.User"
LOGIN_URL = "/console/login/"
LOGIN_REDIRECT_URL = "/console/"
LOGOUT_REDIRECT_URL = "/console/login/"
# ModelBackend checks passwords; RoleBackend grants model permissions from the role table
# (xinyong.accounts.permissions).
AUTHENTICATION_BACKENDS = [
    "django.contrib.auth.backends.ModelBackend",
    "xinyong.accounts.backends.RoleBackend",
]

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", "简体中文")]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True
LOCALE_PATHS = [BASE_DIR / "locale"]
# One date style (2026-11-18 08:48) and thousands separators for counts: xinyong/formats/zh_Hans/formats.py.
FORMAT_MODULE_PATH = ["xinyong.formats"]

STATIC_URL = "static/"
STATIC_ROOT = VAR_DIR / "static"
MEDIA_ROOT = VAR_DIR / "media"
# Static files are served by the web processes themselves (WhiteNoise). ``collectstatic`` (run by
# ``xinyong serve`` when DEBUG is off) copies them to STATIC_ROOT under content-hashed names with gzip and
# Brotli variants, so browsers may cache them for a year; with DEBUG on, pages link the plain names and
# WhiteNoise reads the apps' static folders directly.
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}
# Source maps, fetched by browser developer tools only, are not compressed (a third of the time collectstatic
# takes). The plain names stay too: the admin's scripts load their icons by plain name.
WHITENOISE_SKIP_COMPRESS_EXTENSIONS = [*Compressor.SKIP_COMPRESS_EXTENSIONS, "map"]

# Collection (归集): uploaded files are kept under MEDIA_ROOT/batches/<batch id>/.
XINYONG_UPLOAD_MAX_BYTES = int(os.environ.get("XINYONG_UPLOAD_MAX_BYTES", str(1024 * 1024 * 1024)))
# Days the files of a batch (upload, rejection file) are kept after it was received; encrypted meanwhile.
XINYONG_UPLOAD_RETENTION_DAYS = int(os.environ.get("XINYONG_UPLOAD_RETENTION_DAYS", "90"))
# JSON / NDJSON bodies of POST /api/collection/{item}/records; larger submissions go as files.
XINYONG_API_MAX_BODY_BYTES = int(os.environ.get("XINYONG_API_MAX_BODY_BYTES", str(64 * 1024 * 1024)))
# API submissions up to this many rows are loaded in the request; larger ones in the background.
XINYONG_API_SYNC_MAX_ROWS = int(os.environ.get("XINYONG_API_SYNC_MAX_ROWS", "5000"))
# What a file or request may expand to (docs/limits.md): refused with an error code before it is read.
# Nesting depth of one record in JSON / NDJSON (the record object is 1; one more level for a list value).
XINYONG_RECORD_MAX_DEPTH = int(os.environ.get("XINYONG_RECORD_MAX_DEPTH", "3"))
# Nesting depth of the JSON body of the other API endpoints (the outermost object or array is 1).
XINYONG_API_BODY_MAX_DEPTH = int(os.environ.get("XINYONG_API_BODY_MAX_DEPTH", "16"))
XINYONG_FILE_MAX_COLUMNS = int(os.environ.get("XINYONG_FILE_MAX_COLUMNS", "1000"))
# 32,767 characters is what one Excel cell can hold.
XINYONG_FILE_MAX_CELL_CHARS = int(os.environ.get("XINYONG_FILE_MAX_CELL_CHARS", "32767"))
XINYONG_FILE_MAX_ROW_CHARS = int(os.environ.get("XINYONG_FILE_MAX_ROW_CHARS", str(1024 * 1024)))
# XLSX / ODS are zip packages: bounds on their uncompressed size and on the compression ratio of a part.
XINYONG_FILE_MAX_UNCOMPRESSED_BYTES = int(
    os.environ.get("XINYONG_FILE_MAX_UNCOMPRESSED_BYTES", str(4 * 1024 * 1024 * 1024))
)
XINYONG_FILE_MAX_COMPRESSION_RATIO = int(os.environ.get("XINYONG_FILE_MAX_COMPRESSION_RATIO", "200"))
# Uploads above Django's in-memory threshold are streamed to temporary files, never held in memory.
FILE_UPLOAD_MAX_MEMORY_SIZE = 2_621_440

# Publication (records.windows): department code → sector, for the sector rules of the publication rule
# sets (e.g. 令第58号: 特种设备/安全生产/消防 penalties are published at least 1 year).
XINYONG_SECTOR_DEPARTMENTS = {"fire": "消防", "emergency": "安全生产"}
# The change feed (GET /api/records/changes) serves rows this many seconds after they were written, so a
# cursor never moves past a write that is still being committed.
XINYONG_CHANGE_FEED_SETTLE_SECONDS = int(os.environ.get("XINYONG_CHANGE_FEED_SETTLE_SECONDS", "30"))

# Credit reports: the public address printed on reports (verification link and QR code) when a report is
# rendered outside a web request; pages use the request's own address. E.g. https://credit.example.gov.cn
XINYONG_SITE_URL = os.environ.get("XINYONG_SITE_URL", "")
# Public (keyless) API endpoints: requests per client address, "number/period" (s, m, h, d); core/throttling.py.
XINYONG_PUBLIC_API_RATE = os.environ.get("XINYONG_PUBLIC_API_RATE", "120/m")
# The public portal's name, shown in its header, page titles and footer.
XINYONG_PORTAL_NAME = os.environ.get("XINYONG_PORTAL_NAME", "信用信息公示服务平台")

# Joint reward and punishment, other channels of the credit check (docs/check-channels.md): the batch check
# (codes per batch, API body size, codes checked per chunk) and the embeddable widget (token lifetime,
# checks per token, the acceptance systems' origins allowed to frame it). The demo acceptance page
# (/demo/acceptance/) plays a department's acceptance system; off in production unless turned on.
JRP_BATCH_MAX_CODES = int(os.environ.get("XINYONG_JRP_BATCH_MAX_CODES", "1000000"))
JRP_BATCH_MAX_BODY_BYTES = int(os.environ.get("XINYONG_JRP_BATCH_MAX_BODY_BYTES", str(64 * 1024 * 1024)))
JRP_BATCH_CHUNK = int(os.environ.get("XINYONG_JRP_BATCH_CHUNK", "10000"))
# Up to this many rows a batch's XLSX result holds every row, above only the hits and invalid rows.
JRP_BATCH_XLSX_MAX_ROWS = int(os.environ.get("XINYONG_JRP_BATCH_XLSX_MAX_ROWS", "100000"))
# PostgreSQL: read the next chunk and store the previous one on connections of their own (docs/check-channels.md).
JRP_BATCH_OVERLAP = os.environ.get("XINYONG_JRP_BATCH_OVERLAP", "1") != "0"
JRP_WIDGET_TOKEN_SECONDS = int(os.environ.get("XINYONG_JRP_WIDGET_TOKEN_SECONDS", "300"))
JRP_WIDGET_TOKEN_MAX_CHECKS = int(os.environ.get("XINYONG_JRP_WIDGET_TOKEN_MAX_CHECKS", "3"))
JRP_WIDGET_FRAME_ANCESTORS = [
    o.strip() for o in os.environ.get("XINYONG_JRP_WIDGET_FRAME_ANCESTORS", "").split(",") if o.strip()
]
XINYONG_DEMO_ACCEPTANCE = os.environ.get("XINYONG_DEMO_ACCEPTANCE", "0" if PRODUCTION else "1") == "1"

# Background tasks (batch loading): a database-backed queue worked by ``xinyong db_worker`` (started by
# ``xinyong serve``). XINYONG_TASKS_BACKEND=immediate runs tasks in the calling process instead (tests,
# one-off scripts).
_TASK_BACKENDS = {
    "db": "django_tasks_db.DatabaseBackend",
    "immediate": "django_tasks.backends.immediate.ImmediateBackend",
}
_task_backend = os.environ.get("XINYONG_TASKS_BACKEND", "db")
if _task_backend not in _TASK_BACKENDS:
    raise ImproperlyConfigured(
        f"XINYONG_TASKS_BACKEND must be one of {sorted(_TASK_BACKENDS)}, not {_task_backend!r}"
    )
TASKS = {"default": {"BACKEND": _TASK_BACKENDS[_task_backend]}}

SESSION_COOKIE_SECURE = PRODUCTION
CSRF_COOKIE_SECURE = PRODUCTION
SESSION_COOKIE_AGE = 8 * 3600  # a working day; console sessions expire overnight

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("XINYONG_LOG_LEVEL", "WARNING")},
}

# Session storage keeps one-time messages (e.g. a newly created API key) out of cookies.
MESSAGE_STORAGE = "django.contrib.messages.storage.session.SessionStorage"
