#!/bin/sh
# Installs LemonLDAP::NG 2.16 (Debian), the Perl modules its portal needs, plackup (libplack-perl)
# and xmlsec1 (pysaml2). Used by the ENT end-to-end tests (tests/idp). Run as root; about 40 s.
set -eu
export DEBIAN_FRONTEND=noninteractive
apt-get update
apt-get install -y --no-install-recommends \
    lemonldap-ng libplack-perl libgd-securityimage-perl libimage-magick-perl libio-string-perl \
    libxml-simple-perl libstring-random-perl libapache-session-browseable-perl libconvert-base32-perl \
    libunicode-string-perl libmime-tools-perl libio-socket-timeout-perl libipc-run-perl \
    libhttp-parser-xs-perl libcookie-baker-xs-perl liblasso-perl xmlsec1
