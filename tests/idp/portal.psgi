#!/usr/bin/perl
# LemonLDAP::NG portal as a bare PSGI app (run with plackup -E deployment; see lemonldap.py), with its
# static files (CSS, and the JavaScript that auto-posts SAML and CAS forms in a real browser) under /static,
# as the Apache or Nginx in front of a real portal serves them.
use Plack::Builder;
use Plack::App::File;
use Lemonldap::NG::Portal::Main;
use Lemonldap::NG::Portal::UserDB::Demo;

# A fourth account beside the Demo backend's three: the school's director (STAFF in tests/idp/people.py).
$Lemonldap::NG::Portal::UserDB::Demo::demoAccounts{jbrun} =
  { uid => 'jbrun', cn => 'Jerome Brun', mail => 'jbrun@ac-test.fr' };
# And a teacher of another school, collège B's (B_TEACHER in tests/idp/people.py).
$Lemonldap::NG::Portal::UserDB::Demo::demoAccounts{vhugo} =
  { uid => 'vhugo', cn => 'Victor Hugo', mail => 'vhugo@ac-test.fr' };
# And a pupil of a school that has no collège on the platform (NO_COLLEGE_PUPIL in tests/idp/people.py).
$Lemonldap::NG::Portal::UserDB::Demo::demoAccounts{lmartin} =
  { uid => 'lmartin', cn => 'Lucas Martin', mail => 'lmartin@ac-test.fr' };

my $portal = Lemonldap::NG::Portal::Main->run( {} );
builder {
    mount '/static' => Plack::App::File->new( root => '/usr/share/lemonldap-ng/portal/htdocs/static' )->to_app;
    mount '/' => $portal;
};
