#!/bin/sh
# Debian packages the test suite needs, beyond Python: the test identity provider (LemonLDAP::NG and the
# Perl modules its portal needs, plackup), xmlsec1 (SAML signatures) and Mesa's GL/EGL (headless Panda3D).
# Run as root. Called by `python3 dev.py test` when something is missing.
set -eu
export DEBIAN_FRONTEND=noninteractive
sh "$(dirname "$0")/install-test-idp.sh"
apt-get install -y --no-install-recommends libegl1 libegl-mesa0 libgl1 libgl1-mesa-dri
