#!/bin/sh
# Debian packages the test suite needs, beyond Python: the test identity providers (LemonLDAP::NG and the
# Perl modules its portal needs, plackup; SimpleSAMLphp on PHP's built-in server), xmlsec1 (SAML
# signatures), Mesa's GL/EGL (headless Panda3D), Chromium (the real browser of the journeys, driven by
# Playwright; Firefox ESR, driven through WebDriver BiDi: tests/journeys/firefox.py), coturn and nftables (a school network that drops UDP, reached through TURN: tests/net).
# Xvfb and xclip: a real X clipboard for the invitation card's Copy button (tests/client/test_invitation_card.py).
# nginx (nginx-light) in front of the server processes (tests/deploy/test_nginx.py, deploy/nginx/).
# wine (wine64), patchelf, mingw's binutils and nsis: building the installable clients and starting the Windows
# one (scripts/build_client.py, tests/installers).
# Node.js and npm (the OpenID Connect test provider) come with the machine.
# Run as root. Called by `python3 dev.py test` when something is missing.
set -eu
export DEBIAN_FRONTEND=noninteractive
sh "$(dirname "$0")/install-test-idp.sh"
apt-get install -y --no-install-recommends libegl1 libegl-mesa0 libgl1 libgl1-mesa-dri \
    chromium firefox-esr simplesamlphp php-cli php-xml php-mbstring php-curl coturn nftables iproute2 \
    xvfb xclip nginx-light wine wine64 patchelf binutils-mingw-w64-x86-64 nsis xauth
