# Sourced by the set-up scripts: installs the Debian packages the browser tests need (Chromium, CJK fonts)
# when they are missing. Needs root (apt-get); without it, a notice is printed and browser tests are skipped.
need=()
[ -x /usr/bin/chromium ] || need+=(chromium)
fc-list 2>/dev/null | grep -qi "Noto Sans CJK" || need+=(fonts-noto-cjk)
if [ ${#need[@]} -gt 0 ]; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    echo "installing system packages: ${need[*]}"
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need[@]}" >/dev/null
  else
    echo "notice: missing system packages (${need[*]}); run as root to install them. Browser tests will be skipped."
  fi
fi
