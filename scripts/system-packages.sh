# Sourced by the set-up scripts: installs the Debian packages that are missing. Needs root (apt-get); without
# it, a notice is printed (browser tests are then skipped, PDF reports unavailable). PDF credit reports
# need Pango (WeasyPrint) and the Noto CJK fonts; the browser tests need Chromium (not checked when
# XINYONG_NO_BROWSER=1, as for the demo).
need=()
[ "${XINYONG_NO_BROWSER:-0}" = 1 ] || [ -x /usr/bin/chromium ] || need+=(chromium)
fc-list 2>/dev/null | grep -ci "Noto Sans CJK" >/dev/null || need+=(fonts-noto-cjk)
/sbin/ldconfig -p 2>/dev/null | grep -c "libpangoft2-1.0" >/dev/null || need+=(libpango-1.0-0 libpangoft2-1.0-0)
if [ ${#need[@]} -gt 0 ]; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    echo "installing system packages: ${need[*]}"
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need[@]}" >/dev/null
  else
    echo "notice: missing system packages (${need[*]}); run as root to install them. Browser tests will be skipped and PDF reports unavailable."
  fi
fi
