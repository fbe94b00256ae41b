"""Authentication: who a user is (the ENT logins, the demo directory) and the tokens that say so."""
