#!/usr/bin/perl
# LemonLDAP::NG portal as a bare PSGI app (run with plackup -E deployment; see lemonldap.py).
use Lemonldap::NG::Portal::Main;
Lemonldap::NG::Portal::Main->run( {} );
